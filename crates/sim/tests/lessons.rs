//! The guided lessons teach what the core does: every lesson's scenario is valid and
//! ends, the answer its author intended is the only one the run makes true, and every
//! narration cue is reached. When the core changes, these tests name the lesson that no
//! longer teaches what it says.

use std::collections::{BTreeMap, BTreeSet};

use mqlab_sim::lessons::{self, Chapter, Lesson, Reached, LINK_PREFIX};
use mqlab_sim::{
    Detail, EventKind, GroupDetail, MessageId, NodeId, RoleKind, SharedRun, Sim, Verdict,
};

/// The lessons' words in English, by key (`static/text/en/lessons.txt`, whose format
/// `mqlab-text` reads for the page: `@key`, then the text up to the next entry).
fn english() -> BTreeMap<String, String> {
    catalogue(include_str!("../../../static/text/en/lessons.txt"))
}

/// The lessons' words in Chinese, by key.
fn chinese() -> BTreeMap<String, String> {
    catalogue(include_str!("../../../static/text/zh-CN/lessons.txt"))
}

/// A catalogue's entries by key.
fn catalogue(text: &str) -> BTreeMap<String, String> {
    keyed(text).into_iter().collect()
}

/// A catalogue's entries in the file's order; a group's comment lines between entries
/// belong to none.
fn keyed(text: &str) -> Vec<(String, String)> {
    let mut entries: Vec<(String, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        if let Some(key) = line.strip_prefix('@') {
            entries.push((key.trim().to_string(), Vec::new()));
        } else if let Some((_, lines)) = entries.last_mut() {
            if !line.starts_with('#') {
                lines.push(line);
            }
        }
    }
    entries
        .into_iter()
        .map(|(key, lines)| (key, lines.join("\n").trim().to_string()))
        .collect()
}

fn title(lesson: &Lesson) -> String {
    english()
        .get(&lesson.title_key())
        .cloned()
        .unwrap_or_default()
}

fn describe(lesson: &Lesson) -> String {
    let sim = lesson.run_to_end().expect("the lesson's run ends");
    format!(
        "lesson {} ({}): {:?}, anomalies {:?}",
        lesson.id,
        title(lesson),
        sim.summary(),
        sim.ledger()
            .anomalies()
            .iter()
            .map(|a| a.explanation.clone())
            .collect::<Vec<_>>()
    )
}

#[test]
fn there_are_at_least_eleven_lessons_with_distinct_slugs() {
    let all = lessons::all();
    assert!(all.len() >= 11, "only {} lessons", all.len());
    let ids: BTreeSet<&str> = all.iter().map(|lesson| lesson.id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "two lessons share a slug");
    for lesson in &all {
        assert!(
            !lesson.id.is_empty()
                && lesson
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "slug {:?} is not lowercase letters, digits and dashes",
            lesson.id
        );
    }
}

#[test]
fn every_lesson_scenario_is_valid_and_ends() {
    for lesson in lessons::all() {
        assert_eq!(
            lesson.scenario.validate(),
            Ok(()),
            "lesson {} has an invalid scenario",
            lesson.id
        );
        let sim = lesson
            .run_to_end()
            .unwrap_or_else(|error| panic!("lesson {}: {error}", lesson.id));
        assert!(sim.is_quiet(), "lesson {} did not end", lesson.id);
        assert_eq!(
            sim.summary().pending,
            0,
            "lesson {} ends with messages pending",
            lesson.id
        );
    }
}

#[test]
fn the_intended_choice_and_only_it_is_true_in_every_lesson() {
    let words = english();
    for lesson in lessons::all() {
        let question = &lesson.question;
        assert!(
            question.choices.len() >= 3,
            "lesson {} offers fewer than three choices",
            lesson.id
        );
        assert!(
            question.intended_choice < question.choices.len(),
            "lesson {} intends a choice it does not have",
            lesson.id
        );
        let summary = lesson.run_to_end().expect("ends").summary();
        let outcome = question.outcome(&summary);
        let true_choices: Vec<usize> = outcome
            .iter()
            .enumerate()
            .filter(|(_, holds)| **holds)
            .map(|(index, _)| index)
            .collect();
        assert_eq!(
            true_choices,
            vec![question.intended_choice],
            "{} no longer teaches what it says: choices true: {:?}",
            describe(&lesson),
            true_choices
                .iter()
                .map(|&i| words
                    .get(&lesson.choice_key(i))
                    .cloned()
                    .unwrap_or_default())
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn every_narration_cue_is_reached_in_order() {
    let words = english();
    for lesson in lessons::all() {
        let sim = lesson.run_to_end().expect("ends");
        let mut previous: Option<Reached> = None;
        for (index, cue) in lesson.cues.iter().enumerate() {
            let text = words
                .get(&lesson.cue_key(index))
                .cloned()
                .unwrap_or_default();
            let reached = cue.reached(sim.trace(), sim.is_quiet());
            let Some(reached) = reached else {
                panic!(
                    "lesson {}: the cue {text:?} is never reached ({})",
                    lesson.id,
                    describe(&lesson)
                );
            };
            if let Some(previous) = previous {
                assert!(
                    order(previous) <= order(reached),
                    "lesson {}: the cue {text:?} ({reached:?}) comes before the one above it ({previous:?})",
                    lesson.id
                );
            }
            previous = Some(reached);
        }
        assert!(
            lesson.cues.len() >= 3,
            "lesson {} narrates fewer than three moments",
            lesson.id
        );
    }
}

fn order(reached: Reached) -> (u8, u64) {
    match reached {
        Reached::AtStart => (0, 0),
        Reached::AtStep(step) => (1, step),
        Reached::AtEnd => (2, 0),
    }
}

#[test]
fn cues_other_than_the_start_wait_for_the_run() {
    for lesson in lessons::all() {
        let fresh = mqlab_sim::Sim::new(&lesson.scenario).expect("valid");
        for (index, cue) in lesson.cues.iter().enumerate() {
            let reached = cue.reached(fresh.trace(), fresh.is_quiet());
            match cue.when {
                lessons::CueTrigger::Start => assert_eq!(reached, Some(Reached::AtStart)),
                _ => assert_eq!(
                    reached,
                    None,
                    "lesson {}: {} shows before anything happened",
                    lesson.id,
                    lesson.cue_key(index)
                ),
            }
        }
    }
}

#[test]
fn lesson_links_name_the_lesson_and_find_it() {
    for lesson in lessons::all() {
        let fragment = lesson.link_fragment();
        let slug = fragment
            .strip_prefix(LINK_PREFIX)
            .expect("a lesson link starts with the prefix");
        assert_eq!(lessons::find(slug).as_ref(), Some(&lesson));
    }
    assert_eq!(lessons::find("no-such-lesson"), None);
    assert_eq!(lessons::find(""), None);
}

#[test]
fn every_lesson_loads_as_a_shared_run_at_step_zero() {
    for lesson in lessons::all() {
        let run = SharedRun::new(lesson.scenario.clone())
            .to_run()
            .unwrap_or_else(|error| panic!("lesson {}: {error}", lesson.id));
        assert_eq!(run.step_index(), 0, "lesson {}", lesson.id);
    }
}

#[test]
fn every_lesson_has_words_to_read_in_english_and_chinese() {
    for (lang, words) in [("en", english()), ("zh-CN", chinese())] {
        for lesson in lessons::all() {
            for key in lesson.text_keys() {
                assert!(
                    words.get(&key).is_some_and(|text| !text.is_empty()),
                    "{lang}/lessons.txt lacks @{key}"
                );
            }
            for key in [lesson.title_key(), lesson.question_key()] {
                let text = &words[&key];
                assert!(
                    text.chars().count() >= 8,
                    "{lang}: lesson {} has a short @{key}: {text:?}",
                    lesson.id
                );
            }
        }
    }
}

#[test]
fn the_catalogues_hold_the_lessons_words_in_the_lessons_order_and_nothing_else() {
    let expected: Vec<String> = lessons::all()
        .iter()
        .flat_map(|lesson| lesson.text_keys())
        .collect();
    for (lang, text) in [
        ("en", include_str!("../../../static/text/en/lessons.txt")),
        (
            "zh-CN",
            include_str!("../../../static/text/zh-CN/lessons.txt"),
        ),
    ] {
        let keys: Vec<String> = keyed(text).into_iter().map(|(key, _)| key).collect();
        assert_eq!(keys, expected, "{lang}/lessons.txt");
    }
}

#[test]
fn every_title_asks_a_question() {
    for lesson in lessons::all() {
        let title = title(&lesson);
        assert!(
            title.ends_with('?'),
            "lesson {} states its answer: {title:?}",
            lesson.id
        );
    }
}

#[test]
fn the_choices_of_a_question_are_of_similar_length() {
    let words = english();
    for lesson in lessons::all() {
        let lengths: Vec<usize> = (0..lesson.question.choices.len())
            .map(|index| words[&lesson.choice_key(index)].chars().count())
            .collect();
        let (shortest, longest) = (
            *lengths.iter().min().expect("choices"),
            *lengths.iter().max().expect("choices"),
        );
        assert!(
            longest * 10 <= shortest * 13,
            "lesson {}: choices from {shortest} to {longest} characters give the answer away",
            lesson.id
        );
    }
}

#[test]
fn the_lessons_of_a_chapter_follow_each_other_in_chapter_order() {
    let chapters: Vec<Chapter> = lessons::all().iter().map(|lesson| lesson.chapter).collect();
    let mut sorted = chapters.clone();
    sorted.sort();
    assert_eq!(chapters, sorted, "a lesson is listed outside its chapter");
    for chapter in Chapter::ALL {
        assert!(
            chapters.contains(&chapter),
            "the chapter {chapter:?} has no lesson"
        );
    }
}

#[test]
fn many_consumers_has_five_lessons_of_both_styles() {
    let ids: Vec<String> = lessons::all()
        .into_iter()
        .filter(|lesson| lesson.chapter == Chapter::ManyConsumers)
        .map(|lesson| lesson.id)
        .collect();
    assert_eq!(
        ids,
        [
            "competing-consumers-reorder",
            "poison-message",
            "commit-before-processing",
            "rebalance-redelivers",
            "auto-commit"
        ]
    );
    for id in [
        "commit-before-processing",
        "rebalance-redelivers",
        "auto-commit",
    ] {
        let lesson = lessons::find(id).expect("lesson");
        assert!(lesson.scenario.kafka.is_some(), "{id} is Kafka style");
    }
    for id in ["competing-consumers-reorder", "poison-message"] {
        let lesson = lessons::find(id).expect("lesson");
        assert!(lesson.scenario.kafka.is_none(), "{id} is RabbitMQ style");
        assert!(lesson.scenario.topology.consumers >= 2, "{id} competes");
    }
}

fn verdict(sim: &Sim, message: u32) -> Verdict {
    sim.ledger()
        .message(MessageId(message))
        .expect("the message is in the ledger")
        .verdict
}

/// The group lessons' cues say where the records are: m3 and m4 in p0, the others in p1,
/// p0 with `consumer` and p1 with `consumer-2` in the first generation.
#[test]
fn the_group_lessons_place_the_records_where_their_cues_say() {
    for id in [
        "commit-before-processing",
        "rebalance-redelivers",
        "auto-commit",
    ] {
        let lesson = lessons::find(id).expect("lesson");
        let kafka = lesson.scenario.kafka.as_ref().expect("Kafka style");
        let partitions: Vec<u16> = (1..=lesson.scenario.messages)
            .map(|message| kafka.partition_of(message))
            .collect();
        assert_eq!(partitions, [1, 1, 0, 0, 1, 1], "lesson {id}");
        let sim = lesson.run_to_end().expect("ends");
        let first_assignment = |node: NodeId| {
            sim.trace().iter().find_map(|event| match event.detail {
                Detail::Group(GroupDetail::Assigned { first, count, .. })
                    if event.node == node && event.kind == EventKind::Rebalance =>
                {
                    Some((first, count))
                }
                _ => None,
            })
        };
        assert_eq!(
            first_assignment(NodeId::CONSUMER),
            Some((0, 1)),
            "lesson {id}"
        );
        assert_eq!(
            first_assignment(NodeId::new(RoleKind::Consumer, 1)),
            Some((1, 1)),
            "lesson {id}"
        );
    }
}

#[test]
fn committing_before_processing_loses_the_record_the_crashed_member_committed() {
    let sim = lessons::find("commit-before-processing")
        .expect("lesson")
        .run_to_end()
        .expect("ends");
    assert_eq!(verdict(&sim, 2), Verdict::Lost);
    for message in [1, 3, 4, 5, 6] {
        assert_eq!(verdict(&sim, message), Verdict::ExactlyOnce, "m{message}");
    }
    // The member left took p1 over and read its last records.
    let applied = sim.applied_by_consumer();
    assert_eq!(applied, [4, 1], "consumer: m3, m4, m5, m6; consumer-2: m1");
}

#[test]
fn a_rebalance_after_a_crash_before_the_commit_processes_the_record_again() {
    let sim = lessons::find("rebalance-redelivers")
        .expect("lesson")
        .run_to_end()
        .expect("ends");
    assert_eq!(verdict(&sim, 2), Verdict::Duplicated(2));
    assert_eq!(sim.summary().redelivered, 1);
    assert_eq!(sim.summary().reordered_per_key, 0);
    // m2 was processed once by each member.
    assert_eq!(sim.applied_by_consumer(), [5, 2]);
}

#[test]
fn a_crashed_competing_consumer_leaves_one_message_twice_and_one_out_of_order() {
    let sim = lessons::find("competing-consumers-reorder")
        .expect("lesson")
        .run_to_end()
        .expect("ends");
    assert_eq!(verdict(&sim, 1), Verdict::Duplicated(2));
    assert_eq!(verdict(&sim, 3), Verdict::Reordered);
    for message in [2, 4, 5, 6] {
        assert_eq!(verdict(&sim, message), Verdict::ExactlyOnce, "m{message}");
    }
    // Both of the crashed consumer's unacked deliveries came back marked redelivered.
    assert_eq!(sim.summary().redelivered, 2);
    assert_eq!(sim.applied_by_consumer(), [1, 6]);
}

#[test]
fn auto_commit_processes_again_everything_since_the_last_auto_commit_and_loses_nothing() {
    let sim = lessons::find("auto-commit")
        .expect("lesson")
        .run_to_end()
        .expect("ends");
    for message in [2, 5, 6] {
        assert_eq!(verdict(&sim, message), Verdict::Duplicated(2), "m{message}");
    }
    for message in [1, 3, 4] {
        assert_eq!(verdict(&sim, message), Verdict::ExactlyOnce, "m{message}");
    }
    assert_eq!(sim.summary().lost, 0);
}

#[test]
fn every_lesson_ends_with_two_to_four_questions_whose_answers_the_run_shows() {
    for lesson in lessons::all() {
        let sim = lesson.run_to_end().expect("the lesson's run ends");
        let summary = sim.summary();
        assert!(
            (2..=4).contains(&lesson.self_checks.len()),
            "lesson {} asks {} questions at its end",
            lesson.id,
            lesson.self_checks.len()
        );
        for (index, check) in lesson.self_checks.iter().enumerate() {
            let name = format!("lesson {} question {}", lesson.id, index + 1);
            assert!(
                (2..=4).contains(&check.choices),
                "{name}: {} answers",
                check.choices
            );
            assert!(
                check.answer < check.choices,
                "{name}: its answer is not one of its answers"
            );
            assert!(
                check.shown_at_step(sim.trace()).is_some(),
                "{name}: the run never reaches the moment that shows its answer ({:?})",
                check.shown_at
            );
            for fact in &check.facts {
                assert!(
                    fact.holds(&summary),
                    "{name}: {fact:?} does not hold: {}",
                    describe(&lesson)
                );
            }
        }
    }
}

#[test]
fn the_right_answers_are_not_all_in_one_place() {
    let answers: Vec<usize> = lessons::all()
        .iter()
        .flat_map(|lesson| lesson.self_checks.iter().map(|check| check.answer))
        .collect();
    for place in 0..4 {
        let there = answers.iter().filter(|answer| **answer == place).count();
        assert!(
            there * 2 <= answers.len(),
            "{there} of {} right answers are answer {}: a learner could guess them",
            answers.len(),
            place + 1
        );
    }
}

#[test]
fn the_answers_of_a_question_at_the_end_are_of_similar_length() {
    for (lang, words) in [("en", english()), ("zh-CN", chinese())] {
        for lesson in lessons::all() {
            for (index, check) in lesson.self_checks.iter().enumerate() {
                let lengths: Vec<usize> = (0..check.choices)
                    .map(|choice| {
                        words[&lesson.check_key(index, &(choice + 1).to_string())]
                            .chars()
                            .count()
                    })
                    .collect();
                let (shortest, longest) = (
                    *lengths.iter().min().expect("answers"),
                    *lengths.iter().max().expect("answers"),
                );
                // Short answers ("m1 and m2") may differ by a few characters; longer ones
                // by half the shortest at most.
                assert!(
                    longest * 2 <= shortest * 3 || longest <= shortest + 12,
                    "{lang}: lesson {} question {}: answers from {shortest} to {longest} characters give the answer away",
                    lesson.id,
                    index + 1
                );
            }
        }
    }
}
