//! Crash matrix time: every single crash point × every message of a 10-message scenario
//! in all four modes (420 runs, each to quiescence; the page's target is 2 s in headless
//! Chromium, and the page shows its own figure).
//!
//! The job runs in slices of 16 runs, as the page runs it between frames, so the figure
//! includes the slicing. Each repetition must give the same cells.
//!
//! Usage: `cargo run --release --manifest-path crates/bench/Cargo.toml --bin
//! crash_matrix [-- --messages 10] [--repeat 5] [--pairs]`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use mqlab_sim::matrix::{MatrixJob, MatrixOptions};
use mqlab_sim::Scenario;

/// The target (in the browser), in milliseconds.
const TARGET_MS: u128 = 2_000;
/// Runs per slice, as in the page.
const SLICE_RUNS: u32 = 16;

fn parse_args(args: &[String]) -> Result<(u32, u32, bool), String> {
    let (mut messages, mut repeat, mut pairs) = (10, 5, false);
    let mut index = 0;
    while index < args.len() {
        let flag = args[index].as_str();
        let value = |index: usize| {
            args.get(index + 1)
                .and_then(|text| text.parse::<u32>().ok())
                .filter(|&n| n >= 1)
                .ok_or_else(|| format!("{flag} needs a whole number of at least 1"))
        };
        match flag {
            "--messages" => {
                messages = value(index)?;
                index += 1;
            }
            "--repeat" => {
                repeat = value(index)?;
                index += 1;
            }
            "--pairs" => pairs = true,
            other => return Err(format!("unknown flag '{other}'")),
        }
        index += 1;
    }
    Ok((messages, repeat, pairs))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (messages, repeat, pairs) = match parse_args(&args) {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("crash_matrix: {error}");
            return ExitCode::from(2);
        }
    };
    let scenario = Scenario {
        messages,
        ..Scenario::default()
    };
    let options = MatrixOptions {
        pairs,
        ..MatrixOptions::singles()
    };
    let mut times: Vec<Duration> = Vec::new();
    let mut reference = None;
    let mut steps = 0_u64;
    for _ in 0..repeat {
        let start = Instant::now();
        let mut job = match MatrixJob::new(&scenario, options.clone()) {
            Ok(job) => job,
            Err(error) => {
                eprintln!("crash_matrix: {error}");
                return ExitCode::from(2);
            }
        };
        while !job.run_slice(SLICE_RUNS).finished {}
        times.push(start.elapsed());
        steps = job.cells().iter().map(|cell| cell.summary.steps).sum();
        let cells = job.cells().to_vec();
        match &reference {
            None => reference = Some(cells),
            Some(first) if *first != cells => {
                eprintln!("crash_matrix: a repetition gave different cells");
                return ExitCode::FAILURE;
            }
            Some(_) => {}
        }
    }
    let runs = reference.as_ref().map_or(0, Vec::len);
    times.sort();
    let best = times[0];
    let median = times[times.len() / 2];
    println!(
        "crash matrix: {messages} messages, all four modes, {} — {runs} runs, {steps} steps in all",
        if pairs { "single crashes and pairs" } else { "single crashes" }
    );
    println!(
        "native, 1 thread, slices of {SLICE_RUNS}: best {:.1} ms, median {:.1} ms over {repeat} runs ({:.0} runs/s); target in the browser ≤ {TARGET_MS} ms",
        best.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3,
        runs as f64 / median.as_secs_f64()
    );
    ExitCode::SUCCESS
}
