//! A build without the `kafka-txn` feature (the page's) reads a link or a scenario that
//! asks for Kafka transactions and refuses it with a sentence, never a panic. The test
//! runs when the core is tested on its own (`cargo test -p mqlab-sim`), without the
//! feature.
#![cfg(not(feature = "kafka-txn"))]

use mqlab_sim::{KafkaTransactions, Mode, Scenario, SharedRun, Sim};

#[test]
fn a_scenario_or_link_of_kafka_transactions_is_refused_by_a_build_without_them() {
    let scenario = Scenario {
        mode: Mode::Transactional,
        kafka_transactions: Some(KafkaTransactions::default()),
        ..Scenario::default()
    };
    let error = scenario.validate().expect_err("refused").to_string();
    assert!(error.contains("not in this build"), "{error}");
    assert!(Sim::new(&scenario).is_err());
    let link = SharedRun::new(scenario).to_link();
    let error = SharedRun::from_link(&link)
        .expect_err("refused")
        .to_string();
    assert!(error.contains("not in this build"), "{error}");
}
