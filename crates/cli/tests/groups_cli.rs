//! `mqlab-cli run --style kafka`: consumer groups from the command line, the summary's
//! `groups` and `consumers`, crash points named for a consumer instance, and exit
//! status 2 with a reason for every flag that does not fit.

mod common;

use common::cli;

use serde_json::Value;

/// Runs successfully and returns the summary printed on the last line.
fn summary(args: &[&str]) -> Value {
    let output = cli(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let last = text.lines().last().expect("a summary line");
    serde_json::from_str(last).expect("the last line is one JSON object")
}

fn count(summary: &Value, key: &str) -> u64 {
    summary[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} missing or not a count in {summary}"))
}

#[test]
fn two_groups_of_three_each_get_every_message_once_and_name_their_members() {
    let line = summary(&[
        "--style",
        "kafka",
        "--groups",
        "2",
        "--consumers",
        "3",
        "--partitions",
        "4",
        "--keys",
        "8",
        "--messages",
        "20",
    ]);
    let groups = line["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 2);
    for group in groups {
        assert_eq!(count(group, "exactly_once"), 20, "{line}");
        assert_eq!(count(group, "lost"), 0);
        assert_eq!(count(group, "duplicated"), 0);
    }
    let consumers = line["consumers"].as_array().expect("consumers");
    let names: Vec<&str> = consumers
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "consumer",
            "consumer-2",
            "consumer-3",
            "consumer-4",
            "consumer-5",
            "consumer-6"
        ]
    );
    let applied: Vec<u64> = consumers.iter().map(|c| count(c, "applied")).collect();
    assert_eq!(applied[..3].iter().sum::<u64>(), 20, "group 1: {applied:?}");
    assert_eq!(applied[3..].iter().sum::<u64>(), 20, "group 2: {applied:?}");
    for key in [
        "dead_lettered",
        "dropped",
        "redelivered",
        "blocked",
        "reordered_per_key",
    ] {
        count(&line, key);
    }
    assert_eq!(count(&line, "reordered_per_key"), 0);
}

#[test]
fn a_crash_point_names_a_member_of_the_second_group_and_only_that_group_duplicates() {
    // Group 2's first member is consumer-3; with one partition it owns it.
    let line = summary(&[
        "--style",
        "kafka",
        "--groups",
        "2",
        "--consumers",
        "2",
        "--messages",
        "6",
        "--crash",
        "consumer-3.after_apply:m2",
        "--restart-after",
        "never",
    ]);
    let groups = line["groups"].as_array().expect("groups");
    assert_eq!(count(&groups[0], "exactly_once"), 6, "{line}");
    assert_eq!(count(&groups[1], "duplicated"), 1, "{line}");
    let anomalies = line["anomalies"].as_array().expect("anomalies");
    assert_eq!(anomalies.len(), 1);
    let text = anomalies[0].as_str().unwrap();
    assert!(
        text.starts_with("group 2: m2 applied twice: consumer-3 crashed"),
        "{text}"
    );
    // consumer-4 took the partition over.
    assert!(count(&line["consumers"][3], "applied") >= 1, "{line}");
}

#[test]
fn each_commit_strategy_with_its_crash_point() {
    let run = |commit: &str, point: &str| {
        summary(&[
            "--style",
            "kafka",
            "--consumers",
            "2",
            "--messages",
            "5",
            "--commit",
            commit,
            "--crash",
            point,
            "--restart-after",
            "never",
        ])
    };
    let before = run("before", "consumer.after_commit:m3");
    assert_eq!(
        (count(&before, "lost"), count(&before, "duplicated")),
        (1, 0)
    );
    let after = run("after", "consumer.after_apply:m3");
    assert_eq!((count(&after, "lost"), count(&after, "duplicated")), (0, 1));
    let auto = run("auto", "consumer.after_apply:m3");
    assert_eq!(count(&auto, "lost"), 0);
    assert!(count(&auto, "duplicated") >= 1, "{auto}");
    // In at-most-once the consumer commits before processing unless told otherwise.
    let line = summary(&[
        "--style",
        "kafka",
        "--mode",
        "at-most-once",
        "--messages",
        "5",
        "--consumers",
        "2",
        "--crash",
        "consumer.after_commit:m2",
        "--restart-after",
        "never",
    ]);
    assert_eq!(count(&line, "lost"), 1, "{line}");
}

#[test]
fn a_poison_record_blocks_its_partition_or_goes_to_the_dead_letter_topic() {
    let base = [
        "--style",
        "kafka",
        "--partitions",
        "2",
        "--consumers",
        "2",
        "--keys",
        "4",
        "--messages",
        "8",
        "--poison",
        "m3",
        "--poison-fails",
        "reject",
    ];
    let blocked = summary(&[&base[..], &["--delivery-limit", "0"]].concat());
    assert_eq!(count(&blocked, "blocked"), 4, "{blocked}");
    let dlt = summary(&[&base[..], &["--delivery-limit", "3", "--dlq"]].concat());
    assert_eq!(count(&dlt, "dead_lettered"), 1, "{dlt}");
    assert_eq!(count(&dlt, "redelivered"), 2, "two retries: {dlt}");
    assert_eq!(count(&dlt, "exactly_once"), 7);
    let skipped = summary(&base);
    assert_eq!(count(&skipped, "dropped"), 1, "{skipped}");
    assert_eq!(count(&skipped, "redelivered"), 9, "Spring's ten attempts");
}

#[test]
fn the_help_lists_every_consumer_group_flag() {
    let output = cli(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).expect("UTF-8");
    for flag in [
        "--consumers",
        "--groups",
        "--partitions",
        "--keys",
        "--style kafka",
        "--style rabbitmq",
        "--commit",
        "--auto-commit-ticks",
        "--session-timeout-ticks",
        "--prefetch",
        "--auto-ack",
        "--poison",
        "--poison-fails",
        "--delivery-limit",
        "--dlq",
        "consumer.after_commit",
    ] {
        assert!(help.contains(flag), "{flag} missing from the help");
    }
}

#[test]
fn flags_that_do_not_fit_the_style_or_the_limits_exit_with_status_2_and_say_why() {
    let cases: [(&[&str], &str); 19] = [
        (&["--style", "kafka", "--partitions", "9"], "--partitions"),
        (&["--style", "kafka", "--partitions", "0"], "--partitions"),
        (&["--style", "kafka", "--groups", "4"], "--groups"),
        (&["--style", "kafka", "--consumers", "7"], "--consumers"),
        (&["--style", "kafka", "--keys", "65"], "--keys"),
        (&["--style", "kafka", "--poison", "m9"], "poison"),
        (&["--style", "kafka", "--prefetch", "2"], "--prefetch"),
        (&["--style", "kafka", "--auto-ack"], "--auto-ack"),
        (&["--style", "kafka", "--replicas", "3"], "--replicas"),
        (
            &["--style", "kafka", "--partitions", "2", "--replicas", "3"],
            "--replicas",
        ),
        (
            &["--style", "kafka", "--mode", "transactional"],
            "transactional",
        ),
        (&["--style", "kafka", "--commit", "sometimes"], "--commit"),
        (
            &["--style", "kafka", "--crash", "consumer.after_ack"],
            "after_commit",
        ),
        (&["--style", "rabbitmq", "--commit", "after"], "--commit"),
        (&["--partitions", "2"], "--style kafka"),
        (&["--groups", "2"], "--style kafka"),
        (&["--crash", "consumer.after_commit"], "--style kafka"),
        (
            &["--style", "kafka", "--partition", "consumer/broker@1..5"],
            "reliable",
        ),
        (
            &["--style", "kafka", "--drop", "broker->consumer:deliver:m1"],
            "reliable",
        ),
    ];
    for (args, reason) in cases {
        let output = cli(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or_default();
        assert!(first.contains(reason), "{args:?}: {first}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing run");
    }
}

#[test]
fn a_kafka_run_written_as_a_scenario_file_reproduces_from_it() {
    let dir = std::env::temp_dir().join(format!("mqlab-groups-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("groups.json");
    let path = path.to_str().expect("UTF-8 path");
    let first = summary(&[
        "--style",
        "kafka",
        "--groups",
        "2",
        "--consumers",
        "2",
        "--partitions",
        "3",
        "--commit",
        "auto",
        "--messages",
        "12",
        "--crash",
        "consumer-2.after_apply",
        "--write-scenario",
        path,
    ]);
    let text = std::fs::read_to_string(path).expect("written");
    assert!(text.contains("\"version\": 5"), "{text}");
    let again = summary(&["--scenario", path]);
    assert_eq!(first["trace_hash"], again["trace_hash"]);
    assert_eq!(first["groups"], again["groups"]);
    std::fs::remove_dir_all(&dir).ok();
}
