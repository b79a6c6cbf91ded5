// node oidc-provider configured like the Tessera benchmark: the same clients, RS256/ES256/EdDSA
// keys, in-memory storage, dev interactions for the one signed-in user, JWT access tokens for
// client_credentials. Started by `cargo bench --bench load -- --compare`.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const secret = process.env.SECRET;
const issuer = `http://127.0.0.1:${port}`;

const jwk = (type, options, alg) => ({ ...generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' }), alg, use: 'sig' });
const keys = [
  jwk('rsa', { modulusLength: 2048 }, 'RS256'),
  jwk('ec', { namedCurve: 'P-256' }, 'ES256'),
  jwk('ed25519', {}, 'EdDSA'),
];
const algOf = { 'bench-rs256': 'RS256', 'bench-es256': 'ES256', 'bench-eddsa': 'EdDSA' };
const clients = Object.entries(algOf).map(([client_id, alg]) => ({
  client_id,
  client_secret: secret,
  redirect_uris: ['http://127.0.0.1:9/cb'],
  grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: alg,
  scope: 'openid email offline_access bench',
}));

const provider = new Provider(issuer, {
  clients,
  jwks: { keys },
  cookies: { keys: ['bench-cookie-key-0123456789'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  scopes: ['openid', 'offline_access', 'email', 'bench'],
  findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, email: `${sub}@example.com`, email_verified: true }) }),
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // client_credentials tokens are JWTs signed with the client's algorithm, as in Tessera.
      defaultResource: (ctx) => (ctx.oidc.params?.grant_type === 'client_credentials' ? 'https://api.bench/' : undefined),
      useGrantedResource: () => false,
      getResourceServerInfo: (ctx, indicator, client) => ({
        scope: 'bench',
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: algOf[client.clientId] } },
      }),
    },
  },
  pkce: { required: () => true },
});
provider.listen(port, () => console.log(`oidc-provider listening on ${issuer}`));
