// Drives openid-client (v6, from npm) against Tessera as an application would: discovery, an
// authorization URL (pushed, signed, or both), then the code grant with PKCE and the ID token
// checks the library makes. One JSON line out per step; the callback URL comes in on stdin.
//
// node openid_client.mjs MODULES ISSUER CLIENT_ID SECRET|- MODE PARAMS_JSON [PKCS8_B64 KID]
//   MODE: par | jar | par+jar

import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, issuer, clientId, secret, mode, paramsJson, pkcs8, kid] = process.argv.slice(2);
const client = await import(pathToFileURL(join(modules, 'openid-client', 'build', 'index.js')).href);
const say = (value) => process.stdout.write(JSON.stringify(value) + '\n');
const failure = (e) => ({ error: e.error ?? e.code ?? 'exception', description: e.error_description ?? e.message });

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const nextLine = async () => (await lines.next()).value;

async function signingKey() {
  const der = Buffer.from(pkcs8, 'base64');
  const key = await crypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  return { key, kid };
}

async function main() {
  const auth = secret === '-' ? client.None() : client.ClientSecretBasic(secret);
  const config = await client.discovery(new URL(issuer), clientId, undefined, auth, {
    execute: [client.allowInsecureRequests],
  });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const parameters = {
    scope: 'openid email',
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...JSON.parse(paramsJson),
  };
  let url;
  try {
    if (mode === 'par') {
      url = await client.buildAuthorizationUrlWithPAR(config, parameters);
    } else if (mode === 'jar') {
      url = await client.buildAuthorizationUrlWithJAR(config, parameters, await signingKey());
    } else {
      const signed = await client.buildAuthorizationUrlWithJAR(config, parameters, await signingKey());
      url = await client.buildAuthorizationUrlWithPAR(config, signed.searchParams);
    }
  } catch (e) {
    say({ step: 'authorize', ...failure(e) });
    return;
  }
  say({ step: 'authorize', url: url.href });
  const callback = await nextLine();
  try {
    const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    say({ step: 'token', claims: tokens.claims(), scope: tokens.scope ?? null });
  } catch (e) {
    say({ step: 'token', ...failure(e) });
  }
}

main()
  .catch((e) => say({ step: 'fatal', ...failure(e) }))
  .finally(() => process.exit(0));
