// Signs with the unmodified @huaweicloud/huaweicloud-sdk-core signer (AKSKSigner, SDK-HMAC-SHA256) and sends
// the request to a /v1/{project_id}/... route of the silo.
// Usage: node huawei.js plan.json — plan: {baseUrl, accessKeyId, accessKeySecret, calls: [{method, path, body,
//   sdkDate, token, repeat}]}: `sdkDate` fixes X-Sdk-Date (stale-date test), `token` sends X-Auth-Token instead of
//   signing, `repeat` sends the identical signed request that many times (replay test).
'use strict';
const fs = require('fs');
const http = require('http');
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner');
const { BasicCredentials } = require('@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials');

function send(url, method, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, res => {
      let text = '';
      res.on('data', c => text += c);
      res.on('end', () => resolve({ status: res.statusCode, requestId: res.headers['x-request-id'], body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

(async () => {
  const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const credentials = new BasicCredentials().withAk(plan.accessKeyId).withSk(plan.accessKeySecret);
  const results = [];
  for (const call of plan.calls) {
    const url = plan.baseUrl + call.path;
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    let headers = { 'Content-Type': 'application/json' };
    if (call.token) {
      headers['X-Auth-Token'] = call.token;
    } else {
      if (call.sdkDate) headers['X-Sdk-Date'] = call.sdkDate;
      headers = AKSKSigner.sign({ method: call.method, endpoint: url, headers, queryParams: {}, data: call.body }, credentials);
    }
    for (let i = 0; i < (call.repeat || 1); i++) {
      results.push(await send(url, call.method, headers, body));
    }
  }
  process.stdout.write(JSON.stringify(results));
})().catch(e => { console.error(e); process.exit(1); });
