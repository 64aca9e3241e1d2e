// Calls the silo with the unmodified @alicloud/pop-core RPC client (signature V2).
// Usage: node popcore.js plan.json — plan: {endpoint, apiVersion, accessKeyId, accessKeySecret,
//   calls: [{action, params, method}]}. Prints one JSON array: {ok, body} or {ok:false, code, status, message}.
'use strict';
const fs = require('fs');
const RPCClient = require('@alicloud/pop-core').RPCClient;

(async () => {
  const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const client = new RPCClient({
    endpoint: plan.endpoint,
    apiVersion: plan.apiVersion,
    accessKeyId: plan.accessKeyId,
    accessKeySecret: plan.accessKeySecret,
  });
  const results = [];
  for (const call of plan.calls) {
    try {
      const body = await client.request(call.action, call.params || {}, { method: call.method || 'POST', timeout: 10000 });
      results.push({ ok: true, body });
    } catch (e) {
      results.push({
        ok: false,
        code: e.code || e.name,
        status: e.entry && e.entry.response ? e.entry.response.statusCode : null,
        message: e.message,
        requestId: e.data ? e.data.RequestId : null,
      });
    }
  }
  process.stdout.write(JSON.stringify(results));
})().catch(e => { console.error(e); process.exit(1); });
