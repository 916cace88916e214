//! A build without the `kafka-txn` feature (the page's) reads a link or a scenario file
//! that asks for Kafka transactions and refuses it with a sentence, never a panic. The
//! test runs when the core is tested on its own (`cargo test -p mqlab-sim`), without the
//! feature.
#![cfg(not(feature = "kafka-txn"))]

use mqlab_sim::share::seal_version;
use mqlab_sim::{ScenarioFile, SharedRun};

#[test]
fn a_link_or_file_of_kafka_transactions_is_refused_by_a_build_without_them() {
    let link = seal_version(
        6,
        "mode=transactional&messages=4&seed=1&protocol=kafka&isolation=read_uncommitted",
    );
    let error = SharedRun::from_link(&link)
        .expect_err("refused")
        .to_string();
    assert!(error.contains("not in this build"), "{error}");
    let xa = seal_version(6, "mode=transactional&messages=4&seed=1&protocol=xa");
    assert!(SharedRun::from_link(&xa).is_ok(), "XA is in every build");
    let settings = seal_version(6, "mode=transactional&messages=4&seed=1&zombie=on");
    let error = SharedRun::from_link(&settings)
        .expect_err("refused")
        .to_string();
    assert!(error.contains("protocol=kafka"), "{error}");
    let file = r#"{"format": "mqlab-scenario", "version": 6, "mode": "transactional",
        "messages": 3, "seed": 1, "kafka_transactions": {"zombie": true}}"#;
    let error = ScenarioFile::import(file).expect_err("refused").to_string();
    assert!(error.contains("not in this build"), "{error}");
}
