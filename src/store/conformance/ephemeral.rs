//! `Ephemeral` rules: values live until deleted or expired, `take` and `put_new` are single use
//! even under concurrency, and a counter's window runs from its first count.

use crate::store::conformance::Expiring;

pub async fn a_stored_value_is_read_until_deleted(eph: Expiring) {
    eph.ping().await.unwrap();
    eph.put("k", b"v".to_vec(), 10).await.unwrap();
    assert_eq!(eph.get("k").await.unwrap().as_deref(), Some(&b"v"[..]));
    assert_eq!(eph.get("missing").await.unwrap(), None);
    eph.put("gone", vec![1], 10).await.unwrap();
    eph.delete("gone").await.unwrap();
    assert_eq!(eph.get("gone").await.unwrap(), None, "delete removes");
}

pub async fn take_returns_the_value_once(eph: Expiring) {
    eph.put("k", b"v".to_vec(), 10).await.unwrap();
    assert_eq!(eph.take("k").await.unwrap().as_deref(), Some(&b"v"[..]), "take returns the value");
    assert_eq!(eph.take("k").await.unwrap(), None, "take is single use");
}

pub async fn put_new_refuses_a_live_key(eph: Expiring) {
    assert!(eph.put_new("once", vec![1], 1).await.unwrap());
    assert!(!eph.put_new("once", vec![2], 1).await.unwrap(), "put_new refuses a live key");
}

pub async fn a_counter_counts_from_one(eph: Expiring) {
    assert_eq!(eph.incr("n", 3).await.unwrap(), 1);
    assert_eq!(eph.incr("n", 3).await.unwrap(), 2);
}

pub async fn limits_count_in_order_and_stop_at_the_first_over_its_max(eph: Expiring) {
    assert_eq!(eph.incr("a", 10).await.unwrap(), 1);
    let limits = [("a", 10, 3), ("b", 10, 1), ("c", 10, 5)];
    assert_eq!(eph.incr_until_over(&limits).await.unwrap(), None, "a=2, b=1, c=1: all within");
    assert_eq!(eph.incr_until_over(&limits).await.unwrap(), Some(1), "a=3, b=2: b is over");
    assert_eq!(eph.incr("c", 10).await.unwrap(), 2, "the limit after the refusing one was not counted");
    assert_eq!(eph.incr_until_over(&limits).await.unwrap(), Some(0), "a=4: over, nothing after it counts");
    assert_eq!(eph.incr("b", 10).await.unwrap(), 3);
    assert_eq!(eph.incr_until_over(&[]).await.unwrap(), None);
}

/// One rule for both, so a store on real time waits out the TTLs once.
pub async fn keys_expire_and_counters_start_over_after_their_ttl(eph: Expiring) {
    eph.put("short", vec![1], 1).await.unwrap();
    assert!(eph.put_new("once", vec![1], 1).await.unwrap());
    assert_eq!(eph.incr("n", 2).await.unwrap(), 1);
    assert_eq!(eph.incr("n", 2).await.unwrap(), 2);
    assert_eq!(eph.incr_until_over(&[("o", 2, 0), ("m", 2, 9)]).await.unwrap(), Some(0), "o=1 is over 0");
    assert_eq!(eph.incr_until_over(&[("m", 2, 9)]).await.unwrap(), None, "m=1");
    eph.pass(1).await;
    assert_eq!(eph.get("short").await.unwrap(), None, "expired keys are gone");
    assert!(eph.put_new("once", vec![3], 1).await.unwrap(), "an expired key can be set again");
    assert_eq!(eph.incr("n", 2).await.unwrap(), 3, "counter still inside its window");
    // The count just made does not extend the window.
    eph.pass(1).await;
    assert_eq!(eph.incr("n", 2).await.unwrap(), 1, "an expired counter starts over");
    assert_eq!(eph.incr("m", 2).await.unwrap(), 1, "so does one counted with incr_until_over");
}

pub async fn exactly_one_concurrent_taker_wins(eph: Expiring) {
    eph.put("race2", vec![9], 10).await.unwrap();
    let takers: Vec<_> = (0..16)
        .map(|_| {
            let eph = eph.store.clone();
            tokio::spawn(async move { eph.take("race2").await.unwrap().is_some() })
        })
        .collect();
    let mut winners = 0;
    for t in takers {
        winners += usize::from(t.await.unwrap());
    }
    assert_eq!(winners, 1, "exactly one concurrent taker wins");
}
