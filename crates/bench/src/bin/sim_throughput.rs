//! Simulation throughput: events per second of the discrete-event core.
//!
//! The workload: 10,000 messages in at-least-once mode, 5 %
//! random loss on every link and random crashes (a random node crashes with probability
//! 1/1,000 per step and restarts after the default downtime), run to quiescence once
//! with the trace recorded and once without. An event is one step of the simulation
//! (`Sim::advance` returning true): a publish, an arrival, a drop, a timer that fires, a
//! crash or a restart. Stale timers that the engine discards without a step are not
//! counted, so the figure is conservative.
//!
//! With `--replicas 1,3` (the default) the workload runs once with a single broker and
//! once with a replicated queue of three brokers (acks=all, leader epochs, clean
//! election; followers fetch one record at a time, so the run has several times the
//! events). The single broker's target is 10M events/s, the replicated queue's 5M.
//!
//! With `--groups on` (the default) it also runs the consumer groups' workload: the same
//! messages, loss and crashes with Kafka-style consumers, 3 groups × 4 members × 8
//! partitions (64 keys, commit after processing); every record is fetched, processed
//! and committed once per group, so the run has several times the events. Its target is
//! 5M events/s.
//!
//! Each configuration runs `--repeat` times (default 5) on one thread; the table shows
//! the best and the median, because the machine is shared and the best run is the one
//! least disturbed by other work. Every repetition must produce the same trace hash and
//! step count, which also checks that recording does not change the run.
//!
//! Usage: `cargo run --release --manifest-path crates/bench/Cargo.toml --bin
//! sim_throughput [-- --messages 10000] [--repeat 5] [--seed 1] [--recording off,on]
//! [--replicas 1,3] [--groups on|off]`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use mqlab_sim::{Scenario, Sim, SimOptions};

/// The target, in events per second on one core, with one broker.
const TARGET_EVENTS_PER_SECOND: f64 = 10_000_000.0;
/// The target with a replicated queue.
const REPLICATED_TARGET_EVENTS_PER_SECOND: f64 = 5_000_000.0;
/// The target with 3 consumer groups × 4 members × 8 partitions.
const GROUPS_TARGET_EVENTS_PER_SECOND: f64 = 5_000_000.0;

struct Args {
    messages: u32,
    repeat: u32,
    seed: u64,
    recording: Vec<bool>,
    replicas: Vec<u16>,
    groups: bool,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args {
        messages: 10_000,
        repeat: 5,
        seed: 1,
        recording: vec![false, true],
        replicas: vec![1, 3],
        groups: true,
    };
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let value = iter.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |what: &str| {
            value
                .parse::<u64>()
                .map_err(|e| format!("{what} {value}: {e}"))
        };
        match flag.as_str() {
            "--messages" => {
                parsed.messages = u32::try_from(number("--messages")?)
                    .map_err(|_| format!("--messages {value}: too large"))?
            }
            "--repeat" => {
                parsed.repeat = u32::try_from(number("--repeat")?)
                    .ok()
                    .filter(|&n| n >= 1)
                    .ok_or_else(|| format!("--repeat {value}: must be 1 or more"))?
            }
            "--seed" => parsed.seed = number("--seed")?,
            "--recording" => {
                parsed.recording = value
                    .split(',')
                    .map(|v| match v.trim() {
                        "off" => Ok(false),
                        "on" => Ok(true),
                        other => Err(format!("--recording: '{other}' is neither on nor off")),
                    })
                    .collect::<Result<_, _>>()?
            }
            "--replicas" => {
                parsed.replicas = value
                    .split(',')
                    .map(|v| {
                        v.trim()
                            .parse::<u16>()
                            .ok()
                            .filter(|r| (1..=5).contains(r))
                            .ok_or_else(|| format!("--replicas: '{v}' is not 1..5"))
                    })
                    .collect::<Result<_, _>>()?
            }
            "--groups" => {
                parsed.groups = match value.as_str() {
                    "on" => true,
                    "off" => false,
                    other => return Err(format!("--groups: '{other}' is neither on nor off")),
                }
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(parsed)
}

fn scenario(messages: u32, seed: u64, replicas: u16) -> Scenario {
    let mut scenario = mqlab_sim::benchmarks::throughput_scenario(messages, seed);
    scenario.topology.brokers = replicas;
    scenario
}

/// One measured run: steps taken, wall time, trace hash and the counters that show the
/// faults really happened.
struct Measurement {
    steps: u64,
    elapsed: Duration,
    trace_hash: u64,
    crashes: u64,
    duplicated: u32,
    lost: u32,
}

fn measure(scenario: &Scenario, record_trace: bool) -> Result<Measurement, String> {
    let mut sim = Sim::with_options(scenario, SimOptions { record_trace })
        .map_err(|e| format!("invalid scenario: {e}"))?;
    let started = Instant::now();
    let mut steps = 0u64;
    while sim.advance() {
        steps += 1;
    }
    let elapsed = started.elapsed();
    let snapshot = sim.snapshot();
    let crashes = snapshot.nodes.iter().map(|n| u64::from(n.crashes)).sum();
    let summary = sim.summary();
    if summary.steps != steps {
        return Err(format!(
            "the ledger counts {} steps, the loop {steps}",
            summary.steps
        ));
    }
    if record_trace && !sim.trace_truncated() && (sim.trace().len() as u64) < steps {
        return Err("recording was on but the trace misses steps".to_string());
    }
    Ok(Measurement {
        steps,
        elapsed,
        trace_hash: sim.trace_hash(),
        crashes,
        duplicated: summary.duplicated,
        lost: summary.lost,
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&args) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("sim_throughput: {message}");
            return ExitCode::from(2);
        }
    };
    println!(
        "Simulation throughput: {} messages, at-least-once, 5% loss, random crashes 1/1000 per step, seed {}, 1 thread, best and median of {}",
        args.messages, args.seed, args.repeat
    );
    println!("| world | trace recording | steps | crashes | duplicated | lost | best (ms) | best (events/s) | median (events/s) | target |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for &replicas in &args.replicas {
        let scenario = scenario(args.messages, args.seed, replicas);
        let target = if replicas > 1 {
            REPLICATED_TARGET_EVENTS_PER_SECOND
        } else {
            TARGET_EVENTS_PER_SECOND
        };
        let world = if replicas > 1 {
            format!("{replicas} replicas")
        } else {
            "1 broker".to_string()
        };
        if let Err(code) = measure_all(&args, &scenario, &world, target) {
            return code;
        }
    }
    if args.groups {
        let scenario = mqlab_sim::benchmarks::groups_scenario(args.messages, args.seed);
        let world = "3 groups × 4 consumers × 8 partitions";
        if let Err(code) = measure_all(&args, &scenario, world, GROUPS_TARGET_EVENTS_PER_SECOND) {
            return code;
        }
    }
    ExitCode::SUCCESS
}

/// Measures one scenario with each recording setting and prints a row for each.
fn measure_all(args: &Args, scenario: &Scenario, world: &str, target: f64) -> Result<(), ExitCode> {
    let mut reference: Option<(u64, u64)> = None;
    for &record_trace in &args.recording {
        let mut runs = Vec::new();
        for _ in 0..args.repeat {
            match measure(scenario, record_trace) {
                Ok(run) => runs.push(run),
                Err(message) => {
                    eprintln!("sim_throughput: {message}");
                    return Err(ExitCode::FAILURE);
                }
            }
        }
        for run in &runs {
            let key = (run.trace_hash, run.steps);
            if *reference.get_or_insert(key) != key {
                eprintln!("sim_throughput: a repetition or the recording option changed the run (trace hash {:#x}, {} steps)", run.trace_hash, run.steps);
                return Err(ExitCode::FAILURE);
            }
        }
        let mut rates: Vec<f64> = runs
            .iter()
            .map(|r| r.steps as f64 / r.elapsed.as_secs_f64().max(1e-9))
            .collect();
        rates.sort_by(|a, b| b.total_cmp(a));
        let best = &runs[runs
            .iter()
            .enumerate()
            .min_by_key(|(_, r)| r.elapsed)
            .map_or(0, |(i, _)| i)];
        let best_rate = rates[0];
        let median_rate = rates[rates.len() / 2];
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.2} | {:.0} | {:.0} | {}M/s {} |",
            world,
            if record_trace { "on" } else { "off" },
            best.steps,
            best.crashes,
            best.duplicated,
            best.lost,
            best.elapsed.as_secs_f64() * 1e3,
            best_rate,
            median_rate,
            target / 1e6,
            if best_rate >= target { "met" } else { "not met" },
        );
    }
    Ok(())
}
