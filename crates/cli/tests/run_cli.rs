//! `mqlab-cli run` as a user runs it: the flags of the simulation core issue, the JSON
//! summary on the last line, the trace as JSON lines, and exit code 2 with a reason for
//! every bad flag.

mod common;

use common::cli;
use std::process::Output;

use serde_json::Value;

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .expect("UTF-8")
        .lines()
        .map(str::to_string)
        .collect()
}

/// Runs successfully and returns the summary printed on the last line.
fn summary(args: &[&str]) -> Value {
    let output = cli(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = stdout_lines(&output);
    let last = lines.last().expect("a summary line");
    serde_json::from_str(last).expect("the last line is one JSON object")
}

fn count(summary: &Value, key: &str) -> u64 {
    summary[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} missing or not a count in {summary}"))
}

#[test]
fn without_faults_every_message_is_exactly_once_and_the_summary_has_every_counter() {
    for mode in [
        "at-most-once",
        "at-least-once",
        "idempotent",
        "transactional",
    ] {
        let line = summary(&["--mode", mode, "--messages", "7", "--seed", "3"]);
        for key in [
            "exactly_once",
            "lost",
            "duplicated",
            "reordered",
            "pending",
            "steps",
            "in_doubt",
            "blocked_ticks",
        ] {
            count(&line, key);
        }
        assert_eq!(line["mode"], mode);
        assert_eq!(count(&line, "exactly_once"), 7, "{mode}: {line}");
        assert_eq!(count(&line, "lost"), 0, "{mode}");
        assert_eq!(count(&line, "duplicated"), 0, "{mode}");
        assert_eq!(count(&line, "pending"), 0, "{mode}");
        assert!(count(&line, "steps") > 0);
    }
}

#[test]
fn at_most_once_with_a_consumer_crash_after_receive_loses_the_message() {
    let line = summary(&[
        "--mode",
        "at-most-once",
        "--messages",
        "3",
        "--crash",
        "consumer.after_receive:m2",
    ]);
    // m2 is lost at the crash; m3 may be lost too, delivered while the consumer is down.
    assert!(count(&line, "lost") >= 1, "{line}");
    assert_eq!(count(&line, "duplicated"), 0, "{line}");
    let anomalies = line["anomalies"].as_array().expect("explanations");
    assert!(
        anomalies.iter().any(|a| {
            let text = a.as_str().unwrap_or("");
            text.starts_with("m2 was never applied") && text.contains("crashed after receiving")
        }),
        "{anomalies:?}"
    );
}

#[test]
fn at_least_once_with_a_consumer_crash_after_apply_applies_it_twice() {
    let line = summary(&[
        "--mode",
        "at-least-once",
        "--messages",
        "3",
        "--crash",
        "consumer.after_apply:m2",
    ]);
    assert_eq!(count(&line, "duplicated"), 1, "{line}");
    assert_eq!(count(&line, "lost"), 0, "{line}");
}

#[test]
fn a_dropped_confirm_duplicates_in_at_least_once_and_not_in_idempotent() {
    let drop = "broker->producer:confirm:m2";
    let line = summary(&["--mode", "at-least-once", "--messages", "3", "--drop", drop]);
    assert_eq!(count(&line, "duplicated"), 1, "{line}");
    let line = summary(&["--mode", "idempotent", "--messages", "3", "--drop", drop]);
    assert_eq!(count(&line, "duplicated"), 0, "{line}");
    assert_eq!(count(&line, "exactly_once"), 3, "{line}");
}

#[test]
fn crash_and_drop_flags_repeat() {
    let line = summary(&[
        "--mode",
        "at-least-once",
        "--messages",
        "4",
        "--crash",
        "consumer.after_apply:m1",
        "--crash",
        "consumer.after_apply:m3",
        "--drop",
        "broker->producer:confirm:m2",
        "--drop",
        "broker->producer:confirm:m4",
    ]);
    assert_eq!(count(&line, "duplicated"), 4, "{line}");
}

#[test]
fn transactional_mode_accepts_the_2pc_crash_points_and_reports_blocking() {
    for point in [
        "coordinator.after_prepare_sent",
        "coordinator.after_votes",
        "coordinator.after_decision_logged",
        "coordinator.mid_broadcast",
    ] {
        let crash = format!("{point}:m1");
        let line = summary(&[
            "--mode",
            "transactional",
            "--messages",
            "3",
            "--crash",
            &crash,
        ]);
        assert_eq!(count(&line, "exactly_once"), 3, "{point}: {line}");
        assert_eq!(count(&line, "in_doubt"), 0, "{point}: recovered");
        assert!(
            count(&line, "blocked_ticks") > 0,
            "{point}: participants were blocked while the coordinator was down: {line}"
        );
    }
    for point in [
        "participant.before_vote",
        "participant.after_vote_yes",
        "participant.after_commit",
    ] {
        let line = summary(&[
            "--mode",
            "transactional",
            "--messages",
            "3",
            "--crash",
            point,
        ]);
        assert_eq!(count(&line, "exactly_once"), 3, "{point}: {line}");
        assert_eq!(count(&line, "invariant_violations"), 0, "{point}");
    }
}

#[test]
fn the_same_flags_print_the_same_run_twice() {
    let args = [
        "--mode",
        "at-least-once",
        "--messages",
        "30",
        "--seed",
        "99",
        "--loss",
        "5",
        "--trace",
    ];
    let first = cli(&args);
    let second = cli(&args);
    assert!(first.status.success());
    assert_eq!(first.stdout, second.stdout);
    let other_seed = cli(&[
        "--mode",
        "at-least-once",
        "--messages",
        "30",
        "--seed",
        "100",
        "--loss",
        "5",
    ]);
    let hash = |output: &Output| -> Value {
        let lines = stdout_lines(output);
        serde_json::from_str::<Value>(lines.last().unwrap()).unwrap()["trace_hash"].clone()
    };
    assert_ne!(hash(&first), hash(&other_seed));
}

#[test]
fn trace_prints_one_json_event_per_line_before_the_summary() {
    let output = cli(&[
        "--mode",
        "at-least-once",
        "--messages",
        "2",
        "--crash",
        "consumer.after_apply:m1",
        "--trace",
    ]);
    assert!(output.status.success());
    let lines = stdout_lines(&output);
    let (summary_line, events) = lines.split_last().expect("lines");
    let summary: Value = serde_json::from_str(summary_line).unwrap();
    let events: Vec<Value> = events
        .iter()
        .map(|l| serde_json::from_str(l).expect("each trace line is JSON"))
        .collect();
    let steps = events.iter().filter(|e| e["kind"] != "command").count() as u64;
    assert_eq!(steps, count(&summary, "steps"));
    assert!(events
        .iter()
        .all(|e| e["narration"].as_str().is_some_and(|n| !n.is_empty())));
    assert!(events
        .iter()
        .any(|e| e["crash"] == "consumer.after_apply" && e["message"] == "m1"));
    // Without --trace only the summary is printed.
    let quiet = cli(&["--mode", "at-least-once", "--messages", "2"]);
    assert_eq!(stdout_lines(&quiet).len(), 1);
}

#[test]
fn until_quiet_restarts_a_node_left_down_and_ends_with_every_node_up() {
    // At-most-once has no retries, so with the consumer down for good the run soon has
    // nothing scheduled.
    let args = [
        "--mode",
        "at-most-once",
        "--messages",
        "3",
        "--restart-after",
        "never",
        "--crash",
        "consumer.after_receive:m1",
        "--trace",
    ];
    let restarts = |output: &Output| {
        stdout_lines(output)
            .iter()
            .filter(|l| l.contains("\"kind\":\"command\"") && l.contains("restarts now"))
            .count()
    };
    // Without --until-quiet the run stops with the consumer still down.
    let stopped = cli(&args);
    assert!(stopped.status.success());
    assert_eq!(restarts(&stopped), 0);
    let mut with_flag = args.to_vec();
    with_flag.push("--until-quiet");
    let finished = cli(&with_flag);
    assert!(finished.status.success());
    assert_eq!(restarts(&finished), 1, "the consumer is restarted once");
    let line: Value = serde_json::from_str(stdout_lines(&finished).last().unwrap()).unwrap();
    assert_eq!(line["quiet"], true);
    assert_eq!(count(&line, "pending"), 0, "{line}");
}

#[test]
fn max_steps_stops_early_and_reports_pending_messages() {
    let line = summary(&["--messages", "50", "--max-steps", "10"]);
    assert_eq!(count(&line, "steps"), 10);
    assert_eq!(line["quiet"], false);
    assert!(count(&line, "pending") > 0);
}

#[test]
fn bad_flags_are_refused_with_exit_code_2_and_a_reason() {
    for (args, reason) in [
        (&["--fast"][..], "unknown flag '--fast'"),
        (&["--mode"][..], "--mode needs a value"),
        (
            &["--mode", "exactly-once"][..],
            "unknown mode 'exactly-once'",
        ),
        (
            &["--messages", "many"][..],
            "--messages: 'many' is not a whole number",
        ),
        (&["--messages", "0"][..], "messages: must be between 1"),
        (&["--seed", "-1"][..], "--seed: '-1' is not a u64"),
        (
            &["--crash", "consumer.after_lunch"][..],
            "unknown crash point",
        ),
        (
            &["--crash", "consumer.after_apply:x"][..],
            "is not a message id",
        ),
        (
            &["--crash", "consumer.after_apply:m9"][..],
            "m9 does not exist",
        ),
        (
            &["--crash", "coordinator.after_votes"][..],
            "does not exist in at-least-once mode",
        ),
        (
            &["--drop", "broker->producer:confirm"][..],
            "must be LINK:KIND:mK",
        ),
        (&["--drop", "broker->moon:confirm:m1"][..], "--drop"),
        (&["--drop", "broker->producer:telegram:m1"][..], "--drop"),
        (
            &["--drop", "producer->broker:confirm:m1"][..],
            "never carries a confirm",
        ),
        (&["--loss", "150"][..], "is not a probability"),
        (&["--loss", "lots"][..], "is not a probability"),
        (&["--max-steps", "-3"][..], "--max-steps"),
        (&["--restart-after", "soon"][..], "--restart-after"),
        (
            &["--scenario", "/nonexistent/scenario.json"][..],
            "cannot read",
        ),
        (
            &["--consumers", "three"][..],
            "--consumers: 'three' is not a whole number",
        ),
        (
            &["--consumers", "9"][..],
            "topology.consumers: must be between 1 and 8",
        ),
        (
            &["--producers", "0"][..],
            "topology.producers: must be between 1 and 3",
        ),
        (
            &["--consumers", "2", "--crash", "consumer-3.after_apply:m2"][..],
            "there is no consumer-3",
        ),
        (
            &[
                "--consumers",
                "2",
                "--drop",
                "broker->consumer-3:deliver:m2",
            ][..],
            "there is no consumer-3",
        ),
        (
            &["--crash", "consumer-1.after_apply"][..],
            "unknown crash point",
        ),
    ] {
        let output = cli(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
    }
}

#[test]
fn help_exits_zero_and_lists_the_flags() {
    let output = cli(&["--help"]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--mode",
        "--messages",
        "--seed",
        "--crash",
        "--drop",
        "--loss",
        "--until-quiet",
        "--trace",
    ] {
        assert!(text.contains(flag), "{flag}");
    }
}

#[test]
fn txn_size_groups_messages_and_the_summary_counts_transaction_verdicts() {
    let line = summary(&[
        "--mode",
        "transactional",
        "--messages",
        "6",
        "--txn-size",
        "3",
        "--crash",
        "coordinator.after_votes:m1",
    ]);
    assert_eq!(count(&line, "exactly_once"), 6);
    assert_eq!(count(&line, "txn_committed"), 4);
    // Both groups' publishes were in flight when the coordinator crashed: both abort.
    assert_eq!(count(&line, "txn_aborted"), 2);
    assert_eq!(count(&line, "txn_partial"), 0);
    assert_eq!(line["transactions"][0], "t1 m1–m3 aborted");
    assert_eq!(line["transactions"][1], "t2 m4–m6 aborted");
    let line = summary(&[
        "--mode",
        "at-least-once",
        "--messages",
        "6",
        "--txn-size",
        "3",
        "--crash",
        "producer.after_send:m1",
    ]);
    assert_eq!(count(&line, "txn_partial"), 1);
    assert_eq!(line["transactions"][0], "batch 1 m1–m3 partially_visible");
    let line = summary(&["--messages", "3"]);
    assert_eq!(count(&line, "txn_partial"), 0);
    assert!(line.get("transactions").is_none());
    let output = cli(&["--txn-size", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("transaction.size"));
}

#[test]
fn transform_counts_one_output_per_committed_input() {
    let line = summary(&[
        "--mode",
        "transactional",
        "--messages",
        "4",
        "--transform",
        "--crash",
        "coordinator.after_votes:m2",
    ]);
    assert_eq!(count(&line, "exactly_once"), 4);
    assert_eq!(count(&line, "outputs"), 4);
    assert_eq!(count(&line, "outputs_duplicated"), 0);
    assert_eq!(count(&line, "outputs_out_of_step"), 0);
    let line = summary(&["--mode", "transactional", "--messages", "4"]);
    assert_eq!(count(&line, "outputs"), 0);
}

#[test]
fn several_producers_and_consumers_run_clean_in_every_mode() {
    for mode in [
        "at-most-once",
        "at-least-once",
        "idempotent",
        "transactional",
    ] {
        let line = summary(&[
            "--producers",
            "2",
            "--consumers",
            "3",
            "--mode",
            mode,
            "--messages",
            "20",
            "--until-quiet",
        ]);
        assert_eq!(count(&line, "lost"), 0, "{mode}: {line}");
        assert_eq!(count(&line, "duplicated"), 0, "{mode}: {line}");
        assert_eq!(count(&line, "in_doubt"), 0, "{mode}: {line}");
        assert_eq!(count(&line, "invariant_violations"), 0, "{mode}: {line}");
        assert_eq!(
            count(&line, "exactly_once") + count(&line, "reordered"),
            20,
            "{mode}: {line}"
        );
        assert_eq!(line["quiet"], true, "{mode}: {line}");
    }
}

#[test]
fn a_crash_point_and_a_drop_can_name_a_numbered_node() {
    let line = summary(&[
        "--consumers",
        "3",
        "--mode",
        "at-least-once",
        "--messages",
        "6",
        "--crash",
        "consumer-2.after_apply:m2",
        "--until-quiet",
    ]);
    assert_eq!(count(&line, "duplicated"), 1, "{line}");
    let line = summary(&[
        "--consumers",
        "3",
        "--mode",
        "at-most-once",
        "--messages",
        "6",
        "--drop",
        "broker->consumer-3:deliver:m3",
    ]);
    assert_eq!(count(&line, "lost"), 1, "{line}");
}

#[test]
fn poison_messages_reach_the_delivery_limit_and_the_dead_letter_queue() {
    let line = summary(&[
        "--consumers",
        "2",
        "--messages",
        "6",
        "--style",
        "rabbitmq",
        "--poison",
        "m3",
        "--poison-fails",
        "reject",
        "--delivery-limit",
        "3",
        "--dlq",
        "--until-quiet",
    ]);
    assert_eq!(count(&line, "dead_lettered"), 1);
    assert_eq!(count(&line, "dropped"), 0);
    assert_eq!(count(&line, "redelivered"), 3);
    assert_eq!(count(&line, "blocked"), 0);
    assert_eq!(count(&line, "lost"), 0);
    assert_eq!(
        line["reordered_per_key"], line["reordered"],
        "one queue, one key"
    );
    let groups = line["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["exactly_once"], line["exactly_once"]);
    let consumers = line["consumers"].as_array().expect("consumers");
    let names: Vec<&str> = consumers
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["consumer", "consumer-2"]);
    let applied: u64 = consumers
        .iter()
        .map(|c| c["applied"].as_u64().unwrap())
        .sum();
    assert_eq!(applied, 5, "every message but the poison one, once");
    // Without a dead-letter queue, a nack drops it at once.
    let line = summary(&["--poison", "m2", "--poison-fails", "nack"]);
    assert_eq!(count(&line, "dropped"), 1);
    assert_eq!(count(&line, "redelivered"), 0);
    // With automatic acks the broker has let it go: lost.
    let line = summary(&["--poison", "m2", "--poison-fails", "reject", "--auto-ack"]);
    assert_eq!(count(&line, "lost"), 1);
    // And when it crashes the consumer, what was on its way to the consumer is lost too.
    let line = summary(&["--poison", "m2", "--auto-ack"]);
    assert!(count(&line, "lost") > 1, "{line}");
}

#[test]
fn impossible_queue_settings_exit_with_status_2() {
    for args in [
        &["--poison", "m9"][..],
        &["--poison", "x"][..],
        &["--poison-fails", "explode"][..],
        &["--style", "kafka", "--prefetch", "2"][..],
        &["--style", "flink"][..],
        &["--delivery-limit", "5000"][..],
        &["--mode", "transactional", "--poison", "m1"][..],
        &["--prefetch", "-1"][..],
    ] {
        let output = cli(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?}: says why");
    }
}
