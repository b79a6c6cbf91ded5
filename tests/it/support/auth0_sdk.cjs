// Auth0's Node SDK (the `auth0` package) as a real third-party client of Tessera's embedded
// passwordless API, behind the TLS proxy of tls_proxy.cjs.
//
// Usage: node auth0_sdk.cjs PORT TARGET CERT KEY CLIENT_ID CLIENT_SECRET EMAIL
// Prints "sent" once the code is requested, reads the code on stdin, then prints the outcome
// as one JSON line.
"use strict";
const readline = require("readline");
const { AuthenticationClient } = require("auth0");
const listen = require("./tls_proxy.cjs");

const [port, target, cert, key, clientId, clientSecret, email] = process.argv.slice(2);

listen(port, target, cert, key, async () => {
  try {
    const auth0 = new AuthenticationClient({ domain: `localhost:${port}`, clientId, clientSecret });
    await auth0.passwordless.sendEmail({ email, send: "code" });
    console.log("sent");
    const lines = readline.createInterface({ input: process.stdin });
    const code = await new Promise((resolve) => lines.once("line", resolve));
    const { data } = await auth0.passwordless.loginWithEmail({ email, code, scope: "openid email" });
    console.log(JSON.stringify({ ok: true, id_token: data.id_token, access_token: data.access_token }));
  } catch (e) {
    console.log(JSON.stringify({ ok: false, error: String((e && e.message) || e) }));
  }
  process.exit(0);
});
