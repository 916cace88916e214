//! Browser benchmarks, compiled only with the `bench` feature (bench.html builds it; the
//! site never ships it). Each function runs in the page's WebAssembly and returns its
//! figures as a JSON object; `scripts/bench` calls them from headless Chromium.

use mqlab_sim::benchmarks::{soak_scenario, throughput_scenario};
use mqlab_sim::explore::{explore, ExploreConfig};
use mqlab_sim::{Mode, Run, Scenario, SharedRun, Sim, SimOptions};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

fn now_ms() -> f64 {
    gloo::utils::window()
        .performance()
        .map(|p| p.now())
        .unwrap_or(0.0)
}

fn memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| {
            m.buffer()
                .dyn_into::<js_sys::ArrayBuffer>()
                .map(|b| f64::from(b.byte_length()))
                .unwrap_or(0.0)
        })
        .unwrap_or(0.0)
}

/// Events per second of the throughput scenario (the same run as the native benchmark).
#[wasm_bindgen]
pub fn bench_sim_events(messages: u32, record_trace: bool) -> String {
    let scenario = throughput_scenario(messages, 1);
    let Ok(mut sim) = Sim::with_options(&scenario, SimOptions { record_trace }) else {
        return "{\"error\":\"invalid scenario\"}".into();
    };
    let start = now_ms();
    let steps = sim.run_until_quiet(u64::MAX);
    let ms = now_ms() - start;
    format!(
        "{{\"steps\":{steps},\"ms\":{ms:.1},\"events_per_s\":{:.0},\"trace_hash\":\"{:016x}\"}}",
        steps as f64 / (ms / 1000.0).max(1e-9),
        sim.trace_hash()
    )
}

/// The 2PC protocol explorer for `rms` resource managers: distinct states and time.
#[wasm_bindgen]
pub fn bench_explore(rms: u32) -> String {
    let start = now_ms();
    match explore(ExploreConfig::new(rms)) {
        Ok(result) => {
            let ms = now_ms() - start;
            format!(
                "{{\"rms\":{rms},\"distinct_states\":{},\"ms\":{ms:.1},\"states_per_s\":{:.0}}}",
                result.distinct_states,
                result.distinct_states as f64 / (ms / 1000.0).max(1e-9)
            )
        }
        Err(error) => format!("{{\"error\":\"{error}\"}}"),
    }
}

/// Time travel: a run stepped to `steps`, then the time to jump back to step 0 and the
/// time to jump forward to `steps` again (checkpoints + replay).
#[wasm_bindgen]
pub fn bench_seek(steps: u32) -> String {
    let Ok(mut run) = Run::new(&throughput_scenario(10_000, 1)) else {
        return "{\"error\":\"invalid scenario\"}".into();
    };
    run.seek(u64::from(steps));
    let reached = run.step_index();
    let start = now_ms();
    run.seek(0);
    let back_ms = now_ms() - start;
    let start = now_ms();
    run.seek(reached);
    let forward_ms = now_ms() - start;
    let start = now_ms();
    run.seek(reached / 2);
    let middle_ms = now_ms() - start;
    format!("{{\"step\":{reached},\"to_start_ms\":{back_ms:.2},\"to_end_ms\":{forward_ms:.2},\"to_middle_ms\":{middle_ms:.2}}}")
}

/// A long run as the page holds it (trace recorded, checkpoints kept) of the largest
/// scenario allowed, with random faults, for `steps` steps: WebAssembly memory at the
/// start, after each tenth and at the end. A run that goes quiet is dropped and replaced
/// by a fresh one with the next seed. At the end, time travel in the run reached: the
/// time to jump to step 0, back to where it was, and to the middle.
#[wasm_bindgen]
pub fn bench_soak(steps: u32) -> String {
    let start_bytes = memory_bytes();
    let Ok(mut run) = Run::new(&soak_scenario(1)) else {
        return "{\"error\":\"invalid scenario\"}".into();
    };
    let mut seed = 1;
    let mut tenths = Vec::with_capacity(10);
    let start = now_ms();
    for taken in 0..steps {
        if run.step().is_none() {
            seed += 1;
            // The finished run goes before the next one is built.
            drop(run);
            run = match Run::new(&soak_scenario(seed)) {
                Ok(fresh) => fresh,
                Err(_) => return "{\"error\":\"invalid scenario\"}".into(),
            };
        }
        if steps >= 10 && (taken + 1) % (steps / 10) == 0 && tenths.len() < 10 {
            tenths.push((memory_bytes() / 1_048_576.0).round() as u64);
        }
    }
    let ms = now_ms() - start;
    let end_bytes = memory_bytes();
    let trace_len = run.sim().trace().len();
    let reached = run.step_index();
    let timed = |run: &mut Run, step: u64| {
        let start = now_ms();
        run.seek(step);
        now_ms() - start
    };
    let to_start_ms = timed(&mut run, 0);
    let to_end_ms = timed(&mut run, reached);
    let to_middle_ms = timed(&mut run, reached / 2);
    format!(
        "{{\"steps\":{steps},\"runs\":{seed},\"ms\":{ms:.0},\"memory_start\":{start_bytes},\"memory_mib_each_tenth\":{tenths:?},\"memory_end\":{end_bytes},\"trace_len\":{trace_len},\"step\":{reached},\"to_start_ms\":{to_start_ms:.1},\"to_end_ms\":{to_end_ms:.1},\"to_middle_ms\":{to_middle_ms:.1},\"memory_after_jumps\":{}}}",
        memory_bytes()
    )
}

/// A busy at-least-once run for frame-time measurements: enough messages for the run to
/// stay busy through every sample, slow links so that many envelopes are on them at
/// once, and `producer_window` publishes and `delivery_window` deliveries kept out.
fn busy_scenario(consumers: u16, producer_window: u32, delivery_window: u32) -> Scenario {
    let mut scenario = Scenario {
        mode: Mode::AtLeastOnce,
        messages: 5_000,
        ..Scenario::default()
    };
    scenario.topology.consumers = consumers;
    scenario.network.global.latency_ticks_min = 40;
    scenario.network.global.latency_ticks_max = 80;
    scenario.timing.producer_window = producer_window;
    scenario.timing.delivery_window = delivery_window;
    scenario.timing.retry_timeout_ticks = 400;
    scenario.timing.redelivery_timeout_ticks = 400;
    scenario
}

/// A link to a run with many messages in flight at once, for frame-time measurements:
/// about 100 envelopes on the links, 50 publishes and 50 deliveries with their confirms
/// and acks.
#[wasm_bindgen]
pub fn bench_busy_link() -> String {
    SharedRun::new(busy_scenario(1, 50, 50)).to_link()
}

/// A link to a run of six consumers with about a hundred messages in flight, for
/// frame-time measurements: RabbitMQ style (a prefetch of 10 each), or Kafka style (one
/// group of six members on six partitions, the producer keeping 90 publishes out).
#[wasm_bindgen]
pub fn bench_busy_consumers_link(kafka: bool) -> String {
    let mut scenario = busy_scenario(6, 40, 10);
    if kafka {
        scenario.timing.producer_window = 90;
        scenario.timing.delivery_window = Scenario::default().timing.delivery_window;
        scenario.kafka = Some(mqlab_sim::KafkaConfig {
            partitions: 6,
            ..mqlab_sim::KafkaConfig::default()
        });
    }
    SharedRun::new(scenario).to_link()
}

/// A link to the largest world drawn at once, for frame-time measurements: a queue
/// replicated on three brokers (acks=all) with six competing consumers, about a hundred
/// envelopes in flight between them.
#[wasm_bindgen]
pub fn bench_busy_replicated_link() -> String {
    let mut scenario = busy_scenario(6, 40, 10);
    scenario.topology.brokers = 3;
    scenario.replication.acks = Some(mqlab_sim::Acks::All);
    SharedRun::new(scenario).to_link()
}

/// The crash matrix: every single crash point × message of a `messages`-message scenario
/// in all four modes, run in slices as the page runs it.
#[wasm_bindgen]
pub fn bench_crash_matrix(messages: u32) -> String {
    use mqlab_sim::matrix::{MatrixJob, MatrixOptions};
    let scenario = Scenario {
        messages,
        ..Scenario::default()
    };
    let start = now_ms();
    let Ok(mut job) = MatrixJob::new(&scenario, MatrixOptions::singles()) else {
        return "{\"error\":\"invalid scenario\"}".into();
    };
    while !job.run_slice(16).finished {}
    let ms = now_ms() - start;
    format!("{{\"runs\":{},\"ms\":{ms:.1}}}", job.cells().len())
}

/// The crash matrix of a replicated queue: three brokers, `messages` messages, every
/// crash point of the replicated world (the leader's and each follower's) × message, in
/// the three modes a replicated queue runs, with acks=1 (so that some cells lose
/// acknowledged writes and the runs go through failover and truncation).
#[wasm_bindgen]
pub fn bench_replicated_crash_matrix(messages: u32) -> String {
    let mut scenario = Scenario {
        messages,
        ..Scenario::default()
    };
    scenario.topology.brokers = 3;
    scenario.replication.acks = Some(mqlab_sim::Acks::One);
    let Some((job, ms)) = every_mode_matrix(&scenario) else {
        return "{\"error\":\"invalid scenario\"}".into();
    };
    let acked_lost = job
        .cells()
        .iter()
        .filter(|cell| cell.summary.acked_lost > 0)
        .count();
    format!(
        "{{\"runs\":{},\"acked_lost_cells\":{acked_lost},\"ms\":{ms:.1}}}",
        job.cells().len()
    )
}

/// Every single crash of a scenario's matrix in the modes its world runs in, run in
/// slices as the page runs them; the finished job and how long it took, in ms.
fn every_mode_matrix(scenario: &Scenario) -> Option<(mqlab_sim::matrix::MatrixJob, f64)> {
    use mqlab_sim::matrix::{modes_for, MatrixJob, MatrixOptions};
    let options = MatrixOptions {
        modes: modes_for(scenario),
        ..MatrixOptions::singles()
    };
    let start = now_ms();
    let mut job = MatrixJob::new(scenario, options).ok()?;
    while !job.run_slice(16).finished {}
    Some((job, now_ms() - start))
}

/// The crash matrix of the largest consumer groups: three groups of six members on
/// eight partitions, `messages` messages, every crash point of the rows the matrix keeps
/// (every member of the first group, the first member of the others) × message, in the
/// three modes consumer groups run, committing after processing.
#[wasm_bindgen]
pub fn bench_groups_crash_matrix(messages: u32) -> String {
    let mut scenario = Scenario {
        messages,
        ..Scenario::default()
    };
    scenario.topology.consumers = 18;
    scenario.kafka = Some(mqlab_sim::KafkaConfig {
        groups: 3,
        partitions: 8,
        ..mqlab_sim::KafkaConfig::default()
    });
    let Some((job, ms)) = every_mode_matrix(&scenario) else {
        return "{\"error\":\"invalid scenario\"}".into();
    };
    let anomalous = job
        .cells()
        .iter()
        .filter(|cell| cell.outcome != mqlab_sim::matrix::Outcome::ExactlyOnce)
        .count();
    format!(
        "{{\"runs\":{},\"anomalous_cells\":{anomalous},\"ms\":{ms:.1}}}",
        job.cells().len()
    )
}
