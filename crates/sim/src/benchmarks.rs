//! The scenarios the benchmarks measure, defined once so that the native benchmark
//! (crates/bench) and the browser benchmark (the app's `bench` feature) run the same run.

use crate::mode::Mode;
use crate::ratio::Ratio;
use crate::scenario::{CommitStrategy, KafkaConfig, Scenario};

/// The throughput scenario: an at-least-once run of `messages` messages with 5 % loss on
/// every link and a random crash with probability 1/1000 per step.
pub fn throughput_scenario(messages: u32, seed: u64) -> Scenario {
    let mut scenario = Scenario {
        mode: Mode::AtLeastOnce,
        messages,
        seed,
        random_crash: Ratio::new(1, 1_000),
        ..Scenario::default()
    };
    scenario.network.global.loss = Ratio::percent(5);
    scenario
}

/// The consumer groups' throughput scenario: the throughput scenario with Kafka-style
/// consumers — 3 groups of 4 members on a topic of 8 partitions, 64 keys, committing
/// after processing. The loss applies to the producer's links (the members'
/// connections to the broker are reliable); the random crashes hit every node.
pub fn groups_scenario(messages: u32, seed: u64) -> Scenario {
    let mut scenario = throughput_scenario(messages, seed);
    scenario.topology.consumers = 12;
    scenario.kafka = Some(KafkaConfig {
        groups: 3,
        partitions: 8,
        keys: 64,
        commit: CommitStrategy::After,
        ..KafkaConfig::default()
    });
    scenario
}

/// The soak scenario: the largest allowed run (100,000 messages, the most a scenario may
/// have) of the throughput scenario, with 2 % duplication and 2 % reordering on every
/// link as well, so that every kind of fault keeps happening for as long as it plays.
pub fn soak_scenario(seed: u64) -> Scenario {
    let mut scenario = throughput_scenario(crate::limits::MAX_MESSAGES, seed);
    scenario.network.global.duplicate = Ratio::percent(2);
    scenario.network.global.reorder = Ratio::percent(2);
    scenario
}
