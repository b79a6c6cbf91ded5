// Terminates TLS on `port` (a self-signed localhost certificate the test trusts through
// NODE_EXTRA_CA_CERTS) and forwards every request to Tessera at `target`: Auth0's SDKs only
// speak https to `https://{domain}`.
"use strict";
const fs = require("fs");
const http = require("http");
const https = require("https");

module.exports = function listen(port, target, cert, key, ready) {
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
  proxy.listen(Number(port), ready);
};
