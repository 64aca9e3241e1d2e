// Calls /v1/{project_id}/... routes of the silo through the unmodified @huaweicloud/huaweicloud-sdk-core credential
// path: BasicCredentials.processAuthRequest (project id substitution, X-Project-Id, X-Sdk-Content-Sha256 for non-JSON
// content types) and its AKSKSigner (SDK-HMAC-SHA256), then sends the request with node's http module.
// Usage: node huawei.js plan.json — plan: {baseUrl, accessKeyId, accessKeySecret, calls: [{method, path, projectId,
//   body, contentType, sdkDate, token, repeat}]}: `path` is a template such as /v1/{project_id}/large-files,
//   `sdkDate` fixes X-Sdk-Date (stale-date test), `token` sends X-Auth-Token instead of signing, `repeat` sends the
//   identical signed request that many times (replay test).
'use strict';
const fs = require('fs');
const http = require('http');
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
  const results = [];
  for (const call of plan.calls) {
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    const headers = { 'Content-Type': call.contentType || 'application/json' };
    let url;
    let sent;
    if (call.token) {
      url = plan.baseUrl + call.path.replace('{project_id}', call.projectId);
      sent = Object.assign(headers, { 'X-Auth-Token': call.token });
    } else {
      if (call.sdkDate) headers['X-Sdk-Date'] = call.sdkDate;
      const credentials = new BasicCredentials().withAk(plan.accessKeyId).withSk(plan.accessKeySecret).withProjectId(call.projectId);
      const signed = await credentials.processAuthRequest(null, {
        endpoint: plan.baseUrl, url: call.path, method: call.method, headers, queryParams: {}, data: call.body, pathParams: {},
      });
      url = signed.endpoint;
      sent = signed.headers;
    }
    for (let i = 0; i < (call.repeat || 1); i++) {
      results.push(await send(url, call.method, sent, body));
    }
  }
  process.stdout.write(JSON.stringify(results));
})().catch(e => { console.error(e); process.exit(1); });
