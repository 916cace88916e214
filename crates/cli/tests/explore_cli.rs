//! `mqlab-cli explore-2pc` as a user runs it: one JSON line, exit codes, error messages.

use std::process::{Command, Output};

use mqlab_sim::explore::{explore, ExploreConfig};
use serde_json::Value;

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mqlab-cli"))
        .arg("explore-2pc")
        .args(args)
        .output()
        .expect("the CLI runs")
}

fn json_line(output: &Output) -> Value {
    let stdout = String::from_utf8(output.stdout.clone()).expect("UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line: {stdout}");
    serde_json::from_str(lines[0]).expect("valid JSON")
}

#[test]
fn explore_prints_the_figures_of_the_library_as_one_json_line() {
    let output = cli(&["--rms", "3"]);
    assert!(output.status.success());
    let line = json_line(&output);
    let expected = explore(ExploreConfig::new(3)).unwrap();
    assert_eq!(line["distinct_states"], 288);
    assert_eq!(line["distinct_states"], expected.distinct_states);
    assert_eq!(line["max_depth"], expected.max_depth);
    assert_eq!(line["violations"], 0);
    assert!(line["elapsed_ms"].is_u64());
    assert!(line.get("symmetric_states").is_none());
    assert!(line.get("counterexample").is_none());
}

#[test]
fn symmetry_adds_the_symmetric_count() {
    let line = json_line(&cli(&["--rms", "5", "--symmetry"]));
    assert_eq!(line["distinct_states"], 8_832);
    let symmetric = line["symmetric_states"].as_u64().expect("a count");
    assert!(symmetric > 0 && symmetric < 8_832);
}

#[test]
fn the_broken_tm_reports_violations_and_a_counterexample() {
    let output = cli(&["--broken", "--rms=3"]);
    assert!(output.status.success());
    let line = json_line(&output);
    assert!(line["violations"].as_u64().unwrap() > 0);
    let steps = line["counterexample"].as_array().expect("action names");
    assert!(steps.iter().any(|s| s == "TmCommit"), "{steps:?}");
}

#[test]
fn bad_flags_are_refused_with_exit_code_2_and_a_reason() {
    for (args, reason) in [
        (&[][..], "--rms N is required"),
        (&["--rms"][..], "--rms needs a value"),
        (&["--rms", "0"][..], "from 1 to 14"),
        (&["--rms", "15"][..], "from 1 to 14"),
        (&["--rms", "three"][..], "not 'three'"),
        (&["--rms", "3", "--fast"][..], "unknown flag '--fast'"),
        (&["--rms", "3", "--rms", "4"][..], "given twice"),
    ] {
        let output = cli(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
    }
}

#[test]
fn help_exits_zero() {
    let output = cli(&["--help"]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("--symmetry"));
}
