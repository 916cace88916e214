//! The link form of a shared run, for the URL fragment.
//!
//! A link is `v1.` (or `v2.` for a world of several producers or consumers, which adds
//! the fields `producers`, `brokers` and `consumers`; `v3.` with queue settings; `v4.`
//! for a replicated queue or faults timed by the tick; `v5.` for consumer groups) + a body of `key=value` fields
//! joined by `&` + `~` + a CRC-32 of everything before the `~`, in eight lower-case hex
//! digits:
//!
//! ```text
//! v1.mode=idempotent&messages=5&seed=42&loss=1/20&cmd=12@crash,consumer&step=40~edf76fd5
//! ```
//!
//! Only `mode`, `messages` and `seed` are always written; every other field is written
//! only when it differs from its default, which keeps links short. Every character used
//! is allowed in a URL fragment without escaping (letters, digits and `.-_~=&,:@/*`).
//! The fields, the command syntax and the error messages are documented in
//! `docs/scenario-format.md`. The checksum is why a link cut short or edited by hand is
//! refused rather than silently reproducing a different run.

use std::fmt;
use std::fmt::Write as _;

use mqlab_text::errors::Key;
use mqlab_text::{Arg, Words};

use crate::fault::{Command, CrashPoint, PlannedFault};
use crate::limits::{MAX_COMMANDS, MAX_MESSAGES, MAX_PLANNED_FAULTS};
use crate::mode::Mode;
use crate::names::UnknownName;
use crate::network::{LinkConfig, LinkId, LinkOverride, MessageKind};
use crate::node::NodeId;
use crate::ratio::Ratio;
use crate::replication::{Acks, Replication, TimedFault};
use crate::scenario::{
    CommitStrategy, KafkaConfig, PoisonFails, QueueConfig, Scenario, Timing, Topology,
    TransactionConfig,
};
use crate::sentences::{said, Sentence};
use crate::timeline::Run;

use super::{RebuildError, SharedRun, MAX_LINK_OVERRIDES};

/// The link format this build writes and the newest it reads.
pub const LINK_VERSION: u32 = 6;

/// The version a link of the default world (one producer, broker and consumer) is
/// written in: version 2 only adds the topology fields, so such a link reads the same
/// in every MQ Lab that reads links.
const DEFAULT_WORLD_LINK_VERSION: u32 = 1;

/// The longest link accepted, in bytes. Browsers keep URLs of a few megabytes; a link
/// with the most commands allowed fits well within this.
pub const MAX_LINK_CHARS: u32 = 8 << 20;

/// Why a link could not be read. Each message says what is wrong in plain words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// Nothing after the `#`.
    Empty,
    /// The text does not start like an MQ Lab link (`v1.`).
    NotALink,
    /// The link was written by a newer version of MQ Lab.
    FutureVersion {
        /// The link format version it says.
        version: u32,
    },
    /// More than `MAX_LINK_CHARS` bytes.
    TooLong {
        /// Its length in bytes (saturated).
        chars: u32,
    },
    /// The checksum at the end is missing or incomplete.
    CutShort,
    /// The checksum does not match the content: the link was edited or damaged.
    Tampered,
    /// A field is not written `key=value`.
    MalformedField {
        /// The field as written.
        text: String,
    },
    /// A key that links do not have.
    UnknownKey {
        /// The key.
        key: String,
    },
    /// A key that may appear once appears twice.
    DuplicateKey {
        /// The key.
        key: String,
    },
    /// A required key is missing.
    MissingKey {
        /// The key.
        key: &'static str,
    },
    /// A value that cannot be read.
    BadValue {
        /// The key.
        key: &'static str,
        /// The value as written.
        value: String,
        /// What was expected, e.g. "a whole number".
        expected: Sentence,
    },
    /// A command, planned fault or link setting that cannot be read.
    Unreadable {
        /// The key.
        key: &'static str,
        /// The value as written.
        value: String,
        /// What is wrong with it.
        problem: Sentence,
    },
    /// More planned faults or commands than allowed.
    TooMany {
        /// The key ("fault" or "cmd").
        key: &'static str,
        /// The limit.
        limit: u32,
    },
    /// The fields are well formed but do not describe a valid run.
    Invalid(RebuildError),
}

/// The noun that names each key's field in messages.
const NOUNS: [(&str, Key); 57] = [
    ("mode", Key::FieldMode),
    ("messages", Key::FieldMessages),
    ("seed", Key::FieldSeed),
    ("producers", Key::FieldProducers),
    ("brokers", Key::FieldBrokers),
    ("consumers", Key::FieldConsumers),
    ("latency", Key::FieldLatency),
    ("loss", Key::FieldLoss),
    ("duplicate", Key::FieldDuplicate),
    ("reorder", Key::FieldReorder),
    ("link", Key::FieldLink),
    ("publish_interval", Key::FieldPublishInterval),
    ("retry_timeout", Key::FieldRetryTimeout),
    ("redelivery_timeout", Key::FieldRedeliveryTimeout),
    ("fsync_delay", Key::FieldFsyncDelay),
    ("restart_after", Key::FieldRestartAfter),
    ("producer_window", Key::FieldProducerWindow),
    ("delivery_window", Key::FieldDeliveryWindow),
    ("sequence_check", Key::FieldSequenceCheck),
    ("vote_timeout", Key::FieldVoteTimeout),
    ("decision_resend", Key::FieldDecisionResend),
    ("in_doubt_query", Key::FieldInDoubtQuery),
    ("retry_after_abort", Key::FieldRetryAfterAbort),
    ("vote_no", Key::FieldVoteNo),
    ("txn_size", Key::FieldTxnSize),
    ("transform", Key::FieldTransform),
    ("poison", Key::FieldPoison),
    ("poison_fails", Key::FieldPoisonFails),
    ("delivery_limit", Key::FieldDeliveryLimit),
    ("dlq", Key::FieldDlq),
    ("auto_ack", Key::FieldAutoAck),
    ("acks", Key::FieldAcks),
    ("min_isr", Key::FieldMinIsr),
    ("unclean", Key::FieldUnclean),
    ("truncate_to_hw", Key::FieldTruncateToHw),
    ("lag_timeout", Key::FieldLagTimeout),
    ("session_timeout", Key::FieldSessionTimeout),
    ("request_timeout", Key::FieldRequestTimeout),
    ("at", Key::FieldAt),
    ("style", Key::FieldStyle),
    ("groups", Key::FieldGroups),
    ("partitions", Key::FieldPartitions),
    ("keys", Key::FieldKeys),
    ("commit", Key::FieldCommit),
    ("auto_commit", Key::FieldAutoCommit),
    ("group_session", Key::FieldGroupSession),
    ("attempts", Key::FieldAttempts),
    ("protocol", Key::FieldProtocol),
    ("isolation", Key::FieldIsolation),
    ("zombie", Key::FieldZombie),
    ("external_effect", Key::FieldExternalEffect),
    ("txn_timeout", Key::FieldTxnTimeout),
    ("pause", Key::FieldPause),
    ("crash_rate", Key::FieldCrashRate),
    ("fault", Key::FieldFault),
    ("cmd", Key::FieldCmd),
    ("step", Key::FieldStep),
];

impl LinkError {
    /// The noun that names a key's field in messages.
    fn noun(key: &str) -> Key {
        NOUNS
            .iter()
            .find(|(name, _)| *name == key)
            .map_or(Key::FieldOther, |(_, noun)| *noun)
    }

    /// What is wrong with the link, in `words`.
    pub fn describe_in(&self, words: &Words) -> String {
        let noun = |key: &str| Arg::from(words.get(LinkError::noun(key)));
        let (entry, args): (Key, Vec<(&str, Arg)>) = match self {
            LinkError::Empty => (Key::LinkEmpty, vec![]),
            LinkError::NotALink => (Key::LinkNotALink, vec![]),
            LinkError::FutureVersion { version } => (
                Key::LinkFutureVersion,
                vec![
                    ("version", (*version).into()),
                    ("newest", LINK_VERSION.into()),
                ],
            ),
            LinkError::TooLong { chars } => (
                Key::LinkTooLong,
                vec![("chars", (*chars).into()), ("most", MAX_LINK_CHARS.into())],
            ),
            LinkError::CutShort => (Key::LinkCutShort, vec![]),
            LinkError::Tampered => (Key::LinkTampered, vec![]),
            LinkError::MalformedField { text } => {
                (Key::LinkMalformedField, vec![("text", text.into())])
            }
            LinkError::UnknownKey { key } => (Key::LinkUnknownKey, vec![("key", key.into())]),
            LinkError::DuplicateKey { key } => (
                Key::LinkDuplicateKey,
                vec![("key", key.into()), ("noun", noun(key))],
            ),
            LinkError::MissingKey { key } => {
                let missing = match *key {
                    "mode" => Key::MissingMode,
                    "messages" => Key::MissingMessages,
                    "seed" => Key::MissingSeed,
                    _ => Key::MissingOther,
                };
                (
                    Key::LinkMissingKey,
                    vec![("key", (*key).into()), ("noun", words.get(missing).into())],
                )
            }
            LinkError::BadValue {
                key,
                value,
                expected,
            } => (
                Key::LinkBadValue,
                vec![
                    ("key", (*key).into()),
                    ("value", value.into()),
                    ("noun", noun(key)),
                    ("expected", expected.told_in(words).into()),
                ],
            ),
            LinkError::Unreadable {
                key,
                value,
                problem,
            } => (
                Key::LinkUnreadable,
                vec![
                    ("key", (*key).into()),
                    ("value", value.into()),
                    ("noun", noun(key)),
                    ("problem", problem.told_in(words).into()),
                ],
            ),
            LinkError::TooMany { key, limit } => {
                let things = match *key {
                    "link" => Key::ManyLink,
                    "at" => Key::ManyAt,
                    "cmd" => Key::ManyCmd,
                    _ => Key::ManyFault,
                };
                (
                    Key::LinkTooMany,
                    vec![
                        ("limit", (*limit).into()),
                        ("things", words.get(things).into()),
                    ],
                )
            }
            LinkError::Invalid(error) => (
                Key::LinkInvalid,
                vec![("error", error.describe_in(words).into())],
            ),
        };
        words.fill(entry, &args)
    }
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe_in(crate::sentences::english()))
    }
}

impl std::error::Error for LinkError {}

impl SharedRun {
    /// Encodes the run as a link fragment (without the `#`).
    pub fn to_link(&self) -> String {
        let body = encode_body(self);
        // Each version only adds fields: a link is written in the oldest version that
        // has every field it needs (2 the topology, 3 the queue settings, 4 the
        // replicated queue and the timed faults).
        if self.scenario.runs_kafka_transactions() {
            seal_version(6, &body)
        } else if self.scenario.kafka.is_some() {
            seal_version(5, &body)
        } else if needs_version_4(&self.scenario) {
            seal_version(4, &body)
        } else if !self.scenario.queue.is_default() {
            seal_version(3, &body)
        } else if !self.scenario.topology.is_default() {
            seal_version(2, &body)
        } else {
            seal(&body)
        }
    }

    /// Decodes a link fragment (with or without the leading `#`, or a whole URL) and
    /// checks the scenario and commands against each other without simulating.
    pub fn from_link(text: &str) -> Result<SharedRun, LinkError> {
        let shared = decode(text)?;
        shared.validate().map_err(LinkError::Invalid)?;
        Ok(shared)
    }

    /// Decodes a link and rebuilds the run it describes, at its step.
    pub fn run_from_link(text: &str) -> Result<Run, LinkError> {
        SharedRun::from_link(text)?
            .to_run()
            .map_err(LinkError::Invalid)
    }
}

/// True when a scenario needs the fields of version 4: several brokers (a replicated
/// queue; older versions refuse more than one broker), replication settings or faults
/// timed by the tick. Files use the same rule.
pub(crate) fn needs_version_4(scenario: &Scenario) -> bool {
    scenario.topology.replicated()
        || !scenario.replication.is_default()
        || !scenario.timed_faults.is_empty()
}

/// Adds the version prefix and the checksum to a body: the complete link. Tools and
/// tests use it to build links by hand; the page only needs `SharedRun::to_link`.
pub fn seal(body: &str) -> String {
    seal_version(DEFAULT_WORLD_LINK_VERSION, body)
}

/// `seal` for a given format version (2 for a link with topology fields).
pub fn seal_version(version: u32, body: &str) -> String {
    let mut link = format!("v{version}.{body}");
    let checksum = crc32(link.as_bytes());
    let _ = write!(link, "~{checksum:08x}");
    link
}

/// CRC-32 (IEEE 802.3, reflected, the zlib one), bit by bit: links are short, and no
/// table keeps the WebAssembly small. It catches every burst error up to 32 bits.
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

fn encode_body(shared: &SharedRun) -> String {
    let s = &shared.scenario;
    let mut fields: Vec<String> = vec![
        format!("mode={}", s.mode.as_str()),
        format!("messages={}", s.messages),
        format!("seed={}", s.seed),
    ];
    let mut put = |key: &str, value: String| fields.push(format!("{key}={value}"));
    let topology = &s.topology;
    let one = Topology::default();
    for (key, value, default) in [
        ("producers", topology.producers, one.producers),
        ("brokers", topology.brokers, one.brokers),
        ("consumers", topology.consumers, one.consumers),
    ] {
        if value != default {
            put(key, value.to_string());
        }
    }
    let global = &s.network.global;
    let default_link = LinkConfig::default();
    if (global.latency_ticks_min, global.latency_ticks_max)
        != (
            default_link.latency_ticks_min,
            default_link.latency_ticks_max,
        )
    {
        put(
            "latency",
            format!("{}-{}", global.latency_ticks_min, global.latency_ticks_max),
        );
    }
    let ratios = [
        ("loss", global.loss, default_link.loss),
        ("duplicate", global.duplicate, default_link.duplicate),
        ("reorder", global.reorder, default_link.reorder),
    ];
    for (key, value, default) in ratios {
        if value != default {
            put(key, value.to_string());
        }
    }
    for o in &s.network.links {
        let c = &o.config;
        put(
            "link",
            format!(
                "{},{}-{},{},{},{}",
                link_text(o.link),
                c.latency_ticks_min,
                c.latency_ticks_max,
                c.loss,
                c.duplicate,
                c.reorder
            ),
        );
    }
    let t = &s.timing;
    let d = Timing::default();
    let numbers = [
        (
            "publish_interval",
            t.publish_interval_ticks,
            d.publish_interval_ticks,
        ),
        (
            "retry_timeout",
            t.retry_timeout_ticks,
            d.retry_timeout_ticks,
        ),
        (
            "redelivery_timeout",
            t.redelivery_timeout_ticks,
            d.redelivery_timeout_ticks,
        ),
        ("fsync_delay", t.fsync_delay_ticks, d.fsync_delay_ticks),
    ];
    for (key, value, default) in numbers {
        if value != default {
            put(key, value.to_string());
        }
    }
    if t.restart_after_ticks != d.restart_after_ticks {
        put(
            "restart_after",
            t.restart_after_ticks
                .map_or_else(|| "never".to_string(), |ticks| ticks.to_string()),
        );
    }
    if t.producer_window != d.producer_window {
        put("producer_window", t.producer_window.to_string());
    }
    if t.delivery_window != d.delivery_window {
        put("delivery_window", t.delivery_window.to_string());
    }
    if t.sequence_check {
        put("sequence_check", "on".to_string());
    }
    let x = &s.transaction;
    let d = TransactionConfig::default();
    let numbers = [
        ("vote_timeout", x.vote_timeout_ticks, d.vote_timeout_ticks),
        (
            "decision_resend",
            x.decision_resend_ticks,
            d.decision_resend_ticks,
        ),
        (
            "in_doubt_query",
            x.in_doubt_query_ticks,
            d.in_doubt_query_ticks,
        ),
        (
            "retry_after_abort",
            x.retry_after_abort_ticks,
            d.retry_after_abort_ticks,
        ),
    ];
    for (key, value, default) in numbers {
        if value != default {
            put(key, value.to_string());
        }
    }
    if x.vote_no != d.vote_no {
        put("vote_no", x.vote_no.to_string());
    }
    if x.size != d.size {
        put("txn_size", x.size.to_string());
    }
    if x.transform {
        put("transform", "on".to_string());
    }
    let q = &s.queue;
    let dq = QueueConfig::default();
    if !q.poison.is_empty() {
        let list: Vec<String> = q.poison.iter().map(|m| format!("m{m}")).collect();
        put("poison", list.join(","));
    }
    if q.poison_fails != dq.poison_fails {
        put("poison_fails", q.poison_fails.as_str().to_string());
    }
    if q.delivery_limit != dq.delivery_limit {
        put("delivery_limit", q.delivery_limit.to_string());
    }
    if q.dead_letter_queue {
        put("dlq", "on".to_string());
    }
    if q.auto_ack {
        put("auto_ack", "on".to_string());
    }
    let r = &s.replication;
    let dr = Replication::default();
    if let Some(acks) = r.acks {
        put("acks", acks.as_str().to_string());
    }
    if r.min_insync_replicas != dr.min_insync_replicas {
        put("min_isr", r.min_insync_replicas.to_string());
    }
    if r.unclean_election {
        put("unclean", "on".to_string());
    }
    if r.truncate_to_high_watermark {
        put("truncate_to_hw", "on".to_string());
    }
    for (key, value, default) in [
        ("lag_timeout", r.lag_timeout_ticks, dr.lag_timeout_ticks),
        (
            "session_timeout",
            r.session_timeout_ticks,
            dr.session_timeout_ticks,
        ),
        (
            "request_timeout",
            r.request_timeout_ticks,
            dr.request_timeout_ticks,
        ),
    ] {
        if value != default {
            put(key, value.to_string());
        }
    }
    for fault in &s.timed_faults {
        put("at", fault.to_string());
    }
    if let Some(k) = &s.kafka {
        let d = KafkaConfig::default();
        put("style", "kafka".to_string());
        if k.groups != d.groups {
            put("groups", k.groups.to_string());
        }
        if k.partitions != d.partitions {
            put("partitions", k.partitions.to_string());
        }
        if k.keys != d.keys {
            put("keys", k.keys.to_string());
        }
        if k.commit != d.commit {
            put("commit", k.commit.as_str().to_string());
        }
        if k.auto_commit_ticks != d.auto_commit_ticks {
            put("auto_commit", k.auto_commit_ticks.to_string());
        }
        if k.session_timeout_ticks != d.session_timeout_ticks {
            put("group_session", k.session_timeout_ticks.to_string());
        }
        if k.max_attempts != d.max_attempts {
            put("attempts", k.max_attempts.to_string());
        }
    }
    #[cfg(feature = "kafka-txn")]
    if let Some(k) = &s.kafka_transactions {
        let d = crate::txn_protocol::KafkaTransactions::default();
        put("protocol", "kafka".to_string());
        if k.isolation != d.isolation {
            put("isolation", k.isolation.as_str().to_string());
        }
        if k.zombie {
            put("zombie", "on".to_string());
        }
        if k.external_effect {
            put("external_effect", "on".to_string());
        }
        if k.transaction_timeout_ticks != d.transaction_timeout_ticks {
            put("txn_timeout", k.transaction_timeout_ticks.to_string());
        }
        for pause in &k.pauses {
            put("pause", pause.to_string());
        }
    }
    if s.random_crash != Ratio::ZERO {
        put("crash_rate", s.random_crash.to_string());
    }
    for fault in &s.faults {
        let command = command_text(&fault.command);
        match fault.at_step {
            Some(step) => put("fault", format!("{step}@{command}")),
            None => put("fault", command),
        }
    }
    for (step, command) in &shared.commands {
        put("cmd", format!("{step}@{}", command_text(command)));
    }
    if let Some(step) = shared.step {
        put("step", step.to_string());
    }
    fields.join("&")
}

/// A link written `from:to` (the `>` of `from->to` is not allowed in a fragment).
fn link_text(link: LinkId) -> String {
    format!("{}:{}", link.from.name(), link.to.name())
}

fn or_any<T: fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "*".to_string(), |v| v.to_string())
}

fn message_text(message: Option<u32>) -> String {
    message.map_or_else(|| "*".to_string(), |m| format!("m{m}"))
}

/// A command as `name,arg,...`, with `*` for "any".
pub fn command_text(command: &Command) -> String {
    match command {
        Command::Crash(node) => format!("crash,{}", node.name()),
        Command::Restart(node) => format!("restart,{}", node.name()),
        Command::CrashAt {
            point,
            message,
            instance,
        } => format!(
            "crash_at,{},{}",
            point.name_at(*instance),
            message_text(*message)
        ),
        Command::DropNext { link, kind } => {
            format!("drop_next,{},{}", link_text(*link), or_any(*kind))
        }
        Command::DuplicateNext { link } => format!("duplicate_next,{}", link_text(*link)),
        Command::DelayNext { link, ticks } => {
            format!("delay_next,{},{ticks}", link_text(*link))
        }
        Command::DropMatching {
            link,
            kind,
            message,
            nth,
        } => format!(
            "drop_matching,{},{},{},{nth}",
            link_text(*link),
            or_any(*kind),
            message_text(*message)
        ),
        Command::DuplicateMatching {
            link,
            kind,
            message,
            nth,
        } => format!(
            "duplicate_matching,{},{},{},{nth}",
            link_text(*link),
            or_any(*kind),
            message_text(*message)
        ),
        Command::DelayMatching {
            link,
            kind,
            message,
            nth,
            ticks,
        } => format!(
            "delay_matching,{},{},{},{nth},{ticks}",
            link_text(*link),
            or_any(*kind),
            message_text(*message)
        ),
        Command::Partition { link } => format!("partition,{}", link_text(*link)),
        Command::Heal { link } => format!("heal,{}", link_text(*link)),
        Command::SetLoss(ratio) => format!("set_loss,{ratio}"),
        Command::SetDuplicate(ratio) => format!("set_duplicate,{ratio}"),
        Command::SetReorder(ratio) => format!("set_reorder,{ratio}"),
        Command::SetCrashRate(ratio) => format!("set_crash_rate,{ratio}"),
        Command::ReplayDeadLetters => "replay_dead_letters".to_string(),
    }
}

/// Reads a decimal number made of digits only (no sign, no spaces).
pub(crate) fn parse_u64(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

pub(crate) fn parse_u32(text: &str) -> Option<u32> {
    parse_u64(text).and_then(|n| u32::try_from(n).ok())
}

/// Reads `n/d` exactly (the form links and files use; no percentages).
pub(crate) fn parse_ratio(text: &str) -> Option<Ratio> {
    let (numerator, denominator) = text.split_once('/')?;
    Some(Ratio::new(parse_u32(numerator)?, parse_u32(denominator)?))
}

fn parse_latency(text: &str) -> Option<(u64, u64)> {
    let (min, max) = text.split_once('-')?;
    Some((parse_u64(min)?, parse_u64(max)?))
}

/// Reads `from:to` (links) or `from->to` (files).
pub(crate) fn parse_link(text: &str) -> Result<LinkId, Sentence> {
    let (from, to) = text
        .split_once("->")
        .or_else(|| text.split_once(':'))
        .ok_or_else(|| said!(ProblemNotALink, text = text.to_string()))?;
    let from: NodeId = from.parse().map_err(|e: UnknownName| e.sentence())?;
    let to: NodeId = to.parse().map_err(|e: UnknownName| e.sentence())?;
    if from == to {
        return Err(said!(ProblemSelfLink, text = text.to_string()));
    }
    Ok(LinkId::new(from, to))
}

fn parse_kind(text: &str) -> Result<Option<MessageKind>, Sentence> {
    if text == "*" {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|e: UnknownName| e.sentence())
}

fn parse_message(text: &str) -> Result<Option<u32>, Sentence> {
    if text == "*" {
        return Ok(None);
    }
    text.strip_prefix('m')
        .and_then(parse_u32)
        .map(Some)
        .ok_or_else(|| said!(ProblemNotAMessage, text = text.to_string()))
}

/// A command's number: `what` says which (the delay or the count) when it is not one.
fn parse_number<T>(text: &str, what: Key, parse: fn(&str) -> Option<T>) -> Result<T, Sentence> {
    parse(text).ok_or_else(|| Sentence::new(what).with("text", text.to_string()))
}

fn parse_command_ratio(text: &str) -> Result<Ratio, Sentence> {
    parse_ratio(text).ok_or_else(|| said!(ProblemNotARatio, text = text.to_string()))
}

/// Reads a command written by `command_text`.
pub(crate) fn parse_command(text: &str) -> Result<Command, Sentence> {
    let parts: Vec<&str> = text.split(',').collect();
    let name = parts.first().copied().unwrap_or("");
    let args = parts.get(1..).unwrap_or(&[]);
    let want = |count: usize| -> Result<(), Sentence> {
        if args.len() == count {
            Ok(())
        } else {
            Err(said!(
                ProblemArguments,
                name = name.to_string(),
                count = count,
                got = args.len()
            ))
        }
    };
    let node = |text: &str| text.parse::<NodeId>().map_err(|e| e.sentence());
    Ok(match name {
        "crash" | "restart" => {
            want(1)?;
            let node = node(args[0])?;
            if name == "crash" {
                Command::Crash(node)
            } else {
                Command::Restart(node)
            }
        }
        "crash_at" => {
            want(2)?;
            let (point, instance) = CrashPoint::parse_at(args[0]).map_err(|e| e.sentence())?;
            Command::CrashAt {
                point,
                message: parse_message(args[1])?,
                instance,
            }
        }
        "drop_next" => {
            want(2)?;
            Command::DropNext {
                link: parse_link(args[0])?,
                kind: parse_kind(args[1])?,
            }
        }
        "duplicate_next" | "partition" | "heal" => {
            want(1)?;
            let link = parse_link(args[0])?;
            match name {
                "duplicate_next" => Command::DuplicateNext { link },
                "partition" => Command::Partition { link },
                _ => Command::Heal { link },
            }
        }
        "delay_next" => {
            want(2)?;
            Command::DelayNext {
                link: parse_link(args[0])?,
                ticks: parse_number(args[1], Key::ProblemDelayNotANumber, parse_u64)?,
            }
        }
        "drop_matching" | "duplicate_matching" => {
            want(4)?;
            let link = parse_link(args[0])?;
            let kind = parse_kind(args[1])?;
            let message = parse_message(args[2])?;
            let nth = parse_number(args[3], Key::ProblemCountNotANumber, parse_u32)?;
            if name == "drop_matching" {
                Command::DropMatching {
                    link,
                    kind,
                    message,
                    nth,
                }
            } else {
                Command::DuplicateMatching {
                    link,
                    kind,
                    message,
                    nth,
                }
            }
        }
        "delay_matching" => {
            want(5)?;
            Command::DelayMatching {
                link: parse_link(args[0])?,
                kind: parse_kind(args[1])?,
                message: parse_message(args[2])?,
                nth: parse_number(args[3], Key::ProblemCountNotANumber, parse_u32)?,
                ticks: parse_number(args[4], Key::ProblemDelayNotANumber, parse_u64)?,
            }
        }
        "replay_dead_letters" => {
            want(0)?;
            Command::ReplayDeadLetters
        }
        "set_loss" | "set_duplicate" | "set_reorder" | "set_crash_rate" => {
            want(1)?;
            let ratio = parse_command_ratio(args[0])?;
            match name {
                "set_loss" => Command::SetLoss(ratio),
                "set_duplicate" => Command::SetDuplicate(ratio),
                "set_reorder" => Command::SetReorder(ratio),
                _ => Command::SetCrashRate(ratio),
            }
        }
        _ => {
            return Err(said!(
                ProblemUnknownCommand,
                name = name.to_string(),
                names = COMMAND_NAMES.join(", ")
            ))
        }
    })
}

/// Every command name, as written in links and files.
pub(crate) const COMMAND_NAMES: [&str; 16] = [
    "crash",
    "restart",
    "crash_at",
    "drop_next",
    "duplicate_next",
    "delay_next",
    "drop_matching",
    "duplicate_matching",
    "delay_matching",
    "partition",
    "heal",
    "set_loss",
    "set_duplicate",
    "set_reorder",
    "set_crash_rate",
    "replay_dead_letters",
];

/// The keys a link may have; those in `REPEATED` may appear more than once.
const KEYS: [&str; 57] = [
    "mode",
    "messages",
    "seed",
    "producers",
    "brokers",
    "consumers",
    "latency",
    "loss",
    "duplicate",
    "reorder",
    "link",
    "publish_interval",
    "retry_timeout",
    "redelivery_timeout",
    "fsync_delay",
    "restart_after",
    "producer_window",
    "delivery_window",
    "sequence_check",
    "vote_timeout",
    "decision_resend",
    "in_doubt_query",
    "retry_after_abort",
    "vote_no",
    "txn_size",
    "transform",
    "poison",
    "poison_fails",
    "delivery_limit",
    "dlq",
    "auto_ack",
    "acks",
    "min_isr",
    "unclean",
    "truncate_to_hw",
    "lag_timeout",
    "session_timeout",
    "request_timeout",
    "at",
    "crash_rate",
    "fault",
    "cmd",
    "step",
    "style",
    "groups",
    "partitions",
    "keys",
    "commit",
    "auto_commit",
    "group_session",
    "attempts",
    "protocol",
    "isolation",
    "zombie",
    "external_effect",
    "txn_timeout",
    "pause",
];
const REPEATED: [&str; 5] = ["link", "at", "fault", "cmd", "pause"];

/// Strips what may surround the fragment: spaces, a whole URL up to the `#`, the `#`.
fn fragment(text: &str) -> &str {
    let text = text.trim();
    match text.split_once('#') {
        Some((_, after)) => after,
        None => text,
    }
}

fn decode(text: &str) -> Result<SharedRun, LinkError> {
    let text = fragment(text);
    if text.is_empty() {
        return Err(LinkError::Empty);
    }
    if text.len() > MAX_LINK_CHARS as usize {
        return Err(LinkError::TooLong {
            chars: u32::try_from(text.len()).unwrap_or(u32::MAX),
        });
    }
    let rest = text.strip_prefix('v').ok_or(LinkError::NotALink)?;
    let digits_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (digits, rest) = rest.split_at(digits_len);
    // A bare version number (`v1`, `v12`) is a link cut right after its version.
    let version = parse_u32(digits).ok_or(LinkError::NotALink)?;
    if version == 0 {
        return Err(LinkError::NotALink);
    }
    if version > LINK_VERSION {
        return Err(LinkError::FutureVersion { version });
    }
    if rest.is_empty() {
        return Err(LinkError::CutShort);
    }
    if !rest.starts_with('.') {
        return Err(LinkError::NotALink);
    }
    let (sealed, checksum) = text.rsplit_once('~').ok_or(LinkError::CutShort)?;
    if !checksum.bytes().all(|b| b.is_ascii_hexdigit()) || checksum.len() > 8 {
        return Err(LinkError::Tampered);
    }
    if checksum.len() < 8 {
        return Err(LinkError::CutShort);
    }
    let expected = u32::from_str_radix(checksum, 16).map_err(|_| LinkError::Tampered)?;
    if crc32(sealed.as_bytes()) != expected {
        return Err(LinkError::Tampered);
    }
    let body = sealed.get(digits_len + 2..).ok_or(LinkError::CutShort)?;
    decode_body(body, version)
}

fn bad(key: &'static str, value: &str, expected: Sentence) -> LinkError {
    LinkError::BadValue {
        key,
        value: value.to_string(),
        expected,
    }
}

fn unreadable(key: &'static str, value: &str, problem: Sentence) -> LinkError {
    LinkError::Unreadable {
        key,
        value: value.to_string(),
        problem,
    }
}

fn decode_body(body: &str, version: u32) -> Result<SharedRun, LinkError> {
    let mut seen = [false; KEYS.len()];
    let mut scenario = Scenario::default();
    let mut commands = Vec::new();
    let mut step = None;
    let mut required = [false; 3];
    for field in body.split('&') {
        let (key, value) = field
            .split_once('=')
            .ok_or_else(|| LinkError::MalformedField {
                text: field.to_string(),
            })?;
        let position =
            KEYS.iter()
                .position(|k| *k == key)
                .ok_or_else(|| LinkError::UnknownKey {
                    key: key.to_string(),
                })?;
        let key: &'static str = KEYS[position];
        let topology_key = matches!(key, "producers" | "brokers" | "consumers");
        let queue_key = matches!(
            key,
            "poison" | "poison_fails" | "delivery_limit" | "dlq" | "auto_ack"
        );
        let replication_key = matches!(
            key,
            "acks"
                | "min_isr"
                | "unclean"
                | "truncate_to_hw"
                | "lag_timeout"
                | "session_timeout"
                | "request_timeout"
                | "at"
        );
        let kafka_key = matches!(
            key,
            "style"
                | "groups"
                | "partitions"
                | "keys"
                | "commit"
                | "auto_commit"
                | "group_session"
                | "attempts"
        );
        let kafka_txn_key = matches!(
            key,
            "protocol" | "isolation" | "zombie" | "external_effect" | "txn_timeout" | "pause"
        );
        if (kafka_txn_key && version < 6)
            || (topology_key && version < 2)
            || (queue_key && version < 3)
            || (replication_key && version < 4)
            || (kafka_key && version < 5)
        {
            // Version 1 links describe the default world only; version 2 adds the
            // topology, version 3 the queue settings, version 4 the replicated queue
            // and the timed faults.
            return Err(LinkError::UnknownKey {
                key: key.to_string(),
            });
        }
        if seen[position] && !REPEATED.contains(&key) {
            return Err(LinkError::DuplicateKey {
                key: key.to_string(),
            });
        }
        seen[position] = true;
        if position < required.len() {
            required[position] = true;
        }
        let number = || parse_u64(value).ok_or_else(|| bad(key, value, said!(ExpectWholeNumber)));
        let small = || parse_u32(value).ok_or_else(|| bad(key, value, said!(ExpectWholeNumber)));
        let ratio = || parse_ratio(value).ok_or_else(|| bad(key, value, said!(ExpectRatio)));
        let t = &mut scenario.timing;
        let x = &mut scenario.transaction;
        let g = &mut scenario.network.global;
        match key {
            "mode" => {
                scenario.mode = value
                    .parse::<Mode>()
                    .map_err(|e| bad(key, value, said!(ExpectMode, names = e.expected)))?;
            }
            "messages" => scenario.messages = small()?,
            "producers" | "brokers" | "consumers" => {
                let count = u16::try_from(small()?)
                    .map_err(|_| bad(key, value, said!(ExpectSmallWholeNumber)))?;
                match key {
                    "producers" => scenario.topology.producers = count,
                    "brokers" => scenario.topology.brokers = count,
                    _ => scenario.topology.consumers = count,
                }
            }
            "seed" => scenario.seed = number()?,
            "latency" => {
                let (min, max) =
                    parse_latency(value).ok_or_else(|| bad(key, value, said!(ExpectTickRange)))?;
                g.latency_ticks_min = min;
                g.latency_ticks_max = max;
            }
            "loss" => g.loss = ratio()?,
            "duplicate" => g.duplicate = ratio()?,
            "reorder" => g.reorder = ratio()?,
            "link" => {
                let expected = || said!(ExpectLinkSetting);
                let parts: Vec<&str> = value.split(',').collect();
                let [link, latency, loss, duplicate, reorder] = parts[..] else {
                    return Err(bad(key, value, expected()));
                };
                let link = parse_link(link).map_err(|e| unreadable(key, value, e))?;
                let (min, max) =
                    parse_latency(latency).ok_or_else(|| bad(key, value, expected()))?;
                let config = LinkConfig {
                    latency_ticks_min: min,
                    latency_ticks_max: max,
                    loss: parse_ratio(loss).ok_or_else(|| bad(key, value, expected()))?,
                    duplicate: parse_ratio(duplicate).ok_or_else(|| bad(key, value, expected()))?,
                    reorder: parse_ratio(reorder).ok_or_else(|| bad(key, value, expected()))?,
                };
                if scenario.network.links.len() >= MAX_LINK_OVERRIDES as usize {
                    return Err(LinkError::TooMany {
                        key,
                        limit: MAX_LINK_OVERRIDES,
                    });
                }
                scenario.network.links.push(LinkOverride { link, config });
            }
            "publish_interval" => t.publish_interval_ticks = number()?,
            "retry_timeout" => t.retry_timeout_ticks = number()?,
            "redelivery_timeout" => t.redelivery_timeout_ticks = number()?,
            "fsync_delay" => t.fsync_delay_ticks = number()?,
            "restart_after" => {
                t.restart_after_ticks = if value == "never" {
                    None
                } else {
                    Some(
                        parse_u64(value)
                            .ok_or_else(|| bad(key, value, said!(ExpectTicksOrNever)))?,
                    )
                }
            }
            "producer_window" => t.producer_window = small()?,
            "delivery_window" => t.delivery_window = small()?,
            "sequence_check" => {
                t.sequence_check = match value {
                    "on" => true,
                    "off" => false,
                    _ => return Err(bad(key, value, said!(ExpectOnOff))),
                }
            }
            "vote_timeout" => x.vote_timeout_ticks = number()?,
            "decision_resend" => x.decision_resend_ticks = number()?,
            "in_doubt_query" => x.in_doubt_query_ticks = number()?,
            "retry_after_abort" => x.retry_after_abort_ticks = number()?,
            "vote_no" => x.vote_no = ratio()?,
            "txn_size" => x.size = small()?,
            "transform" => {
                x.transform = match value {
                    "on" => true,
                    "off" => false,
                    _ => return Err(bad(key, value, said!(ExpectOnOff))),
                }
            }
            #[cfg(feature = "kafka-txn")]
            "protocol" => {
                let protocol = value
                    .parse::<crate::txn_protocol::TxnProtocol>()
                    .map_err(|_| bad(key, value, said!(ExpectProtocol)))?;
                if protocol == crate::txn_protocol::TxnProtocol::Kafka {
                    scenario
                        .kafka_transactions
                        .get_or_insert_with(Default::default);
                }
            }
            #[cfg(feature = "kafka-txn")]
            "isolation" | "zombie" | "external_effect" | "txn_timeout" | "pause" => {
                if !seen[KEYS.iter().position(|k| *k == "protocol").unwrap_or(0)] {
                    return Err(bad(key, value, said!(ExpectAfterProtocol)));
                }
                let on_off = || match value {
                    "on" => Ok(true),
                    "off" => Ok(false),
                    _ => Err(bad(key, value, said!(ExpectOnOff))),
                };
                let Some(k) = scenario.kafka_transactions.as_mut() else {
                    return Err(bad(key, value, said!(ExpectAfterProtocol)));
                };
                match key {
                    "isolation" => {
                        k.isolation = value
                            .parse()
                            .map_err(|_| bad(key, value, said!(ExpectIsolation)))?;
                    }
                    "zombie" => k.zombie = on_off()?,
                    "external_effect" => k.external_effect = on_off()?,
                    "txn_timeout" => k.transaction_timeout_ticks = number()?,
                    _ => {
                        let pause = crate::txn_protocol::Pause::parse(value)
                            .map_err(|e| unreadable(key, value, e.0))?;
                        if k.pauses.len() >= crate::limits::MAX_PLANNED_FAULTS as usize {
                            return Err(LinkError::TooMany {
                                key,
                                limit: crate::limits::MAX_PLANNED_FAULTS,
                            });
                        }
                        k.pauses.push(pause);
                    }
                }
            }
            #[cfg(not(feature = "kafka-txn"))]
            "protocol" => {
                let protocol = value
                    .parse::<crate::txn_protocol::TxnProtocol>()
                    .map_err(|_| bad(key, value, said!(ExpectProtocol)))?;
                if protocol == crate::txn_protocol::TxnProtocol::Kafka {
                    return Err(LinkError::Invalid(RebuildError::Scenario(
                        crate::scenario::ScenarioError::Unsupported {
                            field: "kafka_transactions".to_string(),
                            reason: said!(UnsupportedKafkaTxnNotInBuild),
                        },
                    )));
                }
            }
            // Without Kafka transactions no link reaches these after `protocol=kafka`.
            #[cfg(not(feature = "kafka-txn"))]
            "isolation" | "zombie" | "external_effect" | "txn_timeout" | "pause" => {
                return Err(bad(key, value, said!(ExpectAfterProtocol)));
            }
            "poison" => {
                let mut poison = Vec::new();
                for item in value.split(',') {
                    if poison.len() >= MAX_MESSAGES as usize {
                        return Err(LinkError::TooMany {
                            key,
                            limit: MAX_MESSAGES,
                        });
                    }
                    let message = item
                        .strip_prefix('m')
                        .and_then(parse_u32)
                        .ok_or_else(|| bad(key, value, said!(ExpectMessages)))?;
                    poison.push(message);
                }
                scenario.queue.poison = poison;
            }
            "poison_fails" => {
                scenario.queue.poison_fails = value
                    .parse::<PoisonFails>()
                    .map_err(|_| bad(key, value, said!(ExpectPoisonFails)))?;
            }
            "delivery_limit" => scenario.queue.delivery_limit = small()?,
            "style" => match value {
                "kafka" => {
                    scenario.kafka.get_or_insert_with(KafkaConfig::default);
                }
                "rabbitmq" => scenario.kafka = None,
                _ => return Err(bad(key, value, said!(ExpectStyle))),
            },
            "groups" | "partitions" => {
                let count = u16::try_from(small()?)
                    .map_err(|_| bad(key, value, said!(ExpectSmallWholeNumber)))?;
                let k = scenario.kafka.get_or_insert_with(KafkaConfig::default);
                if key == "groups" {
                    k.groups = count;
                } else {
                    k.partitions = count;
                }
            }
            "keys" => {
                let keys = small()?;
                scenario.kafka.get_or_insert_with(KafkaConfig::default).keys = keys;
            }
            "commit" => {
                let commit = value
                    .parse::<CommitStrategy>()
                    .map_err(|_| bad(key, value, said!(ExpectCommit)))?;
                scenario
                    .kafka
                    .get_or_insert_with(KafkaConfig::default)
                    .commit = commit;
            }
            "auto_commit" => {
                let ticks = number()?;
                scenario
                    .kafka
                    .get_or_insert_with(KafkaConfig::default)
                    .auto_commit_ticks = ticks;
            }
            "group_session" => {
                let ticks = number()?;
                scenario
                    .kafka
                    .get_or_insert_with(KafkaConfig::default)
                    .session_timeout_ticks = ticks;
            }
            "attempts" => {
                let attempts = small()?;
                scenario
                    .kafka
                    .get_or_insert_with(KafkaConfig::default)
                    .max_attempts = attempts;
            }
            "dlq" | "auto_ack" => {
                let on = match value {
                    "on" => true,
                    "off" => false,
                    _ => return Err(bad(key, value, said!(ExpectOnOff))),
                };
                if key == "dlq" {
                    scenario.queue.dead_letter_queue = on;
                } else {
                    scenario.queue.auto_ack = on;
                }
            }
            "acks" => {
                scenario.replication.acks = Some(
                    value
                        .parse::<Acks>()
                        .map_err(|_| bad(key, value, said!(ExpectAcks)))?,
                );
            }
            "min_isr" => {
                scenario.replication.min_insync_replicas = u16::try_from(small()?)
                    .map_err(|_| bad(key, value, said!(ExpectSmallWholeNumber)))?;
            }
            "unclean" | "truncate_to_hw" => {
                let on = match value {
                    "on" => true,
                    "off" => false,
                    _ => return Err(bad(key, value, said!(ExpectOnOff))),
                };
                if key == "unclean" {
                    scenario.replication.unclean_election = on;
                } else {
                    scenario.replication.truncate_to_high_watermark = on;
                }
            }
            "lag_timeout" => scenario.replication.lag_timeout_ticks = number()?,
            "session_timeout" => scenario.replication.session_timeout_ticks = number()?,
            "request_timeout" => scenario.replication.request_timeout_ticks = number()?,
            "at" => {
                if scenario.timed_faults.len() >= MAX_PLANNED_FAULTS as usize {
                    return Err(LinkError::TooMany {
                        key,
                        limit: MAX_PLANNED_FAULTS,
                    });
                }
                let fault = if value.contains('@') {
                    TimedFault::parse_partition(value)
                } else {
                    TimedFault::parse_at(value)
                }
                .map_err(|e| unreadable(key, value, e.0))?;
                scenario.timed_faults.push(fault);
            }
            "crash_rate" => scenario.random_crash = ratio()?,
            "fault" => {
                if scenario.faults.len() >= MAX_PLANNED_FAULTS as usize {
                    return Err(LinkError::TooMany {
                        key,
                        limit: MAX_PLANNED_FAULTS,
                    });
                }
                let (at_step, command) = match value.split_once('@') {
                    Some((at, command)) => (
                        Some(
                            parse_u64(at)
                                .ok_or_else(|| bad(key, value, said!(ExpectStepBeforeAt)))?,
                        ),
                        command,
                    ),
                    None => (None, value),
                };
                let command = parse_command(command).map_err(|e| unreadable(key, value, e))?;
                scenario.faults.push(PlannedFault { at_step, command });
            }
            "cmd" => {
                if commands.len() >= MAX_COMMANDS as usize {
                    return Err(LinkError::TooMany {
                        key,
                        limit: MAX_COMMANDS,
                    });
                }
                let (at, command) = value
                    .split_once('@')
                    .ok_or_else(|| bad(key, value, said!(ExpectStepAtCommand)))?;
                let at = parse_u64(at).ok_or_else(|| bad(key, value, said!(ExpectStepBeforeAt)))?;
                let command = parse_command(command).map_err(|e| unreadable(key, value, e))?;
                commands.push((at, command));
            }
            _ => step = Some(number()?),
        }
    }
    for (index, present) in required.iter().enumerate() {
        if !present {
            return Err(LinkError::MissingKey { key: KEYS[index] });
        }
    }
    Ok(SharedRun {
        scenario,
        commands,
        step,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_zlib_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn every_command_name_is_parsed() {
        for name in COMMAND_NAMES {
            let error = parse_command(name).err().map(|e| e.to_string());
            let error = error.unwrap_or_default();
            assert!(!error.starts_with("unknown command"), "{name}: {error}");
        }
    }
}
