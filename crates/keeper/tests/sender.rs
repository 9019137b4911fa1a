//! The keeper's sender against the local node (no deployment): concurrent sends take distinct,
//! consecutive nonces; transactions the RPC dropped before they reached the node are re-sent and
//! mined once; a nonce another client used is re-read and the send goes through.

mod common;

use alloy_primitives::U256;
use clearing_cli::rpc::Chain;
use clearing_keeper::config::Policy;
use clearing_keeper::metrics::Metrics;
use clearing_keeper::sender::Sender;
use common::{proxy, Fault};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const GAS_PRICE: u128 = 100_000_000;

async fn burst(
    sender: &Arc<Sender>,
    metrics: &Arc<Metrics>,
    n: u8,
) -> BTreeSet<alloy_primitives::B256> {
    let to = alloy_primitives::Address::repeat_byte(0x77);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (s, m) = (sender.clone(), metrics.clone());
        tasks.spawn(async move { s.send(&m, "test", to, vec![i], 100_000, GAS_PRICE).await });
    }
    let mut hashes = BTreeSet::new();
    while let Some(r) = tasks.join_next().await {
        let r = r.unwrap().expect("mined");
        assert!(r.status());
        hashes.insert(r.transaction_hash);
    }
    assert_eq!(hashes.len(), usize::from(n));
    hashes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nonces_resends_and_resyncs() {
    let node = stylus_node::start(stylus_node::Config {
        port: 0,
        accounts: 4,
        ..stylus_node::Config::default()
    })
    .await
    .expect("node starts");
    let url = node.url();
    let key = node.keys[3].clone();
    let me = key.address();
    let policy = Policy::parse(
        "native_price = \"1\"\n[retry]\nbase_delay = \"10ms\"\nmax_delay = \"50ms\"\n[transactions]\nresend_after = \"300ms\"\nreceipt_timeout = \"10s\"\n",
    )
    .unwrap();
    let reader = Chain::connect(&url, None).unwrap();
    let nonce = || async { reader.nonce(me).await.unwrap() };

    // 1. Eight at once, straight to the node.
    let mut chain = Chain::connect(&url, None).unwrap();
    chain.from = Some(me);
    let sender = Arc::new(Sender::new(chain, key.clone(), 412_346, &policy));
    let metrics = Arc::new(Metrics::default());
    burst(&sender, &metrics, 8).await;
    assert_eq!(nonce().await, 8);
    assert_eq!(sender.inflight(), 0);

    // 2. Through a proxy that drops the first two transactions before they reach the node.
    let dropped = Arc::new(AtomicU64::new(0));
    let d = dropped.clone();
    let (flaky, _) = proxy(
        url.clone(),
        Arc::new(move |_, tx| {
            if tx && d.fetch_add(1, Ordering::SeqCst) < 2 {
                Fault::Before
            } else {
                Fault::Pass
            }
        }),
    )
    .await;
    let mut chain = Chain::connect(&flaky, None).unwrap();
    chain.from = Some(me);
    let sender = Arc::new(Sender::new(chain, key.clone(), 412_346, &policy));
    let metrics = Arc::new(Metrics::default());
    burst(&sender, &metrics, 4).await;
    assert_eq!(nonce().await, 12, "each mined once");
    assert!(metrics.resent.load(Ordering::Relaxed) >= 2);

    // 3. Another client takes the sender's next nonce: the sender re-reads it and goes on.
    let other = Chain::connect(&url, Some(key.clone())).unwrap();
    other
        .send("other", Some(me), Vec::new(), U256::ZERO, &mut |_| Ok(()))
        .await
        .unwrap();
    assert_eq!(nonce().await, 13);
    burst(&sender, &metrics, 2).await;
    assert_eq!(nonce().await, 15);
}
