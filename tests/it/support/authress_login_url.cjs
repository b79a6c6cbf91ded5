// What `@authress/sdk` itself builds for a hand-off: ServiceClientTokenProvider(accessKey)
// .generateUserLoginUrl(loginUrl, state, clientId, userId), with the clock fixed at NOW so the
// test can compare Tessera's redirect with it byte for byte (Ed25519 signatures are
// deterministic).
//
// Usage: node authress_login_url.cjs ACCESS_KEY LOGIN_URL STATE CLIENT_ID USER_ID NOW
// Prints the URL.
"use strict";
const { ServiceClientTokenProvider } = require("@authress/sdk");

const [accessKey, loginUrl, state, clientId, userId, now] = process.argv.slice(2);
Date.now = () => Number(now) * 1000;

new ServiceClientTokenProvider(accessKey)
  .generateUserLoginUrl(loginUrl, state, clientId, userId)
  .then((url) => console.log(url))
  .catch((e) => {
    console.log(`error: ${e.message}`);
    process.exit(1);
  });
