//! Signing-key rotation under load: a relying party that caches the JWKS never fails to verify
//! a token, while keys are rotated, activated and retired on the schedule in `keys/keys.toml`.

use std::collections::{HashMap, HashSet, VecDeque};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use tessera::model::SigningAlg;

use crate::support::{POST_SECRET, TestServer, WEB_SECRET, client, raw_token};

const EDGE_SECRET: &str = "edge-secret-0123456789abcdef";
const STEP: i64 = 1800;
/// How long the relying party trusts its copy of the JWKS; well under the 24 h lead time.
const RP_CACHE: i64 = 3600;

/// A relying party that refreshes its JWKS only when its cache is older than `RP_CACHE`, and
/// never on an unknown `kid`: the strictest cache a rotation has to survive.
struct CachingRp {
    jwks_url: String,
    audience: String,
    keys: JwkSet,
    fetched_at: i64,
    fetches: u32,
}

impl CachingRp {
    async fn fetch(&mut self, now: i64) {
        self.keys = reqwest::get(&self.jwks_url).await.unwrap().json().await.unwrap();
        self.fetched_at = now;
        self.fetches += 1;
    }

    async fn verify(&mut self, token: &str, now: i64) -> Result<String, String> {
        if now - self.fetched_at >= RP_CACHE {
            self.fetch(now).await;
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?;
        let kid = header.kid.ok_or("no kid")?;
        let jwk = self.keys.find(&kid).ok_or_else(|| format!("kid {kid} not in the cached JWKS"))?;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&[&self.audience]);
        // Expiry is checked against the test's clock below, not the machine's.
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation).map_err(|e| e.to_string())?;
        let exp = data.claims["exp"].as_i64().ok_or("no exp")?;
        if exp <= now {
            return Err("expired".into());
        }
        Ok(kid)
    }
}

#[tokio::test]
async fn rotation_while_tokens_are_issued_never_fails_a_relying_party_that_caches_the_jwks() {
    let server = TestServer::start_with(|c| {
        c.lifetimes.access_token = 3600;
        c.clients.push(client("edge", Some(EDGE_SECRET), "client_secret_basic", "EdDSA", &c.issuer));
    })
    .await;
    let keys_dir = server.state.config.keys_dir.clone();
    let lead = server.state.config.key_rotation_lead_secs as i64;
    let mut rp = CachingRp {
        jwks_url: server.url("/jwks"),
        audience: server.base.clone(),
        keys: JwkSet { keys: Vec::new() },
        fetched_at: 0,
        fetches: 0,
    };
    rp.fetch(server.clock.now()).await;
    let original: HashSet<String> = rp.keys.keys.iter().filter_map(|k| k.common.key_id.clone()).collect();

    let clients = [
        ("web", WEB_SECRET, Algorithm::RS256),
        ("post", POST_SECRET, Algorithm::ES256),
        ("edge", EDGE_SECRET, Algorithm::EdDSA),
    ];
    let mut signers: HashMap<String, Vec<String>> = HashMap::new();
    let mut outstanding: VecDeque<(String, i64)> = VecDeque::new();
    let mut failures = Vec::new();
    for step in 0..150 {
        let now = server.clock.now();
        if step == 10 || step == 70 {
            tessera::domain::keys::rotate(&keys_dir, &SigningAlg::ALL, now, lead).unwrap();
        }
        // What the server does every minute on its own.
        server.state.reload_keys().unwrap();

        for (id, secret, alg) in &clients {
            let form = [("grant_type", "client_credentials"), ("scope", "reports:read")];
            let form: Vec<(&str, &str)> = if *id == "post" {
                form.into_iter().chain([("client_id", "post"), ("client_secret", POST_SECRET)]).collect()
            } else {
                form.to_vec()
            };
            let basic = (*id != "post").then_some((*id, *secret));
            let (status, body, _) = raw_token(&server, &form, basic).await;
            assert_eq!(status, 200, "step {step}: {body}");
            let token = body["access_token"].as_str().unwrap().to_string();
            match rp.verify(&token, now).await {
                Ok(kid) => {
                    let used = signers.entry(format!("{alg:?}")).or_default();
                    if used.last() != Some(&kid) {
                        used.push(kid);
                    }
                }
                Err(e) => failures.push(format!("step {step} {id} fresh token: {e}")),
            }
            outstanding.push_back((token, now));
        }
        // Tokens issued earlier and still unexpired must keep verifying.
        while outstanding.front().is_some_and(|(_, at)| now - at >= 3600) {
            outstanding.pop_front();
        }
        for (token, at) in &outstanding {
            if *at < now
                && let Err(e) = rp.verify(token, now).await
            {
                failures.push(format!("step {step} token from {at}: {e}"));
            }
        }
        server.clock.advance(STEP);
    }
    assert!(failures.is_empty(), "verification failures: {failures:#?}");
    for (alg, kids) in &signers {
        assert_eq!(kids.len(), 3, "{alg} signed with the original key and the two rotated ones in turn: {kids:?}");
    }
    assert!(rp.fetches > 20, "the relying party refreshed its cache as time went by");
    let jwks: JwkSet = reqwest::get(server.url("/jwks")).await.unwrap().json().await.unwrap();
    let published: HashSet<String> = jwks.keys.iter().filter_map(|k| k.common.key_id.clone()).collect();
    assert!(published.is_disjoint(&original), "retired keys left the JWKS once their tokens expired");
    assert_eq!(published.len(), 3, "only the active keys remain");
}
