//! The JSON scenario file: a shared run, optionally with its trace or the trace's hash,
//! in a documented, versioned schema (`docs/scenario-format.md`).
//!
//! Import walks the JSON value by hand rather than through derived deserializers, so
//! that every message names the field's path (`network.loss`, `commands[2].point`),
//! unknown fields are refused by name, and the WebAssembly stays small.

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use mqlab_text::files::Key;
use mqlab_text::Words;

use crate::fault::{Command, PlannedFault};
use crate::limits::{MAX_COMMANDS, MAX_MESSAGES, MAX_PLANNED_FAULTS, MAX_TRACE_EVENTS};
use crate::network::{LinkConfig, LinkId, LinkOverride, MessageKind, NetworkConfig};
use crate::node::NodeId;
use crate::ratio::Ratio;
use crate::replication::{Acks, Replication, TimedAction, TimedFault};
use crate::scenario::{
    CommitStrategy, KafkaConfig, PoisonFails, QueueConfig, Scenario, Timing, Topology,
    TransactionConfig,
};
use crate::sentences::{filed, FileSentence, Sentence};
use crate::sim::{Sim, SimOptions};
use crate::timeline::Run;
use crate::trace::TraceEvent;

use super::link::{needs_version_4, parse_link, parse_ratio, COMMAND_NAMES};
use super::{RebuildError, SharedRun, MAX_LINK_OVERRIDES};

/// The value of the `format` field.
pub const FILE_FORMAT: &str = "mqlab-scenario";
/// The file format version this build writes and the newest it reads.
pub const FILE_VERSION: u32 = 6;
/// The largest file accepted, in bytes.
pub const MAX_FILE_BYTES: u32 = 256 << 20;

/// A scenario file: the shared run, and what the file says the run produces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioFile {
    /// The scenario, commands and step.
    pub run: SharedRun,
    /// The trace hash the file says the run has at its step (`Sim::trace_hash`).
    pub trace_hash: Option<u64>,
    /// The trace the file says the run produces up to its step, told in English.
    pub trace: Option<Vec<TraceEvent>>,
}

/// Why a scenario file could not be imported. Field errors name the field's path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileError {
    /// Larger than `MAX_FILE_BYTES`.
    TooLarge {
        /// Its size in bytes (saturated).
        bytes: u32,
    },
    /// Not JSON at all.
    Syntax {
        /// Line, from 1.
        line: u32,
        /// Column, from 1.
        column: u32,
        /// The parser's explanation.
        message: String,
    },
    /// JSON, but not an MQ Lab scenario file (no `"format": "mqlab-scenario"`).
    NotAScenarioFile,
    /// A scenario file from a newer version of MQ Lab.
    FutureVersion {
        /// The version it says.
        version: u64,
    },
    /// A field is missing.
    MissingField {
        /// The field's path.
        path: String,
    },
    /// A field that the format does not have.
    UnknownField {
        /// The field's path.
        path: String,
    },
    /// A field's value has the wrong type or form.
    BadValue {
        /// The field's path.
        path: String,
        /// What was expected, e.g. `a ratio like "1/20"`.
        expected: FileSentence,
        /// A short rendering of what was found.
        found: FileSentence,
    },
    /// The fields are well formed, but the run they describe is invalid or cannot be
    /// rebuilt.
    Invalid(RebuildError),
    /// Re-simulating the run gives a different trace hash than the file says.
    TraceHashMismatch {
        /// The hash in the file.
        file: u64,
        /// The hash of the re-simulated run.
        simulation: u64,
    },
    /// Re-simulating the run gives a different trace than the file holds.
    TraceMismatch {
        /// The first event that differs, from 0.
        index: u32,
        /// The file's event there, in words.
        file: FileSentence,
        /// The re-simulated event there, in words.
        simulation: FileSentence,
    },
}

impl FileError {
    /// Why the file cannot be imported, in `words`.
    pub fn describe_in(&self, words: &Words) -> String {
        let said = match self {
            FileError::TooLarge { bytes } => {
                filed!(FileTooLarge, bytes = *bytes, most = MAX_FILE_BYTES)
            }
            FileError::Syntax {
                line,
                column,
                message,
            } => filed!(
                FileSyntax,
                line = *line,
                column = *column,
                message = message.clone()
            ),
            FileError::NotAScenarioFile => filed!(FileNotAScenario, format = FILE_FORMAT),
            FileError::FutureVersion { version } => {
                filed!(FileFutureVersion, version = *version, newest = FILE_VERSION)
            }
            FileError::MissingField { path } => filed!(FileMissing, path = path.clone()),
            FileError::UnknownField { path } => filed!(FileUnknown, path = path.clone()),
            FileError::BadValue {
                path,
                expected,
                found,
            } => filed!(FileBadValue, path = path.clone())
                .with_said("expected", expected.clone())
                .with_said("found", found.clone()),
            FileError::Invalid(error) => return error.describe_in(words),
            FileError::TraceHashMismatch { file, simulation } => filed!(
                FileTraceHash,
                file = format!("{file:016x}"),
                simulation = format!("{simulation:016x}")
            ),
            FileError::TraceMismatch {
                index,
                file,
                simulation,
            } => filed!(FileTrace, index = *index)
                .with_said("file", file.clone())
                .with_said("simulation", simulation.clone()),
        };
        said.told_in(words)
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe_in(crate::sentences::english()))
    }
}

impl std::error::Error for FileError {}

// ---------------------------------------------------------------------------------
// Export

#[derive(Serialize)]
struct FileOut<'a> {
    format: &'static str,
    version: u32,
    #[serde(flatten)]
    scenario: ScenarioOut<'a>,
    commands: Vec<CommandOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    step: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace: Option<&'a [TraceEvent]>,
}

/// A scenario's fields as a scenario file writes them (and a lesson file under
/// `"scenario"`).
#[derive(Serialize)]
pub(crate) struct ScenarioOut<'a> {
    mode: &'static str,
    messages: u32,
    seed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    topology: Option<TopologyOut>,
    network: NetworkOut,
    timing: TimingOut,
    transaction: TransactionOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    queue: Option<QueueOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    replication: Option<ReplicationOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    timed_faults: Vec<TimedFaultOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kafka: Option<KafkaOut>,
    #[cfg(feature = "kafka-txn")]
    #[serde(skip_serializing_if = "Option::is_none")]
    kafka_transactions: Option<&'a crate::txn_protocol::KafkaTransactions>,
    #[cfg(not(feature = "kafka-txn"))]
    #[serde(skip)]
    kafka_transactions: std::marker::PhantomData<&'a ()>,
    random_crash: String,
    faults: Vec<CommandOut>,
}

#[derive(Serialize)]
struct KafkaOut {
    groups: u16,
    partitions: u16,
    keys: u32,
    commit: &'static str,
    auto_commit_ticks: u64,
    session_timeout_ticks: u64,
    max_attempts: u32,
}

#[derive(Serialize)]
struct TopologyOut {
    producers: u16,
    brokers: u16,
    consumers: u16,
}

#[derive(Serialize)]
struct LinkConfigOut {
    latency_ticks_min: u64,
    latency_ticks_max: u64,
    loss: String,
    duplicate: String,
    reorder: String,
}

#[derive(Serialize)]
struct NetworkOut {
    #[serde(flatten)]
    global: LinkConfigOut,
    links: Vec<LinkOverrideOut>,
}

#[derive(Serialize)]
struct LinkOverrideOut {
    link: String,
    #[serde(flatten)]
    config: LinkConfigOut,
}

#[derive(Serialize)]
struct TimingOut {
    publish_interval_ticks: u64,
    retry_timeout_ticks: u64,
    redelivery_timeout_ticks: u64,
    fsync_delay_ticks: u64,
    restart_after_ticks: Option<u64>,
    producer_window: u32,
    delivery_window: u32,
    sequence_check: bool,
}

#[derive(Serialize)]
struct TransactionOut {
    vote_timeout_ticks: u64,
    decision_resend_ticks: u64,
    in_doubt_query_ticks: u64,
    retry_after_abort_ticks: u64,
    vote_no: String,
    size: u32,
    transform: bool,
}

#[derive(Serialize)]
struct QueueOut {
    poison: Vec<String>,
    poison_fails: &'static str,
    delivery_limit: u32,
    dead_letter_queue: bool,
    auto_ack: bool,
}

#[derive(Serialize)]
struct ReplicationOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    acks: Option<&'static str>,
    min_insync_replicas: u16,
    unclean_election: bool,
    truncate_to_high_watermark: bool,
    lag_timeout_ticks: u64,
    session_timeout_ticks: u64,
    request_timeout_ticks: u64,
}

/// A fault at a tick as a flat object: `tick`, `action`, and `node` (crash, restart)
/// or `a`, `b` and `until_tick` (partition).
#[derive(Serialize)]
struct TimedFaultOut {
    tick: u64,
    action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    a: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    b: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until_tick: Option<u64>,
}

impl TimedFaultOut {
    fn new(fault: &TimedFault) -> TimedFaultOut {
        let mut out = TimedFaultOut {
            tick: fault.tick,
            action: "crash",
            node: None,
            a: None,
            b: None,
            until_tick: None,
        };
        match fault.action {
            TimedAction::Crash { node } => out.node = Some(node.to_string()),
            TimedAction::Restart { node } => {
                out.action = "restart";
                out.node = Some(node.to_string());
            }
            TimedAction::Partition { a, b, until_tick } => {
                out.action = "partition";
                out.a = Some(a.to_string());
                out.b = Some(b.to_string());
                out.until_tick = Some(until_tick);
            }
        }
        out
    }
}

/// A command as a flat object: its step (`step` for commands, `at_step` for planned
/// faults), its name, and its arguments by name.
#[derive(Serialize, Default)]
struct CommandOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    at_step: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    step: Option<u64>,
    command: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    point: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nth: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ticks: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ratio: Option<String>,
}

fn link_config_out(c: &LinkConfig) -> LinkConfigOut {
    LinkConfigOut {
        latency_ticks_min: c.latency_ticks_min,
        latency_ticks_max: c.latency_ticks_max,
        loss: c.loss.to_string(),
        duplicate: c.duplicate.to_string(),
        reorder: c.reorder.to_string(),
    }
}

fn command_out(command: &Command) -> CommandOut {
    let link = |link: &LinkId| Some(link.to_string());
    let kind = |kind: &Option<MessageKind>| kind.map(MessageKind::as_str);
    let base = |name: &'static str| CommandOut {
        command: name,
        ..CommandOut::default()
    };
    match command {
        Command::Crash(node) => CommandOut {
            node: Some(node.name().to_string()),
            ..base("crash")
        },
        Command::Restart(node) => CommandOut {
            node: Some(node.name().to_string()),
            ..base("restart")
        },
        Command::CrashAt {
            point,
            message,
            instance,
        } => CommandOut {
            point: Some(point.name_at(*instance)),
            message: *message,
            ..base("crash_at")
        },
        Command::DropNext { link: l, kind: k } => CommandOut {
            link: link(l),
            kind: kind(k),
            ..base("drop_next")
        },
        Command::DuplicateNext { link: l } => CommandOut {
            link: link(l),
            ..base("duplicate_next")
        },
        Command::DelayNext { link: l, ticks } => CommandOut {
            link: link(l),
            ticks: Some(*ticks),
            ..base("delay_next")
        },
        Command::DropMatching {
            link: l,
            kind: k,
            message,
            nth,
        } => CommandOut {
            link: link(l),
            kind: kind(k),
            message: *message,
            nth: Some(*nth),
            ..base("drop_matching")
        },
        Command::DuplicateMatching {
            link: l,
            kind: k,
            message,
            nth,
        } => CommandOut {
            link: link(l),
            kind: kind(k),
            message: *message,
            nth: Some(*nth),
            ..base("duplicate_matching")
        },
        Command::DelayMatching {
            link: l,
            kind: k,
            message,
            nth,
            ticks,
        } => CommandOut {
            link: link(l),
            kind: kind(k),
            message: *message,
            nth: Some(*nth),
            ticks: Some(*ticks),
            ..base("delay_matching")
        },
        Command::Partition { link: l } => CommandOut {
            link: link(l),
            ..base("partition")
        },
        Command::Heal { link: l } => CommandOut {
            link: link(l),
            ..base("heal")
        },
        Command::SetLoss(r) => CommandOut {
            ratio: Some(r.to_string()),
            ..base("set_loss")
        },
        Command::SetDuplicate(r) => CommandOut {
            ratio: Some(r.to_string()),
            ..base("set_duplicate")
        },
        Command::SetReorder(r) => CommandOut {
            ratio: Some(r.to_string()),
            ..base("set_reorder")
        },
        Command::SetCrashRate(r) => CommandOut {
            ratio: Some(r.to_string()),
            ..base("set_crash_rate")
        },
        Command::ReplayDeadLetters => base("replay_dead_letters"),
    }
}

/// A scenario's fields as files write them, in documented order.
pub(crate) fn scenario_out(s: &Scenario) -> ScenarioOut<'_> {
    let t = &s.timing;
    let x = &s.transaction;
    ScenarioOut {
        mode: s.mode.as_str(),
        messages: s.messages,
        seed: s.seed,
        topology: (!s.topology.is_default()).then_some(TopologyOut {
            producers: s.topology.producers,
            brokers: s.topology.brokers,
            consumers: s.topology.consumers,
        }),
        network: NetworkOut {
            global: link_config_out(&s.network.global),
            links: s
                .network
                .links
                .iter()
                .map(|o| LinkOverrideOut {
                    link: o.link.to_string(),
                    config: link_config_out(&o.config),
                })
                .collect(),
        },
        timing: TimingOut {
            publish_interval_ticks: t.publish_interval_ticks,
            retry_timeout_ticks: t.retry_timeout_ticks,
            redelivery_timeout_ticks: t.redelivery_timeout_ticks,
            fsync_delay_ticks: t.fsync_delay_ticks,
            restart_after_ticks: t.restart_after_ticks,
            producer_window: t.producer_window,
            delivery_window: t.delivery_window,
            sequence_check: t.sequence_check,
        },
        transaction: TransactionOut {
            vote_timeout_ticks: x.vote_timeout_ticks,
            decision_resend_ticks: x.decision_resend_ticks,
            in_doubt_query_ticks: x.in_doubt_query_ticks,
            retry_after_abort_ticks: x.retry_after_abort_ticks,
            vote_no: x.vote_no.to_string(),
            size: x.size,
            transform: x.transform,
        },
        queue: (!s.queue.is_default()).then(|| QueueOut {
            poison: s.queue.poison.iter().map(|m| format!("m{m}")).collect(),
            poison_fails: s.queue.poison_fails.as_str(),
            delivery_limit: s.queue.delivery_limit,
            dead_letter_queue: s.queue.dead_letter_queue,
            auto_ack: s.queue.auto_ack,
        }),
        replication: (s.topology.replicated() || !s.replication.is_default()).then(|| {
            let r = &s.replication;
            ReplicationOut {
                acks: r.acks.map(Acks::as_str),
                min_insync_replicas: r.min_insync_replicas,
                unclean_election: r.unclean_election,
                truncate_to_high_watermark: r.truncate_to_high_watermark,
                lag_timeout_ticks: r.lag_timeout_ticks,
                session_timeout_ticks: r.session_timeout_ticks,
                request_timeout_ticks: r.request_timeout_ticks,
            }
        }),
        timed_faults: s.timed_faults.iter().map(TimedFaultOut::new).collect(),
        kafka: s.kafka.as_ref().map(|k| KafkaOut {
            groups: k.groups,
            partitions: k.partitions,
            keys: k.keys,
            commit: k.commit.as_str(),
            auto_commit_ticks: k.auto_commit_ticks,
            session_timeout_ticks: k.session_timeout_ticks,
            max_attempts: k.max_attempts,
        }),
        #[cfg(feature = "kafka-txn")]
        kafka_transactions: s.kafka_transactions.as_ref(),
        #[cfg(not(feature = "kafka-txn"))]
        kafka_transactions: std::marker::PhantomData,
        random_crash: s.random_crash.to_string(),
        faults: s
            .faults
            .iter()
            .map(|fault| CommandOut {
                at_step: fault.at_step,
                ..command_out(&fault.command)
            })
            .collect(),
    }
}

impl ScenarioFile {
    /// Describes a run as the page holds it, at its current step, with its trace hash
    /// and, when `with_trace`, its trace.
    pub fn from_run(run: &Run, with_trace: bool) -> ScenarioFile {
        ScenarioFile::from_sim(&SharedRun::from_run(run), run.sim(), with_trace)
    }

    /// Describes a run rebuilt from `shared` (as the CLI runs it): the file's step is the
    /// step the simulation reached (none once the run has ended, as in
    /// `SharedRun::from_run`), and its hash the simulation's.
    pub fn from_sim(shared: &SharedRun, sim: &Sim, with_trace: bool) -> ScenarioFile {
        ScenarioFile {
            run: SharedRun {
                step: super::step_of(sim),
                ..shared.clone()
            },
            trace_hash: Some(sim.trace_hash()),
            // Told in English, as the trace hash reads a run, whatever the page's language.
            trace: with_trace.then(|| sim.told_in(sim.trace(), crate::sentences::english())),
        }
    }

    /// The file's text: pretty-printed JSON with the fields in documented order.
    pub fn to_json(&self) -> String {
        let s = &self.run.scenario;
        let out = FileOut {
            format: FILE_FORMAT,
            // A file of the default world is written as version 1, which every MQ Lab that
            // reads files reads; version 2 only adds the topology, version 3 the queue,
            // version 4 the replicated queue and the timed faults.
            version: if s.runs_kafka_transactions() {
                6
            } else if s.kafka.is_some() {
                5
            } else if needs_version_4(s) {
                4
            } else if !s.queue.is_default() {
                3
            } else if !s.topology.is_default() {
                2
            } else {
                1
            },
            scenario: scenario_out(s),
            commands: self
                .run
                .commands
                .iter()
                .map(|(step, command)| CommandOut {
                    step: Some(*step),
                    ..command_out(command)
                })
                .collect(),
            step: self.run.step,
            trace_hash: self.trace_hash.map(|hash| format!("{hash:016x}")),
            trace: self.trace.as_deref(),
        };
        // Serializing these plain structs cannot fail (string keys, no maps of other
        // keys, no non-finite floats); an empty string would be refused on import.
        serde_json::to_string_pretty(&out).unwrap_or_default()
    }

    /// Reads a file and checks everything that can be checked without simulating.
    pub fn parse(text: &str) -> Result<ScenarioFile, FileError> {
        if text.len() > MAX_FILE_BYTES as usize {
            return Err(FileError::TooLarge {
                bytes: u32::try_from(text.len()).unwrap_or(u32::MAX),
            });
        }
        let value: Value = serde_json::from_str(text).map_err(|error| FileError::Syntax {
            line: u32::try_from(error.line()).unwrap_or(u32::MAX),
            column: u32::try_from(error.column()).unwrap_or(u32::MAX),
            message: syntax_message(&error),
        })?;
        let file = read_file(&value)?;
        file.run.validate().map_err(FileError::Invalid)?;
        Ok(file)
    }

    /// Checks a rebuilt simulation against the file's trace hash and trace.
    pub fn verify(&self, sim: &Sim) -> Result<(), FileError> {
        if let Some(trace) = &self.trace {
            let simulated = sim.told_in(sim.trace(), crate::sentences::english());
            let common = trace.len().min(simulated.len());
            let first_difference = (0..common)
                .find(|&i| trace[i] != simulated[i])
                .or((trace.len() != simulated.len()).then_some(common));
            if let Some(index) = first_difference {
                return Err(FileError::TraceMismatch {
                    index: u32::try_from(index).unwrap_or(u32::MAX),
                    file: describe_event(trace.get(index)),
                    simulation: describe_event(simulated.get(index)),
                });
            }
        }
        if let Some(file) = self.trace_hash {
            let simulation = sim.trace_hash();
            if file != simulation {
                return Err(FileError::TraceHashMismatch { file, simulation });
            }
        }
        Ok(())
    }

    /// Rebuilds the run for the page and verifies it against the file's trace and hash.
    pub fn to_run(&self) -> Result<Run, FileError> {
        let run = self.run.to_run().map_err(FileError::Invalid)?;
        self.verify(run.sim())?;
        Ok(run)
    }

    /// Rebuilds the run as the CLI runs it (see `SharedRun::to_sim`) and verifies it.
    /// The trace is recorded when the file carries one, whatever `options` say.
    pub fn to_sim(&self, options: SimOptions, max_steps: u64) -> Result<Sim, FileError> {
        let options = SimOptions {
            record_trace: options.record_trace || self.trace.is_some(),
        };
        let sim = self
            .run
            .to_sim(options, max_steps)
            .map_err(FileError::Invalid)?;
        self.verify(&sim)?;
        Ok(sim)
    }

    /// Reads a file, rebuilds its run and verifies it: what "Import" does.
    pub fn import(text: &str) -> Result<(ScenarioFile, Run), FileError> {
        let file = ScenarioFile::parse(text)?;
        let run = file.to_run()?;
        Ok((file, run))
    }
}

fn describe_event(event: Option<&TraceEvent>) -> FileSentence {
    match event {
        Some(event) => filed!(
            FileEvent,
            step = event.step,
            narration = event.narration.clone()
        ),
        None => filed!(FileNoEvent),
    }
}

fn syntax_message(error: &serde_json::Error) -> String {
    // serde_json appends " at line L column C"; the position is reported separately.
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

// ---------------------------------------------------------------------------------
// Import

/// A short rendering of a JSON value for messages.
fn found(value: &Value) -> FileSentence {
    let text = match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            // Control characters are shown escaped, so that a message stays on one line.
            let short: String = s
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
            if s.chars().nth(40).is_some() {
                format!("\"{short}…\"")
            } else {
                format!("\"{short}\"")
            }
        }
        Value::Array(_) => return filed!(FileFoundArray),
        Value::Object(_) => return filed!(FileFoundObject),
    };
    filed!(FileFoundValue, value = text)
}

fn bad(path: &str, expected: FileSentence, value: &Value) -> FileError {
    FileError::BadValue {
        path: path.to_string(),
        expected,
        found: found(value),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// An object being read: refuses keys outside `allowed`, then hands out fields.
struct Fields<'a> {
    path: String,
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn new(path: &str, value: &'a Value, allowed: &[&str]) -> Result<Fields<'a>, FileError> {
        let map = value
            .as_object()
            .ok_or_else(|| bad(path, filed!(FileExpectObject), value))?;
        // Objects keep their keys sorted, so the first unknown one reported is stable.
        if let Some(key) = map.keys().find(|key| !allowed.contains(&key.as_str())) {
            return Err(FileError::UnknownField {
                path: join(path, key),
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

    fn required(&self, key: &str) -> Result<(&'a Value, String), FileError> {
        self.optional(key).ok_or_else(|| FileError::MissingField {
            path: self.path(key),
        })
    }

    fn u64_or(&self, key: &str, default: u64) -> Result<u64, FileError> {
        match self.optional(key) {
            Some((value, path)) => read_u64(value, &path),
            None => Ok(default),
        }
    }

    fn u32_or(&self, key: &str, default: u32) -> Result<u32, FileError> {
        match self.optional(key) {
            Some((value, path)) => read_u32(value, &path),
            None => Ok(default),
        }
    }

    fn bool_or(&self, key: &str, default: bool) -> Result<bool, FileError> {
        match self.optional(key) {
            Some((value, path)) => value
                .as_bool()
                .ok_or_else(|| bad(&path, filed!(FileExpectTrueFalse), value)),
            None => Ok(default),
        }
    }

    fn ratio_or(&self, key: &str, default: Ratio) -> Result<Ratio, FileError> {
        match self.optional(key) {
            Some((value, path)) => read_ratio(value, &path),
            None => Ok(default),
        }
    }
}

fn read_u64(value: &Value, path: &str) -> Result<u64, FileError> {
    value
        .as_u64()
        .ok_or_else(|| bad(path, filed!(FileExpectWholeNumber), value))
}

fn read_u32(value: &Value, path: &str) -> Result<u32, FileError> {
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| bad(path, filed!(FileExpectU32, most = u32::MAX), value))
}

fn read_str<'a>(
    value: &'a Value,
    path: &str,
    expected: &FileSentence,
) -> Result<&'a str, FileError> {
    value
        .as_str()
        .ok_or_else(|| bad(path, expected.clone(), value))
}

fn read_ratio(value: &Value, path: &str) -> Result<Ratio, FileError> {
    let expected = filed!(FileExpectRatio);
    let text = read_str(value, path, &expected)?;
    parse_ratio(text).ok_or_else(|| bad(path, expected, value))
}

fn read_name<T>(value: &Value, path: &str, what: Key) -> Result<T, FileError>
where
    T: std::str::FromStr<Err = crate::names::UnknownName>,
{
    let expected = FileSentence::new(what);
    let text = read_str(value, path, &expected)?;
    text.parse::<T>().map_err(|error| FileError::BadValue {
        path: path.to_string(),
        expected,
        found: because(value, error.sentence()),
    })
}

/// What was found, and why it does not do.
fn because(value: &Value, problem: Sentence) -> FileSentence {
    filed!(FileFoundBecause)
        .with_said("found", found(value))
        .with_other("problem", problem)
}

/// A crash point named for a node instance, as files write it.
struct PointAt(crate::fault::CrashPoint, u8);

impl std::str::FromStr for PointAt {
    type Err = crate::names::UnknownName;

    fn from_str(input: &str) -> Result<PointAt, Self::Err> {
        crate::fault::CrashPoint::parse_at(input).map(|(point, instance)| PointAt(point, instance))
    }
}

fn read_link(value: &Value, path: &str) -> Result<LinkId, FileError> {
    let expected = filed!(FileExpectLink);
    let text = read_str(value, path, &expected)?;
    parse_link(text).map_err(|error| FileError::BadValue {
        path: path.to_string(),
        expected,
        found: because(value, error),
    })
}

fn read_array<'a>(value: &'a Value, path: &str, limit: u32) -> Result<&'a [Value], FileError> {
    let items = value
        .as_array()
        .ok_or_else(|| bad(path, filed!(FileExpectArray), value))?;
    if items.len() > limit as usize {
        return Err(FileError::BadValue {
            path: path.to_string(),
            expected: filed!(FileExpectEntries, count = limit),
            found: filed!(FileFoundEntries, count = items.len()),
        });
    }
    Ok(items)
}

#[cfg(feature = "kafka-txn")]
const KAFKA_TRANSACTIONS_FIELDS: [&str; 5] = [
    "isolation",
    "zombie",
    "external_effect",
    "transaction_timeout_ticks",
    "pauses",
];

/// Reads the Kafka-transactions settings (only a build that runs them reads them).
#[cfg(feature = "kafka-txn")]
fn read_kafka_transactions(
    value: &Value,
    path: &str,
) -> Result<crate::txn_protocol::KafkaTransactions, FileError> {
    use crate::txn_protocol::{Isolation, KafkaTransactions, Pause};
    let fields = Fields::new(path, value, &KAFKA_TRANSACTIONS_FIELDS)?;
    let d = KafkaTransactions::default();
    let isolation = match fields.optional("isolation") {
        Some((value, path)) => read_name::<Isolation>(value, &path, Key::FileExpectIsolation)?,
        None => d.isolation,
    };
    let mut pauses = Vec::new();
    if let Some((value, path)) = fields.optional("pauses") {
        for (index, item) in read_array(value, &path, MAX_PLANNED_FAULTS)?
            .iter()
            .enumerate()
        {
            let item_path = format!("{path}[{index}]");
            let expected = filed!(FileExpectPause);
            let text = read_str(item, &item_path, &expected)?;
            pauses.push(Pause::parse(text).map_err(|e| FileError::BadValue {
                path: item_path.clone(),
                expected,
                found: because(item, e.0),
            })?);
        }
    }
    Ok(KafkaTransactions {
        isolation,
        zombie: fields.bool_or("zombie", d.zombie)?,
        external_effect: fields.bool_or("external_effect", d.external_effect)?,
        transaction_timeout_ticks: fields
            .u64_or("transaction_timeout_ticks", d.transaction_timeout_ticks)?,
        pauses,
    })
}

/// A scenario file's fields before and after its scenario's ([`SCENARIO_FIELDS`]).
const HEADER_FIELDS: [&str; 2] = ["format", "version"];
const RUN_FIELDS: [&str; 5] = ["commands", "step", "trace_hash", "trace", "$comment"];
const TOPOLOGY_FIELDS: [&str; 3] = ["producers", "brokers", "consumers"];
const LINK_CONFIG_FIELDS: [&str; 5] = [
    "latency_ticks_min",
    "latency_ticks_max",
    "loss",
    "duplicate",
    "reorder",
];
const TIMING_FIELDS: [&str; 8] = [
    "publish_interval_ticks",
    "retry_timeout_ticks",
    "redelivery_timeout_ticks",
    "fsync_delay_ticks",
    "restart_after_ticks",
    "producer_window",
    "delivery_window",
    "sequence_check",
];
const TRANSACTION_FIELDS: [&str; 7] = [
    "vote_timeout_ticks",
    "decision_resend_ticks",
    "in_doubt_query_ticks",
    "retry_after_abort_ticks",
    "vote_no",
    "size",
    "transform",
];
const QUEUE_FIELDS: [&str; 5] = [
    "poison",
    "poison_fails",
    "delivery_limit",
    "dead_letter_queue",
    "auto_ack",
];
const REPLICATION_FIELDS: [&str; 7] = [
    "acks",
    "min_insync_replicas",
    "unclean_election",
    "truncate_to_high_watermark",
    "lag_timeout_ticks",
    "session_timeout_ticks",
    "request_timeout_ticks",
];
const KAFKA_FIELDS: [&str; 7] = [
    "groups",
    "partitions",
    "keys",
    "commit",
    "auto_commit_ticks",
    "session_timeout_ticks",
    "max_attempts",
];
const TIMED_FAULT_FIELDS: [&str; 6] = ["tick", "action", "node", "a", "b", "until_tick"];
const TRACE_EVENT_FIELDS: [&str; 15] = [
    "step",
    "tick",
    "kind",
    "detail",
    "node",
    "peer",
    "link",
    "message_kind",
    "message",
    "txn",
    "attempt",
    "duplicate",
    "crash",
    "sent_tick",
    "narration",
];

fn read_file(value: &Value) -> Result<ScenarioFile, FileError> {
    let map = value.as_object().ok_or(FileError::NotAScenarioFile)?;
    if map.get("format").and_then(Value::as_str) != Some(FILE_FORMAT) {
        return Err(FileError::NotAScenarioFile);
    }
    // The version is read before any other field: a newer file may have fields this
    // version does not know, and "newer version" is the useful message then.
    let version_value = map.get("version").ok_or_else(|| FileError::MissingField {
        path: "version".to_string(),
    })?;
    let version = version_value
        .as_u64()
        .filter(|v| *v >= 1)
        .ok_or_else(|| bad("version", filed!(FileExpectVersion), version_value))?;
    if version > u64::from(FILE_VERSION) {
        return Err(FileError::FutureVersion { version });
    }
    let top_fields: Vec<&str> = HEADER_FIELDS
        .iter()
        .chain(&SCENARIO_FIELDS)
        .chain(&RUN_FIELDS)
        .copied()
        .collect();
    let top = Fields::new("", value, &top_fields)?;
    let scenario = read_scenario_fields(&top, version)?;
    let mut commands = Vec::new();
    if let Some((value, path)) = top.optional("commands") {
        for (index, item) in read_array(value, &path, MAX_COMMANDS)?.iter().enumerate() {
            let item_path = format!("{path}[{index}]");
            let (step, command) = read_command(item, &item_path, "step")?;
            let step = step.ok_or_else(|| FileError::MissingField {
                path: format!("{item_path}.step"),
            })?;
            commands.push((step, command));
        }
    }
    let step = match top.optional("step") {
        Some((value, path)) => Some(read_u64(value, &path)?),
        None => None,
    };
    let trace_hash = match top.optional("trace_hash") {
        Some((value, path)) => {
            let expected = filed!(FileExpectTraceHash);
            let text = read_str(value, &path, &expected)?;
            if text.len() != 16 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad(&path, expected, value));
            }
            Some(u64::from_str_radix(text, 16).map_err(|_| bad(&path, expected, value))?)
        }
        None => None,
    };
    let trace = match top.optional("trace") {
        Some((value, path)) => Some(read_trace(value, &path)?),
        None => None,
    };
    Ok(ScenarioFile {
        run: SharedRun {
            scenario,
            commands,
            step,
        },
        trace_hash,
        trace,
    })
}

/// The scenario's fields of a file of `version`, from the object `top` (a scenario
/// file's top level, or the `"scenario"` object of a lesson file).
fn read_scenario_fields(top: &Fields<'_>, version: u64) -> Result<Scenario, FileError> {
    let (mode, path) = top.required("mode")?;
    let mode = read_name(mode, &path, Key::FileExpectMode)?;
    let (messages, path) = top.required("messages")?;
    let messages = read_u32(messages, &path)?;
    let (seed, path) = top.required("seed")?;
    let seed = read_u64(seed, &path)?;
    let topology = match top.optional("topology") {
        // Version 1 files describe the default world only.
        Some((value, _)) if version < 2 => {
            return Err(bad(
                &top.path("topology"),
                filed!(FileExpectTopologyV1),
                value,
            ))
        }
        Some((value, path)) => read_topology(value, &path)?,
        None => Topology::default(),
    };
    let network = match top.optional("network") {
        Some((value, path)) => read_network(value, &path)?,
        None => NetworkConfig::default(),
    };
    let timing = match top.optional("timing") {
        Some((value, path)) => read_timing(value, &path)?,
        None => Timing::default(),
    };
    let transaction = match top.optional("transaction") {
        Some((value, path)) => read_transaction(value, &path)?,
        None => TransactionConfig::default(),
    };
    let queue = match top.optional("queue") {
        Some((value, _)) if version < 3 => {
            return Err(bad(&top.path("queue"), filed!(FileExpectQueueV3), value))
        }
        Some((value, path)) => read_queue(value, &path)?,
        None => QueueConfig::default(),
    };
    let replication = match top.optional("replication") {
        Some((value, _)) if version < 4 => {
            return Err(bad(
                &top.path("replication"),
                filed!(FileExpectReplicationV4),
                value,
            ))
        }
        Some((value, path)) => read_replication(value, &path)?,
        None => Replication::default(),
    };
    let mut timed_faults = Vec::new();
    match top.optional("timed_faults") {
        Some((value, _)) if version < 4 => {
            return Err(bad(
                &top.path("timed_faults"),
                filed!(FileExpectTimedFaultsV4),
                value,
            ))
        }
        Some((value, path)) => {
            for (index, item) in read_array(value, &path, MAX_PLANNED_FAULTS)?
                .iter()
                .enumerate()
            {
                timed_faults.push(read_timed_fault(item, &format!("{path}[{index}]"))?);
            }
        }
        None => {}
    }
    let kafka = match top.optional("kafka") {
        Some((value, _)) if version < 5 => {
            return Err(bad(&top.path("kafka"), filed!(FileExpectKafkaV5), value))
        }
        Some((value, path)) => Some(read_kafka(value, &path)?),
        None => None,
    };
    #[cfg_attr(not(feature = "kafka-txn"), allow(unused_variables))]
    let kafka_transactions: Option<crate::txn_protocol::KafkaTransactions> =
        match top.optional("kafka_transactions") {
            Some((value, _)) if version < 6 => {
                return Err(bad(
                    &top.path("kafka_transactions"),
                    filed!(FileExpectKafkaTransactionsV6),
                    value,
                ))
            }
            #[cfg(feature = "kafka-txn")]
            Some((value, path)) => Some(read_kafka_transactions(value, &path)?),
            #[cfg(not(feature = "kafka-txn"))]
            Some(_) => {
                return Err(FileError::Invalid(RebuildError::Scenario(
                    crate::scenario::ScenarioError::Unsupported {
                        field: top.path("kafka_transactions"),
                        reason: crate::sentences::said!(UnsupportedKafkaTxnNotInBuild),
                    },
                )))
            }
            None => None,
        };
    let random_crash = top.ratio_or("random_crash", Ratio::ZERO)?;
    let mut faults = Vec::new();
    if let Some((value, path)) = top.optional("faults") {
        for (index, item) in read_array(value, &path, MAX_PLANNED_FAULTS)?
            .iter()
            .enumerate()
        {
            let (at_step, command) = read_command(item, &format!("{path}[{index}]"), "at_step")?;
            faults.push(PlannedFault { at_step, command });
        }
    }
    Ok(Scenario {
        mode,
        messages,
        seed,
        topology,
        network,
        timing,
        transaction,
        queue,
        replication,
        timed_faults,
        random_crash,
        faults,
        kafka,
        #[cfg(feature = "kafka-txn")]
        kafka_transactions,
    })
}

/// The fields of a scenario object: a scenario file's, without its header, commands,
/// step and trace.
pub(crate) const SCENARIO_FIELDS: [&str; 14] = [
    "mode",
    "messages",
    "seed",
    "topology",
    "network",
    "timing",
    "transaction",
    "queue",
    "replication",
    "timed_faults",
    "kafka",
    "kafka_transactions",
    "random_crash",
    "faults",
];

/// Reads a scenario object at `path` (a lesson file's `"scenario"`), as a file of the
/// newest version holds it; field errors name the field under `path`. Only the fields are
/// checked: validate the scenario before running it.
pub(crate) fn read_scenario(value: &Value, path: &str) -> Result<Scenario, FileError> {
    let fields = Fields::new(path, value, &SCENARIO_FIELDS)?;
    read_scenario_fields(&fields, u64::from(FILE_VERSION))
}

fn read_link_config(fields: &Fields<'_>, defaults: LinkConfig) -> Result<LinkConfig, FileError> {
    Ok(LinkConfig {
        latency_ticks_min: fields.u64_or("latency_ticks_min", defaults.latency_ticks_min)?,
        latency_ticks_max: fields.u64_or("latency_ticks_max", defaults.latency_ticks_max)?,
        loss: fields.ratio_or("loss", defaults.loss)?,
        duplicate: fields.ratio_or("duplicate", defaults.duplicate)?,
        reorder: fields.ratio_or("reorder", defaults.reorder)?,
    })
}

fn read_network(value: &Value, path: &str) -> Result<NetworkConfig, FileError> {
    let mut allowed = LINK_CONFIG_FIELDS.to_vec();
    allowed.push("links");
    let fields = Fields::new(path, value, &allowed)?;
    let global = read_link_config(&fields, LinkConfig::default())?;
    let mut links = Vec::new();
    if let Some((value, links_path)) = fields.optional("links") {
        for (index, item) in read_array(value, &links_path, MAX_LINK_OVERRIDES)?
            .iter()
            .enumerate()
        {
            let item_path = format!("{links_path}[{index}]");
            let mut allowed = LINK_CONFIG_FIELDS.to_vec();
            allowed.push("link");
            let item_fields = Fields::new(&item_path, item, &allowed)?;
            let (link, link_path) = item_fields.required("link")?;
            let link = read_link(link, &link_path)?;
            // A link's settings start from the global ones: write only what differs.
            let config = read_link_config(&item_fields, global)?;
            links.push(LinkOverride { link, config });
        }
    }
    Ok(NetworkConfig { global, links })
}

fn read_timing(value: &Value, path: &str) -> Result<Timing, FileError> {
    let fields = Fields::new(path, value, &TIMING_FIELDS)?;
    let d = Timing::default();
    let restart_after_ticks = match fields.optional("restart_after_ticks") {
        Some((Value::Null, _)) => None,
        Some((value, path)) => Some(
            value
                .as_u64()
                .ok_or_else(|| bad(&path, filed!(FileExpectTicksOrNull), value))?,
        ),
        None => d.restart_after_ticks,
    };
    Ok(Timing {
        publish_interval_ticks: fields
            .u64_or("publish_interval_ticks", d.publish_interval_ticks)?,
        retry_timeout_ticks: fields.u64_or("retry_timeout_ticks", d.retry_timeout_ticks)?,
        redelivery_timeout_ticks: fields
            .u64_or("redelivery_timeout_ticks", d.redelivery_timeout_ticks)?,
        fsync_delay_ticks: fields.u64_or("fsync_delay_ticks", d.fsync_delay_ticks)?,
        restart_after_ticks,
        producer_window: fields.u32_or("producer_window", d.producer_window)?,
        delivery_window: fields.u32_or("delivery_window", d.delivery_window)?,
        sequence_check: fields.bool_or("sequence_check", d.sequence_check)?,
    })
}

fn read_topology(value: &Value, path: &str) -> Result<Topology, FileError> {
    let fields = Fields::new(path, value, &TOPOLOGY_FIELDS)?;
    let d = Topology::default();
    let count = |key: &'static str, default: u16| -> Result<u16, FileError> {
        let value = fields.u32_or(key, u32::from(default))?;
        u16::try_from(value).map_err(|_| FileError::BadValue {
            path: format!("{path}.{key}"),
            expected: filed!(FileExpectSmallWholeNumber),
            found: filed!(FileFoundValue, value = value.to_string()),
        })
    };
    Ok(Topology {
        producers: count("producers", d.producers)?,
        brokers: count("brokers", d.brokers)?,
        consumers: count("consumers", d.consumers)?,
    })
}

fn read_transaction(value: &Value, path: &str) -> Result<TransactionConfig, FileError> {
    let fields = Fields::new(path, value, &TRANSACTION_FIELDS)?;
    let d = TransactionConfig::default();
    Ok(TransactionConfig {
        vote_timeout_ticks: fields.u64_or("vote_timeout_ticks", d.vote_timeout_ticks)?,
        decision_resend_ticks: fields.u64_or("decision_resend_ticks", d.decision_resend_ticks)?,
        in_doubt_query_ticks: fields.u64_or("in_doubt_query_ticks", d.in_doubt_query_ticks)?,
        retry_after_abort_ticks: fields
            .u64_or("retry_after_abort_ticks", d.retry_after_abort_ticks)?,
        vote_no: fields.ratio_or("vote_no", d.vote_no)?,
        size: fields.u32_or("size", d.size)?,
        transform: fields.bool_or("transform", d.transform)?,
    })
}

fn read_queue(value: &Value, path: &str) -> Result<QueueConfig, FileError> {
    let fields = Fields::new(path, value, &QUEUE_FIELDS)?;
    let d = QueueConfig::default();
    let mut poison = Vec::new();
    if let Some((value, path)) = fields.optional("poison") {
        for (index, item) in read_array(value, &path, MAX_MESSAGES)?.iter().enumerate() {
            let item_path = format!("{path}[{index}]");
            let expected = filed!(FileExpectMessage);
            let text = read_str(item, &item_path, &expected)?;
            let message = text
                .strip_prefix('m')
                .and_then(|n| n.parse::<u32>().ok())
                .ok_or_else(|| bad(&item_path, expected, item))?;
            poison.push(message);
        }
    }
    let poison_fails = match fields.optional("poison_fails") {
        Some((value, path)) => {
            let expected = filed!(FileExpectPoisonFails);
            read_str(value, &path, &expected)?
                .parse::<PoisonFails>()
                .map_err(|_| bad(&path, expected, value))?
        }
        None => d.poison_fails,
    };
    Ok(QueueConfig {
        poison,
        poison_fails,
        delivery_limit: fields.u32_or("delivery_limit", d.delivery_limit)?,
        dead_letter_queue: fields.bool_or("dead_letter_queue", d.dead_letter_queue)?,
        auto_ack: fields.bool_or("auto_ack", d.auto_ack)?,
    })
}

fn read_kafka(value: &Value, path: &str) -> Result<KafkaConfig, FileError> {
    let fields = Fields::new(path, value, &KAFKA_FIELDS)?;
    let d = KafkaConfig::default();
    let small = |key: &str, default: u16| -> Result<u16, FileError> {
        match fields.optional(key) {
            Some((value, path)) => value
                .as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .ok_or_else(|| bad(&path, filed!(FileExpectSmallWholeNumber), value)),
            None => Ok(default),
        }
    };
    let commit = match fields.optional("commit") {
        Some((value, path)) => read_name::<CommitStrategy>(value, &path, Key::FileExpectCommit)?,
        None => d.commit,
    };
    Ok(KafkaConfig {
        groups: small("groups", d.groups)?,
        partitions: small("partitions", d.partitions)?,
        keys: fields.u32_or("keys", d.keys)?,
        commit,
        auto_commit_ticks: fields.u64_or("auto_commit_ticks", d.auto_commit_ticks)?,
        session_timeout_ticks: fields.u64_or("session_timeout_ticks", d.session_timeout_ticks)?,
        max_attempts: fields.u32_or("max_attempts", d.max_attempts)?,
    })
}

fn read_replication(value: &Value, path: &str) -> Result<Replication, FileError> {
    let fields = Fields::new(path, value, &REPLICATION_FIELDS)?;
    let d = Replication::default();
    let acks = match fields.optional("acks") {
        Some((value, path)) => Some(read_name::<Acks>(value, &path, Key::FileExpectAcks)?),
        None => None,
    };
    let min_insync_replicas = match fields.optional("min_insync_replicas") {
        Some((value, path)) => value
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .ok_or_else(|| bad(&path, filed!(FileExpectSmallWholeNumber), value))?,
        None => d.min_insync_replicas,
    };
    Ok(Replication {
        acks,
        min_insync_replicas,
        unclean_election: fields.bool_or("unclean_election", d.unclean_election)?,
        truncate_to_high_watermark: fields
            .bool_or("truncate_to_high_watermark", d.truncate_to_high_watermark)?,
        lag_timeout_ticks: fields.u64_or("lag_timeout_ticks", d.lag_timeout_ticks)?,
        session_timeout_ticks: fields.u64_or("session_timeout_ticks", d.session_timeout_ticks)?,
        request_timeout_ticks: fields.u64_or("request_timeout_ticks", d.request_timeout_ticks)?,
    })
}

fn read_timed_fault(value: &Value, path: &str) -> Result<TimedFault, FileError> {
    let fields = Fields::new(path, value, &TIMED_FAULT_FIELDS)?;
    let (tick, tick_path) = fields.required("tick")?;
    let tick = read_u64(tick, &tick_path)?;
    let (action, action_path) = fields.required("action")?;
    let actions = filed!(FileExpectTimedAction);
    let node_at = |key: &str| -> Result<NodeId, FileError> {
        let (value, path) = fields.required(key)?;
        read_name::<NodeId>(value, &path, Key::FileExpectNode)
    };
    // Only the fields of the action are allowed.
    let refuse = |keys: &[&str]| -> Result<(), FileError> {
        match keys.iter().find(|key| fields.optional(key).is_some()) {
            Some(key) => Err(FileError::UnknownField {
                path: fields.path(key),
            }),
            None => Ok(()),
        }
    };
    let action = match read_str(action, &action_path, &actions)? {
        "crash" | "restart" => {
            refuse(&["a", "b", "until_tick"])?;
            let node = node_at("node")?;
            if action.as_str() == Some("crash") {
                TimedAction::Crash { node }
            } else {
                TimedAction::Restart { node }
            }
        }
        "partition" => {
            refuse(&["node"])?;
            let (until, until_path) = fields.required("until_tick")?;
            TimedAction::Partition {
                a: node_at("a")?,
                b: node_at("b")?,
                until_tick: read_u64(until, &until_path)?,
            }
        }
        _ => return Err(bad(&action_path, actions, action)),
    };
    Ok(TimedFault { tick, action })
}

/// The argument fields each command takes; `message` and `kind` are optional ("any"),
/// `nth` defaults to 1, the others are required.
fn command_arguments(name: &str) -> &'static [&'static str] {
    match name {
        "crash" | "restart" => &["node"],
        "crash_at" => &["point", "message"],
        "drop_next" => &["link", "kind"],
        "duplicate_next" | "partition" | "heal" => &["link"],
        "delay_next" => &["link", "ticks"],
        "drop_matching" | "duplicate_matching" => &["link", "kind", "message", "nth"],
        "delay_matching" => &["link", "kind", "message", "nth", "ticks"],
        "replay_dead_letters" => &[],
        _ => &["ratio"],
    }
}

/// Reads `{ "<step_key>": N, "command": "name", ...arguments }`.
fn read_command(
    value: &Value,
    path: &str,
    step_key: &'static str,
) -> Result<(Option<u64>, Command), FileError> {
    let map = value
        .as_object()
        .ok_or_else(|| bad(path, filed!(FileExpectCommandObject), value))?;
    let name_path = join(path, "command");
    let name_value = map.get("command").ok_or_else(|| FileError::MissingField {
        path: name_path.clone(),
    })?;
    let expected_name = filed!(FileExpectCommandName, names = COMMAND_NAMES.join(", "));
    let name = read_str(name_value, &name_path, &expected_name)?;
    if !COMMAND_NAMES.contains(&name) {
        return Err(bad(&name_path, expected_name, name_value));
    }
    let arguments = command_arguments(name);
    let mut allowed = vec![step_key, "command"];
    allowed.extend_from_slice(arguments);
    let fields = Fields::new(path, value, &allowed)?;
    let step = match fields.optional(step_key) {
        Some((value, path)) => Some(read_u64(value, &path)?),
        None => None,
    };
    let node = || -> Result<_, FileError> {
        let (value, path) = fields.required("node")?;
        read_name(value, &path, Key::FileExpectCommandNode)
    };
    let link = || -> Result<LinkId, FileError> {
        let (value, path) = fields.required("link")?;
        read_link(value, &path)
    };
    let kind = || -> Result<Option<MessageKind>, FileError> {
        match fields.optional("kind") {
            Some((value, path)) => {
                Some(read_name(value, &path, Key::FileExpectMessageKind)).transpose()
            }
            None => Ok(None),
        }
    };
    let message = || -> Result<Option<u32>, FileError> {
        match fields.optional("message") {
            Some((value, path)) => read_u32(value, &path).map(Some),
            None => Ok(None),
        }
    };
    let nth = || fields.u32_or("nth", 1);
    let ticks = || -> Result<u64, FileError> {
        let (value, path) = fields.required("ticks")?;
        read_u64(value, &path)
    };
    let ratio = || -> Result<Ratio, FileError> {
        let (value, path) = fields.required("ratio")?;
        read_ratio(value, &path)
    };
    let command = match name {
        "crash" => Command::Crash(node()?),
        "restart" => Command::Restart(node()?),
        "crash_at" => {
            let (value, path) = fields.required("point")?;
            let PointAt(point, instance) = read_name(value, &path, Key::FileExpectCrashPoint)?;
            Command::CrashAt {
                point,
                message: message()?,
                instance,
            }
        }
        "drop_next" => Command::DropNext {
            link: link()?,
            kind: kind()?,
        },
        "duplicate_next" => Command::DuplicateNext { link: link()? },
        "partition" => Command::Partition { link: link()? },
        "heal" => Command::Heal { link: link()? },
        "replay_dead_letters" => Command::ReplayDeadLetters,
        "delay_next" => Command::DelayNext {
            link: link()?,
            ticks: ticks()?,
        },
        "drop_matching" => Command::DropMatching {
            link: link()?,
            kind: kind()?,
            message: message()?,
            nth: nth()?,
        },
        "duplicate_matching" => Command::DuplicateMatching {
            link: link()?,
            kind: kind()?,
            message: message()?,
            nth: nth()?,
        },
        "delay_matching" => Command::DelayMatching {
            link: link()?,
            kind: kind()?,
            message: message()?,
            nth: nth()?,
            ticks: ticks()?,
        },
        "set_loss" => Command::SetLoss(ratio()?),
        "set_duplicate" => Command::SetDuplicate(ratio()?),
        "set_reorder" => Command::SetReorder(ratio()?),
        _ => Command::SetCrashRate(ratio()?),
    };
    Ok((step, command))
}

fn read_trace(value: &Value, path: &str) -> Result<Vec<TraceEvent>, FileError> {
    let items = read_array(value, path, MAX_TRACE_EVENTS)?;
    let mut trace = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{index}]");
        Fields::new(&item_path, item, &TRACE_EVENT_FIELDS)?;
        let event: TraceEvent =
            serde_json::from_value(item.clone()).map_err(|error| FileError::BadValue {
                path: item_path,
                expected: filed!(FileExpectTraceEvent),
                found: filed!(FileFoundMisfit, problem = error.to_string()),
            })?;
        trace.push(event);
    }
    Ok(trace)
}
