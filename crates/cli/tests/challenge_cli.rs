//! `mqlab-cli challenge` as an instructor or a script runs it: the list, a worked solution
//! written as a scenario file and checked back, the start that does not solve, predictions
//! and bad input.

use std::process::{Command, Output};

use serde_json::Value;

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mqlab-cli"))
        .arg("challenge")
        .args(args)
        .output()
        .expect("the CLI runs")
}

fn lines(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .expect("UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

fn listed() -> Vec<Value> {
    let output = cli(&["--list"]);
    assert!(output.status.success());
    lines(&output)
}

#[test]
fn every_worked_solution_checks_as_solved_and_every_start_as_not() {
    let dir = std::env::temp_dir().join(format!("mqlab-challenge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let all = listed();
    assert!(all.len() >= 12, "{} challenges", all.len());
    for challenge in all.iter().filter(|c| c["kind"] != "predict") {
        let slug = challenge["challenge"].as_str().expect("a slug");
        for (write, code) in [("--write-solution", 0), ("--write-start", 1)] {
            let file = dir.join(format!("{slug}{write}.json"));
            let file = file.to_str().expect("a path");
            assert!(cli(&[slug, write, file]).status.success(), "{slug} {write}");
            let output = cli(&[slug, "--scenario", file]);
            assert_eq!(
                output.status.code(),
                Some(code),
                "{slug} {write}: {output:?}"
            );
            let line = &lines(&output)[0];
            assert_eq!(line["solved"], code == 0, "{slug} {write}");
            assert_eq!(
                line["findings"].as_array().map(Vec::len) == Some(0),
                code == 0,
                "{slug} {write}: {line}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_prediction_has_exactly_one_answer_that_solves_it() {
    for challenge in listed().iter().filter(|c| c["kind"] == "predict") {
        let slug = challenge["challenge"].as_str().expect("a slug");
        let line = &lines(&cli(&[slug, "--answer", "1"]))[0];
        let holds: Vec<bool> = line["answers"]
            .as_array()
            .expect("answers")
            .iter()
            .map(|a| a.as_bool().expect("a bool"))
            .collect();
        assert!((3..=4).contains(&holds.len()), "{slug}: {holds:?}");
        let solving: Vec<usize> = (1..=holds.len())
            .filter(|answer| cli(&[slug, "--answer", &answer.to_string()]).status.code() == Some(0))
            .collect();
        assert_eq!(solving.len(), 1, "{slug}: {solving:?}");
        assert_eq!(holds.iter().filter(|h| **h).count(), 1, "{slug}");
        assert!(holds[solving[0] - 1]);
    }
}

#[test]
fn the_list_has_the_replicated_queue_and_many_consumers() {
    let all = listed();
    let slugs: Vec<&str> = all
        .iter()
        .map(|c| c["challenge"].as_str().expect("a slug"))
        .collect();
    for slug in [
        "lose-a-record-in-a-group",
        "lose-an-acked-write",
        "predict-requeue-order",
        "predict-commit-then-crash",
        "predict-not-enough-replicas",
    ] {
        assert!(slugs.contains(&slug), "{slug} not in {slugs:?}");
    }
    // An acknowledged write lost, as the command line counts it.
    let dir = std::env::temp_dir().join(format!("mqlab-acked-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let file = dir.join("solution.json");
    let file = file.to_str().expect("a path");
    assert!(cli(&["lose-an-acked-write", "--write-solution", file])
        .status
        .success());
    let output = cli(&["lose-an-acked-write", "--scenario", file]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let line = &lines(&output)[0];
    assert!(line["acked_lost"].as_u64() >= Some(1), "{line}");
    assert_eq!(line["refused"], 0);
    // Writes refused, then stored twice: the prediction's run.
    let line = &lines(&cli(&["predict-not-enough-replicas", "--answer", "2"]))[0];
    assert_eq!(line["solved"], true, "{line}");
    assert!(line["refused"].as_u64() >= Some(1), "{line}");
    assert!(line["duplicated"].as_u64() >= Some(1), "{line}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_near_miss_is_told_in_either_language() {
    // The start of "duplicate-one" with the crash after the ack: nothing is applied twice.
    let scenario_with_crash = |point: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_mqlab-cli"))
            .args([
                "run",
                "--mode",
                "at-least-once",
                "--messages",
                "3",
                "--seed",
                "1",
            ])
            .args(["--crash", point, "--write-scenario"])
            .arg(std::env::temp_dir().join(format!("mqlab-near-{}.json", std::process::id())))
            .output()
            .expect("runs");
        assert!(output.status.success());
        std::env::temp_dir().join(format!("mqlab-near-{}.json", std::process::id()))
    };
    let file = scenario_with_crash("consumer.after_ack:m2");
    let file = file.to_str().expect("a path");
    let english = cli(&["duplicate-one", "--scenario", file]);
    assert_eq!(english.status.code(), Some(1));
    let line = &lines(&english)[0];
    assert_eq!(line["duplicated"], 0);
    assert!(line["findings"][0]
        .as_str()
        .expect("a finding")
        .contains("no message was applied twice"));
    let chinese = cli(&["duplicate-one", "--scenario", file, "--lang", "zh-CN"]);
    let line = &lines(&chinese)[0];
    assert!(line["findings"][0]
        .as_str()
        .expect("a finding")
        .contains("没有消息被应用两次"));
}

#[test]
fn bad_input_exits_with_2_and_says_why() {
    for (args, says) in [
        (vec!["nope", "--answer", "1"], "no challenge 'nope'"),
        (vec!["predict-fsync", "--answer", "0"], "a number from 1"),
        (vec!["predict-fsync", "--answer", "9"], "has answers 1 to 3"),
        (
            vec!["duplicate-one", "--answer", "1"],
            "is not a prediction",
        ),
        (vec!["predict-fsync", "--link", "v1.junk"], "--link"),
        (
            vec!["duplicate-one", "--scenario", "/no/such/file"],
            "cannot read",
        ),
        (vec!["duplicate-one"], "give --scenario"),
        (vec!["--bogus"], "unknown flag"),
        (vec!["duplicate-one", "--lang", "fr"], "unknown language"),
    ] {
        let output = cli(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}
