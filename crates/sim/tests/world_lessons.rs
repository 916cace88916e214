//! The lessons of the Transactions view teach what the worlds do: every lesson's run
//! ends, makes its intended answer true and no other, reaches every cue in the order the
//! narration tells them, and has its words, in order, in the catalogue. What each
//! lesson's "try it" tells the learner to expect is what the world does on that change.

use mqlab_sim::fault::{Command, CrashPoint};
use mqlab_sim::ledger::Summary;
use mqlab_sim::outbox::{InboxAck, OutboxSettings, Pattern, RelayMarks};
use mqlab_sim::world_lessons::{self, Reached, When, WorldLesson};
use mqlab_sim::worlds::{Run, Setup};
use mqlab_sim::Isolation;
use mqlab_text::Entry;

fn lesson(id: &str) -> WorldLesson {
    world_lessons::find(id).unwrap_or_else(|| panic!("no lesson {id}"))
}

fn summary_of(setup: &Setup) -> Summary {
    let mut run = Run::build(setup).expect("the setup builds");
    run.run_until_quiet(world_lessons::MAX_WORLD_LESSON_STEPS);
    assert!(run.is_quiet(), "the run ends");
    run.summary()
}

#[test]
fn every_lesson_makes_its_intended_answer_true_and_no_other() {
    for lesson in world_lessons::all() {
        let run = lesson
            .run_to_end()
            .unwrap_or_else(|e| panic!("{}: {e:?}", lesson.id));
        let summary = run.summary();
        let outcome = lesson.question.outcome(&summary);
        let expected: Vec<bool> = (0..outcome.len())
            .map(|i| i == lesson.question.intended_choice)
            .collect();
        assert_eq!(outcome, expected, "{}: {summary:?}", lesson.id);
        assert_eq!(
            lesson.choice_texts.len(),
            lesson.question.choices.len(),
            "{}: one text per answer",
            lesson.id
        );
    }
}

#[test]
fn every_cue_is_reached_in_the_order_it_is_told() {
    for lesson in world_lessons::all() {
        let run = lesson.run_to_end().expect("the run ends");
        let reached: Vec<Reached> = lesson
            .cues
            .iter()
            .enumerate()
            .map(|(i, cue)| {
                cue.reached(&run)
                    .unwrap_or_else(|| panic!("{}: cue {} never reached", lesson.id, i + 1))
            })
            .collect();
        let mut sorted = reached.clone();
        sorted.sort();
        assert_eq!(reached, sorted, "{}: cues out of order", lesson.id);
        assert!(
            matches!(lesson.cues.first().map(|c| c.when), Some(When::Start)),
            "{}: the first cue sets the scene",
            lesson.id
        );
    }
}

#[test]
fn a_cue_is_not_reached_before_its_moment() {
    // Before the first step only the scene-setting cue shows.
    for lesson in world_lessons::all() {
        let run = Run::build(&lesson.setup).expect("the setup builds");
        for cue in &lesson.cues {
            let reached = cue.reached(&run);
            match cue.when {
                When::Start => assert_eq!(reached, Some(Reached::AtStart)),
                _ => assert_eq!(reached, None, "{}", lesson.id),
            }
        }
    }
}

#[test]
fn the_catalogue_holds_every_lesson_s_words_in_order_and_nothing_else() {
    let indices: Vec<usize> = world_lessons::all()
        .iter()
        .flat_map(|lesson| lesson.keys())
        .map(|key| key.index())
        .collect();
    let all: Vec<usize> = (0..indices.len()).collect();
    assert_eq!(indices, all);
    let english = include_str!("../../../static/text/en/world-lessons.txt");
    let entries = english.lines().filter(|line| line.starts_with('@')).count();
    assert_eq!(entries, indices.len());
    let chinese = include_str!("../../../static/text/zh-CN/world-lessons.txt");
    let zh_keys: Vec<&str> = chinese.lines().filter(|l| l.starts_with('@')).collect();
    let en_keys: Vec<&str> = english.lines().filter(|l| l.starts_with('@')).collect();
    assert_eq!(zh_keys, en_keys);
}

#[test]
fn lesson_ids_are_unique() {
    let mut ids: Vec<&str> = world_lessons::all().iter().map(|l| l.id).collect();
    ids.sort_unstable();
    let count = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), count);
}

/// The lesson's Kafka scenario with a change.
fn kafka_changed(id: &str, change: impl Fn(&mut mqlab_sim::Scenario)) -> Setup {
    let Setup::Kafka(mut scenario) = lesson(id).setup else {
        panic!("{id} runs Kafka transactions");
    };
    change(&mut scenario);
    Setup::Kafka(scenario)
}

/// The lesson's dual-write setup with other settings and crash point.
fn dual_changed(id: &str, settings: OutboxSettings, point: CrashPoint) -> Setup {
    let Setup::Dual { scenario, .. } = lesson(id).setup else {
        panic!("{id} runs the dual writes");
    };
    let mut scenario = scenario;
    scenario.faults.clear();
    Setup::Dual {
        scenario: scenario.with_fault(Command::CrashAt {
            point,
            message: Some(2),
            instance: 0,
        }),
        settings,
    }
}

fn read_uncommitted(scenario: &mut mqlab_sim::Scenario) {
    if let Some(kafka) = scenario.kafka_transactions.as_mut() {
        kafka.isolation = Isolation::ReadUncommitted;
    }
}

#[test]
fn commit_markers_try_read_uncommitted_shows_the_aborted_copies() {
    let s = summary_of(&kafka_changed("commit-markers", read_uncommitted));
    assert!(s.aborted_visible >= 2 && s.duplicated >= 2, "{s:?}");
}

#[test]
fn hung_transaction_try_read_uncommitted_waits_for_nothing_and_shows_the_aborted() {
    let s = summary_of(&kafka_changed("hung-transaction", read_uncommitted));
    assert_eq!(s.lso_blocked_ticks, 0, "{s:?}");
    assert!(s.aborted_visible >= 2, "{s:?}");
}

#[test]
fn zombie_try_a_short_pause_without_a_second_instance_commits_t1() {
    let setup = kafka_changed("zombie-fencing", |scenario| {
        if let Some(kafka) = scenario.kafka_transactions.as_mut() {
            kafka.zombie = false;
            kafka.pauses[0].to_tick = 60;
        }
    });
    let s = summary_of(&setup);
    assert_eq!((s.fenced, s.txn_aborted), (0, 0), "{s:?}");
    assert_eq!(s.exactly_once, s.messages, "{s:?}");
}

#[test]
fn exactly_once_edge_try_read_uncommitted_applies_the_aborted_output() {
    let s = summary_of(&kafka_changed("exactly-once-edge", read_uncommitted));
    assert!(s.aborted_visible >= 2 && s.duplicated >= 2, "{s:?}");
}

#[test]
fn dual_write_try_publish_first_leaves_a_ghost() {
    let setup = dual_changed(
        "dual-write-problem",
        OutboxSettings::new(Pattern::PublishFirst),
        CrashPoint::ServiceAfterPublish,
    );
    assert!(summary_of(&setup).event_without_state >= 1);
}

#[test]
fn outbox_try_marking_before_the_confirm_loses_the_event() {
    let settings = OutboxSettings {
        relay_marks: Some(RelayMarks::BeforeConfirm),
        ..OutboxSettings::new(Pattern::Outbox)
    };
    let setup = dual_changed("outbox-twice", settings, CrashPoint::RelayAfterMark);
    assert!(summary_of(&setup).lost >= 1);
}

#[test]
fn inbox_try_acking_before_the_commit_loses_the_event() {
    let settings = OutboxSettings {
        inbox_ack: Some(InboxAck::BeforeCommit),
        ..OutboxSettings::new(Pattern::OutboxInbox)
    };
    let setup = dual_changed("inbox-reach", settings, CrashPoint::ConsumerAfterAck);
    assert!(summary_of(&setup).lost >= 1);
}

/// A catalogue's texts in the order of its entries.
fn texts(catalogue: &str) -> Vec<String> {
    let mut texts: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for line in catalogue.lines() {
        if line.starts_with('@') {
            texts.extend(current.take());
            current = Some(String::new());
        } else if let Some(text) = current.as_mut() {
            if !line.is_empty() && !line.starts_with('#') {
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(line);
            }
        }
    }
    texts.extend(current);
    texts
}

#[test]
fn every_title_asks_and_no_answer_stands_out_by_its_length() {
    // As for the simulator's lessons: a title is a question, and the answers are of
    // similar length, so that none gives itself away.
    for (lang, catalogue, mark) in [
        (
            "en",
            include_str!("../../../static/text/en/world-lessons.txt"),
            '?',
        ),
        (
            "zh-CN",
            include_str!("../../../static/text/zh-CN/world-lessons.txt"),
            '？',
        ),
    ] {
        let texts = texts(catalogue);
        for lesson in world_lessons::all() {
            let title = &texts[lesson.title.index()];
            assert!(title.ends_with(mark), "{lang} {}: {title}", lesson.id);
            let lengths: Vec<usize> = lesson
                .choice_texts
                .iter()
                .map(|key| texts[key.index()].chars().count())
                .collect();
            let (most, least) = (
                *lengths.iter().max().expect("answers"),
                *lengths.iter().min().expect("answers"),
            );
            assert!(
                most * 10 <= least * 13,
                "{lang} {}: answers of {lengths:?} characters",
                lesson.id
            );
        }
    }
}

#[test]
fn every_lesson_ends_with_two_to_four_questions_whose_answers_the_run_shows() {
    for lesson in world_lessons::all() {
        let summary = summary_of(&lesson.setup);
        assert!(
            (2..=4).contains(&lesson.self_checks.len()),
            "lesson {} asks {} questions at its end",
            lesson.id,
            lesson.self_checks.len()
        );
        for (index, check) in lesson.self_checks.iter().enumerate() {
            let name = format!("lesson {} question {}", lesson.id, index + 1);
            assert!(
                (2..=4).contains(&check.answers.len()),
                "{name}: {} answers",
                check.answers.len()
            );
            assert!(
                check.answer < check.answers.len(),
                "{name}: its answer is not one of its answers"
            );
            assert!(
                check.shown_at_step(&lesson.setup).is_some(),
                "{name}: the run never reaches the moment that shows its answer"
            );
            for fact in &check.facts {
                assert!(
                    fact.holds(&summary),
                    "{name}: {fact:?} does not hold: {summary:?}"
                );
            }
        }
    }
}

#[test]
fn the_step_that_shows_an_answer_is_the_first_step_whose_events_show_it() {
    for lesson in world_lessons::all() {
        for check in &lesson.self_checks {
            let Some(step) = check.shown_at_step(&lesson.setup) else {
                continue;
            };
            let When::Event { matches, nth } = check.shown_at else {
                continue;
            };
            let count = |steps: u64| {
                let mut run = Run::build(&lesson.setup).expect("builds");
                for _ in 0..steps {
                    run.step();
                }
                run.events()
                    .into_iter()
                    .filter(|event| matches(*event))
                    .count()
            };
            assert!(
                count(step) >= nth as usize,
                "lesson {}: step {step}",
                lesson.id
            );
            assert!(
                count(step - 1) < nth as usize,
                "lesson {}: step {step}",
                lesson.id
            );
        }
    }
}

#[test]
fn the_questions_at_the_end_have_answers_of_similar_length_in_no_one_place() {
    for (lang, catalogue) in [
        (
            "en",
            include_str!("../../../static/text/en/world-lessons.txt"),
        ),
        (
            "zh-CN",
            include_str!("../../../static/text/zh-CN/world-lessons.txt"),
        ),
    ] {
        let texts = texts(catalogue);
        for lesson in world_lessons::all() {
            for (index, check) in lesson.self_checks.iter().enumerate() {
                let lengths: Vec<usize> = check
                    .answers
                    .iter()
                    .map(|key| texts[key.index()].chars().count())
                    .collect();
                let (most, least) = (
                    *lengths.iter().max().expect("answers"),
                    *lengths.iter().min().expect("answers"),
                );
                assert!(
                    most * 2 <= least * 3 || most <= least + 12,
                    "{lang} {} question {}: answers of {lengths:?} characters",
                    lesson.id,
                    index + 1
                );
            }
        }
    }
    let answers: Vec<usize> = world_lessons::all()
        .iter()
        .flat_map(|lesson| lesson.self_checks.iter().map(|check| check.answer))
        .collect();
    for place in 0..4 {
        let there = answers.iter().filter(|answer| **answer == place).count();
        assert!(
            there * 2 <= answers.len(),
            "{there} of {} right answers are answer {}",
            answers.len(),
            place + 1
        );
    }
}
