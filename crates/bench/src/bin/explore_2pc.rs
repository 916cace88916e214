//! Explorer throughput for N = 7, 8, 9 resource managers, against Stateright.
//!
//! Runs MQ Lab's explorer (single-threaded, packed states) and a Stateright model of the
//! same `TwoPhase` specification (written below with Stateright's `Model` trait, checked
//! by its breadth-first checker) on the same machine in the same run, asserts that both
//! report the same number of distinct states, and prints a table of wall times.
//!
//! Usage: `cargo run --release --manifest-path crates/bench/Cargo.toml --bin explore_2pc
//! [-- --rms 7,8,9] [--stateright-threads 1,2]`. Stateright runs once with one thread
//! (per core, like our single-threaded explorer) and once with every core of the machine
//! (its best wall time here); the target is judged against the faster of the two.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mqlab_sim::explore::{explore, ExploreConfig, Status};
use stateright::{Checker, Model, Property};

/// The `TwoPhase` specification for Stateright: the same variables, the same seven
/// actions and the same invariant as `mqlab_sim::explore`, in Stateright's idiom (after
/// its `examples/2pc.rs`).
struct TwoPhaseSys {
    rm_count: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct SrState {
    rm_state: Vec<SrRmState>,
    tm_state: SrTmState,
    tm_prepared: Vec<bool>,
    msgs: BTreeSet<SrMessage>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum SrMessage {
    Prepared(usize),
    Commit,
    Abort,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum SrRmState {
    Working,
    Prepared,
    Committed,
    Aborted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum SrTmState {
    Init,
    Committed,
    Aborted,
}

#[derive(Clone, Debug, PartialEq)]
enum SrAction {
    TmRcvPrepared(usize),
    TmCommit,
    TmAbort,
    RmPrepare(usize),
    RmChooseToAbort(usize),
    RmRcvCommitMsg(usize),
    RmRcvAbortMsg(usize),
}

impl Model for TwoPhaseSys {
    type State = SrState;
    type Action = SrAction;

    fn init_states(&self) -> Vec<SrState> {
        vec![SrState {
            rm_state: vec![SrRmState::Working; self.rm_count],
            tm_state: SrTmState::Init,
            tm_prepared: vec![false; self.rm_count],
            msgs: BTreeSet::new(),
        }]
    }

    fn actions(&self, state: &SrState, actions: &mut Vec<SrAction>) {
        let tm_init = state.tm_state == SrTmState::Init;
        if tm_init && state.tm_prepared.iter().all(|&p| p) {
            actions.push(SrAction::TmCommit);
        }
        if tm_init {
            actions.push(SrAction::TmAbort);
        }
        for rm in 0..self.rm_count {
            if tm_init && state.msgs.contains(&SrMessage::Prepared(rm)) {
                actions.push(SrAction::TmRcvPrepared(rm));
            }
            if state.rm_state[rm] == SrRmState::Working {
                actions.push(SrAction::RmPrepare(rm));
                actions.push(SrAction::RmChooseToAbort(rm));
            }
            if state.msgs.contains(&SrMessage::Commit) {
                actions.push(SrAction::RmRcvCommitMsg(rm));
            }
            if state.msgs.contains(&SrMessage::Abort) {
                actions.push(SrAction::RmRcvAbortMsg(rm));
            }
        }
    }

    fn next_state(&self, last: &SrState, action: SrAction) -> Option<SrState> {
        let mut state = last.clone();
        match action {
            SrAction::TmRcvPrepared(rm) => state.tm_prepared[rm] = true,
            SrAction::TmCommit => {
                state.tm_state = SrTmState::Committed;
                state.msgs.insert(SrMessage::Commit);
            }
            SrAction::TmAbort => {
                state.tm_state = SrTmState::Aborted;
                state.msgs.insert(SrMessage::Abort);
            }
            SrAction::RmPrepare(rm) => {
                state.rm_state[rm] = SrRmState::Prepared;
                state.msgs.insert(SrMessage::Prepared(rm));
            }
            SrAction::RmChooseToAbort(rm) => state.rm_state[rm] = SrRmState::Aborted,
            SrAction::RmRcvCommitMsg(rm) => state.rm_state[rm] = SrRmState::Committed,
            SrAction::RmRcvAbortMsg(rm) => state.rm_state[rm] = SrRmState::Aborted,
        }
        Some(state)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![Property::<Self>::always(
            "consistent",
            |_, state: &SrState| {
                !(state.rm_state.contains(&SrRmState::Committed)
                    && state.rm_state.contains(&SrRmState::Aborted))
            },
        )]
    }
}

struct Row {
    rm_count: u32,
    distinct_states: u64,
    max_depth: u32,
    ours: Duration,
    /// Stateright's wall time for each thread count, in the order given.
    stateright: Vec<Duration>,
}

fn states_per_second(states: u64, elapsed: Duration) -> f64 {
    states as f64 / elapsed.as_secs_f64().max(1e-9)
}

/// The thread counts to run Stateright with by default: one (a per-core comparison with
/// our single-threaded explorer) and every core of the machine (Stateright's best
/// wall time here), once each when they are the same.
fn default_threads() -> Vec<usize> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores == 1 {
        vec![1]
    } else {
        vec![1, cores]
    }
}

fn parse_list<T: std::str::FromStr>(flag: &str, value: &str) -> Result<Vec<T>, String>
where
    T::Err: std::fmt::Display,
{
    value
        .split(',')
        .map(|n| n.trim().parse::<T>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{flag} {value}: {e}"))
}

fn parse_args(args: &[String]) -> Result<(Vec<u32>, Vec<usize>), String> {
    let mut rms = vec![7, 8, 9];
    let mut threads = default_threads();
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let value = iter.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--rms" => rms = parse_list(flag, value)?,
            "--stateright-threads" => {
                threads = parse_list(flag, value)?;
                if threads.contains(&0) {
                    return Err("--stateright-threads must be at least 1".to_string());
                }
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok((rms, threads))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (rm_counts, thread_counts) = match parse_args(&args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("explore_2pc: {message}");
            return ExitCode::from(2);
        }
    };
    let mut rows = Vec::new();
    for &rm_count in &rm_counts {
        let started = Instant::now();
        let ours = match explore(ExploreConfig::new(rm_count)) {
            Ok(result) => result,
            Err(error) => {
                eprintln!("explore_2pc: {error}");
                return ExitCode::from(2);
            }
        };
        let ours_elapsed = started.elapsed();
        if ours.status != Status::Complete || ours.violations != 0 {
            eprintln!(
                "explore_2pc: N={rm_count}: the explorer ended {:?} with {} violations; the correct protocol must complete without any",
                ours.status, ours.violations
            );
            return ExitCode::FAILURE;
        }
        eprintln!(
            "N={rm_count}: ours {} states in {:.3} s",
            ours.distinct_states,
            ours_elapsed.as_secs_f64()
        );

        let mut stateright = Vec::new();
        for &threads in &thread_counts {
            let started = Instant::now();
            let checker = TwoPhaseSys {
                rm_count: rm_count as usize,
            }
            .checker()
            .threads(threads)
            .spawn_bfs()
            .join();
            let elapsed = started.elapsed();
            checker.assert_properties();
            let states = checker.unique_state_count() as u64;
            eprintln!(
                "N={rm_count}: Stateright ({threads} thread{}) {states} states in {:.3} s",
                if threads == 1 { "" } else { "s" },
                elapsed.as_secs_f64()
            );
            if states != ours.distinct_states {
                eprintln!(
                    "explore_2pc: distinct states differ at N={rm_count}: ours {} vs Stateright {states}",
                    ours.distinct_states
                );
                return ExitCode::FAILURE;
            }
            stateright.push(elapsed);
        }
        rows.push(Row {
            rm_count,
            distinct_states: ours.distinct_states,
            max_depth: ours.max_depth,
            ours: ours_elapsed,
            stateright,
        });
    }

    println!(
        "2PC explorer (1 thread) vs Stateright 0.31 BFS on the same TwoPhase model; distinct-state counts checked equal"
    );
    let mut header =
        String::from("| N | distinct states | max depth | ours (s) | ours (states/s) |");
    let mut rule = String::from("|---|---|---|---|---|");
    for &threads in &thread_counts {
        header.push_str(&format!(
            " Stateright {threads}t (s) | Stateright {threads}t (states/s) | ours / Stateright {threads}t |"
        ));
        rule.push_str("---|---|---|");
    }
    println!("{header}");
    println!("{rule}");
    for row in &rows {
        let mut line = format!(
            "| {} | {} | {} | {:.3} | {:.0} |",
            row.rm_count,
            row.distinct_states,
            row.max_depth,
            row.ours.as_secs_f64(),
            states_per_second(row.distinct_states, row.ours),
        );
        for elapsed in &row.stateright {
            line.push_str(&format!(
                " {:.3} | {:.0} | {:.3} |",
                elapsed.as_secs_f64(),
                states_per_second(row.distinct_states, *elapsed),
                row.ours.as_secs_f64() / elapsed.as_secs_f64().max(1e-9),
            ));
        }
        println!("{line}");
    }
    ExitCode::SUCCESS
}
