// node oidc-provider configured like the Tessera benchmark: the same clients, RS256/ES256/EdDSA
// keys, in-memory storage, dev interactions for the one signed-in user, JWT access tokens for
// client_credentials. Started by `cargo bench --bench load -- --compare`.
//
// Storage is the adapter below, not oidc-provider's built-in MemoryAdapter: that one is for
// development, keeps at most 1,000 entries, and walks the whole list of a grant's tokens on
// every token it stores, so a benchmark that signs one browser in and runs thousands of flows
// under its one grant gets slower with every flow (from about 560 to 300 flows/s within 25 s
// here). Deployments use an adapter over a database, which appends a token to its grant's list
// (the project's Redis example: RPUSH). This is that adapter over a Map: what oidc-provider's
// users would run for speed, with the same lookups and expiry.
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

const entries = new Map(); // key -> { payload, expiresAt }
const grants = new Map(); // grantId -> Set of keys
const byIndex = new Map(); // 'uid:...' / 'userCode:...' -> id
const grantable = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);
const live = (key) => {
  const entry = entries.get(key);
  if (entry && entry.expiresAt <= Date.now()) {
    entries.delete(key);
    return undefined;
  }
  return entry;
};
class MapAdapter {
  constructor(model) { this.model = model; }
  key(id) { return `${this.model}:${id}`; }
  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    entries.set(key, { payload, expiresAt });
    if (grantable.has(this.model) && payload.grantId) {
      if (!grants.has(payload.grantId)) grants.set(payload.grantId, new Set());
      grants.get(payload.grantId).add(key);
    }
    if (payload.uid) byIndex.set(`uid:${payload.uid}`, id);
    if (payload.userCode) byIndex.set(`userCode:${payload.userCode}`, id);
  }
  async find(id) { return live(this.key(id))?.payload; }
  async findByUid(uid) { return this.find(byIndex.get(`uid:${uid}`)); }
  async findByUserCode(code) { return this.find(byIndex.get(`userCode:${code}`)); }
  async consume(id) { const entry = live(this.key(id)); if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000); }
  async destroy(id) { entries.delete(this.key(id)); }
  async revokeByGrantId(grantId) {
    for (const key of grants.get(grantId) ?? []) entries.delete(key);
    grants.delete(grantId);
  }
}
// Expired entries leave in the background, as a database's TTL would remove them.
setInterval(() => {
  const now = Date.now();
  for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
  for (const [grantId, keys] of grants) {
    for (const key of keys) if (!entries.has(key)) keys.delete(key);
    if (keys.size === 0) grants.delete(grantId);
  }
}, 10_000).unref();

const provider = new Provider(issuer, {
  adapter: MapAdapter,
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
