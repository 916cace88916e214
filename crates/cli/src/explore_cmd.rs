//! `mqlab-cli explore-2pc --rms N [--symmetry] [--broken]`: explores every state of the
//! bare two-phase commit protocol and prints one JSON line of figures.

use std::process::ExitCode;
use std::time::Instant;

use mqlab_sim::explore::{explore, ExploreConfig, Status, MAX_RMS, MIN_RMS};
use serde_json::{json, Map, Value};

const USAGE: &str = "usage: mqlab-cli explore-2pc --rms N [--symmetry] [--broken]
  --rms N       the number of resource managers (1..=14; N = 9 takes seconds, more takes long)
  --symmetry    also count the states up to renaming the RMs (symmetric_states)
  --broken      explore a TM that commits after the first vote, to see the invariant fail
prints one JSON line: rms, distinct_states, max_depth, transitions, violations, elapsed_ms,
and counterexample (action names) when a violation is found";

#[derive(Debug, PartialEq, Eq)]
enum ArgsError {
    MissingRms,
    MissingValue(&'static str),
    BadRms(String),
    Unknown(String),
    Repeated(&'static str),
}

impl std::fmt::Display for ArgsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::MissingRms => write!(f, "--rms N is required"),
            Self::MissingValue(flag) => write!(f, "{flag} needs a value"),
            Self::BadRms(value) => write!(
                f,
                "--rms must be a whole number from {MIN_RMS} to {MAX_RMS}, not '{value}'"
            ),
            Self::Unknown(flag) => write!(f, "unknown flag '{flag}'"),
            Self::Repeated(flag) => write!(f, "{flag} given twice"),
        }
    }
}

enum Parsed {
    Help,
    Run(ExploreConfig),
}

fn parse(args: &[String]) -> Result<Parsed, ArgsError> {
    let mut rm_count = None;
    let mut symmetry = false;
    let mut broken = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let (flag, inline_value) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_string())),
            None => (arg.as_str(), None),
        };
        match flag {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--rms" => {
                if rm_count.is_some() {
                    return Err(ArgsError::Repeated("--rms"));
                }
                let value = match inline_value {
                    Some(value) => value,
                    None => iter.next().ok_or(ArgsError::MissingValue("--rms"))?.clone(),
                };
                let n = value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (MIN_RMS..=MAX_RMS).contains(n))
                    .ok_or(ArgsError::BadRms(value))?;
                rm_count = Some(n);
            }
            "--symmetry" if inline_value.is_none() => symmetry = true,
            "--broken" if inline_value.is_none() => broken = true,
            _ => return Err(ArgsError::Unknown(arg.clone())),
        }
    }
    let rm_count = rm_count.ok_or(ArgsError::MissingRms)?;
    Ok(Parsed::Run(ExploreConfig {
        symmetry,
        broken,
        ..ExploreConfig::new(rm_count)
    }))
}

pub fn main(args: &[String]) -> ExitCode {
    let config = match parse(args) {
        Ok(Parsed::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Run(config)) => config,
        Err(error) => {
            eprintln!("mqlab-cli explore-2pc: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let result = match explore(config) {
        Ok(result) => result,
        Err(error) => {
            eprintln!("mqlab-cli explore-2pc: {error}");
            return ExitCode::from(2);
        }
    };
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let mut line = Map::new();
    line.insert("rms".into(), json!(config.rm_count));
    line.insert("broken".into(), json!(config.broken));
    line.insert("distinct_states".into(), json!(result.distinct_states));
    line.insert("max_depth".into(), json!(result.max_depth));
    line.insert("transitions".into(), json!(result.transitions));
    line.insert("violations".into(), json!(result.violations));
    if let Some(symmetric) = result.symmetric_states {
        line.insert("symmetric_states".into(), json!(symmetric));
    }
    if let Some(path) = &result.counterexample {
        let actions: Vec<String> = path.steps.iter().map(|s| s.action.to_string()).collect();
        line.insert("counterexample".into(), json!(actions));
    }
    line.insert("complete".into(), json!(result.status == Status::Complete));
    line.insert("elapsed_ms".into(), json!(elapsed_ms));
    println!("{}", Value::Object(line));
    if result.status == Status::Complete {
        ExitCode::SUCCESS
    } else {
        eprintln!("mqlab-cli explore-2pc: stopped at the state limit; the counts are lower bounds");
        ExitCode::FAILURE
    }
}
