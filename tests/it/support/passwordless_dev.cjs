// The application's backend, as a developer moving from Passwordless.dev writes it: the official
// `@passwordlessdev/passwordless-nodejs` SDK, pointed at Tessera by its `baseUrl`.
//
// Usage: node passwordless_dev.cjs BASE_URL API_SECRET METHOD ARGS_JSON
// Calls `client[METHOD](...ARGS)` and prints one JSON line: {"ok": result} or, when the SDK
// throws, {"error": details} (the problem details of its ApiException).
"use strict";
const { PasswordlessClient } = require("@passwordlessdev/passwordless-nodejs");

const [baseUrl, secret, method, args] = process.argv.slice(2);
const client = new PasswordlessClient(secret, { baseUrl });

(async () => {
  try {
    let result = await client[method](...JSON.parse(args));
    if (result && typeof result === "object" && "data" in result && "status" in result) {
      // Calls answered without a body resolve to the axios response itself.
      result = { status: result.status };
    }
    console.log(JSON.stringify({ ok: result === undefined ? null : result }));
  } catch (e) {
    console.log(JSON.stringify({ error: e.details ?? { message: String(e) } }));
  }
})();
