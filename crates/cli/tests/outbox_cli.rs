//! `mqlab-cli run --pattern`: the dual-write world from the command line, its flags,
//! its summary's fields, and its refusals (exit status 2).

mod common;

use common::cli;

use serde_json::Value;

/// The trace lines and the summary of a successful run.
fn lines(args: &[&str]) -> (Vec<Value>, Value) {
    let output = cli(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut values: Vec<Value> = String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
        .collect();
    let summary = values.pop().expect("a summary");
    (values, summary)
}

fn summary(args: &[&str]) -> Value {
    lines(args).1
}

/// Runs a refused command line; its stderr.
fn refused(args: &[&str]) -> String {
    let output = cli(args);
    assert_eq!(output.status.code(), Some(2), "{args:?} is refused");
    assert!(output.stdout.is_empty(), "{args:?} prints no summary");
    String::from_utf8(output.stderr).expect("UTF-8")
}

#[test]
fn every_pattern_prints_the_dual_write_counts_and_the_costs() {
    for pattern in [
        "commit-first",
        "publish-first",
        "outbox",
        "outbox-inbox",
        "offsets-with-output",
        "2pc",
    ] {
        let s = summary(&["--pattern", pattern, "--messages", "3"]);
        assert_eq!(s["pattern"], pattern);
        for field in [
            "state_without_event",
            "event_without_state",
            "broker_duplicates",
            "lost",
            "duplicated",
        ] {
            assert_eq!(s[field], 0, "{pattern}: {field}");
        }
        assert_eq!(s["exactly_once"], 3, "{pattern}");
        let costs = &s["costs"];
        for field in [
            "messages_per_event",
            "round_trips_per_event",
            "disk_writes_per_event",
            "blocked_ticks",
            "latency_ticks_mean",
            "latency_ticks_max",
        ] {
            assert!(costs[field].is_number(), "{pattern}: costs.{field}");
        }
    }
}

#[test]
fn commit_first_loses_the_event_of_a_crash_after_the_commit() {
    let s = summary(&[
        "--pattern",
        "commit-first",
        "--messages",
        "3",
        "--crash",
        "service.after_db_commit:m2",
    ]);
    assert_eq!(s["state_without_event"], 1);
    assert_eq!(s["lost"], 1);
    assert_eq!(s["events"][1], "m2 state_without_event");
    assert!(s["anomalies"][0]
        .as_str()
        .is_some_and(|a| a.starts_with("m2 lost (state without event)")));
}

#[test]
fn publish_first_leaves_a_ghost() {
    let s = summary(&[
        "--pattern",
        "publish-first",
        "--crash",
        "service.after_publish:m1",
    ]);
    assert_eq!(s["event_without_state"], 1);
}

#[test]
fn the_outbox_publishes_again_and_the_inbox_skips_the_copy() {
    let outbox = summary(&["--pattern", "outbox", "--crash", "relay.after_publish:m2"]);
    assert!(outbox["broker_duplicates"].as_u64() >= Some(1));
    assert!(outbox["duplicated"].as_u64() >= Some(1));
    let inbox = summary(&[
        "--pattern",
        "outbox-inbox",
        "--crash",
        "relay.after_publish:m2",
    ]);
    assert!(inbox["broker_duplicates"].as_u64() >= Some(1));
    assert_eq!(inbox["duplicated"], 0);
    assert_eq!(inbox["relay_marks"], "after-confirm");
    assert_eq!(inbox["inbox_ack"], "after-commit");
}

#[test]
fn marking_before_the_confirm_and_acking_before_the_commit_lose() {
    let marks = summary(&[
        "--pattern",
        "outbox",
        "--relay-marks",
        "before-confirm",
        "--crash",
        "relay.after_mark:m2",
    ]);
    assert_eq!(marks["state_without_event"], 1);
    assert_eq!(marks["relay_marks"], "before-confirm");
    let ack = summary(&[
        "--pattern",
        "outbox-inbox",
        "--inbox-ack",
        "before-commit",
        "--crash",
        "consumer.after_ack:m2",
    ]);
    assert_eq!(ack["lost"], 1);
    assert_eq!(ack["inbox_ack"], "before-commit");
}

#[test]
fn crashes_at_ticks_name_the_worlds_nodes() {
    let s = summary(&[
        "--pattern",
        "outbox-inbox",
        "--at",
        "10:crash:broker",
        "--at",
        "12:crash:relay",
        "--crash-rate",
        "1/100",
    ]);
    assert_eq!(s["lost"], 0);
    assert_eq!(s["duplicated"], 0);
    assert_eq!(s["quiet"], true);
}

#[test]
fn the_trace_is_narrated_and_in_chinese_with_lang() {
    let (trace, s) = lines(&[
        "--pattern",
        "commit-first",
        "--crash",
        "service.after_db_commit:m1",
        "--trace",
        "--lang",
        "zh-CN",
    ]);
    assert!(trace
        .iter()
        .any(|e| e["narration"].as_str().is_some_and(|n| n.contains("崩溃"))));
    assert!(s["anomalies"][0]
        .as_str()
        .is_some_and(|a| a.contains("有状态无事件")));
    let (_, english) = lines(&[
        "--pattern",
        "commit-first",
        "--crash",
        "service.after_db_commit:m1",
    ]);
    assert_eq!(s["trace_hash"], english["trace_hash"]);
}

#[test]
fn the_same_flags_give_the_same_run() {
    let args = [
        "--pattern",
        "outbox",
        "--seed",
        "11",
        "--crash-rate",
        "1/50",
        "--messages",
        "6",
    ];
    assert_eq!(summary(&args), summary(&args));
}

#[test]
fn relay_marks_and_inbox_ack_need_their_pattern() {
    assert!(refused(&["--relay-marks", "before-confirm"]).contains("--relay-marks needs --pattern"));
    assert!(refused(&["--inbox-ack", "before-commit"]).contains("--inbox-ack needs --pattern"));
    assert!(refused(&[
        "--pattern",
        "commit-first",
        "--relay-marks",
        "after-confirm"
    ])
    .contains("relay marking applies only to a pattern with an outbox"));
    assert!(
        refused(&["--pattern", "outbox", "--inbox-ack", "after-commit"])
            .contains("inbox ack applies only to a consumer with an inbox")
    );
    assert!(refused(&["--pattern", "outbox", "--relay-marks", "later"])
        .contains("unknown relay marking 'later'"));
    assert!(
        refused(&["--pattern", "outbox-inbox", "--inbox-ack", "never"])
            .contains("unknown inbox ack 'never'")
    );
}

#[test]
fn an_unknown_pattern_is_refused() {
    assert!(refused(&["--pattern", "xa"]).contains("unknown pattern 'xa'"));
}

#[test]
fn a_crash_point_of_another_pattern_is_refused() {
    assert!(
        refused(&["--pattern", "commit-first", "--crash", "relay.after_mark"])
            .contains("never reached in pattern commit-first")
    );
    assert!(refused(&[
        "--pattern",
        "outbox",
        "--crash",
        "consumer.after_inbox_commit"
    ])
    .contains("never reached in pattern outbox"));
    assert!(refused(&[
        "--pattern",
        "offsets-with-output",
        "--crash",
        "consumer.after_ack"
    ])
    .contains("never reached in pattern offsets-with-output"));
    assert!(
        refused(&["--pattern", "2pc", "--crash", "service.after_publish"])
            .contains("belongs to the dual-write patterns")
    );
    assert!(refused(&["--crash", "relay.after_publish"]).contains("use it with --pattern"));
    assert!(
        refused(&["--pattern", "outbox", "--crash", "coordinator.after_votes"])
            .contains("never reached in pattern outbox")
    );
}

#[test]
fn mode_and_the_delivery_worlds_flags_are_refused_with_a_pattern() {
    assert!(refused(&["--pattern", "outbox", "--mode", "at-least-once"])
        .contains("--mode with --pattern outbox"));
    assert!(refused(&["--pattern", "2pc", "--mode", "idempotent"])
        .contains("2pc is transactional mode"));
    let s = summary(&["--pattern", "2pc", "--mode", "transactional"]);
    assert_eq!(s["mode"], "transactional");
    assert!(refused(&["--pattern", "outbox", "--replicas", "3"])
        .contains("--replicas does not apply with --pattern outbox"));
    assert!(
        refused(&["--pattern", "commit-first", "--at", "5:crash:relay"]).contains("has no relay")
    );
    assert!(
        refused(&["--pattern", "outbox", "--at", "5:crash:producer"])
            .contains("unknown node of the dual-write world 'producer'")
    );
}

#[test]
fn the_2pc_pattern_is_the_xa_protocol_and_refuses_kafka_transactions() {
    let error = refused(&[
        "--pattern",
        "2pc",
        "--protocol",
        "kafka",
        "--messages",
        "3",
        "--seed",
        "1",
    ]);
    assert!(
        error.contains("--protocol kafka with --pattern 2pc"),
        "{error}"
    );
    let xa = summary(&[
        "--pattern",
        "2pc",
        "--protocol",
        "xa",
        "--messages",
        "3",
        "--seed",
        "1",
    ]);
    assert_eq!(xa["mode"], "transactional");
    assert_eq!(xa["exactly_once"], 3);
}
