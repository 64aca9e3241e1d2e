// Calls the silo with the unmodified @alicloud/openapi-client (signature V3, ACS3-HMAC-SHA256, protocol http).
// Usage: node openapi.js plan.json — plan: {endpoint: "127.0.0.1:PORT", apiVersion, accessKeyId, accessKeySecret,
//   calls: [{action, params, body, method, headers}]}; `headers` (optional) is passed as OpenApiRequest.headers, which the
//   SDK lets override its own x-acs-date / x-acs-signature-nonce (used to replay a nonce or send a stale date).
'use strict';
const fs = require('fs');
const OpenApi = require('@alicloud/openapi-client');
const OpenApiUtil = require('@alicloud/openapi-util').default;
const Util = require('@alicloud/tea-util');

(async () => {
  const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const client = new OpenApi.default(new OpenApi.Config({
    accessKeyId: plan.accessKeyId,
    accessKeySecret: plan.accessKeySecret,
    endpoint: plan.endpoint,
    protocol: 'http',
  }));
  const results = [];
  for (const call of plan.calls) {
    const params = new OpenApi.Params({
      action: call.action,
      version: plan.apiVersion,
      protocol: 'HTTP',
      pathname: '/',
      method: call.method || 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    // `body` (optional) travels as a form body, as the generated SDKs send some RPC operations' parameters.
    const request = new OpenApi.OpenApiRequest({
      query: OpenApiUtil.query(call.params || {}),
      body: call.body ? OpenApiUtil.query(call.body) : undefined,
      headers: call.headers,
    });
    try {
      const response = await client.callApi(params, request, new Util.RuntimeOptions({ readTimeout: 10000, connectTimeout: 10000 }));
      results.push({ ok: true, status: response.statusCode, body: response.body });
    } catch (e) {
      results.push({ ok: false, code: e.code, status: e.data ? e.data.statusCode : null, message: e.message });
    }
  }
  process.stdout.write(JSON.stringify(results));
})().catch(e => { console.error(e); process.exit(1); });
