//! `mqlab-cli run --scenario FILE` reads the page's scenario files, prints the same
//! ledger summary as the page, and writes files the page can import.

use std::path::PathBuf;
use std::process::{Command as Process, Output};

use mqlab_sim::{Command, CrashPoint, Mode, NodeId, Run, Scenario, ScenarioFile, SharedRun};
use serde_json::Value;

fn cli(args: &[&str]) -> Output {
    Process::new(env!("CARGO_BIN_EXE_mqlab-cli"))
        .arg("run")
        .args(args)
        .output()
        .expect("the CLI runs")
}

fn temp_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mqlab-cli-scenario-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn summary_line(output: &Output) -> Value {
    let stdout = String::from_utf8(output.stdout.clone()).expect("UTF-8");
    let last = stdout.lines().last().expect("a summary line");
    serde_json::from_str(last).expect("JSON")
}

/// A run driven as on the page: a crash applied by hand, then played to a step.
fn page_run() -> Run {
    let scenario = Scenario {
        mode: Mode::AtLeastOnce,
        seed: 11,
        ..Scenario::default()
    }
    .with_fault(Command::CrashAt {
        point: CrashPoint::ConsumerAfterApply,
        message: Some(3),
        instance: 0,
    });
    let mut run = Run::new(&scenario).unwrap();
    run.seek(8);
    run.apply(Command::Crash(NodeId::BROKER)).unwrap();
    run.seek(30);
    run
}

#[test]
fn the_cli_prints_the_pages_ledger_summary_for_an_exported_file() {
    let run = page_run();
    let path = temp_file("page.json");
    std::fs::write(&path, ScenarioFile::from_run(&run, true).to_json()).unwrap();
    let output = cli(&["--scenario", path.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = summary_line(&output);
    let expected = serde_json::to_value(run.sim().summary()).unwrap();
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&line[key], value, "{key}");
    }
    assert_eq!(line["trace_hash"], run.sim().trace_hash());
    assert_eq!(line["steps"], 30);
}

#[test]
fn a_file_written_by_the_cli_imports_on_the_page_with_the_same_trace_hash() {
    let path = temp_file("written.json");
    let output = cli(&[
        "--mode",
        "idempotent",
        "--seed",
        "7",
        "--loss",
        "1/10",
        "--crash",
        "consumer.after_apply:m2",
        "--write-scenario",
        path.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = summary_line(&output);
    let text = std::fs::read_to_string(&path).unwrap();
    let (file, run) = ScenarioFile::import(&text).expect("the page imports what the CLI wrote");
    assert_eq!(line["trace_hash"], run.sim().trace_hash());
    assert_eq!(file.trace_hash, Some(run.sim().trace_hash()));
    assert_eq!(line["tick"], run.sim().summary().tick);
    // And the CLI reads its own file back, checking the hash.
    let again = cli(&["--scenario", path.to_str().unwrap()]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(summary_line(&again), line);
}

#[test]
fn a_file_whose_trace_hash_differs_exits_with_status_3_and_says_so() {
    let run = page_run();
    let mut file = ScenarioFile::from_run(&run, false);
    file.trace_hash = file.trace_hash.map(|hash| hash ^ 0xFF);
    let path = temp_file("tampered.json");
    std::fs::write(&path, file.to_json()).unwrap();
    let output = cli(&["--scenario", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the run differs from the scenario file: trace_hash: the file says"),
        "{stderr}"
    );
    // A flag that changes the scenario means the file's hash no longer applies.
    let output = cli(&["--scenario", path.to_str().unwrap(), "--seed", "12"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn an_invalid_file_is_refused_with_the_field_named() {
    let path = temp_file("invalid.json");
    let mut value: Value =
        serde_json::from_str(&ScenarioFile::from_run(&page_run(), false).to_json()).unwrap();
    value["network"]["loss"] = Value::from(0.05);
    std::fs::write(&path, value.to_string()).unwrap();
    let output = cli(&["--scenario", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("network.loss: expected a ratio like \"1/20\", got 0.05"),
        "{stderr}"
    );

    std::fs::write(&path, "{\"seed\": 1}").unwrap();
    let output = cli(&["--scenario", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not an MQ Lab scenario file"));
}

#[test]
fn until_quiet_runs_past_the_files_step() {
    let run = page_run();
    let path = temp_file("until-quiet.json");
    std::fs::write(&path, ScenarioFile::from_run(&run, false).to_json()).unwrap();
    let output = cli(&["--scenario", path.to_str().unwrap(), "--until-quiet"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = summary_line(&output);
    assert_eq!(line["quiet"], true);
    let mut finished = SharedRun::from_run(&run).to_run().unwrap();
    finished.seek(u64::MAX);
    assert_eq!(line["trace_hash"], finished.sim().trace_hash());
}

#[test]
fn a_replicated_run_written_by_the_cli_reproduces_from_its_file_and_its_link() {
    let path = temp_file("replicated.json");
    let output = cli(&[
        "--mode",
        "at-least-once",
        "--messages",
        "6",
        "--replicas",
        "3",
        "--acks",
        "1",
        "--min-isr",
        "2",
        "--unclean-election",
        "--partition",
        "broker/broker-2@0..80",
        "--at",
        "30:crash:broker",
        "--at",
        "90:restart:broker",
        "--until-quiet",
        "--write-scenario",
        path.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = summary_line(&output);
    let text = std::fs::read_to_string(&path).unwrap();
    let (file, run) = ScenarioFile::import(&text).expect("the page imports what the CLI wrote");
    assert_eq!(line["trace_hash"], run.sim().trace_hash());
    let scenario = &file.run.scenario;
    assert_eq!(scenario.topology.brokers, 3);
    assert_eq!(scenario.replication.min_insync_replicas, 2);
    assert!(scenario.replication.unclean_election);
    assert_eq!(scenario.timed_faults.len(), 3);
    // The link of the same run rebuilds it too.
    let link = SharedRun::from_run(&run).to_link();
    assert!(link.starts_with("v4."), "{link}");
    let rebuilt = SharedRun::run_from_link(&link).expect("the link rebuilds the run");
    assert_eq!(rebuilt.sim().trace_hash(), run.sim().trace_hash());
    assert_eq!(rebuilt.sim().summary(), run.sim().summary());
    let again = cli(&["--scenario", path.to_str().unwrap()]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(summary_line(&again), line);
}
