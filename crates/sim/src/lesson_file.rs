//! Lesson files: a whole lesson in one strict, versioned JSON document
//! (`docs/lesson-format.md`), so that instructors can write lessons and the page can
//! open them.
//!
//! A file holds the lesson's scenario (the object a scenario file holds), its question
//! and the facts that make each answer right, its narration cues, its questions at the
//! end, and its texts in one language. The built-in lessons are written in the same
//! format without texts (`"texts": "catalogue"`): their words stay in the lessons'
//! catalogues, keyed by slug, for translators.
//!
//! - [`read`] reads a file and checks it as strictly as a scenario file is checked, then
//!   runs the lesson: its run must end within [`MAX_LESSON_STEPS`], every cue must be
//!   reached, every question's moment reached and its facts true. Every refusal is a
//!   [`LessonFileError`] that says in one sentence what is wrong; nothing panics.
//! - [`write`] writes a file as pretty JSON, in the documented order of fields;
//!   `read(&write(&file))` gives `file` back.
//! - [`to_link`] and [`read_link`] carry a lesson in a URL fragment:
//!   `lesson1.<base64url of the minified JSON>~<CRC-32>`.
//! - [`LessonFile::catalogue`] gives a lesson's own texts under the keys the lessons'
//!   catalogue uses, so that the page plays a lesson of a file as it plays a built-in one.

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use mqlab_text::errors::Key;
use mqlab_text::{Catalogue, Lang, Words};

use crate::lesson::{
    Chapter, Check, Choice, Cue, CueTrigger, Lesson, Question, SelfCheck, MAX_LESSON_STEPS,
};
use crate::mode::Mode;
use crate::node::NodeId;
use crate::scenario::Scenario;
use crate::share::{crc32, read_scenario, scenario_out, FileError, ScenarioOut, SharedRun};
use crate::trace::{Detail, EventKind};

/// The value of the `format` field.
pub const LESSON_FORMAT: &str = "mqlab-lesson";
/// The lesson format version this build writes and the newest it reads.
pub const LESSON_VERSION: u32 = 1;
/// The largest lesson file accepted, in bytes (256 KiB).
pub const MAX_LESSON_FILE_BYTES: u32 = 256 * 1024;
/// The most characters of one text (a title, a cue, an answer…).
pub const MAX_TEXT_CHARS: u32 = 2_000;
/// The most characters of a lesson's slug.
pub const MAX_SLUG_CHARS: u32 = 64;
/// The fewest and the most choices of the question asked before the run.
pub const CHOICES: std::ops::RangeInclusive<usize> = 2..=4;
/// The most facts a choice or a question at the end names.
pub const MAX_FACTS: u32 = 8;
/// The most narration cues.
pub const MAX_CUES: u32 = 40;
/// The most questions at the end.
pub const MAX_CHECKS: u32 = 4;
/// The fewest and the most answers of a question at the end.
pub const ANSWERS: std::ops::RangeInclusive<usize> = 2..=4;
/// The start of a lesson link's fragment, with its version.
pub const LESSON_LINK_PREFIX: &str = "lesson1.";
/// The lesson link format version this build writes and the newest it reads.
pub const LESSON_LINK_VERSION: u32 = 1;
/// The longest lesson link accepted, in characters: room for the largest lesson file.
pub const MAX_LESSON_LINK_CHARS: u32 = 360_000;

/// A lesson as a file holds it: the lesson, and its texts when it carries them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonFile {
    /// The lesson's structure: slug, chapter, scenario, question, cues, questions at
    /// the end.
    pub lesson: Lesson,
    /// The texts, for a lesson that carries them; `None` for a lesson whose texts are
    /// in the lessons' catalogue (the built-in ones, `"texts": "catalogue"`).
    pub texts: Option<LessonTexts>,
}

/// The words of a lesson that carries them, in one language. Each list has one text per
/// item of the lesson: a choice per choice of the question, a cue per cue, a question's
/// texts per question at the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonTexts {
    /// The language they are written in.
    pub lang: Lang,
    /// The title: a question, ending with '?'.
    pub title: String,
    /// What the learner reads before the run.
    pub intro: String,
    /// What the learner reads after the run.
    pub summary: String,
    /// The question asked before the run.
    pub question: String,
    /// The answers to it, in order.
    pub choices: Vec<String>,
    /// The narration cues, in order.
    pub cues: Vec<String>,
    /// The questions at the end, in order.
    pub checks: Vec<CheckTexts>,
}

/// The words of one question at the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckTexts {
    /// The question.
    pub question: String,
    /// Its answers, in order.
    pub answers: Vec<String>,
    /// Why the right answer is right, shown once answered.
    pub why: String,
}

impl LessonTexts {
    /// The texts under the keys the lessons' catalogue uses for `lesson`
    /// ([`Lesson::text_keys`]), in the catalogue's order.
    pub fn entries(&self, lesson: &Lesson) -> Vec<(String, String)> {
        let mut entries = vec![
            (lesson.title_key(), self.title.clone()),
            (lesson.text_key("intro"), self.intro.clone()),
            (lesson.question_key(), self.question.clone()),
        ];
        for (index, text) in self.choices.iter().enumerate() {
            entries.push((lesson.choice_key(index), text.clone()));
        }
        for (index, text) in self.cues.iter().enumerate() {
            entries.push((lesson.cue_key(index), text.clone()));
        }
        entries.push((lesson.text_key("summary"), self.summary.clone()));
        for (index, check) in self.checks.iter().enumerate() {
            entries.push((lesson.check_key(index, "question"), check.question.clone()));
            for (answer, text) in check.answers.iter().enumerate() {
                entries.push((
                    lesson.check_key(index, &(answer + 1).to_string()),
                    text.clone(),
                ));
            }
            entries.push((lesson.check_key(index, "why"), check.why.clone()));
        }
        entries
    }
}

impl LessonFile {
    /// The lesson's own texts as a catalogue keyed as the lessons' catalogue is, for the
    /// page to play the lesson as it plays a built-in one; `None` when the texts are in
    /// the lessons' catalogue.
    pub fn catalogue(&self) -> Option<Catalogue> {
        self.texts
            .as_ref()
            .map(|texts| Catalogue::from_entries(texts.entries(&self.lesson)))
    }

    /// The language of the lesson's own texts, if it carries them.
    pub fn lang(&self) -> Option<Lang> {
        self.texts.as_ref().map(|texts| texts.lang)
    }
}

/// The chapter a lesson file that names none belongs to, from its scenario: two-phase
/// commit for transactional mode, the replicated queue for several brokers, many
/// consumers for several consumers or consumer groups, else one queue.
pub fn default_chapter(scenario: &Scenario) -> Chapter {
    if scenario.mode == Mode::Transactional {
        Chapter::TwoPhaseCommit
    } else if scenario.topology.brokers > 1 {
        Chapter::ReplicatedQueue
    } else if scenario.topology.consumers > 1 || scenario.kafka.is_some() {
        Chapter::ManyConsumers
    } else {
        Chapter::OneQueue
    }
}

// ---------------------------------------------------------------------------------
// Facts

/// Why a fact's text was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FactError {
    /// Not a fact as lesson files write them.
    Unknown,
    /// A fact of the Transactions view's worlds, which this build does not carry.
    NotInBuild,
}

/// The facts of the Transactions view's worlds, by name: a build without them refuses
/// them by name rather than as unknown.
const WORLD_FACTS: [&str; 8] = [
    "aborted_visible",
    "none_aborted_visible",
    "fenced",
    "lso_blocked_ticks",
    "state_without_event",
    "broker_duplicates",
    "external_duplicated",
    "none_external_duplicated",
];

/// A fact as lesson files write it: `lost>=1`, `none_duplicated`, `blocked_ticks<150`…
pub fn fact_text(check: Check) -> String {
    let (name, op, number): (&str, &str, Option<u64>) = match check {
        Check::LostAtLeast(n) => ("lost", ">=", Some(n.into())),
        Check::NoneLost => ("none_lost", "", None),
        Check::DuplicatedAtLeast(n) => ("duplicated", ">=", Some(n.into())),
        Check::NoneDuplicated => ("none_duplicated", "", None),
        Check::DuplicatedAtMost(n) => ("duplicated", "<=", Some(n.into())),
        Check::AllExactlyOnce => ("all_exactly_once", "", None),
        Check::BlockedTicksAtLeast(n) => ("blocked_ticks", ">=", Some(n)),
        Check::BlockedTicksBelow(n) => ("blocked_ticks", "<", Some(n)),
        Check::SomeInDoubt => ("some_in_doubt", "", None),
        Check::InvariantViolated => ("invariant_violated", "", None),
        Check::DeadLetteredAtLeast(n) => ("dead_lettered", ">=", Some(n.into())),
        Check::DroppedAtLeast(n) => ("dropped", ">=", Some(n.into())),
        Check::AckedLostAtLeast(n) => ("acked_lost", ">=", Some(n.into())),
        Check::NoneAckedLost => ("none_acked_lost", "", None),
        Check::RefusedAtLeast(n) => ("refused", ">=", Some(n.into())),
        Check::NoneRefused => ("none_refused", "", None),
        Check::UnavailableTicksAtLeast(n) => ("unavailable_ticks", ">=", Some(n)),
        Check::UnavailableTicksBelow(n) => ("unavailable_ticks", "<", Some(n)),
        Check::ReorderedAtLeast(n) => ("reordered", ">=", Some(n.into())),
        Check::NoneReordered => ("none_reordered", "", None),
        Check::RedeliveredAtLeast(n) => ("redelivered", ">=", Some(n.into())),
        #[cfg(feature = "kafka-txn")]
        Check::AbortedVisibleAtLeast(n) => ("aborted_visible", ">=", Some(n.into())),
        #[cfg(feature = "kafka-txn")]
        Check::NoneAbortedVisible => ("none_aborted_visible", "", None),
        #[cfg(feature = "kafka-txn")]
        Check::FencedAtLeast(n) => ("fenced", ">=", Some(n.into())),
        #[cfg(feature = "kafka-txn")]
        Check::LsoBlockedTicksAtLeast(n) => ("lso_blocked_ticks", ">=", Some(n)),
        #[cfg(feature = "kafka-txn")]
        Check::LsoBlockedTicksBelow(n) => ("lso_blocked_ticks", "<", Some(n)),
        #[cfg(feature = "outbox")]
        Check::StateWithoutEventAtLeast(n) => ("state_without_event", ">=", Some(n.into())),
        #[cfg(feature = "outbox")]
        Check::BrokerDuplicatesAtLeast(n) => ("broker_duplicates", ">=", Some(n.into())),
        #[cfg(any(feature = "kafka-txn", feature = "outbox"))]
        Check::ExternalDuplicatedAtLeast(n) => ("external_duplicated", ">=", Some(n.into())),
        #[cfg(any(feature = "kafka-txn", feature = "outbox"))]
        Check::NoneExternalDuplicated => ("none_external_duplicated", "", None),
    };
    match number {
        Some(number) => format!("{name}{op}{number}"),
        None => name.to_string(),
    }
}

/// Reads a fact as [`fact_text`] writes it. The number is written in decimal digits,
/// with no sign and no spaces.
pub fn parse_fact(text: &str) -> std::result::Result<Check, FactError> {
    let (name, op, digits) = match text.find(['<', '>', '=']) {
        Some(at) => {
            let (name, rest) = text.split_at(at);
            let op_len = if rest.starts_with(">=") || rest.starts_with("<=") {
                2
            } else {
                1
            };
            let (op, digits) = rest.split_at(op_len);
            (name, op, digits)
        }
        None => (text, "", ""),
    };
    let world = || {
        if WORLD_FACTS.contains(&name) {
            FactError::NotInBuild
        } else {
            FactError::Unknown
        }
    };
    if op.is_empty() {
        return match name {
            "none_lost" => Ok(Check::NoneLost),
            "none_duplicated" => Ok(Check::NoneDuplicated),
            "all_exactly_once" => Ok(Check::AllExactlyOnce),
            "some_in_doubt" => Ok(Check::SomeInDoubt),
            "invariant_violated" => Ok(Check::InvariantViolated),
            "none_acked_lost" => Ok(Check::NoneAckedLost),
            "none_refused" => Ok(Check::NoneRefused),
            "none_reordered" => Ok(Check::NoneReordered),
            #[cfg(feature = "kafka-txn")]
            "none_aborted_visible" => Ok(Check::NoneAbortedVisible),
            #[cfg(any(feature = "kafka-txn", feature = "outbox"))]
            "none_external_duplicated" => Ok(Check::NoneExternalDuplicated),
            _ => Err(world()),
        };
    }
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FactError::Unknown);
    }
    let wide = digits.parse::<u64>().map_err(|_| FactError::Unknown);
    let narrow = || digits.parse::<u32>().map_err(|_| FactError::Unknown);
    match (name, op) {
        ("lost", ">=") => Ok(Check::LostAtLeast(narrow()?)),
        ("duplicated", ">=") => Ok(Check::DuplicatedAtLeast(narrow()?)),
        ("duplicated", "<=") => Ok(Check::DuplicatedAtMost(narrow()?)),
        ("blocked_ticks", ">=") => Ok(Check::BlockedTicksAtLeast(wide?)),
        ("blocked_ticks", "<") => Ok(Check::BlockedTicksBelow(wide?)),
        ("dead_lettered", ">=") => Ok(Check::DeadLetteredAtLeast(narrow()?)),
        ("dropped", ">=") => Ok(Check::DroppedAtLeast(narrow()?)),
        ("acked_lost", ">=") => Ok(Check::AckedLostAtLeast(narrow()?)),
        ("refused", ">=") => Ok(Check::RefusedAtLeast(narrow()?)),
        ("unavailable_ticks", ">=") => Ok(Check::UnavailableTicksAtLeast(wide?)),
        ("unavailable_ticks", "<") => Ok(Check::UnavailableTicksBelow(wide?)),
        ("reordered", ">=") => Ok(Check::ReorderedAtLeast(narrow()?)),
        ("redelivered", ">=") => Ok(Check::RedeliveredAtLeast(narrow()?)),
        #[cfg(feature = "kafka-txn")]
        ("aborted_visible", ">=") => Ok(Check::AbortedVisibleAtLeast(narrow()?)),
        #[cfg(feature = "kafka-txn")]
        ("fenced", ">=") => Ok(Check::FencedAtLeast(narrow()?)),
        #[cfg(feature = "kafka-txn")]
        ("lso_blocked_ticks", ">=") => Ok(Check::LsoBlockedTicksAtLeast(wide?)),
        #[cfg(feature = "kafka-txn")]
        ("lso_blocked_ticks", "<") => Ok(Check::LsoBlockedTicksBelow(wide?)),
        #[cfg(feature = "outbox")]
        ("state_without_event", ">=") => Ok(Check::StateWithoutEventAtLeast(narrow()?)),
        #[cfg(feature = "outbox")]
        ("broker_duplicates", ">=") => Ok(Check::BrokerDuplicatesAtLeast(narrow()?)),
        #[cfg(any(feature = "kafka-txn", feature = "outbox"))]
        ("external_duplicated", ">=") => Ok(Check::ExternalDuplicatedAtLeast(narrow()?)),
        _ => Err(world()),
    }
}

// ---------------------------------------------------------------------------------
// Errors

/// What a field should have held, in a [`LessonFileError::BadValue`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// A JSON string.
    Text,
    /// A whole number.
    WholeNumber,
    /// The format's version.
    Version,
    /// A JSON object.
    Object,
    /// A JSON array.
    List,
    /// A slug.
    Slug,
    /// A language tag.
    Lang,
    /// A chapter's name.
    Chapter,
    /// Where the texts are.
    Texts,
    /// A moment of the run.
    Moment,
    /// A step from 1.
    Step,
    /// A message number from 1.
    Message,
    /// An event kind.
    EventKind,
    /// An event detail.
    Detail,
    /// A node.
    Node,
    /// A fact.
    Fact,
    /// The number of answers a catalogue lesson's question has.
    AnswerCount,
}

impl Expected {
    fn key(self) -> Key {
        match self {
            Expected::Text => Key::LessonFileExpectText,
            Expected::WholeNumber => Key::LessonFileExpectWholeNumber,
            Expected::Version => Key::LessonFileExpectVersion,
            Expected::Object => Key::LessonFileExpectObject,
            Expected::List => Key::LessonFileExpectList,
            Expected::Slug => Key::LessonFileExpectSlug,
            Expected::Lang => Key::LessonFileExpectLang,
            Expected::Chapter => Key::LessonFileExpectChapter,
            Expected::Texts => Key::LessonFileExpectTexts,
            Expected::Moment => Key::LessonFileExpectMoment,
            Expected::Step => Key::LessonFileExpectStep,
            Expected::Message => Key::LessonFileExpectMessage,
            Expected::EventKind => Key::LessonFileExpectEventKind,
            Expected::Detail => Key::LessonFileExpectDetail,
            Expected::Node => Key::LessonFileExpectNode,
            Expected::Fact => Key::LessonFileExpectFact,
            Expected::AnswerCount => Key::LessonFileExpectAnswerCount,
        }
    }
}

/// Why a lesson file or a lesson link was refused. Field paths count list items from 0
/// (`cues[2].at`); choices and answers are numbered from 1, as files write them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LessonFileError {
    /// Larger than [`MAX_LESSON_FILE_BYTES`].
    TooLarge {
        /// Its size in bytes (saturated).
        bytes: u32,
    },
    /// Not JSON.
    Syntax {
        /// Line, from 1.
        line: u32,
        /// Column, from 1.
        column: u32,
        /// The parser's explanation.
        message: String,
    },
    /// JSON, but no `"format": "mqlab-lesson"`.
    NotALessonFile,
    /// A lesson file of a newer format.
    FutureVersion {
        /// The version it says.
        version: u64,
    },
    /// A required field is missing.
    Missing {
        /// The field's path.
        path: String,
    },
    /// A field the format does not have (or not here).
    Unknown {
        /// The field's path.
        path: String,
    },
    /// A field's value has the wrong type or form.
    BadValue {
        /// The field's path.
        path: String,
        /// What it should hold.
        expected: Expected,
        /// A short rendering of what it holds.
        found: String,
    },
    /// A text is empty or blank.
    EmptyText {
        /// The field's path.
        path: String,
    },
    /// A text is longer than [`MAX_TEXT_CHARS`].
    TextTooLong {
        /// The field's path.
        path: String,
        /// Its length in characters.
        chars: u32,
    },
    /// A text in a lesson whose texts are in the catalogue.
    TextNotHere {
        /// The field's path.
        path: String,
    },
    /// `"texts": "catalogue"` for a slug the lessons' catalogue does not have.
    NotInCatalogue {
        /// The slug.
        id: String,
    },
    /// The question offers fewer than 2 or more than 4 choices.
    Choices {
        /// How many.
        count: u32,
    },
    /// A choice names no fact.
    NoFacts {
        /// The field's path.
        path: String,
    },
    /// More than [`MAX_FACTS`] facts.
    TooManyFacts {
        /// The field's path.
        path: String,
        /// How many.
        count: u32,
    },
    /// Not a fact as files write them.
    UnknownFact {
        /// The field's path.
        path: String,
        /// The text.
        fact: String,
    },
    /// A fact of the Transactions view's worlds, which this build does not carry.
    FactNotInBuild {
        /// The field's path.
        path: String,
        /// The text.
        fact: String,
    },
    /// More than [`MAX_CUES`] cues.
    TooManyCues {
        /// How many.
        count: u32,
    },
    /// More than [`MAX_CHECKS`] questions at the end.
    TooManyChecks {
        /// How many.
        count: u32,
    },
    /// A question at the end offers fewer than 2 or more than 4 answers.
    Answers {
        /// The field's path.
        path: String,
        /// How many.
        count: u32,
    },
    /// A choice or an answer number outside 1..=count.
    OutOfRange {
        /// The field's path.
        path: String,
        /// The number written.
        number: u64,
        /// How many there are.
        count: u32,
    },
    /// A question at the end points at the start or the end of the run.
    CheckAtStartOrEnd {
        /// The field's path.
        path: String,
    },
    /// The scenario's fields are malformed, or the scenario is invalid.
    Scenario(FileError),
    /// The lesson's run was still going after [`MAX_LESSON_STEPS`] steps.
    NeverEnds,
    /// A cue the lesson's run never reaches.
    CueNeverReached {
        /// The cue, from 0.
        index: u32,
    },
    /// A question at the end whose moment the run never reaches.
    CheckNeverShown {
        /// The question, from 0.
        index: u32,
    },
    /// A fact a question at the end relies on that is false at the end of the run.
    FactDoesNotHold {
        /// The question, from 0.
        index: u32,
        /// The fact, as written.
        fact: String,
    },
    /// A link that is not a lesson link.
    NotALessonLink,
    /// A lesson link of a newer format.
    LinkFutureVersion {
        /// The version it says.
        version: u32,
    },
    /// A link longer than [`MAX_LESSON_LINK_CHARS`].
    LinkTooLong {
        /// Its length.
        chars: u32,
    },
    /// A link without its checksum.
    LinkCutShort,
    /// A link whose checksum does not match.
    LinkTampered,
    /// A link whose content is not base64url of UTF-8 text.
    LinkEncoding,
}

impl LessonFileError {
    /// Why the file or link is refused, in `words`: one sentence.
    pub fn describe_in(&self, words: &Words) -> String {
        match self {
            LessonFileError::TooLarge { bytes } => words.fill(
                Key::LessonFileTooLarge,
                &[
                    ("bytes", (*bytes).into()),
                    ("most", MAX_LESSON_FILE_BYTES.into()),
                ],
            ),
            LessonFileError::Syntax {
                line,
                column,
                message,
            } => words.fill(
                Key::LessonFileSyntax,
                &[
                    ("message", message.into()),
                    ("line", (*line).into()),
                    ("column", (*column).into()),
                ],
            ),
            LessonFileError::NotALessonFile => words.fill(Key::LessonFileNotALesson, &[]),
            LessonFileError::FutureVersion { version } => words.fill(
                Key::LessonFileFutureVersion,
                &[
                    ("version", (*version).into()),
                    ("newest", LESSON_VERSION.into()),
                ],
            ),
            LessonFileError::Missing { path } => {
                words.fill(Key::LessonFileMissing, &[("path", path.into())])
            }
            LessonFileError::Unknown { path } => {
                words.fill(Key::LessonFileUnknown, &[("path", path.into())])
            }
            LessonFileError::BadValue {
                path,
                expected,
                found,
            } => {
                let expected = match expected {
                    Expected::Slug => {
                        words.fill(expected.key(), &[("most", MAX_SLUG_CHARS.into())])
                    }
                    _ => words.fill(expected.key(), &[]),
                };
                words.fill(
                    Key::LessonFileBadValue,
                    &[
                        ("path", path.into()),
                        ("expected", expected.into()),
                        ("found", found.into()),
                    ],
                )
            }
            LessonFileError::EmptyText { path } => {
                words.fill(Key::LessonFileEmptyText, &[("path", path.into())])
            }
            LessonFileError::TextTooLong { path, chars } => words.fill(
                Key::LessonFileTextTooLong,
                &[
                    ("path", path.into()),
                    ("chars", (*chars).into()),
                    ("most", MAX_TEXT_CHARS.into()),
                ],
            ),
            LessonFileError::TextNotHere { path } => {
                words.fill(Key::LessonFileTextNotHere, &[("path", path.into())])
            }
            LessonFileError::NotInCatalogue { id } => {
                words.fill(Key::LessonFileNotInCatalogue, &[("id", id.into())])
            }
            LessonFileError::Choices { count } => {
                words.fill(Key::LessonFileChoices, &[("count", (*count).into())])
            }
            LessonFileError::NoFacts { path } => {
                words.fill(Key::LessonFileNoFacts, &[("path", path.into())])
            }
            LessonFileError::TooManyFacts { path, count } => words.fill(
                Key::LessonFileFacts,
                &[
                    ("path", path.into()),
                    ("most", MAX_FACTS.into()),
                    ("count", (*count).into()),
                ],
            ),
            LessonFileError::UnknownFact { path, fact } => words.fill(
                Key::LessonFileUnknownFact,
                &[("path", path.into()), ("fact", fact.into())],
            ),
            LessonFileError::FactNotInBuild { path, fact } => words.fill(
                Key::LessonFileFactNotInBuild,
                &[("path", path.into()), ("fact", fact.into())],
            ),
            LessonFileError::TooManyCues { count } => words.fill(
                Key::LessonFileCues,
                &[("most", MAX_CUES.into()), ("count", (*count).into())],
            ),
            LessonFileError::TooManyChecks { count } => words.fill(
                Key::LessonFileChecks,
                &[("most", MAX_CHECKS.into()), ("count", (*count).into())],
            ),
            LessonFileError::Answers { path, count } => words.fill(
                Key::LessonFileAnswers,
                &[("path", path.into()), ("count", (*count).into())],
            ),
            LessonFileError::OutOfRange {
                path,
                number,
                count,
            } => words.fill(
                Key::LessonFileOutOfRange,
                &[
                    ("path", path.into()),
                    ("number", (*number).into()),
                    ("count", (*count).into()),
                ],
            ),
            LessonFileError::CheckAtStartOrEnd { path } => {
                words.fill(Key::LessonFileCheckAtStartOrEnd, &[("path", path.into())])
            }
            LessonFileError::Scenario(FileError::Invalid(error)) => words.fill(
                Key::LessonScenario,
                &[("error", error.describe_in(words).into())],
            ),
            LessonFileError::Scenario(error) => error.describe_in(words),
            LessonFileError::NeverEnds => words.fill(
                Key::LessonFileNeverEnds,
                &[("most", MAX_LESSON_STEPS.into())],
            ),
            LessonFileError::CueNeverReached { index } => words.fill(
                Key::LessonFileCueNeverReached,
                &[("index", (*index).into())],
            ),
            LessonFileError::CheckNeverShown { index } => words.fill(
                Key::LessonFileCheckNeverShown,
                &[("index", (*index).into())],
            ),
            LessonFileError::FactDoesNotHold { index, fact } => words.fill(
                Key::LessonFileFactDoesNotHold,
                &[("index", (*index).into()), ("fact", fact.into())],
            ),
            LessonFileError::NotALessonLink => words.fill(Key::LessonLinkNotALessonLink, &[]),
            LessonFileError::LinkFutureVersion { version } => words.fill(
                Key::LessonLinkFutureVersion,
                &[
                    ("version", (*version).into()),
                    ("newest", LESSON_LINK_VERSION.into()),
                ],
            ),
            LessonFileError::LinkTooLong { chars } => words.fill(
                Key::LessonLinkTooLong,
                &[
                    ("chars", (*chars).into()),
                    ("most", MAX_LESSON_LINK_CHARS.into()),
                ],
            ),
            LessonFileError::LinkCutShort => words.fill(Key::LessonLinkCutShort, &[]),
            LessonFileError::LinkTampered => words.fill(Key::LessonLinkTampered, &[]),
            LessonFileError::LinkEncoding => words.fill(Key::LessonLinkEncoding, &[]),
        }
    }
}

impl fmt::Display for LessonFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe_in(crate::sentences::english()))
    }
}

impl std::error::Error for LessonFileError {}

type Result<T> = std::result::Result<T, LessonFileError>;

fn count_u32(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// The built-in lessons' files (`crates/sim/lessons/<slug>.json`, in the lesson file
/// format, [`crate::lesson_file`], with their texts in the lessons' catalogue), by slug,
/// in teaching order: the queue's failures first, then their cures, then many
/// consumers, then the replicated queue, then two-phase commit.
pub const BUILT_IN: [(&str, &str); 20] = [
    (
        "fire-and-forget",
        include_str!("../lessons/fire-and-forget.json"),
    ),
    ("lost-confirm", include_str!("../lessons/lost-confirm.json")),
    (
        "consumer-crash-before-ack",
        include_str!("../lessons/consumer-crash-before-ack.json"),
    ),
    (
        "ack-before-apply",
        include_str!("../lessons/ack-before-apply.json"),
    ),
    (
        "idempotent-producer",
        include_str!("../lessons/idempotent-producer.json"),
    ),
    (
        "idempotent-consumer",
        include_str!("../lessons/idempotent-consumer.json"),
    ),
    (
        "competing-consumers-reorder",
        include_str!("../lessons/competing-consumers-reorder.json"),
    ),
    (
        "poison-message",
        include_str!("../lessons/poison-message.json"),
    ),
    (
        "commit-before-processing",
        include_str!("../lessons/commit-before-processing.json"),
    ),
    (
        "rebalance-redelivers",
        include_str!("../lessons/rebalance-redelivers.json"),
    ),
    ("auto-commit", include_str!("../lessons/auto-commit.json")),
    (
        "acks-1-failover",
        include_str!("../lessons/acks-1-failover.json"),
    ),
    (
        "acks-all-min-isr",
        include_str!("../lessons/acks-all-min-isr.json"),
    ),
    (
        "unclean-election",
        include_str!("../lessons/unclean-election.json"),
    ),
    (
        "leader-epochs",
        include_str!("../lessons/leader-epochs.json"),
    ),
    (
        "2pc-happy-path",
        include_str!("../lessons/2pc-happy-path.json"),
    ),
    ("2pc-vote-no", include_str!("../lessons/2pc-vote-no.json")),
    ("2pc-blocking", include_str!("../lessons/2pc-blocking.json")),
    ("2pc-recovery", include_str!("../lessons/2pc-recovery.json")),
    (
        "2pc-presumed-abort",
        include_str!("../lessons/2pc-presumed-abort.json"),
    ),
];

// ---------------------------------------------------------------------------------
// Reading

/// Reads a lesson file, checks every field, and runs the lesson: its run must end
/// within [`MAX_LESSON_STEPS`] steps, reach every cue and every question's moment, and
/// make every question's facts true.
pub fn read(text: &str) -> Result<LessonFile> {
    let file = parse(text)?;
    if file.texts.is_none() && !BUILT_IN.iter().any(|(slug, _)| *slug == file.lesson.id) {
        return Err(LessonFileError::NotInCatalogue {
            id: file.lesson.id.clone(),
        });
    }
    check_run(&file.lesson)?;
    Ok(file)
}

/// Reads a lesson file and checks every field, without running the lesson (the
/// built-in lessons, whose runs the tests check).
pub(crate) fn parse(text: &str) -> Result<LessonFile> {
    if text.len() > MAX_LESSON_FILE_BYTES as usize {
        return Err(LessonFileError::TooLarge {
            bytes: count_u32(text.len()),
        });
    }
    let value: Value = serde_json::from_str(text).map_err(|error| LessonFileError::Syntax {
        line: count_u32(error.line()),
        column: count_u32(error.column()),
        message: syntax_message(&error),
    })?;
    read_value(&value)
}

/// Runs the lesson and checks what its file promises of the run.
fn check_run(lesson: &Lesson) -> Result<()> {
    let sim = lesson.run_to_end().map_err(|error| match error {
        crate::lesson::LessonRunError::Scenario(error) => LessonFileError::Scenario(
            FileError::Invalid(crate::share::RebuildError::Scenario(error)),
        ),
        crate::lesson::LessonRunError::NeverEnds { .. } => LessonFileError::NeverEnds,
    })?;
    for (index, cue) in lesson.cues.iter().enumerate() {
        if cue.reached(sim.trace(), sim.is_quiet()).is_none() {
            return Err(LessonFileError::CueNeverReached {
                index: count_u32(index),
            });
        }
    }
    let summary = sim.summary();
    for (index, check) in lesson.self_checks.iter().enumerate() {
        if check.shown_at_step(sim.trace()).is_none() {
            return Err(LessonFileError::CheckNeverShown {
                index: count_u32(index),
            });
        }
        if let Some(fact) = check.facts.iter().find(|fact| !fact.holds(&summary)) {
            return Err(LessonFileError::FactDoesNotHold {
                index: count_u32(index),
                fact: fact_text(*fact),
            });
        }
    }
    Ok(())
}

fn syntax_message(error: &serde_json::Error) -> String {
    // serde_json appends " at line L column C"; the position is reported separately.
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// A short rendering of a JSON value for messages: its JSON, cut at 40 characters.
fn found(value: &Value) -> String {
    match value {
        Value::Array(_) => "[…]".to_string(),
        Value::Object(_) => "{…}".to_string(),
        _ => {
            let text = value.to_string();
            if text.chars().count() > 40 {
                let short: String = text.chars().take(40).collect();
                format!("{short}…")
            } else {
                text
            }
        }
    }
}

/// Written text as a message quotes it: at most 40 characters, control characters
/// escaped, so that the message stays one line.
fn shown(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(40)
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect();
    if text.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

fn bad(path: &str, expected: Expected, value: &Value) -> LessonFileError {
    LessonFileError::BadValue {
        path: path.to_string(),
        expected,
        found: found(value),
    }
}

/// An object being read: refuses keys outside `allowed`, then hands out fields.
struct Fields<'a> {
    path: String,
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn new(path: &str, value: &'a Value, allowed: &[&str]) -> Result<Fields<'a>> {
        let map = value
            .as_object()
            .ok_or_else(|| bad(path, Expected::Object, value))?;
        if let Some(key) = map.keys().find(|key| !allowed.contains(&key.as_str())) {
            return Err(LessonFileError::Unknown {
                path: join(path, &shown(key)),
            });
        }
        Ok(Fields {
            path: path.to_string(),
            map,
        })
    }

    fn path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    fn optional(&self, key: &str) -> Option<(&'a Value, String)> {
        self.map.get(key).map(|value| (value, self.path(key)))
    }

    fn required(&self, key: &str) -> Result<(&'a Value, String)> {
        self.optional(key).ok_or_else(|| LessonFileError::Missing {
            path: self.path(key),
        })
    }

    /// A text field: required when the lesson carries its texts, refused when they are
    /// in the catalogue.
    fn text(&self, key: &str, inline: bool) -> Result<Option<String>> {
        match (self.optional(key), inline) {
            (Some((value, path)), true) => read_text(value, &path).map(Some),
            (None, true) => Err(LessonFileError::Missing {
                path: self.path(key),
            }),
            (Some((_, path)), false) => Err(LessonFileError::TextNotHere { path }),
            (None, false) => Ok(None),
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn read_text(value: &Value, path: &str) -> Result<String> {
    let text = value
        .as_str()
        .ok_or_else(|| bad(path, Expected::Text, value))?;
    if text.trim().is_empty() {
        return Err(LessonFileError::EmptyText {
            path: path.to_string(),
        });
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS as usize {
        return Err(LessonFileError::TextTooLong {
            path: path.to_string(),
            chars: count_u32(chars),
        });
    }
    Ok(text.to_string())
}

fn read_list<'a>(value: &'a Value, path: &str) -> Result<&'a [Value]> {
    value
        .as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| bad(path, Expected::List, value))
}

fn read_u64(value: &Value, path: &str) -> Result<u64> {
    value
        .as_u64()
        .ok_or_else(|| bad(path, Expected::WholeNumber, value))
}

/// A number from 1 to `count`, as files number choices and answers.
fn read_number(value: &Value, path: &str, count: usize) -> Result<usize> {
    let number = read_u64(value, path)?;
    match usize::try_from(number) {
        Ok(index @ 1..) if index <= count => Ok(index - 1),
        _ => Err(LessonFileError::OutOfRange {
            path: path.to_string(),
            number,
            count: count_u32(count),
        }),
    }
}

const TOP_FIELDS: [&str; 15] = [
    "format", "version", "id", "texts", "lang", "chapter", "title", "intro", "summary", "scenario",
    "question", "cues", "checks", "$comment", "$schema",
];
const QUESTION_FIELDS: [&str; 3] = ["text", "choices", "intended"];
const CHOICE_FIELDS: [&str; 2] = ["text", "holds_when"];
const CUE_FIELDS: [&str; 2] = ["at", "text"];
const CHECK_FIELDS: [&str; 6] = ["question", "answers", "answer", "why", "at", "facts"];

fn read_value(value: &Value) -> Result<LessonFile> {
    let map = value.as_object().ok_or(LessonFileError::NotALessonFile)?;
    if map.get("format").and_then(Value::as_str) != Some(LESSON_FORMAT) {
        return Err(LessonFileError::NotALessonFile);
    }
    // The version is read before any other field: a newer file may have fields this
    // version does not know, and "newer version" is the useful message then.
    let version_value = map.get("version").ok_or_else(|| LessonFileError::Missing {
        path: "version".to_string(),
    })?;
    let version = version_value
        .as_u64()
        .filter(|v| *v >= 1)
        .ok_or_else(|| bad("version", Expected::Version, version_value))?;
    if version > u64::from(LESSON_VERSION) {
        return Err(LessonFileError::FutureVersion { version });
    }
    let top = Fields::new("", value, &TOP_FIELDS)?;
    let (id_value, id_path) = top.required("id")?;
    let id = read_slug(id_value, &id_path)?;
    let inline = match top.optional("texts") {
        None => true,
        Some((value, path)) => match value.as_str() {
            Some("inline") => true,
            Some("catalogue") => false,
            _ => return Err(bad(&path, Expected::Texts, value)),
        },
    };
    let lang = match (top.optional("lang"), inline) {
        (Some((value, path)), true) => Some(
            Lang::ALL
                .into_iter()
                .find(|lang| value.as_str() == Some(lang.tag()))
                .ok_or_else(|| bad(&path, Expected::Lang, value))?,
        ),
        (None, true) => {
            return Err(LessonFileError::Missing {
                path: "lang".into(),
            })
        }
        (Some((_, path)), false) => return Err(LessonFileError::TextNotHere { path }),
        (None, false) => None,
    };
    let chapter = match top.optional("chapter") {
        Some((value, path)) => Some(
            value
                .as_str()
                .and_then(Chapter::from_slug)
                .ok_or_else(|| bad(&path, Expected::Chapter, value))?,
        ),
        None => None,
    };
    let title = top.text("title", inline)?;
    let intro = top.text("intro", inline)?;
    let summary = top.text("summary", inline)?;
    let (scenario_value, scenario_path) = top.required("scenario")?;
    let scenario =
        read_scenario(scenario_value, &scenario_path).map_err(LessonFileError::Scenario)?;
    SharedRun::new(scenario.clone())
        .validate()
        .map_err(|error| LessonFileError::Scenario(FileError::Invalid(error)))?;

    let (question_value, question_path) = top.required("question")?;
    let question_fields = Fields::new(&question_path, question_value, &QUESTION_FIELDS)?;
    let question_text = question_fields.text("text", inline)?;
    let (choices_value, choices_path) = question_fields.required("choices")?;
    let choice_items = read_list(choices_value, &choices_path)?;
    if !CHOICES.contains(&choice_items.len()) {
        return Err(LessonFileError::Choices {
            count: count_u32(choice_items.len()),
        });
    }
    let mut choices = Vec::with_capacity(choice_items.len());
    let mut choice_texts = Vec::new();
    for (index, item) in choice_items.iter().enumerate() {
        let path = format!("{choices_path}[{index}]");
        let fields = Fields::new(&path, item, &CHOICE_FIELDS)?;
        choice_texts.extend(fields.text("text", inline)?);
        let (facts_value, facts_path) = fields.required("holds_when")?;
        let holds_when = read_facts(facts_value, &facts_path)?;
        if holds_when.is_empty() {
            return Err(LessonFileError::NoFacts { path: facts_path });
        }
        choices.push(Choice { holds_when });
    }
    let intended_choice = match question_fields.optional("intended") {
        Some((value, path)) => read_number(value, &path, choices.len())?,
        None => 0,
    };

    let mut cues = Vec::new();
    let mut cue_texts = Vec::new();
    if let Some((cues_value, cues_path)) = top.optional("cues") {
        let items = read_list(cues_value, &cues_path)?;
        if items.len() > MAX_CUES as usize {
            return Err(LessonFileError::TooManyCues {
                count: count_u32(items.len()),
            });
        }
        for (index, item) in items.iter().enumerate() {
            let path = format!("{cues_path}[{index}]");
            let fields = Fields::new(&path, item, &CUE_FIELDS)?;
            let (at_value, at_path) = fields.required("at")?;
            let when = read_moment(at_value, &at_path)?;
            cue_texts.extend(fields.text("text", inline)?);
            cues.push(Cue { when });
        }
    }

    let mut self_checks = Vec::new();
    let mut check_texts = Vec::new();
    if let Some((checks_value, checks_path)) = top.optional("checks") {
        let items = read_list(checks_value, &checks_path)?;
        if items.len() > MAX_CHECKS as usize {
            return Err(LessonFileError::TooManyChecks {
                count: count_u32(items.len()),
            });
        }
        for (index, item) in items.iter().enumerate() {
            let path = format!("{checks_path}[{index}]");
            let (check, texts) = read_check(item, &path, inline)?;
            self_checks.push(check);
            check_texts.extend(texts);
        }
    }

    let texts = match (lang, title, intro, summary, question_text) {
        (Some(lang), Some(title), Some(intro), Some(summary), Some(question)) => {
            Some(LessonTexts {
                lang,
                title,
                intro,
                summary,
                question,
                choices: choice_texts,
                cues: cue_texts,
                checks: check_texts,
            })
        }
        _ => None,
    };
    let chapter = chapter.unwrap_or_else(|| default_chapter(&scenario));
    Ok(LessonFile {
        lesson: Lesson {
            id,
            chapter,
            scenario,
            cues,
            question: Question {
                choices,
                intended_choice,
            },
            self_checks,
        },
        texts,
    })
}

fn read_slug(value: &Value, path: &str) -> Result<String> {
    let slug = value
        .as_str()
        .filter(|slug| {
            (1..=MAX_SLUG_CHARS as usize).contains(&slug.len())
                && slug
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        .ok_or_else(|| bad(path, Expected::Slug, value))?;
    Ok(slug.to_string())
}

fn read_facts(value: &Value, path: &str) -> Result<Vec<Check>> {
    let items = read_list(value, path)?;
    if items.len() > MAX_FACTS as usize {
        return Err(LessonFileError::TooManyFacts {
            path: path.to_string(),
            count: count_u32(items.len()),
        });
    }
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let path = format!("{path}[{index}]");
            let text = item
                .as_str()
                .ok_or_else(|| bad(&path, Expected::Fact, item))?;
            parse_fact(text).map_err(|error| match error {
                FactError::Unknown => LessonFileError::UnknownFact {
                    path,
                    fact: shown(text),
                },
                FactError::NotInBuild => LessonFileError::FactNotInBuild {
                    path,
                    fact: shown(text),
                },
            })
        })
        .collect()
}

fn read_check(value: &Value, path: &str, inline: bool) -> Result<(SelfCheck, Option<CheckTexts>)> {
    let fields = Fields::new(path, value, &CHECK_FIELDS)?;
    let question = fields.text("question", inline)?;
    let (answers_value, answers_path) = fields.required("answers")?;
    let (choices, answers) = if inline {
        let items = read_list(answers_value, &answers_path)?;
        if !ANSWERS.contains(&items.len()) {
            return Err(LessonFileError::Answers {
                path: answers_path,
                count: count_u32(items.len()),
            });
        }
        let answers = items
            .iter()
            .enumerate()
            .map(|(index, item)| read_text(item, &format!("{answers_path}[{index}]")))
            .collect::<Result<Vec<String>>>()?;
        (answers.len(), answers)
    } else {
        let count = answers_value
            .as_u64()
            .ok_or_else(|| bad(&answers_path, Expected::AnswerCount, answers_value))?;
        match usize::try_from(count) {
            Ok(count) if ANSWERS.contains(&count) => (count, Vec::new()),
            _ => {
                return Err(LessonFileError::Answers {
                    path: answers_path,
                    count: u32::try_from(count).unwrap_or(u32::MAX),
                })
            }
        }
    };
    let (answer_value, answer_path) = fields.required("answer")?;
    let answer = read_number(answer_value, &answer_path, choices)?;
    let why = fields.text("why", inline)?;
    let (at_value, at_path) = fields.required("at")?;
    let shown_at = read_moment(at_value, &at_path)?;
    if matches!(
        shown_at,
        CueTrigger::Start | CueTrigger::End | CueTrigger::AtStep(0)
    ) {
        return Err(LessonFileError::CheckAtStartOrEnd { path: at_path });
    }
    let facts = match fields.optional("facts") {
        Some((value, path)) => read_facts(value, &path)?,
        None => Vec::new(),
    };
    let texts = match (question, why) {
        (Some(question), Some(why)) => Some(CheckTexts {
            question,
            answers,
            why,
        }),
        _ => None,
    };
    Ok((
        SelfCheck {
            choices,
            answer,
            shown_at,
            facts,
        },
        texts,
    ))
}

/// Reads a moment of the run: `"start"`, `"end"`, `{"step": N}`,
/// `{"event": kind, "detail": detail, "message": N}` (detail and message optional),
/// `{"again": kind, "message": N}` or `{"crash": node}`.
fn read_moment(value: &Value, path: &str) -> Result<CueTrigger> {
    match value {
        Value::String(word) if word == "start" => return Ok(CueTrigger::Start),
        Value::String(word) if word == "end" => return Ok(CueTrigger::End),
        Value::Object(map) => {
            let forms = ["step", "event", "again", "crash"];
            let mut named = forms.iter().filter(|form| map.contains_key(**form));
            if let (Some(form), None) = (named.next(), named.next()) {
                return read_moment_object(value, path, form);
            }
        }
        _ => {}
    }
    Err(bad(path, Expected::Moment, value))
}

fn read_moment_object(value: &Value, path: &str, form: &str) -> Result<CueTrigger> {
    let allowed: &[&str] = match form {
        "step" => &["step"],
        "event" => &["event", "detail", "message"],
        "again" => &["again", "message"],
        _ => &["crash"],
    };
    let fields = Fields::new(path, value, allowed)?;
    let message = |required: bool| -> Result<Option<u32>> {
        match fields.optional("message") {
            Some((value, path)) => value
                .as_u64()
                .filter(|n| *n >= 1)
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| bad(&path, Expected::Message, value)),
            None if required => Err(LessonFileError::Missing {
                path: fields.path("message"),
            }),
            None => Ok(None),
        }
    };
    let kind = |key: &str| -> Result<EventKind> {
        let (value, path) = fields.required(key)?;
        match value {
            Value::String(_) => serde_json::from_value::<EventKind>(value.clone())
                .map_err(|_| bad(&path, Expected::EventKind, value)),
            _ => Err(bad(&path, Expected::EventKind, value)),
        }
    };
    match form {
        "step" => {
            let (value, path) = fields.required("step")?;
            value
                .as_u64()
                .filter(|step| *step >= 1)
                .map(CueTrigger::AtStep)
                .ok_or_else(|| bad(&path, Expected::Step, value))
        }
        "event" => {
            let kind = kind("event")?;
            let detail = match fields.optional("detail") {
                Some((value, path)) => Some(read_detail(value, &path)?),
                None => None,
            };
            Ok(CueTrigger::Event {
                kind,
                detail,
                message: message(false)?,
            })
        }
        "again" => Ok(CueTrigger::Again {
            kind: kind("again")?,
            message: message(true)?.unwrap_or(1),
        }),
        _ => {
            let (value, path) = fields.required("crash")?;
            value
                .as_str()
                .and_then(|text| {
                    text.parse::<NodeId>()
                        .ok()
                        .filter(|node| node.to_string() == text)
                })
                .map(CueTrigger::Crash)
                .ok_or_else(|| bad(&path, Expected::Node, value))
        }
    }
}

/// An event detail as the trace writes it, and only as it writes it (no field left out,
/// none added).
fn read_detail(value: &Value, path: &str) -> Result<Detail> {
    serde_json::from_value::<Detail>(value.clone())
        .ok()
        .filter(|detail| serde_json::to_value(detail).ok().as_ref() == Some(value))
        .ok_or_else(|| bad(path, Expected::Detail, value))
}

// ---------------------------------------------------------------------------------
// Writing

#[derive(Serialize)]
struct LessonOut<'a> {
    format: &'static str,
    version: u32,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    texts: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lang: Option<&'static str>,
    chapter: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    intro: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    scenario: ScenarioOut<'a>,
    question: QuestionOut<'a>,
    cues: Vec<CueOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checks: Vec<CheckOut<'a>>,
}

#[derive(Serialize)]
struct QuestionOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    choices: Vec<ChoiceOut<'a>>,
    intended: usize,
}

#[derive(Serialize)]
struct ChoiceOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    holds_when: Vec<String>,
}

#[derive(Serialize)]
struct CueOut<'a> {
    at: MomentOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
}

#[derive(Serialize)]
struct CheckOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    question: Option<&'a str>,
    answers: AnswersOut<'a>,
    answer: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<&'a str>,
    at: MomentOut,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    facts: Vec<String>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum AnswersOut<'a> {
    Texts(Vec<&'a str>),
    Count(usize),
}

#[derive(Serialize)]
#[serde(untagged)]
enum MomentOut {
    Word(&'static str),
    At(MomentAt),
}

#[derive(Serialize, Default)]
struct MomentAt {
    #[serde(skip_serializing_if = "Option::is_none")]
    step: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<EventKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    again: Option<EventKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    crash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<Detail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<u32>,
}

fn moment_out(trigger: CueTrigger) -> MomentOut {
    MomentOut::At(match trigger {
        CueTrigger::Start | CueTrigger::AtStep(0) => return MomentOut::Word("start"),
        CueTrigger::End => return MomentOut::Word("end"),
        CueTrigger::AtStep(step) => MomentAt {
            step: Some(step),
            ..MomentAt::default()
        },
        CueTrigger::Event {
            kind,
            detail,
            message,
        } => MomentAt {
            event: Some(kind),
            detail,
            message,
            ..MomentAt::default()
        },
        CueTrigger::Again { kind, message } => MomentAt {
            again: Some(kind),
            message: Some(message),
            ..MomentAt::default()
        },
        CueTrigger::Crash(node) => MomentAt {
            crash: Some(node.to_string()),
            ..MomentAt::default()
        },
    })
}

fn facts_out(facts: &[Check]) -> Vec<String> {
    facts.iter().map(|fact| fact_text(*fact)).collect()
}

fn item(list: Option<&Vec<String>>, index: usize) -> Option<&str> {
    list.and_then(|list| list.get(index)).map(String::as_str)
}

fn lesson_out(file: &LessonFile) -> LessonOut<'_> {
    let lesson = &file.lesson;
    let texts = file.texts.as_ref();
    LessonOut {
        format: LESSON_FORMAT,
        version: LESSON_VERSION,
        id: &lesson.id,
        texts: texts.is_none().then_some("catalogue"),
        lang: texts.map(|texts| texts.lang.tag()),
        chapter: lesson.chapter.slug(),
        title: texts.map(|texts| texts.title.as_str()),
        intro: texts.map(|texts| texts.intro.as_str()),
        summary: texts.map(|texts| texts.summary.as_str()),
        scenario: scenario_out(&lesson.scenario),
        question: QuestionOut {
            text: texts.map(|texts| texts.question.as_str()),
            choices: lesson
                .question
                .choices
                .iter()
                .enumerate()
                .map(|(index, choice)| ChoiceOut {
                    text: item(texts.map(|texts| &texts.choices), index),
                    holds_when: facts_out(&choice.holds_when),
                })
                .collect(),
            intended: lesson.question.intended_choice + 1,
        },
        cues: lesson
            .cues
            .iter()
            .enumerate()
            .map(|(index, cue)| CueOut {
                at: moment_out(cue.when),
                text: item(texts.map(|texts| &texts.cues), index),
            })
            .collect(),
        checks: lesson
            .self_checks
            .iter()
            .enumerate()
            .map(|(index, check)| {
                let words = texts.and_then(|texts| texts.checks.get(index));
                CheckOut {
                    question: words.map(|words| words.question.as_str()),
                    answers: match words {
                        Some(words) => {
                            AnswersOut::Texts(words.answers.iter().map(String::as_str).collect())
                        }
                        None => AnswersOut::Count(check.choices),
                    },
                    answer: check.answer + 1,
                    why: words.map(|words| words.why.as_str()),
                    at: moment_out(check.shown_at),
                    facts: facts_out(&check.facts),
                }
            })
            .collect(),
    }
}

/// The lesson file's text: pretty JSON, fields in the documented order.
/// `read(&write(&file))` gives `file` back for every file `read` gives.
pub fn write(file: &LessonFile) -> String {
    // Serializing these plain structs cannot fail (string keys, no floats).
    serde_json::to_string_pretty(&lesson_out(file)).unwrap_or_default()
}

/// The lesson file's text on one line, as a lesson link carries it.
pub fn write_compact(file: &LessonFile) -> String {
    serde_json::to_string(&lesson_out(file)).unwrap_or_default()
}

// ---------------------------------------------------------------------------------
// Links

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let digits = chunk.len() + 1;
        for i in 0..digits {
            out.push(char::from(BASE64URL[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// Decodes unpadded base64url, refusing anything another text would also encode to
/// (stray characters, a lone last character, bits left over).
fn from_base64url(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        BASE64URL
            .iter()
            .position(|&d| d == c)
            .and_then(|at| u32::try_from(at).ok())
    };
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.as_bytes().chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        let bytes = chunk.len() - 1;
        let mask = match bytes {
            1 => 0xFFFF,
            2 => 0xFF,
            _ => 0,
        };
        if n & mask != 0 {
            return None;
        }
        out.extend_from_slice(&n.to_be_bytes()[1..=bytes]);
    }
    Some(out)
}

/// The lesson as a URL fragment (without its `#`): `lesson1.`, the minified file in
/// base64url, `~` and the CRC-32 of everything before it in 8 hex digits.
pub fn to_link(file: &LessonFile) -> String {
    let mut link = format!(
        "{LESSON_LINK_PREFIX}{}",
        base64url(write_compact(file).as_bytes())
    );
    let checksum = crc32(link.as_bytes());
    link.push_str(&format!("~{checksum:08x}"));
    link
}

/// Reads a lesson link (a fragment, with or without its `#` or the address before it),
/// then the lesson file it carries, as [`read`] does.
pub fn read_link(text: &str) -> Result<LessonFile> {
    let text = text.trim();
    let text = text.split_once('#').map_or(text, |(_, after)| after);
    if text.len() > MAX_LESSON_LINK_CHARS as usize {
        return Err(LessonFileError::LinkTooLong {
            chars: count_u32(text.chars().count()),
        });
    }
    let rest = text
        .strip_prefix("lesson")
        .ok_or(LessonFileError::NotALessonLink)?;
    let digits_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (digits, rest) = rest.split_at(digits_len);
    let version = match digits.parse::<u32>() {
        Ok(version) if version >= 1 => version,
        _ => return Err(LessonFileError::NotALessonLink),
    };
    if version > LESSON_LINK_VERSION {
        return Err(LessonFileError::LinkFutureVersion { version });
    }
    let body = rest
        .strip_prefix('.')
        .ok_or(LessonFileError::NotALessonLink)?;
    let (sealed, checksum) = text.rsplit_once('~').ok_or(LessonFileError::LinkCutShort)?;
    if checksum.len() > 8 || !checksum.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(LessonFileError::LinkTampered);
    }
    if checksum.len() < 8 {
        return Err(LessonFileError::LinkCutShort);
    }
    let expected = u32::from_str_radix(checksum, 16).map_err(|_| LessonFileError::LinkTampered)?;
    if crc32(sealed.as_bytes()) != expected {
        return Err(LessonFileError::LinkTampered);
    }
    let encoded = body.rsplit_once('~').map_or(body, |(encoded, _)| encoded);
    let bytes = from_base64url(encoded).ok_or(LessonFileError::LinkEncoding)?;
    let json = String::from_utf8(bytes).map_err(|_| LessonFileError::LinkEncoding)?;
    read(&json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_and_refuses_other_spellings() {
        for length in 0..40usize {
            let bytes: Vec<u8> = (0..length).map(|i| (i * 37 + 11) as u8).collect();
            let text = base64url(&bytes);
            assert!(!text.contains('='));
            assert_eq!(from_base64url(&text), Some(bytes), "length {length}");
        }
        assert_eq!(base64url(b"Man"), "TWFu");
        assert_eq!(base64url(b"Ma"), "TWE");
        assert_eq!(from_base64url("TWF"), None, "bits left over");
        assert_eq!(from_base64url("T"), None, "a lone character");
        assert_eq!(from_base64url("TW+u"), None, "not base64url");
    }
}
