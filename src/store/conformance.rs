//! The storage conformance suite: the same checks for every backend of each trait, so the
//! backends cannot drift apart.

use std::sync::Arc;

use crate::clock::Clock;
use crate::model::{AuthMethod, Client, Email, Session, SigningAlg, UserId};
use crate::store::{Directory, Ephemeral, MemoryEphemeral, RefreshToken, Rotation, SqliteDirectory, StoreError};

mod sessions;

/// How the suite lets time pass: a manual clock moves at once, Redis needs real seconds.
pub enum Time<'a> {
    Manual(&'a Clock),
    Real,
}

impl Time<'_> {
    async fn pass(&self, secs: u64) {
        match self {
            Time::Manual(clock) => clock.advance(secs as i64),
            Time::Real => tokio::time::sleep(std::time::Duration::from_millis(secs * 1000 + 100)).await,
        }
    }
}

pub async fn ephemeral_suite(eph: Arc<dyn Ephemeral>, time: Time<'_>) {
    eph.ping().await.unwrap();
    eph.put("k", b"v".to_vec(), 10).await.unwrap();
    assert_eq!(eph.get("k").await.unwrap().as_deref(), Some(&b"v"[..]));
    assert_eq!(eph.take("k").await.unwrap().as_deref(), Some(&b"v"[..]), "take returns the value");
    assert_eq!(eph.take("k").await.unwrap(), None, "take is single use");
    assert_eq!(eph.get("missing").await.unwrap(), None);
    eph.put("gone", vec![1], 10).await.unwrap();
    eph.delete("gone").await.unwrap();
    assert_eq!(eph.get("gone").await.unwrap(), None, "delete removes");

    assert!(eph.put_new("once", vec![1], 1).await.unwrap());
    assert!(!eph.put_new("once", vec![2], 1).await.unwrap(), "put_new refuses a live key");

    assert_eq!(eph.incr("n", 3).await.unwrap(), 1);
    assert_eq!(eph.incr("n", 3).await.unwrap(), 2);

    eph.put("short", vec![1], 1).await.unwrap();
    time.pass(2).await;
    assert_eq!(eph.get("short").await.unwrap(), None, "expired keys are gone");
    assert!(eph.put_new("once", vec![3], 1).await.unwrap(), "an expired key can be set again");
    assert_eq!(eph.incr("n", 3).await.unwrap(), 3, "counter still inside its window");
    time.pass(2).await;
    assert_eq!(eph.incr("n", 3).await.unwrap(), 1, "an expired counter starts over");

    eph.put("race2", vec![9], 10).await.unwrap();
    let takers: Vec<_> = (0..16)
        .map(|_| {
            let eph = eph.clone();
            tokio::spawn(async move { eph.take("race2").await.unwrap().is_some() })
        })
        .collect();
    let mut winners = 0;
    for t in takers {
        winners += usize::from(t.await.unwrap());
    }
    assert_eq!(winners, 1, "exactly one concurrent taker wins");
}

pub async fn directory_suite(dir: Arc<dyn Directory>) {
    let now = 1_700_000_000;
    let email: Email = "ada@example.com".parse().unwrap();
    assert!(dir.user_by_email(&email).await.unwrap().is_none());
    let user = dir.create_user_with_email(&email, now).await.unwrap();
    let again = dir.create_user_with_email(&email, now).await.unwrap();
    assert_eq!(user.id, again.id, "one owner per email");
    assert_eq!(dir.user_by_email(&email).await.unwrap().unwrap().id, user.id);
    assert!(dir.user(&user.id).await.unwrap().unwrap().email_verified);

    let client = Client {
        id: "app".into(),
        name: "App".into(),
        secret_hash: Some([7; 32]),
        redirect_uris: vec!["https://app.example/cb".into()],
        post_logout_redirect_uris: vec![],
        auth_method: AuthMethod::ClientSecretPost,
        signing_alg: SigningAlg::ES256,
        jwks_uri: None,
        jwks: None,
        backchannel_logout_uri: Some("https://app.example/bcl".into()),
        backchannel_logout_session_required: true,
        client_credentials_scopes: vec!["reports:read".into()],
        email_sends: Some(crate::model::EmailSends::Link),
        cross_device_links: Some(true),
        passwordless: true,
        verify_callback_url: Some("https://app.example/verify".into()),
        logo_uri: Some("https://app.example/logo.svg".into()),
        primary_color: Some("#112233".into()),
        third_party: true,
    };
    dir.insert_client(&client, now).await.unwrap();
    assert!(matches!(dir.insert_client(&client, now).await, Err(crate::store::StoreError::Conflict)));
    let stored = dir.client("app").await.unwrap().unwrap();
    assert_eq!(stored.secret_hash, Some([7; 32]));
    assert_eq!(stored.auth_method, AuthMethod::ClientSecretPost);
    assert_eq!(stored.backchannel_logout_uri.as_deref(), Some("https://app.example/bcl"));
    assert!(stored.backchannel_logout_session_required);
    assert_eq!(stored.client_credentials_scopes, ["reports:read"]);
    assert_eq!((stored.primary_color.as_deref(), stored.third_party), (Some("#112233"), true));
    assert_eq!(stored.logo_uri.as_deref(), Some("https://app.example/logo.svg"));
    assert_eq!(dir.clients().await.unwrap().len(), 1);
    let renamed = Client { name: "Renamed".into(), secret_hash: None, auth_method: AuthMethod::None, ..stored };
    assert!(dir.update_client(&renamed, now).await.unwrap());
    let read = dir.client("app").await.unwrap().unwrap();
    assert_eq!((read.name.as_str(), read.secret_hash, read.auth_method), ("Renamed", None, AuthMethod::None));
    assert!(!dir.update_client(&Client { id: "ghost".into(), ..renamed }, now).await.unwrap());
    let consent = crate::model::Consent { client_id: "app".into(), scopes: vec!["openid".into()], granted_at: now };
    dir.grant_consent(&user.id, &consent).await.unwrap();
    assert_eq!(dir.consent(&user.id, "app").await.unwrap(), Some(consent));
    assert!(dir.delete_client("app").await.unwrap());
    assert!(dir.consent(&user.id, "app").await.unwrap().is_none(), "a new client of the same id inherits nothing");
    assert!(!dir.delete_client("app").await.unwrap());

    let session = Session {
        id: "s1".into(),
        user_id: user.id.clone(),
        auth_time: now,
        amr: vec!["otp".into()],
        acr: "aal1".into(),
        expires_at: now + 100,
        method: "email_code".into(),
        user_agent: String::new(),
        last_seen: now,
    };
    dir.insert_session(&[1; 32], &session, now).await.unwrap();
    assert_eq!(dir.session_by_token(&[1; 32], now).await.unwrap().unwrap().id, "s1");
    assert!(dir.session_by_token(&[1; 32], now + 100).await.unwrap().is_none(), "expired sessions are not found");
    let other = Session { id: "s2".into(), auth_time: now + 1, ..session.clone() };
    dir.insert_session(&[8; 32], &other, now).await.unwrap();
    let ids: Vec<String> = dir.sessions_of_user(&user.id, now).await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(ids, ["s2", "s1"], "newest first");
    dir.add_session_client("s1", "b").await.unwrap();
    dir.add_session_client("s1", "a").await.unwrap();
    dir.add_session_client("s1", "a").await.unwrap();
    assert_eq!(dir.session_clients("s1").await.unwrap(), ["a", "b"]);
    assert_eq!(dir.revoke_session("s1", now).await.unwrap().unwrap().id, "s1");
    assert!(dir.revoke_session("s1", now).await.unwrap().is_none(), "a session ends once");
    assert!(dir.session_by_token(&[1; 32], now).await.unwrap().is_none(), "revoked sessions are not found");
    sessions::device_and_last_seen(&*dir, &user.id, now).await;

    let first = RefreshToken {
        hash: [2; 32],
        family_id: "fam".into(),
        client_id: "app".into(),
        user_id: user.id.clone(),
        scope: "openid offline_access".into(),
        auth_time: now,
        amr: vec!["otp".into()],
        acr: "aal1".into(),
        session_id: Some("s1".into()),
        created_at: now,
        expires_at: now + 1000,
    };
    dir.insert_refresh(&first).await.unwrap();
    assert!(
        matches!(dir.rotate_refresh(&[2; 32], "other", &[3; 32], now + 1000, now).await.unwrap(), Rotation::Invalid),
        "another client's token is refused"
    );
    match dir.rotate_refresh(&[2; 32], "app", &[3; 32], now + 1000, now).await.unwrap() {
        Rotation::Rotated(t) => assert_eq!(t.family_id, "fam"),
        other => panic!("expected rotation, got {other:?}"),
    }
    assert_eq!(dir.live_refresh_token(&[3; 32], now).await.unwrap().unwrap().scope, "openid offline_access");
    assert!(dir.live_refresh_token(&[2; 32], now).await.unwrap().is_none(), "a used token is not live");
    assert!(
        matches!(
            dir.rotate_refresh(&[2; 32], "app", &[4; 32], now + 1000, now).await.unwrap(),
            Rotation::Reused { .. }
        ),
        "reuse detected"
    );
    assert!(
        matches!(dir.rotate_refresh(&[3; 32], "app", &[5; 32], now + 1000, now).await.unwrap(), Rotation::Invalid),
        "the family is revoked"
    );
    assert!(matches!(dir.rotate_refresh(&[9; 32], "app", &[6; 32], now + 1000, now).await.unwrap(), Rotation::Invalid));

    // Concurrent rotations of one token: exactly one wins, whatever batches or locks serve them.
    let raced = RefreshToken { hash: [20; 32], family_id: "race".into(), ..first.clone() };
    dir.insert_refresh(&raced).await.unwrap();
    let attempts: Vec<_> = (0..8u8)
        .map(|i| {
            let dir = dir.clone();
            tokio::spawn(
                async move { dir.rotate_refresh(&[20; 32], "app", &[30 + i; 32], now + 1000, now).await.unwrap() },
            )
        })
        .collect();
    let mut rotated = 0;
    for attempt in attempts {
        rotated += usize::from(matches!(attempt.await.unwrap(), Rotation::Rotated(_)));
    }
    assert_eq!(rotated, 1, "exactly one concurrent rotation succeeds");
    operations_suite(dir.as_ref(), now).await;
    management_suite(dir.as_ref(), now).await;
}

/// User changes and deletion, client updates and run-time bridges.
async fn management_suite(dir: &dyn Directory, now: i64) {
    use crate::model::{Identifier, Phone, UserChange, UserQuery};
    let cat: Identifier = Identifier::Email("cat@example.com".parse().unwrap());
    let meta = serde_json::json!({"tier": 1});
    let (first, second) = tokio::join!(dir.insert_user(&cat, &meta, now), dir.insert_user(&cat, &meta, now));
    assert!(first.is_ok() != second.is_ok(), "of two concurrent creations exactly one succeeds");
    let cat_user = first.or(second).unwrap();
    assert_eq!((cat_user.metadata["tier"].as_i64(), cat_user.email_verified), (Some(1), true));
    assert!(matches!(dir.insert_user(&cat, &meta, now).await, Err(StoreError::Conflict)));
    let ann = dir.create_user_with_email(&"ann@example.com".parse().unwrap(), now).await.unwrap();
    let ben = dir.create_user_with_email(&"ben@example.com".parse().unwrap(), now + 100).await.unwrap();
    assert_eq!(ann.metadata, serde_json::json!({}));

    let phone = Phone::parse("+44 7911 123456", None).unwrap();
    let change = UserChange {
        email: Some(Some("ann@new.example".parse().unwrap())),
        phone: Some(Some(phone.clone())),
        metadata: Some(serde_json::json!({"tier": 2})),
    };
    let changed = dir.update_user(&ann.id, &change, now + 5).await.unwrap().unwrap();
    assert_eq!(changed.email.as_ref().map(|e| e.as_str()), Some("ann@new.example"));
    assert!(!changed.email_verified && !changed.phone_verified, "a new identifier is unproven");
    assert_eq!((changed.metadata["tier"].as_i64(), changed.updated_at), (Some(2), now + 5));
    assert!(dir.user_by_email(&"ann@example.com".parse().unwrap()).await.unwrap().is_none(), "the old one is free");
    let same = UserChange { email: Some(changed.email.clone()), ..Default::default() };
    assert_eq!(dir.update_user(&ann.id, &same, now + 6).await.unwrap().unwrap().metadata["tier"], 2);
    let taken = UserChange { email: Some(Some("ben@example.com".parse().unwrap())), ..Default::default() };
    assert!(matches!(dir.update_user(&ann.id, &taken, now).await, Err(StoreError::Conflict)));
    assert_eq!(dir.user(&ann.id).await.unwrap().unwrap().email, changed.email, "a refused change changes nothing");
    let drop_phone = UserChange { phone: Some(None), ..Default::default() };
    assert!(dir.update_user(&ann.id, &drop_phone, now).await.unwrap().unwrap().phone.is_none());
    assert!(dir.update_user(&UserId("nobody".into()), &drop_phone, now).await.unwrap().is_none());

    let window = UserQuery { limit: 1000, created_since: Some(now + 50), ..Default::default() };
    let ids: Vec<UserId> = dir.users(&window).await.unwrap().into_iter().map(|u| u.id).collect();
    assert!(ids.contains(&ben.id) && !ids.contains(&ann.id), "created_since filters in the store");
    assert!(dir.set_user_active(&ben.id, false, now).await.unwrap());
    let inactive = UserQuery { limit: 1000, active: Some(false), ..Default::default() };
    assert_eq!(dir.users(&inactive).await.unwrap().iter().map(|u| &u.id).collect::<Vec<_>>(), [&ben.id]);

    let session = Session {
        id: "s-ben".into(),
        user_id: ben.id.clone(),
        auth_time: now,
        amr: vec![],
        acr: "0".into(),
        expires_at: now + 3600,
        method: "email_code".into(),
        user_agent: String::new(),
        last_seen: now,
    };
    dir.insert_session(&[9; 32], &session, now).await.unwrap();
    assert!(dir.delete_user(&ben.id).await.unwrap());
    assert!(dir.user(&ben.id).await.unwrap().is_none());
    assert!(dir.session_by_token(&[9; 32], now).await.unwrap().is_none(), "sessions go with the user");
    assert!(dir.user_by_identifier(&Identifier::Email("ben@example.com".parse().unwrap())).await.unwrap().is_none());
    assert!(!dir.delete_user(&ben.id).await.unwrap());

    let bridge: crate::config::BridgeConfig = serde_json::from_value(serde_json::json!({
        "id": "b1", "format": "jwt", "return_urls": ["https://broker.example/cb"], "audience": "broker",
    }))
    .unwrap();
    dir.insert_bridge(&bridge, now).await.unwrap();
    assert!(matches!(dir.insert_bridge(&bridge, now).await, Err(StoreError::Conflict)));
    let longer = crate::config::BridgeConfig { assertion_lifetime_secs: 300, ..bridge.clone() };
    assert!(dir.update_bridge(&longer, now).await.unwrap());
    assert_eq!(dir.bridge("b1").await.unwrap().unwrap().assertion_lifetime_secs, 300);
    assert_eq!(dir.bridges().await.unwrap().len(), 1);
    assert!(dir.delete_bridge("b1").await.unwrap());
    assert!(dir.bridge("b1").await.unwrap().is_none() && !dir.delete_bridge("b1").await.unwrap());
    assert!(!dir.update_bridge(&longer, now).await.unwrap());
}

/// Users listing and status, audit events and API keys.
async fn operations_suite(dir: &dyn Directory, now: i64) {
    use crate::model::{ApiKey, AuditEvent, AuditQuery, UserQuery};
    let a = dir.create_user_with_email(&"list-a@example.com".parse().unwrap(), now).await.unwrap();
    let b = dir.create_user_with_email(&"list-b@example.com".parse().unwrap(), now).await.unwrap();
    let page = |after: Option<&str>, limit| UserQuery { after: after.map(str::to_owned), limit, ..Default::default() };
    let all = dir.users(&page(None, 1000)).await.unwrap();
    assert!(all.windows(2).all(|w| w[0].id.0 < w[1].id.0), "ordered by id");
    let first = dir.users(&page(None, 1)).await.unwrap();
    let next = dir.users(&page(Some(&first[0].id.0), 1)).await.unwrap();
    assert_eq!(next[0].id, all[1].id, "the cursor continues after the last id");

    assert!(dir.set_user_active(&a.id, false, now + 1).await.unwrap());
    assert!(!dir.user(&a.id).await.unwrap().unwrap().active, "a deactivated user reads as inactive at once");
    assert!(dir.set_user_active(&a.id, true, now + 2).await.unwrap());
    assert!(!dir.set_user_active(&UserId("nobody".into()), false, now).await.unwrap());
    assert_eq!(dir.revoke_refresh_of_user(&b.id, now).await.unwrap(), 0);

    let event = |id: &str, at: i64, kind: &str, user: Option<&UserId>| AuditEvent {
        id: id.into(),
        at,
        kind: kind.into(),
        user_id: user.map(|u| u.0.clone()),
        client_id: Some("app".into()),
        ip: Some("192.0.2.1".into()),
        detail: serde_json::json!({"method": "email_code"}),
    };
    let events = [
        event("e1", now, "sign_in", Some(&a.id)),
        event("e2", now + 5, "sign_in_failed", Some(&a.id)),
        event("e3", now + 9, "sign_in", Some(&b.id)),
    ];
    dir.insert_audit_events(&events).await.unwrap();
    dir.insert_audit_events(&events[..1]).await.unwrap();
    let q = |user: Option<&UserId>, kind: Option<&str>, since: Option<i64>| AuditQuery {
        user_id: user.map(|u| u.0.clone()),
        kind: kind.map(str::to_owned),
        since,
        until: None,
        limit: 10,
    };
    let ids = |v: Vec<AuditEvent>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(ids(dir.audit_events(&q(None, None, None)).await.unwrap()), ["e3", "e2", "e1"], "newest first, once");
    assert_eq!(ids(dir.audit_events(&q(Some(&a.id), None, None)).await.unwrap()), ["e2", "e1"]);
    assert_eq!(ids(dir.audit_events(&q(None, Some("sign_in"), Some(now + 1))).await.unwrap()), ["e3"]);
    assert_eq!(dir.audit_events(&q(None, None, None)).await.unwrap()[2], events[0], "round trip");
    assert_eq!(dir.purge_audit_events(now + 5).await.unwrap(), 1);

    let key = ApiKey {
        id: "k1".into(),
        name: "ci".into(),
        hash: [9; 32],
        scopes: vec!["users:read".into()],
        created_at: now,
        revoked_at: None,
    };
    dir.insert_api_key(&key).await.unwrap();
    assert!(matches!(dir.insert_api_key(&key).await, Err(StoreError::Conflict)));
    assert_eq!(dir.api_key_by_hash(&[9; 32]).await.unwrap(), Some(key.clone()));
    assert!(dir.revoke_api_key("k1", now + 1).await.unwrap());
    assert!(!dir.revoke_api_key("k1", now + 2).await.unwrap());
    assert!(dir.api_key_by_hash(&[9; 32]).await.unwrap().is_none());
    assert_eq!(dir.api_keys().await.unwrap()[0].revoked_at, Some(now + 1));

    let pk = crate::model::StoredPasskey {
        cred_id: "cred-1".into(),
        user_id: a.id.clone(),
        name: "Laptop".into(),
        passkey: "{}".into(),
        backup_eligible: true,
        backup_state: false,
        created_at: now,
        last_used_at: None,
    };
    dir.insert_passkey(&pk).await.unwrap();
    let stolen = crate::model::StoredPasskey { user_id: b.id.clone(), ..pk.clone() };
    assert!(matches!(dir.insert_passkey(&stolen).await, Err(StoreError::Conflict)), "a credential id has one owner");
    assert_eq!(dir.passkey("cred-1").await.unwrap(), Some(pk.clone()));
    dir.passkey_used("cred-1", "{\"n\":1}", true, now + 7).await.unwrap();
    let used = dir.passkey("cred-1").await.unwrap().unwrap();
    assert_eq!((used.passkey.as_str(), used.backup_state, used.last_used_at), ("{\"n\":1}", true, Some(now + 7)));
    assert!(!dir.rename_passkey(&b.id, "cred-1", "Mine").await.unwrap(), "only the owner renames");
    assert!(dir.rename_passkey(&a.id, "cred-1", "Phone").await.unwrap());
    assert_eq!(dir.passkeys_of_user(&a.id).await.unwrap()[0].name, "Phone");
    assert!(dir.passkeys_of_user(&b.id).await.unwrap().is_empty());
    assert!(!dir.delete_passkey(&b.id, "cred-1").await.unwrap(), "only the owner removes");
    assert!(dir.delete_passkey(&a.id, "cred-1").await.unwrap());
    assert!(dir.passkey("cred-1").await.unwrap().is_none());
}

#[tokio::test]
async fn memory_ephemeral_conforms() {
    let clock = Clock::manual();
    ephemeral_suite(Arc::new(MemoryEphemeral::new(clock.clone())), Time::Manual(&clock)).await;
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", crate::crypto::random_token()[..12].to_ascii_lowercase().replace(['-', '_'], "x"))
}

pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

pub fn postgres_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

#[tokio::test]
async fn redis_ephemeral_conforms() {
    let prefix = format!("{}:", unique("tessera-test-"));
    let eph = crate::store::RedisEphemeral::open(&redis_url(), &[], &prefix).await.unwrap();
    ephemeral_suite(Arc::new(eph), Time::Real).await;
}

#[tokio::test]
async fn postgres_directory_conforms() {
    let schema = unique("t_");
    let admin = sqlx::PgPool::connect(&postgres_url()).await.expect("PostgreSQL answers");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&admin).await.unwrap();
    let url = format!("{}?options=-c%20search_path%3D{schema}", postgres_url());
    let result =
        tokio::spawn(
            async move { directory_suite(Arc::new(crate::store::PgDirectory::open(&url).await.unwrap())).await },
        )
        .await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(&admin).await.unwrap();
    result.unwrap();
}

#[tokio::test]
async fn sqlite_directory_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    directory_suite(Arc::new(SqliteDirectory::open(&url).await.unwrap())).await;
}

/// Three `redis-server --cluster-enabled` processes joined into one cluster, stopped on drop.
struct OwnCluster {
    children: Vec<std::process::Child>,
    ports: Vec<u16>,
    _dir: tempfile::TempDir,
}

impl OwnCluster {
    async fn start() -> OwnCluster {
        use std::process::{Command, Stdio};
        let dir = tempfile::tempdir().unwrap();
        let ports: Vec<u16> =
            (0..3).map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()).collect();
        let mut children = Vec::new();
        for port in &ports {
            let conf = dir.path().join(format!("nodes-{port}.conf"));
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .args(["--cluster-enabled", "yes", "--cluster-config-file", conf.to_str().unwrap()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-server is installed");
            children.push(child);
        }
        // Owned from here on, so every process is stopped on every path.
        let cluster = OwnCluster { children, ports: ports.clone(), _dir: dir };
        for port in &ports {
            while tokio::net::TcpStream::connect(("127.0.0.1", *port)).await.is_err() {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
        let nodes: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let created = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&nodes)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("redis-cli is installed");
        assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stdout));
        for _ in 0..100 {
            let info =
                Command::new("redis-cli").args(["-p", &ports[0].to_string(), "cluster", "info"]).output().unwrap();
            if String::from_utf8_lossy(&info.stdout).contains("cluster_state:ok") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        cluster
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test]
async fn redis_cluster_ephemeral_conforms() {
    let cluster = OwnCluster::start().await;
    let nodes: Vec<String> = cluster.ports.iter().map(|p| format!("redis://127.0.0.1:{p}")).collect();
    let eph = crate::store::RedisEphemeral::open("memory://", &nodes, "tessera:").await.unwrap();
    ephemeral_suite(Arc::new(eph), Time::Real).await;
}
