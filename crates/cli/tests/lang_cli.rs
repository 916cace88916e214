//! `mqlab-cli run --lang`: the narration and the anomalies in Chinese, the run unchanged.

mod common;

use common::cli;

use serde_json::Value;

/// The trace events and the summary of a successful run.
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

const RUN: [&str; 9] = [
    "--mode",
    "at-least-once",
    "--messages",
    "4",
    "--crash",
    "consumer.after_apply:m1",
    "--loss",
    "10",
    "--trace",
];

fn with<'a>(lang: &[&'a str]) -> Vec<&'a str> {
    RUN.iter().copied().chain(lang.iter().copied()).collect()
}

fn chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn zh_cn_narrates_in_chinese() {
    let (events, summary) = lines(&with(&["--lang", "zh-CN"]));
    let narration: Vec<&str> = events
        .iter()
        .map(|e| e["narration"].as_str().unwrap())
        .collect();
    assert!(
        narration.contains(&"生产者向 Broker 发布 m1。"),
        "{narration:?}"
    );
    assert!(narration.iter().all(|n| chinese(n)));
    let anomalies = summary["anomalies"].as_array().unwrap();
    assert!(!anomalies.is_empty());
    assert!(anomalies.iter().all(|a| chinese(a.as_str().unwrap())));
}

#[test]
fn the_counts_and_the_trace_are_the_same_in_every_language() {
    let (english_events, english) = lines(&with(&[]));
    for lang in ["en", "zh-CN", "ZH-cn"] {
        let (events, summary) = lines(&with(&["--lang", lang]));
        let mut summary = summary.clone();
        let mut expected = english.clone();
        summary["anomalies"] = Value::Null;
        expected["anomalies"] = Value::Null;
        assert_eq!(summary, expected, "{lang}");
        assert_eq!(events.len(), english_events.len(), "{lang}");
        for (event, english_event) in events.iter().zip(&english_events) {
            let (mut event, mut english_event) = (event.clone(), english_event.clone());
            event["narration"] = Value::Null;
            english_event["narration"] = Value::Null;
            assert_eq!(event, english_event, "{lang}");
        }
    }
    let (_, summary) = lines(&with(&["--lang", "zh-CN"]));
    assert_eq!(
        summary["anomalies"].as_array().unwrap().len(),
        english["anomalies"].as_array().unwrap().len()
    );
}

#[test]
fn an_unknown_language_exits_2_with_a_reason() {
    for lang in ["fr", "zh", ""] {
        let output = cli(&["--messages", "2", "--lang", lang]);
        assert_eq!(output.status.code(), Some(2), "{lang:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--lang"), "{stderr}");
    }
    let output = cli(&["--messages", "2", "--lang"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn help_documents_lang() {
    let output = cli(&["--help"]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("--lang LANG"));
}
