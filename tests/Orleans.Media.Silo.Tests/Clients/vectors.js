// Computes signature vectors with the vendors' own npm SDKs, for pinning in SignatureVectorTests.
// Run once: NODE_PATH=$ORLEANSMEDIA_TEST_NODE_MODULES node vectors.js
'use strict';
const http = require('http');
const RPCClient = require('@alicloud/pop-core').RPCClient;
const OpenApiUtil = require('@alicloud/openapi-util').default;
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner');

const AK = 'OMAKTESTVECTOR0000001';
const SK = 'testSecret/with+symbols=~*';

async function v2(method) {
  // pop-core puts caller params after its defaults, so Timestamp and SignatureNonce can be fixed.
  let captured;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', c => body += c);
    req.on('end', () => { captured = { url: req.url, body }; res.setHeader('content-type', 'application/json'); res.end('{"RequestId":"x"}'); });
  });
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  const client = new RPCClient({ endpoint: `http://127.0.0.1:${server.address().port}`, apiVersion: '2020-09-30', accessKeyId: AK, accessKeySecret: SK });
  await client.request('GetProject', {
    ProjectName: 'my project*~é',
    UserData: '{"a":"b c","emoji":"😀"}',
    Timestamp: '2026-11-21T16:00:00Z',
    SignatureNonce: 'nonce-0001',
  }, { method });
  server.close();
  const raw = method === 'POST' ? captured.body : captured.url.slice(2);
  const params = {};
  for (const pair of raw.split('&')) { const [k, v] = pair.split('='); params[decodeURIComponent(k)] = decodeURIComponent(v); }
  return params;
}

function v3() {
  const request = {
    pathname: '/',
    method: 'POST',
    query: { ProjectName: 'my project*~é', UserData: '{"a":"b c"}' },
    headers: {
      host: '127.0.0.1:8080',
      'x-acs-action': 'GetProject',
      'x-acs-version': '2020-09-30',
      'x-acs-date': '2026-11-21T16:00:00Z',
      'x-acs-signature-nonce': 'nonce-0002',
      'x-acs-content-sha256': OpenApiUtil.hexEncode(OpenApiUtil.hash(Buffer.from(''), 'ACS3-HMAC-SHA256')),
      'user-agent': 'vectors',
    },
  };
  return { request, authorization: OpenApiUtil.getAuthorization(request, 'ACS3-HMAC-SHA256', request.headers['x-acs-content-sha256'], AK, SK) };
}

function huawei() {
  const request = {
    method: 'POST',
    endpoint: 'http://127.0.0.1:8080/v1/proj-1/large-files',
    headers: { 'X-Sdk-Date': '20261121T160000Z', 'Content-Type': 'application/json' },
    queryParams: { b: 'x y', a: '*~' },
    data: { file_name: 'clip é.mp4', file_multipart_count: 2 },
  };
  const headers = AKSKSigner.sign(request, { getAk: () => AK, getSk: () => SK });
  return { request, body: JSON.stringify(request.data), headers };
}

(async () => {
  console.log(JSON.stringify({ ak: AK, sk: SK, v2get: await v2('GET'), v2post: await v2('POST'), v3: v3(), huawei: huawei() }, null, 1));
})().catch(e => { console.error(e); process.exit(1); });
