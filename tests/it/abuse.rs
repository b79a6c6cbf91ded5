//! Abuse by unauthenticated clients: what they can make Tessera keep, and whom they can lock out.

use crate::support::TestServer;
use crate::support::browser::{Step, param};

#[tokio::test]
async fn only_known_methods_become_metric_labels() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    for n in 0..20 {
        let made_up = reqwest::Method::from_bytes(format!("X{}{n}", "Y".repeat(500)).as_bytes()).unwrap();
        http.request(made_up, server.url("/authorize")).send().await.unwrap();
    }
    let text = http.get(server.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(!text.contains("YYYY"), "a made-up method became a label");
    assert!(text.contains(r#"tessera_http_requests_total{method="other","#), "{text}");
}

/// Reads until the server closes the connection; `Err` if it is still open after `within`.
async fn closed_within(stream: &mut tokio::net::TcpStream, within: std::time::Duration) -> Result<Vec<u8>, Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let mut buf = [0u8; 4096];
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return Ok(seen),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
            Err(_) => return Err(seen),
        }
    }
}

#[tokio::test]
async fn half_sent_requests_trickled_bodies_and_idle_connections_are_closed() {
    use tokio::io::AsyncWriteExt;
    let server = TestServer::start_with(|c| {
        c.server.header_read_timeout_secs = 1;
        c.server.body_read_timeout_secs = 1;
        c.server.idle_timeout_secs = 2;
    })
    .await;
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut half_sent = Vec::new();
    for _ in 0..5 {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
        half_sent.push(stream);
    }
    let mut trickled = tokio::net::TcpStream::connect(&addr).await.unwrap();
    trickled
        .write_all(b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n")
        .await
        .unwrap();
    let trickle = tokio::spawn(async move {
        for _ in 0..40 {
            if trickled.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        trickled
    });
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();

    let within = std::time::Duration::from_secs(5);
    for stream in &mut half_sent {
        assert!(closed_within(stream, within).await.is_ok(), "a half-sent request is closed");
    }
    let answered = closed_within(&mut idle, within).await.expect("an idle kept-alive connection is closed");
    assert!(answered.starts_with(b"HTTP/1.1 200"), "after its answer");
    let mut trickled = trickle.await.unwrap();
    assert!(closed_within(&mut trickled, within).await.is_ok(), "a trickled body is cut off");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_is_free() {
    use tokio::io::AsyncWriteExt;
    let server = TestServer::start_with(|c| {
        c.server.max_connections = 1;
        c.server.header_read_timeout_secs = 2;
    })
    .await;
    let mut holder = tokio::net::TcpStream::connect(server.base.trim_start_matches("http://")).await.unwrap();
    holder.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let http = reqwest::Client::new();
    let waiting = http.get(server.url("/healthz")).timeout(std::time::Duration::from_millis(800)).send().await;
    assert!(waiting.is_err(), "the only connection slot is taken");
    let served = http.get(server.url("/healthz")).timeout(std::time::Duration::from_secs(5)).send().await;
    assert_eq!(served.unwrap().status(), 200, "served once the slow connection was closed");
}

#[tokio::test]
async fn sign_ins_started_without_a_session_are_limited_per_address() {
    let server = TestServer::start_with(|c| c.login.sign_ins_per_ip_per_minute = 3).await;
    let client = crate::support::rp::client(&server, "web").await;
    let long_hint = format!("{}&login_hint={}", crate::support::rp::start(&client, &[]).url, "a".repeat(300));
    let Step::Client(url) = server.browser().authorize(&long_hint).await else { panic!("an error at the client") };
    assert_eq!(param(&url, "error").as_deref(), Some("invalid_request"), "hints are short; nothing is stored");
    for _ in 0..3 {
        let step = server.browser().authorize(&crate::support::rp::start(&client, &[]).url).await;
        assert!(matches!(step, Step::Login(_)), "a sign-in starts");
    }
    let Step::Client(url) = server.browser().authorize(&crate::support::rp::start(&client, &[]).url).await else {
        panic!("the fourth goes back to the client")
    };
    assert_eq!(param(&url, "error").as_deref(), Some("temporarily_unavailable"));
    assert_eq!(server.browser().get("/account").await.status(), 429, "the account page counts too");
    server.clock.advance(61);
    let step = server.browser().authorize(&crate::support::rp::start(&client, &[]).url).await;
    assert!(matches!(step, Step::Login(_)), "a minute later");
}

mod buckets {
    //! The rate-limit buckets, asked directly: who shares a budget with whom.
    use std::net::IpAddr;

    use tessera::domain::limits::{before_check, before_send};
    use tessera::domain::otp::{self, Check};
    use tessera::model::Identifier;

    use crate::support::TestServer;

    fn email(address: &str) -> Identifier {
        Identifier::Email(address.parse().unwrap())
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[tokio::test]
    async fn the_account_page_and_each_bridge_have_their_own_send_budget() {
        let server = TestServer::start_with(|c| {
            c.login.sends_per_client = 2;
            c.login.resend_cooldown_secs = 0;
        })
        .await;
        for n in 0..2 {
            let to = email(&format!("u{n}@example.com"));
            assert_eq!(
                before_send(&server.state, &to, "bridge:one", ip(&format!("198.51.100.{n}"))).await.unwrap(),
                None
            );
        }
        let spent = before_send(&server.state, &email("u9@example.com"), "bridge:one", ip("198.51.100.9")).await;
        assert!(spent.unwrap().is_some(), "the bridge's own budget is spent");
        for bucket in ["account", "bridge:two", "client:web"] {
            let ok = before_send(&server.state, &email("ada@example.com"), bucket, ip("203.0.113.1")).await.unwrap();
            assert_eq!(ok, None, "{bucket} is not locked out by another's sends");
        }
    }

    #[tokio::test]
    async fn ipv6_limits_count_per_64() {
        let server = TestServer::start_with(|c| c.login.checks_per_ip = 2).await;
        let check = |n: u32, from: &'static str| {
            let state = server.state.clone();
            async move { before_check(&state, &email(&format!("u{n}@example.com")), "client:web", ip(from)).await }
        };
        assert_eq!(check(1, "2001:db8:1:2::1").await.unwrap(), None);
        assert_eq!(check(2, "2001:db8:1:2:ffff::9").await.unwrap(), None);
        assert!(check(3, "2001:db8:1:2::abcd").await.unwrap().is_some(), "the same /64, one budget");
        assert_eq!(check(4, "2001:db8:1:3::1").await.unwrap(), None, "the next /64 has its own");
    }

    #[tokio::test]
    async fn one_source_cannot_spend_an_identifiers_send_budget_alone() {
        let server = TestServer::start_with(|c| {
            c.login.resend_cooldown_secs = 0;
            c.login.sends_per_window = 2;
        })
        .await;
        let victim = email("ada@example.com");
        let mut refused = None;
        for _ in 0..10 {
            refused = before_send(&server.state, &victim, "client:web", ip("203.0.113.66")).await.unwrap();
            if refused.is_some() {
                break;
            }
        }
        assert!(refused.is_some(), "one source is limited");
        let owner = before_send(&server.state, &victim, "client:web", ip("198.51.100.7")).await.unwrap();
        assert_eq!(owner, None, "the owner can still get a code");
    }

    #[tokio::test]
    async fn a_code_sent_for_another_sign_in_does_not_replace_a_pending_one() {
        let server = TestServer::start().await;
        let ada = email("ada@example.com");
        let (mine, code) = otp::start(&server.state, &ada, "sign-in-1").await.unwrap();
        otp::start(&server.state, &ada, "sign-in-2").await.unwrap();
        assert_eq!(otp::check(&server.state, &mine, &code).await.unwrap(), Check::Accepted(ada.clone()));
        let (first, code) = otp::start(&server.state, &ada, "sign-in-3").await.unwrap();
        otp::start(&server.state, &ada, "sign-in-3").await.unwrap();
        assert_eq!(otp::check(&server.state, &first, &code).await.unwrap(), Check::Expired, "its own resend does");
    }
}
