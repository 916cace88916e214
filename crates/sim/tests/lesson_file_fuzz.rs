//! The lesson file reader and the lesson link reader against generated inputs: mutations
//! of valid files (cut short, bytes changed, fields deleted, duplicated or of the wrong
//! type, huge numbers, deep nesting, random text) and of valid links. Neither may panic,
//! every refusal must be told in English and Chinese, and every input accepted must
//! round-trip: written and read again, it is the same lesson.
//!
//! The inputs come from the crate's seeded generator. A failure names the seed and the
//! case; `MQLAB_FUZZ_SEED=<seed>` replays the run, `MQLAB_FUZZ_CASES=<n>` changes its
//! length.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use mqlab_sim::lesson_file::{self, LessonFile, LessonFileError};
use mqlab_sim::lessons;
use mqlab_sim::Prng;
use mqlab_text::{Lang, Words};
use serde_json::{json, Value};

const EXAMPLE: &str = include_str!("../../../docs/examples/lesson-lost-ack.json");

/// A short lesson whose run takes a few steps, so that many accepted mutations are cheap
/// to check.
fn small_lesson() -> String {
    json!({
        "format": "mqlab-lesson",
        "version": 1,
        "id": "one-message",
        "lang": "zh-CN",
        "title": "一条消息会怎样？",
        "intro": "一个生产者，一个 broker，一个消费者。",
        "summary": "消息恰好被处理一次。",
        "scenario": { "mode": "at-least-once", "messages": 1, "seed": 7 },
        "question": {
            "text": "这条消息会被处理几次？",
            "choices": [
                { "text": "一次", "holds_when": ["all_exactly_once"] },
                { "text": "两次", "holds_when": ["duplicated>=1"] },
                { "text": "零次", "holds_when": ["lost>=1", "none_duplicated"] }
            ]
        },
        "cues": [
            { "at": "start", "text": "开始。" },
            { "at": { "step": 2 }, "text": "第二步。" },
            { "at": { "event": "deliver", "message": 1 }, "text": "投递。" },
            { "at": { "event": "ack" }, "text": "确认。" },
            { "at": "end", "text": "结束。" }
        ],
        "checks": [
            {
                "question": "谁发出 ack？",
                "answers": ["消费者", "生产者"],
                "answer": 1,
                "why": "消费者处理之后确认。",
                "at": { "event": "ack", "message": 1 },
                "facts": ["none_lost", "duplicated<=0"]
            }
        ]
    })
    .to_string()
}

/// Values that fit nowhere, or only just.
fn odd_value(rng: &mut Prng) -> Value {
    match rng.below(16) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(-1),
        3 => json!(1.5),
        4 => json!(u64::MAX),
        5 => serde_json::from_str("18446744073709551616").unwrap_or(Value::Null),
        6 => json!(4_294_967_296u64),
        7 => json!(0),
        8 => json!([]),
        9 => json!({}),
        10 => json!(""),
        11 => json!(random_text(rng, 300)),
        12 => json!(["lost>=1", "none_lost"]),
        13 => json!({ "event": "drop", "detail": "planned_drop" }),
        14 => json!(rng.below(30)),
        _ => [json!("start"), json!("end"), json!({ "step": 3 })][rng.below(3) as usize].clone(),
    }
}

/// Random text, mostly of characters the format cares about, some far from ASCII.
fn random_text(rng: &mut Prng, most: u64) -> String {
    const PIECES: [&str; 24] = [
        "a", "-", "_", ">=", "<", "<=", "1", "0", " ", "\n", "\"", "\\", "é", "消息", "🙂",
        "\u{0}", "\u{202e}", "lost", "none_", "start", "m1", "~", "{", "]",
    ];
    let length = rng.below(most + 1);
    let mut text = String::new();
    for _ in 0..length {
        if rng.below(4) == 0 {
            let code = rng.below(0x11_0000) as u32;
            text.push(char::from_u32(code).unwrap_or('\u{fffd}'));
        } else {
            text.push_str(PIECES[rng.below(PIECES.len() as u64) as usize]);
        }
    }
    text
}

/// A random value in the tree: the root, or, more often, a value inside it.
fn pick<'a>(value: &'a mut Value, rng: &mut Prng) -> &'a mut Value {
    let descend = rng.below(3) != 0;
    let index = rng.next_u64();
    let len = match &*value {
        Value::Object(map) => map.len(),
        Value::Array(items) => items.len(),
        _ => 0,
    };
    if !descend || len == 0 {
        return value;
    }
    let at = (index % len as u64) as usize;
    match value {
        Value::Object(map) => pick(map.values_mut().nth(at).expect("below the length"), rng),
        Value::Array(items) => pick(&mut items[at], rng),
        other => other,
    }
}

/// One structural mutation of a JSON tree.
fn mutate_tree(value: &mut Value, rng: &mut Prng) {
    let node = pick(value, rng);
    match rng.below(8) {
        // Delete a field or an item.
        0 => match node {
            Value::Object(map) if !map.is_empty() => {
                let key = map
                    .keys()
                    .nth(rng.below(map.len() as u64) as usize)
                    .cloned();
                if let Some(key) = key {
                    map.remove(&key);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                items.remove(rng.below(items.len() as u64) as usize);
            }
            _ => *node = Value::Null,
        },
        // Duplicate an item, or add a field.
        1 => match node {
            Value::Array(items) if !items.is_empty() => {
                let copy = items[rng.below(items.len() as u64) as usize].clone();
                let most = if rng.below(4) == 0 { 50 } else { 2 };
                let copies = 1 + rng.below(most);
                for _ in 0..copies {
                    items.push(copy.clone());
                }
            }
            Value::Object(map) => {
                let keys = [
                    "text", "at", "facts", "chapter", "texts", "lang", "message", "detail",
                    "extra", "$comment", "intended", "answers",
                ];
                let key = keys[rng.below(keys.len() as u64) as usize];
                map.insert(key.to_string(), odd_value(rng));
            }
            _ => *node = odd_value(rng),
        },
        // A value of the wrong type, or a number out of range.
        2 | 3 => *node = odd_value(rng),
        // Deep nesting.
        4 => {
            // Past serde_json's limit of 128 levels now and then.
            let most = if rng.below(8) == 0 { 160 } else { 60 };
            let depth = rng.in_range(1, most) as usize;
            let mut nested = odd_value(rng);
            for _ in 0..depth {
                nested = if rng.below(2) == 0 {
                    json!([nested])
                } else {
                    json!({ "at": nested })
                };
            }
            *node = nested;
        }
        // Random text where text is.
        5 => *node = json!(random_text(rng, 40)),
        // A long text.
        6 => *node = json!("字".repeat(rng.in_range(1990, 2010) as usize)),
        // A number nudged.
        _ => {
            if let Some(n) = node.as_u64() {
                *node = json!(n.wrapping_add(rng.below(3)).wrapping_sub(1));
            } else {
                *node = json!(rng.below(5));
            }
        }
    }
}

/// A random place between characters of `text`.
fn boundary(text: &str, rng: &mut Prng) -> usize {
    floor(text, rng.below(text.len() as u64 + 1) as usize)
}

/// The last place between characters at or before `at`.
fn floor(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// One textual mutation of a file.
fn mutate_text(text: &mut String, rng: &mut Prng) {
    if text.is_empty() {
        text.push_str(&random_text(rng, 8));
        return;
    }
    match rng.below(5) {
        // Cut short.
        0 => {
            let at = boundary(text, rng);
            text.truncate(at);
        }
        // A character changed.
        1 => {
            let at = boundary(text, rng);
            let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            let replacement = random_text(rng, 1);
            text.replace_range(at..end, &replacement);
        }
        // Random text inserted.
        2 => {
            let at = boundary(text, rng);
            let inserted = random_text(rng, 6);
            text.insert_str(at, &inserted);
        }
        // A field written twice (the reader keeps one of them).
        3 => {
            let fields = [
                "\"id\": \"twice\",",
                "\"version\": 1,",
                "\"cues\": [],",
                "\"lang\": \"en\",",
                "\"format\": \"mqlab-lesson\",",
            ];
            if let Some(at) = text.find('{') {
                text.insert_str(at + 1, fields[rng.below(fields.len() as u64) as usize]);
            }
        }
        // A piece repeated.
        _ => {
            let a = boundary(text, rng);
            let b = boundary(text, rng);
            let (a, b) = (a.min(b), a.max(b));
            let piece = text[a..floor(text, b.min(a + 200))].to_string();
            text.insert_str(b, &piece);
        }
    }
}

/// One mutation of a link.
fn mutate_link(link: &mut String, rng: &mut Prng) {
    match rng.below(6) {
        0 => {
            let at = boundary(link, rng);
            link.truncate(at);
        }
        1 if !link.is_empty() => {
            let at = boundary(link, rng);
            let end = link[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            let alphabet = b"ABCxyz019-_~.#=!%";
            let byte = alphabet[rng.below(alphabet.len() as u64) as usize];
            link.replace_range(at..end, &char::from(byte).to_string());
        }
        2 => {
            let at = boundary(link, rng);
            link.insert_str(at, &random_text(rng, 3));
        }
        3 => link.insert_str(
            0,
            ["https://x.org/#", " ", "#", "v1.", "lesson2."][rng.below(5) as usize],
        ),
        // Resealed after the change, so that the content itself is tested.
        _ => {
            if let Some((body, _)) = link.rsplit_once('~') {
                let mut body = body.to_string();
                let at = boundary(&body, rng).max(floor(&body, 8));
                body.truncate(at);
                body.push_str(&random_text(rng, 2).replace(|c: char| !c.is_ascii(), "A"));
                *link = format!("{body}~{:08x}", common::crc32(body.as_bytes()));
            }
        }
    }
}

/// What the fuzzer saw.
#[derive(Default)]
struct Tally {
    cases: u64,
    accepted: u64,
}

/// Reads one input with `reader`, and checks what it gives.
fn check(
    tally: &mut Tally,
    seed: u64,
    case: u64,
    input: &str,
    reader: fn(&str) -> Result<LessonFile, LessonFileError>,
    chinese: &Words,
) {
    tally.cases += 1;
    let name = || {
        let shown: String = input.chars().take(300).collect();
        format!("seed {seed}, case {case} (MQLAB_FUZZ_SEED={seed}): input {shown:?}")
    };
    let result = catch_unwind(AssertUnwindSafe(|| reader(input)))
        .unwrap_or_else(|_| panic!("the reader panicked: {}", name()));
    match result {
        Ok(file) => {
            tally.accepted += 1;
            let written = lesson_file::write(&file);
            assert_eq!(
                lesson_file::read(&written).as_ref(),
                Ok(&file),
                "written and read again, the lesson changed: {}",
                name()
            );
            let link = lesson_file::to_link(&file);
            assert_eq!(
                lesson_file::read_link(&link).as_ref(),
                Ok(&file),
                "through a link, the lesson changed: {}",
                name()
            );
        }
        Err(error) => {
            let told = catch_unwind(AssertUnwindSafe(|| {
                (error.to_string(), error.describe_in(chinese))
            }))
            .unwrap_or_else(|_| panic!("telling {error:?} panicked: {}", name()));
            // The lesson format's own sentences hold no line break; the scenario's
            // messages may quote what was written, line breaks and all.
            let own = !matches!(error, LessonFileError::Scenario(_));
            assert!(
                !(told.0.is_empty() || told.1.is_empty() || own && told.0.contains('\n')),
                "{error:?} is not one sentence: {:?}: {}",
                told.0,
                name()
            );
        }
    }
}

#[test]
fn the_lesson_readers_survive_generated_inputs_and_round_trip_what_they_accept() {
    let seed = std::env::var("MQLAB_FUZZ_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(0x005e_ed1e_550f_11e5_u64);
    let cases: u64 = std::env::var("MQLAB_FUZZ_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(100_000);
    let chinese = Words::embedded(Lang::ZhCn);
    let example: Value = serde_json::from_str(EXAMPLE).expect("the example is JSON");
    let small: Value = serde_json::from_str(&small_lesson()).expect("JSON");
    let built_in: Value = serde_json::from_str(lessons::FILES[1].1).expect("JSON");
    for (name, base) in [
        ("example", &example),
        ("small", &small),
        ("built-in", &built_in),
    ] {
        assert!(
            lesson_file::read(&base.to_string()).is_ok(),
            "the {name} lesson reads"
        );
    }
    let bases = [&small, &small, &small, &example, &built_in];
    let links: Vec<String> = bases
        .iter()
        .map(|base| lesson_file::to_link(&lesson_file::read(&base.to_string()).expect("reads")))
        .collect();

    let started = std::time::Instant::now();
    let mut files = Tally::default();
    let mut link_tally = Tally::default();
    for case in 0..cases {
        let mut rng = Prng::new(seed.wrapping_add(case.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
        let which = rng.below(bases.len() as u64) as usize;
        if case % 5 == 4 {
            let mut link = links[which].clone();
            for _ in 0..rng.in_range(1, 2) {
                mutate_link(&mut link, &mut rng);
            }
            check(
                &mut link_tally,
                seed,
                case,
                &link,
                lesson_file::read_link,
                &chinese,
            );
            continue;
        }
        let mut value = bases[which].clone();
        for _ in 0..rng.in_range(1, 3) {
            mutate_tree(&mut value, &mut rng);
        }
        let mut text = if rng.below(2) == 0 {
            value.to_string()
        } else {
            serde_json::to_string_pretty(&value).unwrap_or_default()
        };
        if rng.below(3) == 0 {
            mutate_text(&mut text, &mut rng);
        }
        check(&mut files, seed, case, &text, lesson_file::read, &chinese);
    }
    let elapsed = started.elapsed();
    println!(
        "{} files ({} accepted) and {} links ({} accepted) in {elapsed:?}, seed {seed}",
        files.cases, files.accepted, link_tally.cases, link_tally.accepted
    );
    assert!(files.cases + link_tally.cases >= cases);
    // The mutations leave some inputs valid, so that round trips are tested too.
    assert!(
        files.accepted > cases / 100,
        "seed {seed}: too few files accepted"
    );
    assert!(link_tally.accepted > 0, "seed {seed}: no link accepted");
}
