//! The Transactions view's model, apart from its drawing: the settings form read into a
//! run of one of the two worlds (Kafka transactions, the dual writes), a run rebuilt at
//! any step, and the comparisons. Every count and verdict the view shows is read here
//! from the core's worlds; nothing is computed from what the view draws. The worlds are
//! deterministic, so a run at step N is the scenario run again for N steps.

use std::rc::Rc;

use mqlab_sim::kafka_txn::KafkaTxnWorld;
use mqlab_sim::outbox::{
    two_phase_commit_report, Costs, InboxAck, OutboxError, OutboxSettings, OutboxWorld, Pattern,
    RelayMarks, TimedOutboxFault,
};
use mqlab_sim::worlds::WorldError;
pub use mqlab_sim::worlds::{Run, Setup};
use mqlab_sim::{
    Command, CrashPoint, Isolation, KafkaTransactions, Mode, Pause, PauseParseError, Scenario,
    ScenarioError, Sim, SimOptions, Summary, UnknownName,
};
use mqlab_text::worlds::Key;
use mqlab_text::Words;

/// The most messages the form takes.
pub const MAX_MESSAGES: u32 = 20;
/// The largest transaction the form takes.
pub const MAX_TXN_SIZE: u32 = 20;
/// The most steps a run takes before the view stops it (the worlds of the form's
/// settings go quiet long before).
pub const MAX_STEPS: u64 = 20_000;

/// The crash points of Kafka transactions, in protocol order.
pub const KAFKA_POINTS: [CrashPoint; 4] = [
    CrashPoint::ProducerAfterSend,
    CrashPoint::ProducerBeforeEndTxn,
    CrashPoint::CoordinatorAfterPrepareCommitLogged,
    CrashPoint::CoordinatorMidMarkers,
];

/// The crash points of the dual writes, in protocol order.
pub const DUAL_POINTS: [CrashPoint; 6] = [
    CrashPoint::ServiceAfterDbCommit,
    CrashPoint::ServiceAfterPublish,
    CrashPoint::RelayAfterPublish,
    CrashPoint::RelayAfterMark,
    CrashPoint::ConsumerAfterInboxCommit,
    CrashPoint::ConsumerAfterAck,
];

/// The patterns the dual-write world runs itself, in the order Compare shows them
/// (2PC, the last of `Pattern::ALL`, runs in transactional mode's world).
pub const DUAL_PATTERNS: [Pattern; 5] = [
    Pattern::CommitFirst,
    Pattern::PublishFirst,
    Pattern::Outbox,
    Pattern::OutboxInbox,
    Pattern::OffsetsWithOutput,
];

/// Which world the view runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WorldKind {
    #[default]
    Kafka,
    Dual,
}

impl WorldKind {
    /// The world's id in the form and the page.
    pub const fn id(self) -> &'static str {
        match self {
            WorldKind::Kafka => "kafka",
            WorldKind::Dual => "dual",
        }
    }
}

/// The settings as the form holds them: text as typed, so that a bad value can be
/// told and the run kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    pub world: WorldKind,
    pub messages: String,
    pub seed: String,
    pub txn_size: String,
    /// `read_committed` or `read_uncommitted`.
    pub isolation: String,
    pub zombie: bool,
    pub external_effect: bool,
    /// Pauses, `NODE@FROM..TO`, separated by commas or spaces.
    pub pauses: String,
    /// A crash point's name, or empty for none.
    pub crash_point: String,
    /// The message the crash point waits for, or empty for the first one it meets.
    pub crash_message: String,
    /// A pattern's name (`--pattern`).
    pub pattern: String,
    /// `before-confirm`, `after-confirm`, or empty for the default.
    pub relay_marks: String,
    /// `before-commit`, `after-commit`, or empty for the default.
    pub inbox_ack: String,
    /// Crashes and restarts at ticks, `TICK:crash|restart:NODE`, separated by commas or
    /// spaces (the dual writes).
    pub timed: String,
}

impl Default for Form {
    fn default() -> Form {
        Form {
            world: WorldKind::Kafka,
            messages: "4".to_string(),
            seed: "7".to_string(),
            txn_size: "2".to_string(),
            isolation: Isolation::ReadCommitted.as_str().to_string(),
            zombie: false,
            external_effect: false,
            pauses: String::new(),
            crash_point: String::new(),
            crash_message: String::new(),
            pattern: Pattern::OutboxInbox.as_str().to_string(),
            relay_marks: String::new(),
            inbox_ack: String::new(),
            timed: String::new(),
        }
    }
}

/// The items of a list typed with commas or spaces.
fn items(text: &str) -> impl Iterator<Item = &str> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

fn joined<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(T::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Form {
    /// The form that describes a setup (a lesson's run, opened in the form).
    pub fn from_setup(setup: &Setup) -> Form {
        let base = Form::default();
        let (scenario, world) = match setup {
            Setup::Kafka(scenario) => (scenario, WorldKind::Kafka),
            Setup::Dual { scenario, .. } => (scenario, WorldKind::Dual),
        };
        let (crash_point, crash_message) = crash_of(scenario).map_or_else(
            || (String::new(), String::new()),
            |(point, message)| {
                (
                    point.as_str().to_string(),
                    message.map_or_else(String::new, |m| format!("m{m}")),
                )
            },
        );
        let mut form = Form {
            world,
            messages: scenario.messages.to_string(),
            seed: scenario.seed.to_string(),
            crash_point,
            crash_message,
            ..base
        };
        match setup {
            Setup::Kafka(scenario) => {
                form.txn_size = scenario.transaction.size.to_string();
                if let Some(kafka) = &scenario.kafka_transactions {
                    form.isolation = kafka.isolation.as_str().to_string();
                    form.zombie = kafka.zombie;
                    form.external_effect = kafka.external_effect;
                    form.pauses = joined(&kafka.pauses);
                }
            }
            Setup::Dual { settings, .. } => {
                form.pattern = settings.pattern.as_str().to_string();
                form.relay_marks = settings
                    .relay_marks
                    .map_or_else(String::new, |r| r.as_str().to_string());
                form.inbox_ack = settings
                    .inbox_ack
                    .map_or_else(String::new, |a| a.as_str().to_string());
                form.timed = joined(&settings.timed);
            }
        }
        form
    }
}

/// Why the form's settings were not run.
#[derive(Clone, Debug, PartialEq)]
pub enum FormError {
    /// Not a number of messages from 1 to [`MAX_MESSAGES`].
    Messages(String),
    /// Not a seed.
    Seed(String),
    /// Not a transaction size from 1 to [`MAX_TXN_SIZE`].
    TxnSize(String),
    /// Not a message number for the crash point.
    CrashMessage(String),
    /// A name the core does not know (a crash point, a pattern, a setting's value).
    Name(UnknownName),
    /// A pause the core does not take.
    Pause(PauseParseError),
    /// A scenario the core refuses.
    Scenario(ScenarioError),
    /// Dual-write settings the core refuses.
    Outbox(OutboxError),
}

impl FormError {
    /// Why, in `words`: the core's own refusal where the core refused.
    pub fn describe_in(&self, words: &Words) -> String {
        let text = |key: Key, text: &str| words.fill(key, &[("text", text.into())]);
        match self {
            FormError::Messages(t) => text(Key::ProblemMessages, t),
            FormError::Seed(t) => text(Key::ProblemSeed, t),
            FormError::TxnSize(t) => text(Key::ProblemTxnSize, t),
            FormError::CrashMessage(t) => text(Key::ProblemCrashMessage, t),
            FormError::Name(e) => e.sentence().told_in(words),
            FormError::Pause(e) => e.0.told_in(words),
            FormError::Scenario(e) => e.describe_in(words),
            FormError::Outbox(e) => e.describe_in(words),
        }
    }
}

fn number_in(text: &str, most: u32) -> Option<u32> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=most).contains(n))
}

/// Reads the form into a run: the same checks as the command line's, and the core's own
/// (the world is built once, so that everything the core refuses is refused here).
pub fn parse(form: &Form) -> Result<Setup, FormError> {
    let messages = number_in(&form.messages, MAX_MESSAGES)
        .ok_or(FormError::Messages(form.messages.clone()))?;
    let seed: u64 = form
        .seed
        .trim()
        .parse()
        .map_err(|_| FormError::Seed(form.seed.clone()))?;
    let crash = if form.crash_point.trim().is_empty() {
        None
    } else {
        let (point, instance) = CrashPoint::parse_at(&form.crash_point).map_err(FormError::Name)?;
        let message = if form.crash_message.trim().is_empty() {
            None
        } else {
            Some(
                form.crash_message
                    .trim()
                    .trim_start_matches('m')
                    .parse::<u32>()
                    .map_err(|_| FormError::CrashMessage(form.crash_message.clone()))?,
            )
        };
        Some(Command::CrashAt {
            point,
            message,
            instance,
        })
    };
    let mut scenario = Scenario {
        messages,
        seed,
        ..Scenario::default()
    };
    if let Some(command) = crash {
        scenario = scenario.with_fault(command);
    }
    let setup = match form.world {
        WorldKind::Kafka => {
            let size = number_in(&form.txn_size, MAX_TXN_SIZE)
                .ok_or(FormError::TxnSize(form.txn_size.clone()))?;
            let isolation = form
                .isolation
                .parse::<Isolation>()
                .map_err(FormError::Name)?;
            let pauses = items(&form.pauses)
                .map(|p| Pause::parse(p).map_err(FormError::Pause))
                .collect::<Result<Vec<Pause>, FormError>>()?;
            scenario.mode = Mode::Transactional;
            scenario.transaction.size = size;
            scenario.kafka_transactions = Some(KafkaTransactions {
                isolation,
                zombie: form.zombie,
                external_effect: form.external_effect,
                pauses,
                ..KafkaTransactions::default()
            });
            Setup::Kafka(scenario)
        }
        WorldKind::Dual => {
            let pattern = form.pattern.parse::<Pattern>().map_err(FormError::Name)?;
            let relay_marks = optional(&form.relay_marks, str::parse::<RelayMarks>)?;
            let inbox_ack = optional(&form.inbox_ack, str::parse::<InboxAck>)?;
            if pattern == Pattern::TwoPhaseCommit {
                return Err(FormError::Outbox(OutboxError::TwoPhaseCommitElsewhere));
            }
            let timed = items(&form.timed)
                .map(|t| TimedOutboxFault::parse(t).map_err(FormError::Outbox))
                .collect::<Result<Vec<TimedOutboxFault>, FormError>>()?;
            let settings = OutboxSettings {
                relay_marks,
                inbox_ack,
                timed,
                ..OutboxSettings::new(pattern)
            };
            Setup::Dual { scenario, settings }
        }
    };
    // Built once here, so that the core's refusals come before the run is replaced.
    Run::build(&setup).map_err(FormError::from)?;
    Ok(setup)
}

impl From<WorldError> for FormError {
    fn from(error: WorldError) -> FormError {
        match error {
            WorldError::Scenario(e) => FormError::Scenario(e),
            WorldError::Outbox(e) => FormError::Outbox(e),
        }
    }
}

fn optional<T>(
    text: &str,
    parse: impl Fn(&str) -> Result<T, UnknownName>,
) -> Result<Option<T>, FormError> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        parse(text.trim()).map(Some).map_err(FormError::Name)
    }
}

/// A run played to a step, and where that step's events begin in its trace.
#[derive(Clone, Debug)]
pub struct Frame {
    pub run: Rc<Run>,
    /// The step reached (0: nothing has happened).
    pub step: u64,
    /// The first trace event of the last step that recorded any (a message on its way
    /// records nothing): what the narration tells.
    pub step_events_from: usize,
}

/// Steps in a run from its start to its end: how many steps it takes to go quiet (at
/// most [`MAX_STEPS`]).
pub fn total_steps(setup: &Setup) -> Result<u64, FormError> {
    let mut run = Run::build(setup)?;
    Ok(run.run_until_quiet(MAX_STEPS))
}

/// The run rebuilt from its scenario and played to `step` (or to its end, when it ends
/// before).
pub fn frame_at(setup: &Setup, step: u64) -> Result<Frame, FormError> {
    let mut run = Run::build(setup)?;
    let mut taken = 0;
    let mut from = 0;
    while taken < step.min(MAX_STEPS) && !run.is_quiet() {
        let before = run.trace_len();
        if !run.step() {
            break;
        }
        if run.trace_len() > before {
            from = before;
        }
        taken += 1;
    }
    Ok(Frame {
        run: Rc::new(run),
        step: taken,
        step_events_from: from,
    })
}

/// The next step from a frame, without running from the start again.
pub fn frame_after(frame: &Frame) -> Frame {
    if frame.run.is_quiet() || frame.step >= MAX_STEPS {
        return frame.clone();
    }
    let mut run = (*frame.run).clone();
    let before = run.trace_len();
    if run.step() {
        let recorded = run.trace_len() > before;
        Frame {
            run: Rc::new(run),
            step: frame.step + 1,
            step_events_from: if recorded {
                before
            } else {
                frame.step_events_from
            },
        }
    } else {
        frame.clone()
    }
}

/// The XA crash point that stands for a Kafka crash point in the comparison: the same
/// moment of XA's protocol (none for a point XA has no counterpart of).
pub fn xa_counterpart(point: CrashPoint) -> Option<CrashPoint> {
    match point {
        CrashPoint::ProducerAfterSend => Some(CrashPoint::ProducerAfterSend),
        // Every record is written and nothing decided: XA has every vote and no decision.
        CrashPoint::ProducerBeforeEndTxn => Some(CrashPoint::CoordinatorAfterVotes),
        CrashPoint::CoordinatorAfterPrepareCommitLogged => {
            Some(CrashPoint::CoordinatorAfterDecisionLogged)
        }
        CrashPoint::CoordinatorMidMarkers => Some(CrashPoint::CoordinatorMidBroadcast),
        _ => None,
    }
}

/// One side of the Kafka-versus-XA comparison: the crash point it ran with and its
/// ledger, or why the core refused it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProtocolOutcome {
    pub point: Option<CrashPoint>,
    pub result: Result<ProtocolResult, String>,
}

/// What a protocol's run gave.
#[derive(Clone, Debug, PartialEq)]
pub struct ProtocolResult {
    pub summary: Summary,
    /// Ticks a participant or a reader was blocked: XA's participants in doubt; Kafka's
    /// read_committed consumer at the last stable offset.
    pub blocked_ticks: u64,
    pub anomalies: Vec<String>,
}

/// The Kafka run of a setup and the XA run on the same seed, messages, transaction size
/// and crash point (its XA counterpart), each run to its end.
pub fn compare_protocols(setup: &Setup, words: &Words) -> Option<[ProtocolOutcome; 2]> {
    let Setup::Kafka(scenario) = setup else {
        return None;
    };
    let point = crash_of(scenario).map(|(point, _)| point);
    let kafka = match KafkaTxnWorld::new(scenario, false) {
        Ok(mut world) => {
            world.run_until_quiet(MAX_STEPS);
            let summary = world.summary();
            Ok(ProtocolResult {
                blocked_ticks: summary.lso_blocked_ticks,
                anomalies: world.anomalies(words),
                summary,
            })
        }
        Err(error) => Err(error.describe_in(words)),
    };
    let mut xa_scenario = Scenario {
        faults: Vec::new(),
        kafka_transactions: None,
        ..scenario.clone()
    };
    let xa_point = crash_of(scenario).and_then(|(point, message)| {
        let xa = xa_counterpart(point)?;
        xa_scenario = xa_scenario.clone().with_fault(Command::CrashAt {
            point: xa,
            message,
            instance: 0,
        });
        Some(xa)
    });
    let xa = match Sim::with_options(&xa_scenario, SimOptions { record_trace: true }) {
        Ok(mut sim) => {
            sim.run_until_quiet(MAX_STEPS);
            let (summary, costs) = two_phase_commit_report(&sim);
            let anomalies = sim
                .ledger()
                .anomalies_in(words)
                .into_iter()
                .map(|a| a.explanation)
                .collect();
            Ok(ProtocolResult {
                blocked_ticks: costs.blocked_ticks,
                anomalies,
                summary,
            })
        }
        Err(error) => Err(error.describe_in(words)),
    };
    Some([
        ProtocolOutcome {
            point,
            result: kafka,
        },
        ProtocolOutcome {
            point: xa_point,
            result: xa,
        },
    ])
}

/// The scenario's crash point and its message, if it has one.
fn crash_of(scenario: &Scenario) -> Option<(CrashPoint, Option<u32>)> {
    scenario.faults.iter().find_map(|f| match f.command {
        Command::CrashAt { point, message, .. } => Some((point, message)),
        _ => None,
    })
}

/// One pattern's row of the dual-write comparison: its counts and costs, or why the
/// core refused it (a crash point the pattern never reaches).
#[derive(Clone, Debug, PartialEq)]
pub struct PatternOutcome {
    pub pattern: Pattern,
    pub result: Result<(Summary, Costs), String>,
}

/// Every pattern on the setup's seed, messages and crash point, each run to its end:
/// the five of the dual-write world, then 2PC in transactional mode's world. The relay
/// and inbox settings go to the patterns that have a relay or an inbox.
pub fn compare_patterns(setup: &Setup, words: &Words) -> Option<Vec<PatternOutcome>> {
    let Setup::Dual { scenario, settings } = setup else {
        return None;
    };
    let mut rows: Vec<PatternOutcome> = DUAL_PATTERNS
        .iter()
        .map(|&pattern| {
            let own = OutboxSettings {
                relay_marks: settings.relay_marks.filter(|_| pattern.has_outbox()),
                inbox_ack: settings.inbox_ack.filter(|_| pattern.has_inbox()),
                ..OutboxSettings::new(pattern)
            };
            let result = match OutboxWorld::new(scenario, &own, false) {
                Ok(mut world) => {
                    world.run_until_quiet(MAX_STEPS);
                    Ok((world.summary(), world.costs()))
                }
                Err(error) => Err(error.describe_in(words)),
            };
            PatternOutcome { pattern, result }
        })
        .collect();
    let two_pc = OutboxSettings::new(Pattern::TwoPhaseCommit);
    let transactional = Scenario {
        mode: Mode::Transactional,
        ..scenario.clone()
    };
    let result = match two_pc.check(&transactional) {
        Err(error) => Err(error.describe_in(words)),
        Ok(()) => match Sim::with_options(&transactional, SimOptions { record_trace: true }) {
            Ok(mut sim) => {
                sim.run_until_quiet(MAX_STEPS);
                Ok(two_phase_commit_report(&sim))
            }
            Err(error) => Err(error.describe_in(words)),
        },
    };
    rows.push(PatternOutcome {
        pattern: Pattern::TwoPhaseCommit,
        result,
    });
    Some(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kafka_form() -> Form {
        Form::default()
    }

    fn dual_form(pattern: &str) -> Form {
        Form {
            world: WorldKind::Dual,
            pattern: pattern.to_string(),
            ..Form::default()
        }
    }

    #[test]
    fn the_default_form_runs_kafka_transactions() {
        let setup = parse(&kafka_form()).expect("the default settings run");
        let Setup::Kafka(scenario) = &setup else {
            panic!("a Kafka run, not {setup:?}");
        };
        assert_eq!(scenario.messages, 4);
        assert_eq!(scenario.transaction.size, 2);
        assert!(total_steps(&setup).expect("runs") > 0);
    }

    #[test]
    fn bad_numbers_are_refused_with_the_text_given() {
        let words = Words::english();
        for (form, expected) in [
            (
                Form {
                    messages: "0".into(),
                    ..kafka_form()
                },
                FormError::Messages("0".into()),
            ),
            (
                Form {
                    messages: "21".into(),
                    ..kafka_form()
                },
                FormError::Messages("21".into()),
            ),
            (
                Form {
                    seed: "-3".into(),
                    ..kafka_form()
                },
                FormError::Seed("-3".into()),
            ),
            (
                Form {
                    txn_size: "x".into(),
                    ..kafka_form()
                },
                FormError::TxnSize("x".into()),
            ),
            (
                Form {
                    crash_point: "producer.after_send".into(),
                    crash_message: "m?".into(),
                    ..kafka_form()
                },
                FormError::CrashMessage("m?".into()),
            ),
        ] {
            let error = parse(&form).expect_err("refused");
            assert_eq!(error, expected);
            let told = error.describe_in(&words);
            let given = match &expected {
                FormError::Messages(t)
                | FormError::Seed(t)
                | FormError::TxnSize(t)
                | FormError::CrashMessage(t) => t.clone(),
                _ => unreachable!(),
            };
            assert!(told.contains(&given), "{told:?} names {given:?}");
        }
    }

    #[test]
    fn the_cores_refusals_are_told_in_its_words() {
        let words = Words::english();
        let unknown = parse(&Form {
            crash_point: "producer.nowhere".into(),
            ..kafka_form()
        })
        .expect_err("an unknown crash point");
        assert!(matches!(unknown, FormError::Name(_)));
        assert!(unknown.describe_in(&words).contains("producer.nowhere"));

        let never = parse(&Form {
            pauses: "producer@5..never".into(),
            ..kafka_form()
        })
        .expect_err("a pause that never ends");
        assert!(matches!(never, FormError::Pause(_)));
        assert!(!never.describe_in(&words).is_empty());

        let nobody = parse(&Form {
            pauses: "consumer-3@5..9".into(),
            ..kafka_form()
        })
        .expect_err("a pause of a node the world lacks");
        assert!(matches!(nobody, FormError::Scenario(_)), "{nobody:?}");

        let marks = parse(&Form {
            relay_marks: "before-confirm".into(),
            ..dual_form("commit-first")
        })
        .expect_err("relay marks without a relay");
        assert!(matches!(
            marks,
            FormError::Outbox(OutboxError::RelayMarksWithoutOutbox { .. })
        ));
        assert!(marks.describe_in(&words).contains("commit-first"));

        let point = parse(&Form {
            crash_point: "relay.after_publish".into(),
            ..dual_form("publish-first")
        })
        .expect_err("a crash point of another pattern");
        assert!(matches!(
            point,
            FormError::Outbox(OutboxError::CrashPointNotInPattern { .. })
        ));
    }

    #[test]
    fn no_input_panics() {
        for text in [
            "",
            " ",
            "-",
            "99999999999999999999999",
            "m",
            "@",
            "..",
            "\u{0}",
            "数",
        ] {
            let form = Form {
                messages: text.into(),
                seed: text.into(),
                txn_size: text.into(),
                isolation: text.into(),
                pauses: text.into(),
                crash_point: text.into(),
                crash_message: text.into(),
                pattern: text.into(),
                relay_marks: text.into(),
                inbox_ack: text.into(),
                ..Form::default()
            };
            assert!(parse(&form).is_err());
            assert!(parse(&Form {
                world: WorldKind::Dual,
                ..form
            })
            .is_err());
        }
    }

    #[test]
    fn a_frame_rebuilt_at_a_step_is_the_run_stepped_there() {
        let setup = parse(&Form {
            crash_point: "coordinator.mid_markers".into(),
            ..kafka_form()
        })
        .expect("runs");
        let total = total_steps(&setup).expect("runs");
        let mut stepped = frame_at(&setup, 0).expect("runs");
        assert_eq!(stepped.step, 0);
        assert_eq!(stepped.run.trace_len(), 0);
        for step in 1..=total {
            stepped = frame_after(&stepped);
            let rebuilt = frame_at(&setup, step).expect("runs");
            assert_eq!(rebuilt.step, step);
            assert_eq!(rebuilt.step_events_from, stepped.step_events_from);
            assert_eq!(rebuilt.run.summary(), stepped.run.summary());
            assert_eq!(rebuilt.run.trace_len(), stepped.run.trace_len());
        }
        assert!(stepped.run.is_quiet());
        // Past the end, a frame stays at the end.
        assert_eq!(frame_at(&setup, total + 5).expect("runs").step, total);
        assert_eq!(frame_after(&stepped).step, total);
    }

    #[test]
    fn a_dual_write_run_ends_when_it_is_quiet_though_its_polls_go_on() {
        let setup = parse(&Form {
            crash_point: "relay.after_publish".into(),
            ..dual_form("outbox-inbox")
        })
        .expect("runs");
        let total = total_steps(&setup).expect("runs");
        assert!(total > 0 && total < MAX_STEPS, "{total} steps");
        let end = frame_at(&setup, u64::MAX).expect("runs");
        assert_eq!(end.step, total);
        assert!(end.run.is_quiet());
        assert!(end.run.summary().quiet);
        assert_eq!(frame_after(&end).step, total);
        let before = frame_at(&setup, total - 1).expect("runs");
        assert!(!before.run.is_quiet());
        assert_eq!(frame_after(&before).step, total);
    }

    #[test]
    fn the_protocols_compare_on_the_same_seed_and_moment() {
        let words = Words::english();
        let setup = parse(&Form {
            crash_point: "producer.before_end_txn".into(),
            crash_message: "2".into(),
            ..kafka_form()
        })
        .expect("runs");
        let [kafka, xa] = compare_protocols(&setup, &words).expect("a Kafka setup");
        assert_eq!(kafka.point, Some(CrashPoint::ProducerBeforeEndTxn));
        assert_eq!(xa.point, Some(CrashPoint::CoordinatorAfterVotes));
        let kafka = kafka.result.expect("Kafka runs");
        let xa = xa.result.expect("XA runs");
        assert_eq!(kafka.summary.messages, 4);
        assert_eq!(xa.summary.messages, 4);
        assert_eq!(kafka.blocked_ticks, kafka.summary.lso_blocked_ticks);
        assert!(compare_patterns(&setup, &words).is_none());
    }

    #[test]
    fn the_patterns_compare_on_the_same_fault_and_refuse_what_they_lack() {
        let words = Words::english();
        let setup = parse(&Form {
            crash_point: "relay.after_publish".into(),
            ..dual_form("outbox-inbox")
        })
        .expect("runs");
        let rows = compare_patterns(&setup, &words).expect("a dual-write setup");
        let names: Vec<&str> = rows.iter().map(|r| r.pattern.as_str()).collect();
        assert_eq!(
            names,
            [
                "commit-first",
                "publish-first",
                "outbox",
                "outbox-inbox",
                "offsets-with-output",
                "2pc"
            ]
        );
        // The relay's crash point exists only where there is a relay.
        assert!(rows[0].result.is_err());
        assert!(rows[1].result.is_err());
        assert!(rows[5].result.is_err());
        let (inbox, _) = rows[3].result.as_ref().expect("outbox-inbox runs");
        assert_eq!((inbox.lost, inbox.duplicated), (0, 0));
        let (outbox, _) = rows[2].result.as_ref().expect("outbox runs");
        assert!(outbox.broker_duplicates > 0 || outbox.duplicated > 0);
        assert!(compare_protocols(&setup, &words).is_none());
    }
}
