// Vonage's Node SDK for Verify v1 (`@vonage/verify`) pointed at Tessera: `apiHost` is
// Tessera's base URL, the API key and secret a passwordless client's id and secret.
//
// Usage: node vonage_verify.cjs API_HOST API_KEY API_SECRET
// Reads one JSON operation a line — {"op": "start", "request": {…}}, {"op": "check", "id", "code"},
// {"op": "search", "id"}, {"op": "cancel", "id"}, {"op": "trigger", "id"} — and prints what the
// SDK returns as one JSON line ({"thrown": message} if it throws).
"use strict";
const readline = require("readline");
const { Verify } = require("@vonage/verify");

const [apiHost, apiKey, apiSecret] = process.argv.slice(2);
const verify = new Verify({ apiKey, apiSecret }, { apiHost });

const run = {
  start: (op) => verify.start(op.request),
  check: (op) => verify.check(op.id, op.code),
  search: (op) => verify.search(op.id),
  cancel: (op) => verify.cancel(op.id),
  trigger: (op) => verify.trigger(op.id),
};

(async () => {
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const op = JSON.parse(line);
    let result;
    try {
      result = await run[op.op](op);
    } catch (e) {
      result = { thrown: String((e && e.message) || e) };
    }
    console.log(JSON.stringify(result));
  }
})();
