//! The built-in guided lessons. Each is written in the lesson file format
//! ([`crate::lesson_file`], `docs/lesson-format.md`), one file per lesson in
//! `crates/sim/lessons/`, without its texts (`"texts": "catalogue"`); [`all`] reads
//! them. What a lesson is, its question and its cues, is in [`crate::lesson`], whose
//! names this module gives too.

pub use crate::lesson::*;
pub use crate::lesson_file::BUILT_IN as FILES;

use crate::scenario::{CommitStrategy, KafkaConfig, Scenario};

/// The lesson with this slug.
pub fn find(id: &str) -> Option<Lesson> {
    all().into_iter().find(|lesson| lesson.id == id)
}
/// Every lesson, in teaching order (see [`FILES`]). The files are read once.
pub fn all() -> Vec<Lesson> {
    static ALL: std::sync::OnceLock<Vec<Lesson>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        FILES
            .iter()
            .filter_map(|(_, text)| crate::lesson_file::parse(text).ok())
            .map(|file| file.lesson)
            .collect()
    })
    .clone()
}

/// `scenario` read by one consumer group of two members from a topic of two partitions
/// with four keys, committing as `commit`; a crashed member stays down longer than the
/// session timeout, so that the group rebalances without it first. The consumer-group
/// challenges are set in it, as the consumer-group lessons' files are.
pub(crate) fn as_group_of_two(mut scenario: Scenario, commit: CommitStrategy) -> Scenario {
    scenario.topology.consumers = 2;
    scenario.kafka = Some(KafkaConfig {
        partitions: 2,
        keys: 4,
        commit,
        ..KafkaConfig::default()
    });
    scenario.timing.restart_after_ticks = Some(GROUP_MEMBER_DOWNTIME_TICKS);
    scenario
}

/// How long a crashed member of the consumer-group world stays down: longer than the
/// session timeout (45 ticks), so that the group rebalances without it first.
const GROUP_MEMBER_DOWNTIME_TICKS: u64 = 120;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Sim;

    #[test]
    fn after_the_last_commit_no_memory_still_reads_as_work_in_progress() {
        for lesson in all() {
            let sim = lesson.run_to_end().expect("ends");
            for node in sim.snapshot().nodes {
                for line in &node.volatile {
                    assert!(
                        !line.starts_with("working on"),
                        "lesson {}: {} still remembers {line:?} at the end",
                        lesson.id,
                        node.label
                    );
                }
            }
        }
    }

    #[test]
    fn every_built_in_file_reads_round_trips_and_is_written_as_it_is_stored() {
        let all = all();
        assert_eq!(all.len(), FILES.len(), "a built-in file does not read");
        for ((slug, text), lesson) in FILES.iter().zip(&all) {
            let file = crate::lesson_file::read(text)
                .unwrap_or_else(|error| panic!("lesson {slug}: {error}"));
            assert_eq!(
                file.lesson.id, *slug,
                "the file of {slug} is named after it"
            );
            assert_eq!(&file.lesson, lesson, "lesson {slug}");
            assert_eq!(
                file.texts, None,
                "lesson {slug} keeps its texts in the catalogue"
            );
            let written = crate::lesson_file::write(&file);
            assert_eq!(
                crate::lesson_file::read(&written),
                Ok(file),
                "lesson {slug}"
            );
            assert_eq!(
                written.trim_end(),
                text.trim_end(),
                "lesson {slug} is stored as written"
            );
        }
    }

    #[test]
    fn a_cue_at_a_step_is_reached_once_the_run_has_taken_that_many_steps() {
        let lesson = find("lost-confirm").expect("lesson");
        let mut sim = Sim::new(&lesson.scenario).expect("valid");
        let at = |step| Cue {
            when: CueTrigger::AtStep(step),
        };
        assert_eq!(at(0).reached(sim.trace(), false), Some(Reached::AtStart));
        assert_eq!(at(1).reached(sim.trace(), false), None);
        for _ in 0..3 {
            assert!(sim.advance());
        }
        // The page numbers steps from 1: step 3 is the third event, trace step 2.
        assert_eq!(at(3).reached(sim.trace(), false), Some(Reached::AtStep(2)));
        assert_eq!(at(1).reached(sim.trace(), false), Some(Reached::AtStep(0)));
        assert_eq!(at(4).reached(sim.trace(), false), None);
        let ended = lesson.run_to_end().expect("ends");
        let last = ended.step_index();
        assert_eq!(
            at(last).reached(ended.trace(), true),
            Some(Reached::AtStep(last - 1))
        );
        assert_eq!(at(last + 1).reached(ended.trace(), true), None);
    }

    #[test]
    fn a_question_at_a_step_is_shown_at_that_step() {
        let ended = find("lost-confirm")
            .expect("lesson")
            .run_to_end()
            .expect("ends");
        let check = |step| SelfCheck {
            choices: 2,
            answer: 0,
            shown_at: CueTrigger::AtStep(step),
            facts: Vec::new(),
        };
        assert_eq!(check(5).shown_at_step(ended.trace()), Some(4));
        assert_eq!(check(0).shown_at_step(ended.trace()), None);
        assert_eq!(check(u64::MAX).shown_at_step(ended.trace()), None);
    }
}
