// Auth0's two Node SDKs against Tessera, behind the TLS proxy of tls_proxy.cjs: each gets a
// refresh token for an API (`audience`) by the passwordless OTP grant, revokes it with its own
// revocation call, and tries to use it once more.
//
// - `@auth0/auth0-auth-js`: passwordless.sendEmail (with `language`), getTokenByPasswordlessEmail,
//   revokeToken (the discovered revocation endpoint), getTokenByRefreshToken.
// - `auth0` (AuthenticationClient): passwordless.sendEmail, loginWithEmail,
//   oauth.revokeRefreshToken (`/oauth/revoke`, JSON), oauth.refreshTokenGrant.
//
// Usage: node auth0_revoke.cjs PORT TARGET CERT KEY CLIENT_ID CLIENT_SECRET EMAIL AUDIENCE
// For each SDK in turn prints {"sent": SDK}, reads the emailed code on stdin, then prints
// {"sdk", "access_token", "revoked", "refused"}; a failure prints {"error"}.
"use strict";
const readline = require("readline");
const { AuthenticationClient } = require("auth0");
const { AuthClient } = require("@auth0/auth0-auth-js");
const listen = require("./tls_proxy.cjs");

const [port, target, cert, key, clientId, clientSecret, email, audience] = process.argv.slice(2);
const domain = `localhost:${port}`;
const scope = "openid email offline_access read:notes";
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function code(sdk) {
  console.log(JSON.stringify({ sent: sdk }));
  return (await lines.next()).value.trim();
}

async function refused(attempt) {
  try {
    await attempt();
    return false;
  } catch (e) {
    return true;
  }
}

async function authJs() {
  const client = new AuthClient({ domain, clientId, clientSecret });
  await client.passwordless.sendEmail({ email, language: "fr-CA" });
  const tokens = await client.getTokenByPasswordlessEmail({ email, code: await code("auth0-auth-js"), audience, scope });
  await client.revokeToken({ token: tokens.refreshToken });
  const again = await refused(() => client.getTokenByRefreshToken({ refreshToken: tokens.refreshToken }));
  return { sdk: "auth0-auth-js", access_token: tokens.accessToken, revoked: true, refused: again };
}

async function legacy() {
  const auth0 = new AuthenticationClient({ domain, clientId, clientSecret });
  await auth0.passwordless.sendEmail({ email, send: "code" });
  const { data } = await auth0.passwordless.loginWithEmail({ email, code: await code("auth0"), audience, scope });
  const revoked = await auth0.oauth.revokeRefreshToken({ token: data.refresh_token });
  const again = await refused(() => auth0.oauth.refreshTokenGrant({ refresh_token: data.refresh_token }));
  return { sdk: "auth0", access_token: data.access_token, revoked: revoked.status === 200, refused: again };
}

listen(port, target, cert, key, async () => {
  for (const run of [authJs, legacy]) {
    try {
      console.log(JSON.stringify(await run()));
    } catch (e) {
      console.log(JSON.stringify({ error: String((e && e.message) || e), cause: e && e.cause && String(e.cause.message || e.cause) }));
    }
  }
  process.exit(0);
});
