//! The scenarios the benchmarks measure, defined once so that the native benchmark
//! (crates/bench) and the browser benchmark (the app's `bench` feature) run the same run.

use crate::mode::Mode;
use crate::ratio::Ratio;
use crate::scenario::Scenario;

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
