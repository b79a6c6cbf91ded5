//! Bringing users along (`docs/import.md`): `tessera users import|export` and
//! `/api/v1/users/import|export` write each user whole or not at all, name every bad line, and
//! change nothing on a second run.

use std::collections::BTreeMap;
use std::process::Command;

use reqwest::Method;
use serde_json::{Value, json};

use crate::api::{KEY, READ_ONLY, call, with_keys};
use crate::support::TestServer;
use crate::support::process::PgSchema;

const BIN: &str = env!("CARGO_BIN_EXE_tessera");

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// An ES256 COSE public key: the P-256 base point (SEC 2 §2.4.2).
fn cose_key() -> String {
    use serde_cbor_2::Value as Cbor;
    let int = |i: i64| Cbor::Integer(i.into());
    let map = BTreeMap::from([
        (int(1), int(2)),
        (int(3), int(-7)),
        (int(-1), int(1)),
        (int(-2), Cbor::Bytes(hex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"))),
        (int(-3), Cbor::Bytes(hex("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"))),
    ]);
    tessera::crypto::b64url(&serde_cbor_2::to_vec(&Cbor::Map(map)).unwrap())
}

/// Five lines: two good users, a malformed line, a bad address, and an address taken by line 1.
fn sample() -> String {
    let ann = json!({"external_id": "legacy-1", "email": "ann@example.com", "email_verified": true,
        "metadata": {"plan": "pro"}, "passkeys": [{"credential_id": "Y3JlZC0x", "public_key": cose_key(),
        "sign_count": 5, "transports": ["internal"], "backup_eligible": true, "backup_state": true, "name": "Phone"}]});
    let bob = json!({"external_id": "legacy-2", "phone": "+14155550100", "phone_verified": true});
    let bad = json!({"external_id": "legacy-3", "email": "not-an-address"});
    let taken = json!({"external_id": "legacy-4", "email": "ann@example.com"});
    format!("{ann}\n{{\"external_id\": \"legacy-x\", \n{bob}\n{bad}\n{taken}\n")
}

fn with_db(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).env("TESSERA_DIRECTORY__URL", db).env_remove("TESSERA_CONFIG").output().unwrap()
}

fn out(o: &std::process::Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[tokio::test]
async fn the_cli_imports_what_it_can_names_each_bad_line_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("a.db").display());
    let file = dir.path().join("users.ndjson");
    std::fs::write(&file, sample()).unwrap();
    let first = with_db(&db, &["users", "import", file.to_str().unwrap()]);
    let (stdout, stderr) = out(&first);
    assert!(!first.status.success(), "failed lines fail the command");
    assert!(stdout.contains("2 created, 0 existing, 3 failed"), "{stdout}");
    assert!(stderr.contains("line 2: "), "{stderr}");
    assert!(stderr.contains("line 4: email:"), "{stderr}");
    assert!(stderr.contains("line 5: email: ann@example.com belongs to another user"), "{stderr}");

    let (again, _) = out(&with_db(&db, &["users", "import", file.to_str().unwrap()]));
    assert!(again.contains("0 created, 2 existing, 3 failed"), "{again}");
    let directory = tessera::store::open_directory(&db).await.unwrap();
    assert_eq!(directory.users(&tessera::model::UserQuery { limit: 10, ..Default::default() }).await.unwrap().len(), 2);
    assert!(directory.user_by_external_id("legacy-4").await.unwrap().is_none(), "nothing half-written");

    let exported = with_db(&db, &["users", "export"]);
    let (lines, _) = out(&exported);
    assert!(exported.status.success());
    let users: Vec<Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ann = users.iter().find(|u| u["external_id"] == "legacy-1").expect("ann exported");
    assert_eq!((ann["email_verified"].clone(), ann["metadata"]["plan"].clone()), (json!(true), json!("pro")));
    let passkey = &ann["passkeys"][0];
    assert_eq!((passkey["public_key"].as_str(), passkey["sign_count"].as_u64()), (Some(cose_key().as_str()), Some(5)));
    assert_eq!((passkey["transports"].clone(), passkey["backup_state"].clone()), (json!(["internal"]), json!(true)));

    let other = format!("sqlite://{}", dir.path().join("b.db").display());
    let copy = dir.path().join("export.ndjson");
    std::fs::write(&copy, &lines).unwrap();
    let moved = with_db(&other, &["users", "import", copy.to_str().unwrap()]);
    assert!(moved.status.success(), "{:?}", out(&moved));
    let second = tessera::store::open_directory(&other).await.unwrap();
    let ann_there = second.user_by_external_id("legacy-1").await.unwrap().unwrap();
    assert_eq!(ann_there.id.0, ann["id"].as_str().unwrap(), "the user keeps its id (its passkeys' user handle)");
    assert_eq!(second.passkeys_of_user(&ann_there.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_cli_refuses_an_unknown_format_or_a_missing_file_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("a.db").display());
    let file = dir.path().join("users.ndjson");
    std::fs::write(&file, sample()).unwrap();
    let (_, stderr) = out(&with_db(&db, &["users", "import", file.to_str().unwrap(), "--format", "okta"]));
    assert!(stderr.contains("unknown format"), "{stderr}");
    let (_, stderr) = out(&with_db(&db, &["users", "import", "/nonexistent.ndjson"]));
    assert!(stderr.contains("cannot open"), "{stderr}");
    let (lines, _) = out(&with_db(&db, &["users", "export"]));
    assert_eq!(lines, "", "nothing was imported");
}

async fn post(server: &TestServer, query: &str, key: &str, body: String) -> (u16, Value) {
    let url = server.url(&format!("/api/v1/users/import{query}"));
    let response = reqwest::Client::new().post(url).bearer_auth(key).body(body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

async fn transfer_api(server: TestServer) {
    with_keys(&server).await;
    assert_eq!(post(&server, "", READ_ONLY, sample()).await.0, 403, "importing needs users:write");
    let (status, problem) = post(&server, "?format=okta", KEY, sample()).await;
    assert_eq!((status, problem["code"].as_str()), (400, Some("invalid_field")));

    // Larger than the 64 KiB other bodies may be: the import streams.
    let padding: String =
        (0..2000).map(|i| format!("{{\"external_id\": \"pad-{i}\", \"metadata\": {{\"n\": {i}}}}}\n")).collect();
    let (status, report) = post(&server, "", KEY, sample() + &padding).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!((report["created"].as_u64(), report["failed_count"].as_u64()), (Some(2002), Some(3)));
    let lines: Vec<u64> = report["failed"].as_array().unwrap().iter().map(|f| f["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [2, 4, 5]);
    let (_, again) = post(&server, "", KEY, sample()).await;
    assert_eq!((again["created"].as_u64(), again["existing"].as_u64()), (Some(0), Some(2)));

    let (status, _) = call(&server, Method::GET, "/api/v1/users/export", None, None).await;
    assert_eq!(status, 401);
    let exported = reqwest::Client::new().get(server.url("/api/v1/users/export")).bearer_auth(READ_ONLY).send();
    let exported = exported.await.unwrap();
    assert_eq!(exported.headers()["content-type"], "application/x-ndjson");
    let text = exported.text().await.unwrap();
    assert_eq!(text.lines().count(), 2002);
    let ann = text.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()).find(|u| u["external_id"] == "legacy-1");
    assert_eq!(ann.unwrap()["passkeys"][0]["name"], "Phone");
}

#[tokio::test]
async fn users_are_imported_and_exported_through_the_api_on_sqlite() {
    transfer_api(TestServer::start().await).await;
}

#[tokio::test]
async fn users_are_imported_and_exported_through_the_api_on_postgres() {
    let schema = PgSchema::create().await;
    let url = schema.url();
    transfer_api(TestServer::start_with(move |c| c.directory.url = url).await).await;
}
