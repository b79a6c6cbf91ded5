// Auth0's Node SDK (the `auth0` package) as a real third-party client of Tessera's embedded
// passwordless API. It only speaks https to `https://{domain}`, so this script also terminates
// TLS on `port` (a self-signed localhost certificate the test trusts through
// NODE_EXTRA_CA_CERTS) and forwards to Tessera at `target`.
//
// Usage: node auth0_sdk.cjs PORT TARGET CERT KEY CLIENT_ID CLIENT_SECRET EMAIL
// Prints "sent" once the code is requested, reads the code on stdin, then prints the outcome
// as one JSON line.
"use strict";
const fs = require("fs");
const http = require("http");
const https = require("https");
const readline = require("readline");
const { AuthenticationClient } = require("auth0");

const [port, target, cert, key, clientId, clientSecret, email] = process.argv.slice(2);
const upstream = new URL(target);

const proxy = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (req, res) => {
  const forward = http.request(
    { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    },
  );
  forward.on("error", (e) => {
    res.writeHead(502);
    res.end(String(e));
  });
  req.pipe(forward);
});

proxy.listen(Number(port), async () => {
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
