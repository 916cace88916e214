//! Lesson files: a lesson of one's own reads, plays with its own texts, writes back to
//! itself and travels in a link; every refusal says what is wrong, in English and in
//! Chinese; every fact round-trips through its written form.

mod common;

use mqlab_sim::lesson_file::{
    self, fact_text, parse_fact, FactError, LessonFile, LessonFileError, MAX_CUES,
    MAX_LESSON_FILE_BYTES, MAX_TEXT_CHARS,
};
use mqlab_sim::lessons::{self, Chapter, Check, CueTrigger};
use mqlab_sim::{Detail, EventKind};
use mqlab_text::{Lang, Words};
use serde_json::{json, Value};

const EXAMPLE: &str = include_str!("../../../docs/examples/lesson-lost-ack.json");

fn example() -> Value {
    serde_json::from_str(EXAMPLE).expect("the example is JSON")
}

fn read_value(value: &Value) -> Result<LessonFile, LessonFileError> {
    lesson_file::read(&value.to_string())
}

#[test]
fn the_example_lesson_reads_plays_and_round_trips() {
    let file = lesson_file::read(EXAMPLE).unwrap_or_else(|error| panic!("{error}"));
    let lesson = &file.lesson;
    assert_eq!(lesson.id, "lost-ack-redelivery");
    assert_eq!(lesson.chapter, Chapter::OneQueue);
    assert_eq!(lesson.question.choices.len(), 3);
    assert_eq!(lesson.question.intended_choice, 1);
    assert_eq!(lesson.cues.len(), 4);
    assert_eq!(
        lesson.cues[1].when,
        CueTrigger::Event {
            kind: EventKind::Drop,
            detail: Some(Detail::PlannedDrop),
            message: None
        }
    );
    assert_eq!(lesson.self_checks.len(), 2);
    assert_eq!(lesson.self_checks[1].answer, 1);
    assert_eq!(file.lang(), Some(Lang::En));

    // The intended answer, and only it, is what the run makes true.
    let summary = lesson.run_to_end().expect("ends").summary();
    assert_eq!(lesson.question.outcome(&summary), [false, true, false]);

    // The page plays it with its own texts, under the catalogue's keys.
    let catalogue = file.catalogue().expect("it carries its texts");
    for key in lesson.text_keys() {
        assert!(catalogue.get(&key).is_some(), "no text for {key}");
    }
    assert_eq!(
        catalogue.get("lost-ack-redelivery.check.1.2"),
        Some("The consumer asked for m1 again")
    );

    let written = lesson_file::write(&file);
    assert_eq!(lesson_file::read(&written), Ok(file.clone()));
    assert_eq!(
        lesson_file::write(&lesson_file::read(&written).expect("reads")),
        written
    );

    let link = lesson_file::to_link(&file);
    assert!(link.starts_with("lesson1."));
    assert!(link
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b)));
    assert_eq!(lesson_file::read_link(&link), Ok(file.clone()));
    assert_eq!(
        lesson_file::read_link(&format!("https://example.org/mqlab/#{link}")),
        Ok(file)
    );
}

#[test]
fn a_lesson_without_a_chapter_is_placed_by_its_scenario() {
    let mut value = example();
    object(&mut value).remove("chapter");
    let file = read_value(&value).expect("reads");
    assert_eq!(file.lesson.chapter, Chapter::OneQueue);
    // The writer names the chapter it was given.
    assert!(lesson_file::write(&file).contains("\"chapter\": \"one-queue\""));
    for (slug, _) in lessons::FILES {
        let lesson = lessons::find(slug).expect("lesson");
        assert_eq!(
            lesson_file::default_chapter(&lesson.scenario),
            lesson.chapter,
            "{slug}"
        );
    }
}

fn sealed(link: &str) -> String {
    format!("{link}~{:08x}", common::crc32(link.as_bytes()))
}

#[test]
fn every_fact_round_trips_through_its_written_form() {
    #[allow(unused_mut)]
    let mut facts = vec![
        Check::LostAtLeast(1),
        Check::NoneLost,
        Check::DuplicatedAtLeast(2),
        Check::NoneDuplicated,
        Check::DuplicatedAtMost(0),
        Check::AllExactlyOnce,
        Check::BlockedTicksAtLeast(200),
        Check::BlockedTicksBelow(u64::MAX),
        Check::SomeInDoubt,
        Check::InvariantViolated,
        Check::DeadLetteredAtLeast(1),
        Check::DroppedAtLeast(u32::MAX),
        Check::AckedLostAtLeast(1),
        Check::NoneAckedLost,
        Check::RefusedAtLeast(1),
        Check::NoneRefused,
        Check::UnavailableTicksAtLeast(150),
        Check::UnavailableTicksBelow(150),
        Check::ReorderedAtLeast(1),
        Check::NoneReordered,
        Check::RedeliveredAtLeast(2),
    ];
    #[cfg(feature = "kafka-txn")]
    facts.extend([
        Check::AbortedVisibleAtLeast(1),
        Check::NoneAbortedVisible,
        Check::FencedAtLeast(1),
        Check::LsoBlockedTicksAtLeast(3),
        Check::LsoBlockedTicksBelow(3),
    ]);
    #[cfg(feature = "outbox")]
    facts.extend([
        Check::StateWithoutEventAtLeast(1),
        Check::BrokerDuplicatesAtLeast(1),
    ]);
    #[cfg(any(feature = "kafka-txn", feature = "outbox"))]
    facts.extend([
        Check::ExternalDuplicatedAtLeast(1),
        Check::NoneExternalDuplicated,
    ]);
    let mut names = std::collections::BTreeSet::new();
    for fact in facts {
        let text = fact_text(fact);
        assert_eq!(parse_fact(&text), Ok(fact), "{text}");
        assert!(names.insert(text.clone()), "{text} is written twice");
    }
    assert_eq!(fact_text(Check::LostAtLeast(3)), "lost>=3");
    assert_eq!(
        fact_text(Check::BlockedTicksBelow(150)),
        "blocked_ticks<150"
    );
    assert_eq!(fact_text(Check::DuplicatedAtMost(1)), "duplicated<=1");
    for bad in [
        "",
        "lost",
        "lost>=",
        "lost>=-1",
        "lost>= 1",
        " lost>=1",
        "lost>=1 ",
        "lost=1",
        "lost>1",
        "lost>=4294967296",
        "none_lost>=1",
        "blocked_ticks<=3",
        "lost>=+1",
        "LOST>=1",
        "lost>=1x",
    ] {
        assert_eq!(parse_fact(bad), Err(FactError::Unknown), "{bad:?}");
    }
    #[cfg(not(feature = "kafka-txn"))]
    assert_eq!(parse_fact("fenced>=1"), Err(FactError::NotInBuild));
    #[cfg(not(any(feature = "kafka-txn", feature = "outbox")))]
    assert_eq!(
        parse_fact("none_external_duplicated"),
        Err(FactError::NotInBuild)
    );
}

/// Reads `value` after `change`, and returns the refusal.
fn refused(change: impl FnOnce(&mut Value)) -> LessonFileError {
    let mut value = example();
    change(&mut value);
    read_value(&value).expect_err("refused")
}

fn object(value: &mut Value) -> &mut serde_json::Map<String, Value> {
    value.as_object_mut().expect("an object")
}

#[test]
fn every_refusal_says_what_is_wrong_in_english_and_chinese() {
    let long = "x".repeat(MAX_TEXT_CHARS as usize + 1);
    let many_cues: Vec<Value> = (0..=MAX_CUES)
        .map(|_| json!({ "at": "start", "text": "a" }))
        .collect();
    let cases: Vec<(LessonFileError, &str)> = vec![
        (
            lesson_file::read(&" ".repeat(MAX_LESSON_FILE_BYTES as usize + 1)).unwrap_err(),
            "the lesson file is too large (262145 bytes; the most is 262144)",
        ),
        (
            lesson_file::read("{\"format\": ").unwrap_err(),
            "the lesson file is not valid JSON: EOF while parsing a value (line 1, column 11)",
        ),
        (
            lesson_file::read("{\"format\": \"mqlab-scenario\", \"version\": 1}").unwrap_err(),
            "this is not an MQ Lab lesson file: it must be a JSON object with \"format\": \"mqlab-lesson\"",
        ),
        (
            refused(|v| v["version"] = json!(2)),
            "this lesson file is from a newer version of MQ Lab (lesson format v2; this one reads up to v1): open it with the newer version",
        ),
        (refused(|v| { object(v).remove("title"); }), "title is missing"),
        (
            refused(|v| v["question"]["choices"][0]["hint"] = json!("x")),
            "question.choices[0].hint: the lesson format has no such field",
        ),
        (
            refused(|v| v["id"] = json!("My Lesson")),
            "id: expected a slug of 1 to 64 characters: lowercase letters, digits and dashes, found \"My Lesson\"",
        ),
        (
            refused(|v| v["lang"] = json!("fr")),
            "lang: expected a language: en or zh-CN, found \"fr\"",
        ),
        (
            refused(|v| v["cues"][1]["at"] = json!({ "step": 0 })),
            "cues[1].at.step: expected a step from 1, found 0",
        ),
        (
            refused(|v| v["cues"][1]["at"] = json!({ "event": "drop", "detail": { "voted_no": {} } })),
            "cues[1].at.detail: expected an event detail as the trace writes it (\"planned_drop\", {\"voted_no\": {\"reason\": \"chosen\"}}), found {…}",
        ),
        (refused(|v| v["intro"] = json!("  ")), "intro is empty: write its text"),
        (
            refused(|v| v["summary"] = json!(long)),
            "summary is too long (2001 characters; the most is 2000)",
        ),
        (
            refused(|v| v["texts"] = json!("catalogue")),
            "lang: this lesson's texts are in the lessons' catalogue (\"texts\": \"catalogue\"), so the file carries none",
        ),
        (
            refused(|v| v["question"]["choices"] = json!([{ "text": "a", "holds_when": ["none_lost"] }])),
            "question.choices: a question offers 2 to 4 choices (got 1)",
        ),
        (
            refused(|v| v["question"]["choices"][2]["holds_when"] = json!([])),
            "question.choices[2].holds_when: a choice needs at least one fact that makes it right",
        ),
        (
            refused(|v| v["question"]["choices"][2]["holds_when"] = json!(vec!["none_lost"; 9])),
            "question.choices[2].holds_when: at most 8 facts (got 9)",
        ),
        (
            refused(|v| v["question"]["choices"][0]["holds_when"][0] = json!("lost > 1")),
            "question.choices[0].holds_when[0]: 'lost > 1' is not a fact as MQ Lab writes them: lost>=1, none_duplicated, blocked_ticks<150… (the list is in docs/lesson-format.md)",
        ),
        (
            refused(|v| v["cues"] = json!(many_cues)),
            "cues: at most 40 cues (got 41)",
        ),
        (
            refused(|v| {
                let check = v["checks"][0].clone();
                v["checks"] = json!([check.clone(), check.clone(), check.clone(), check.clone(), check]);
            }),
            "checks: at most 4 questions at the end (got 5)",
        ),
        (
            refused(|v| v["checks"][0]["answers"] = json!(["only one"])),
            "checks[0].answers: a question at the end offers 2 to 4 answers (got 1)",
        ),
        (
            refused(|v| v["checks"][0]["answer"] = json!(4)),
            "checks[0].answer: 4 is not between 1 and 3",
        ),
        (
            refused(|v| v["question"]["intended"] = json!(0)),
            "question.intended: 0 is not between 1 and 3",
        ),
        (
            refused(|v| v["checks"][0]["at"] = json!("end")),
            "checks[0].at: a question at the end points at a step or an event of the run, not at its start or its end",
        ),
        (
            refused(|v| v["scenario"]["mode"] = json!("at-most-twice")),
            "scenario.mode: expected a mode: \"at-most-once\", \"at-least-once\", \"idempotent\" or \"transactional\", got \"at-most-twice\" (unknown mode 'at-most-twice' (expected one of: at-most-once, at-least-once, idempotent, transactional))",
        ),
        (
            refused(|v| v["scenario"]["messages"] = json!(0)),
            "the lesson's scenario is invalid: messages: must be between 1 and 100000 (got 0)",
        ),
        (
            refused(|v| {
                v["scenario"]["timing"] = json!({ "redelivery_timeout_ticks": 1 });
                v["scenario"]["network"] = json!({ "loss": "1/1" });
            }),
            "the lesson's run is still going after 20000 steps: a lesson must come to an end",
        ),
        (
            refused(|v| v["cues"][2]["at"] = json!({ "again": "deliver", "message": 3 })),
            "cues[2].at: the lesson's run never reaches this moment",
        ),
        (
            refused(|v| v["checks"][1]["at"] = json!({ "crash": "broker" })),
            "checks[1].at: the lesson's run never reaches this moment",
        ),
        (
            refused(|v| v["checks"][0]["facts"] = json!(["none_duplicated"])),
            "checks[0].facts: 'none_duplicated' does not hold at the end of the lesson's run",
        ),
        (
            refused(|v| {
                let map = object(v);
                for key in ["lang", "title", "intro", "summary"] {
                    map.remove(key);
                }
                map.insert("texts".into(), json!("catalogue"));
                let strip = |item: &mut Value| {
                    let item = item.as_object_mut().unwrap();
                    item.remove("text");
                    item.remove("question");
                    item.remove("why");
                };
                for choice in v["question"]["choices"].as_array_mut().unwrap() {
                    strip(choice);
                }
                object(&mut v["question"]).remove("text");
                for cue in v["cues"].as_array_mut().unwrap() {
                    strip(cue);
                }
                for check in v["checks"].as_array_mut().unwrap() {
                    strip(check);
                    check["answers"] = json!(3);
                }
            }),
            "id: the lessons' catalogue has no lesson 'lost-ack-redelivery'; a lesson of your own carries its texts (leave \"texts\" out)",
        ),
        (
            lesson_file::read_link("v1.mode=at-most-once~00000000").unwrap_err(),
            "this is not an MQ Lab lesson link: the part after # should start with 'lesson1.'",
        ),
        (
            lesson_file::read_link("lesson2.e30~00000000").unwrap_err(),
            "this lesson link is from a newer version of MQ Lab (lesson link v2; this page reads up to v1): open it with the newer version",
        ),
        (
            lesson_file::read_link(&format!("lesson1.{}", "A".repeat(400_000))).unwrap_err(),
            "the lesson link is too long (400008 characters; the most is 360000)",
        ),
        (
            lesson_file::read_link("lesson1.e30").unwrap_err(),
            "the lesson link was cut short: its end (the checksum after ~) is missing; copy the whole link",
        ),
        (
            lesson_file::read_link("lesson1.e30~12345678").unwrap_err(),
            "the lesson link was changed or damaged: its checksum does not match its content",
        ),
        (
            lesson_file::read_link(&sealed("lesson1.e3!")).unwrap_err(),
            "the lesson link is damaged: its content is not base64url text",
        ),
    ];
    let chinese = Words::embedded(Lang::ZhCn);
    let mut seen = std::collections::BTreeSet::new();
    let wrong: Vec<String> = cases
        .iter()
        .filter(|(error, english)| error.to_string() != *english)
        .map(|(error, english)| format!("expected {english:?}\n     got {:?}", error.to_string()))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    for (error, english) in cases {
        let said = error.describe_in(&chinese);
        assert!(
            !said.is_empty() && said != english,
            "{error:?} in Chinese: {said}"
        );
        assert!(seen.insert(english), "two cases give the same message");
    }
}

#[test]
fn every_built_in_lesson_is_written_without_texts_and_reads_back() {
    for (slug, text) in lessons::FILES {
        let file = lesson_file::read(text).unwrap_or_else(|error| panic!("{slug}: {error}"));
        assert!(file.texts.is_none() && file.catalogue().is_none(), "{slug}");
        assert!(text.contains("\"texts\": \"catalogue\""), "{slug}");
        let link = lesson_file::to_link(&file);
        assert_eq!(lesson_file::read_link(&link), Ok(file), "{slug}");
    }
}

#[test]
fn the_facts_offered_for_a_runs_end_hold_and_are_the_strongest_of_their_kind() {
    for lesson in lessons::all() {
        let summary = lesson.run_to_end().expect("the lesson ends").summary();
        let facts = Check::holding_at_end(&summary);
        assert!(!facts.is_empty(), "{}", lesson.id);
        for fact in &facts {
            assert!(fact.holds(&summary), "{}: {}", lesson.id, fact_text(*fact));
            assert_eq!(parse_fact(&fact_text(*fact)), Ok(*fact), "{}", lesson.id);
        }
        // A count is stated as it is: one more would not hold.
        let lost = facts.iter().find_map(|fact| match fact {
            Check::LostAtLeast(count) => Some(*count),
            _ => None,
        });
        match lost {
            Some(count) => assert!(!Check::LostAtLeast(count + 1).holds(&summary)),
            None => assert!(facts.contains(&Check::NoneLost), "{}", lesson.id),
        }
        // The same summary makes the lesson's intended answer true.
        let intended = &lesson.question.choices[lesson.question.intended_choice];
        assert!(intended.holds(&summary), "{}", lesson.id);
    }
}
