// Drives openid-client (v6, from npm) against Tessera as an application would: discovery, an
// authorization URL (pushed, signed, or both), then the code grant with PKCE and the ID token
// checks the library makes. One JSON line out per step; the callback URL comes in on stdin.
//
// node openid_client.mjs MODULES ISSUER CLIENT_ID SECRET|private_key_jwt|- MODE PARAMS_JSON [PKCS8_B64 KID]
//   (the key signs request objects, and client assertions for private_key_jwt)
//   MODE: parts joined by '+': par, jar, dpop (DPoP-bound tokens, then userinfo and a refresh);
//   or device: the device authorization grant, printing the codes and then the polled outcome;
//   a leading register+ registers first (CLIENT_ID is then the metadata, SECRET an initial token)

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

async function device(config) {
  const started = await client.initiateDeviceAuthorization(config, JSON.parse(paramsJson));
  say({ step: 'device', ...started });
  try {
    const tokens = await client.pollDeviceAuthorizationGrant(config, started);
    say({ step: 'token', claims: tokens.claims(), scope: tokens.scope ?? null, refresh: !!tokens.refresh_token });
  } catch (e) {
    say({ step: 'token', ...failure(e) });
  }
}

async function main() {
  const auth = mode.startsWith('register')
    ? undefined
    : secret === '-'
      ? client.None()
      : secret === 'private_key_jwt'
        ? client.PrivateKeyJwt(await signingKey())
        : client.ClientSecretBasic(secret);
  const options = { execute: [client.allowInsecureRequests] };
  let config;
  if (mode.startsWith('register')) {
    // CLIENT_ID carries the registration metadata (JSON); SECRET an initial access token or '-'.
    const initialAccessToken = secret === '-' ? undefined : secret;
    try {
      config = await client.dynamicClientRegistration(new URL(issuer), JSON.parse(clientId), undefined, {
        ...options,
        initialAccessToken,
      });
    } catch (e) {
      say({ step: 'registered', ...failure(e) });
      return;
    }
    say({ step: 'registered', ...config.clientMetadata() });
  } else {
    config = await client.discovery(new URL(issuer), clientId, undefined, auth, options);
  }
  if (mode === 'device') {
    return device(config);
  }
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
  const parts = mode.split('+').filter((p) => p !== 'register');
  const DPoP = parts.includes('dpop') ? client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256')) : undefined;
  let url;
  try {
    let request = parameters;
    if (parts.includes('jar')) {
      request = (await client.buildAuthorizationUrlWithJAR(config, parameters, await signingKey())).searchParams;
    }
    url = parts.includes('par')
      ? await client.buildAuthorizationUrlWithPAR(config, request, { DPoP })
      : client.buildAuthorizationUrl(config, request);
  } catch (e) {
    say({ step: 'authorize', ...failure(e) });
    return;
  }
  say({ step: 'authorize', url: url.href });
  const callback = await nextLine();
  try {
    const tokens = await client.authorizationCodeGrant(
      config,
      new URL(callback),
      { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce },
      undefined,
      { DPoP },
    );
    const claims = tokens.claims();
    const outcome = { step: 'token', claims, scope: tokens.scope ?? null, token_type: tokens.token_type };
    if (DPoP) {
      outcome.access_token = tokens.access_token;
      outcome.userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub, { DPoP });
      if (tokens.refresh_token) {
        const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP });
        outcome.refreshed_token_type = refreshed.token_type;
        outcome.refresh_token = refreshed.refresh_token;
      }
    }
    say(outcome);
  } catch (e) {
    say({ step: 'token', ...failure(e) });
  }
}

main()
  .catch((e) => say({ step: 'fatal', ...failure(e) }))
  .finally(() => process.exit(0));
