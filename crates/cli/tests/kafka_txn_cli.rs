//! `mqlab-cli run --mode transactional --protocol kafka`: the flags of Kafka
//! transactions, the summary's new counters (present in every run), the trace, scenario
//! files, and exit status 2 with a reason for every bad use of the flags.

mod common;

use common::cli;
use serde_json::Value;

fn summary(args: &[&str]) -> Value {
    let output = cli(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let last = stdout.lines().last().expect("a summary line");
    serde_json::from_str(last).expect("the last line is one JSON object")
}

fn count(summary: &Value, key: &str) -> u64 {
    summary[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} missing or not a count in {summary}"))
}

const KAFKA: [&str; 6] = [
    "--mode",
    "transactional",
    "--protocol",
    "kafka",
    "--messages",
    "6",
];

fn kafka(extra: &[&str]) -> Value {
    let mut args = KAFKA.to_vec();
    args.extend_from_slice(&["--txn-size", "2"]);
    args.extend_from_slice(extra);
    summary(&args)
}

const NEW_FIELDS: [&str; 4] = [
    "aborted_visible",
    "fenced",
    "lso_blocked_ticks",
    "external_duplicated",
];

#[test]
fn every_run_s_summary_has_the_new_counters_at_zero_where_they_do_not_apply() {
    for mode in [
        "at-most-once",
        "at-least-once",
        "idempotent",
        "transactional",
    ] {
        let s = summary(&["--mode", mode, "--messages", "4"]);
        for field in NEW_FIELDS {
            assert_eq!(count(&s, field), 0, "{mode}: {field} in {s}");
        }
    }
}

#[test]
fn the_xa_protocol_is_the_default_and_unchanged() {
    let default = summary(&["--mode", "transactional", "--messages", "4", "--seed", "3"]);
    let xa = summary(&[
        "--mode",
        "transactional",
        "--protocol",
        "xa",
        "--messages",
        "4",
        "--seed",
        "3",
    ]);
    assert_eq!(default, xa);
    let kafka = summary(&KAFKA);
    assert_ne!(count(&default, "trace_hash"), count(&kafka, "trace_hash"));
}

#[test]
fn kafka_transactions_commit_every_record_once_without_faults() {
    let s = kafka(&[]);
    assert_eq!(count(&s, "exactly_once"), 6, "{s}");
    assert_eq!(count(&s, "txn_committed"), 3, "{s}");
    assert_eq!(s["transactions"][0], "t1 committed", "{s}");
    for field in ["aborted_visible", "fenced", "external_duplicated"] {
        assert_eq!(count(&s, field), 0, "{field} in {s}");
    }
}

#[test]
fn read_uncommitted_shows_aborted_records_and_read_committed_does_not() {
    let crash = ["--crash", "producer.before_end_txn:m3"];
    let committed = kafka(&crash);
    assert_eq!(count(&committed, "aborted_visible"), 0, "{committed}");
    assert_eq!(count(&committed, "exactly_once"), 6, "{committed}");
    let mut dirty = crash.to_vec();
    dirty.extend_from_slice(&["--isolation", "read_uncommitted"]);
    let dirty = kafka(&dirty);
    assert!(count(&dirty, "aborted_visible") > 0, "{dirty}");
    assert!(count(&dirty, "duplicated") > 0, "{dirty}");
}

#[test]
fn a_zombie_is_fenced() {
    let s = kafka(&["--zombie", "--pause", "producer@3..90", "--transform"]);
    assert!(count(&s, "fenced") >= 1, "{s}");
    assert_eq!(count(&s, "duplicated"), 0, "{s}");
    assert_eq!(count(&s, "outputs_duplicated"), 0, "{s}");
}

#[test]
fn a_hung_transaction_blocks_read_committed_at_the_lso() {
    let s = kafka(&[
        "--crash",
        "producer.after_send:m3",
        "--restart-after",
        "never",
    ]);
    assert!(count(&s, "lso_blocked_ticks") >= 55, "{s}");
}

#[test]
fn the_external_effect_is_duplicated_by_an_abort() {
    let s = kafka(&["--external-effect", "--crash", "producer.before_end_txn:m1"]);
    assert!(count(&s, "external_duplicated") >= 1, "{s}");
    assert_eq!(count(&s, "outputs_duplicated"), 0, "{s}");
}

#[test]
fn the_coordinator_crash_points_finish_the_commit() {
    for point in [
        "coordinator.after_prepare_commit_logged",
        "coordinator.mid_markers",
    ] {
        let s = kafka(&["--crash", point]);
        assert_eq!(count(&s, "txn_aborted"), 0, "{point}: {s}");
        assert_eq!(count(&s, "exactly_once"), 6, "{point}: {s}");
    }
}

#[test]
fn the_trace_narrates_the_protocol_in_both_languages() {
    for (lang, words) in [("en", "PREPARE_COMMIT"), ("zh-CN", "事务协调者")] {
        let mut args = KAFKA.to_vec();
        args.extend_from_slice(&["--trace", "--lang", lang]);
        let output = cli(&args);
        assert!(output.status.success());
        let stdout = String::from_utf8(output.stdout).expect("UTF-8");
        let lines: Vec<Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON"))
            .collect();
        assert!(lines.len() > 2);
        assert!(
            lines
                .iter()
                .any(|l| l["text"].as_str().is_some_and(|t| t.contains(words))),
            "{lang}"
        );
    }
}

#[test]
fn the_same_flags_give_the_same_trace_hash() {
    let a = kafka(&["--seed", "11", "--crash-rate", "1/40"]);
    let b = kafka(&["--seed", "11", "--crash-rate", "1/40"]);
    assert_eq!(a, b);
}

#[test]
fn a_scenario_file_reopens_the_run_and_checks_its_trace_hash() {
    let dir = std::env::temp_dir().join(format!("mqlab-kafka-txn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("run.json");
    let path_text = path.to_str().expect("UTF-8 path");
    let mut args = KAFKA.to_vec();
    args.extend_from_slice(&["--zombie", "--isolation", "read_uncommitted"]);
    args.extend_from_slice(&["--write-scenario", path_text]);
    let first = summary(&args);
    let again = summary(&["--scenario", path_text]);
    assert_eq!(first["trace_hash"], again["trace_hash"]);
    let text = std::fs::read_to_string(&path).expect("written");
    assert!(text.contains("read_uncommitted"), "{text}");
    let hash = format!("{:016x}", count(&first, "trace_hash"));
    let tampered = text.replace(&hash, "0000000000000001");
    std::fs::write(&path, tampered).expect("rewritten");
    assert_eq!(cli(&["--scenario", path_text]).status.code(), Some(3));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_uses_of_the_flags_exit_with_status_2_and_a_reason() {
    let t = ["--mode", "transactional"];
    let k = ["--mode", "transactional", "--protocol", "kafka"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--protocol", "kafka"],
            "--protocol kafka needs --mode transactional",
        ),
        (
            vec!["--mode", "idempotent", "--protocol", "kafka"],
            "needs --mode transactional",
        ),
        ([&t[..], &["--protocol", "paxos"]].concat(), "xa or kafka"),
        ([&t[..], &["--zombie"]].concat(), "--zombie needs"),
        (
            [&t[..], &["--protocol", "xa", "--zombie"]].concat(),
            "--zombie needs",
        ),
        (
            [&t[..], &["--isolation", "read_committed"]].concat(),
            "--isolation needs",
        ),
        (vec!["--isolation", "read_uncommitted"], "--isolation needs"),
        (
            [&k[..], &["--isolation", "dirty"]].concat(),
            "read_committed or",
        ),
        (
            [&t[..], &["--pause", "producer@1..5"]].concat(),
            "--pause needs",
        ),
        (
            [&t[..], &["--external-effect"]].concat(),
            "--external-effect needs",
        ),
        ([&k[..], &["--pause", "producer@5..5"]].concat(), "empty"),
        ([&k[..], &["--pause", "producer@9..5"]].concat(), "empty"),
        (
            [&k[..], &["--pause", "producer@5.."]].concat(),
            "never ends",
        ),
        (
            [&k[..], &["--pause", "producer@5..never"]].concat(),
            "never ends",
        ),
        (
            [&k[..], &["--pause", "producer@5..99999999999"]].concat(),
            "never ends",
        ),
        ([&k[..], &["--pause", "@5..9"]].concat(), "names no node"),
        (
            [&k[..], &["--pause", "producer-2@5..9"]].concat(),
            "names no node",
        ),
        (
            [&k[..], &["--pause", "toaster@5..9"]].concat(),
            "unknown node",
        ),
        (
            [&k[..], &["--pause", "producer5..9"]].concat(),
            "NODE@FROM..TO",
        ),
        (
            [&k[..], &["--pause", "producer@a..9"]].concat(),
            "NODE@FROM..TO",
        ),
        ([&k[..], &["--pause"]].concat(), "--pause needs a value"),
        (
            [&k[..], &["--crash", "coordinator.after_votes"]].concat(),
            "does not exist in Kafka transactions",
        ),
        (
            [&t[..], &["--crash", "coordinator.mid_markers"]].concat(),
            "exists only in Kafka transactions",
        ),
        ([&k[..], &["--loss", "5"]].concat(), "network"),
    ];
    for (args, reason) in cases {
        let output = cli(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
    }
}

#[test]
fn the_help_names_the_flags_and_the_crash_points() {
    let output = cli(&["--help"]);
    let help = String::from_utf8(output.stdout).expect("UTF-8");
    for word in [
        "--protocol xa|kafka",
        "--isolation",
        "--pause NODE@FROM..TO",
        "--zombie",
        "--external-effect",
        "producer.before_end_txn",
        "coordinator.after_prepare_commit_logged",
        "coordinator.mid_markers",
        "aborted_visible",
        "lso_blocked_ticks",
        "external_duplicated",
    ] {
        assert!(help.contains(word), "{word}");
    }
}
