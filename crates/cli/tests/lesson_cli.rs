//! `mqlab-cli lesson` as an instructor runs it on a lesson file: a valid lesson's summary,
//! a built-in lesson, a lesson link, and refusals with their reason and exit status 2.

use std::process::{Command, Output};

use serde_json::Value;

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mqlab-cli"))
        .arg("lesson")
        .args(args)
        .output()
        .expect("the CLI runs")
}

fn summary(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("one JSON line")
}

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn a_valid_lesson_prints_its_summary_and_what_its_run_makes_true() {
    let example = root().join("docs/examples/lesson-lost-ack.json");
    let output = cli(&[example.to_str().expect("a path")]);
    assert!(output.status.success(), "{output:?}");
    let line = summary(&output);
    assert_eq!(line["id"], "lost-ack-redelivery");
    assert_eq!(line["lang"], "en");
    assert_eq!(line["chapter"], "one-queue");
    assert_eq!(line["choices"], 3);
    assert_eq!(line["choices_true"], serde_json::json!([2]));
    assert_eq!(line["intended"], 2);

    let built_in = root().join("crates/sim/lessons/2pc-blocking.json");
    let output = cli(&[built_in.to_str().expect("a path")]);
    assert!(output.status.success(), "{output:?}");
    let line = summary(&output);
    assert_eq!(line["lang"], Value::Null);
    assert_eq!(line["chapter"], "two-phase-commit");
    assert_eq!(
        line["choices_true"],
        serde_json::json!([line["intended"].clone()])
    );
}

#[test]
fn a_lesson_link_is_read_like_a_file() {
    let text = std::fs::read_to_string(root().join("docs/examples/lesson-lost-ack.json"))
        .expect("the example");
    let file = mqlab_sim::lesson_file::read(&text).expect("reads");
    let link = mqlab_sim::lesson_file::to_link(&file);
    let output = cli(&["--link", &format!("#{link}")]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(summary(&output)["id"], "lost-ack-redelivery");
}

#[test]
fn an_invalid_lesson_is_refused_with_its_reason_and_status_2() {
    let dir = std::env::temp_dir().join(format!("mqlab-lesson-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let file = dir.join("bad.json");
    std::fs::write(
        &file,
        r#"{"format": "mqlab-lesson", "version": 1, "id": "Bad"}"#,
    )
    .expect("written");
    let output = cli(&[file.to_str().expect("a path")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let said = String::from_utf8(output.stderr).expect("UTF-8");
    assert!(
        said.contains("id: expected a slug of 1 to 64 characters"),
        "{said}"
    );
    let output = cli(&[file.to_str().expect("a path"), "--lang", "zh-CN"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr)
        .expect("UTF-8")
        .contains("标识"));
    let output = cli(&["--link", "lesson1.e30~00000000"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(cli(&[]).status.code(), Some(2));
    assert_eq!(cli(&["no-such-file.json"]).status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}
