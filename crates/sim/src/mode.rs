//! The delivery mode: the main knob of the lab.

use std::str::FromStr;

use crate::names::{named_serde, parse_name, UnknownName};

/// How hard the pipeline tries to deliver each message exactly once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Mode {
    /// Fire and forget: no confirms, no retries; the consumer acks on receipt, before
    /// applying, and the broker forgets a message once it has delivered it.
    AtMostOnce,
    /// Publisher confirms and retries; the consumer acks after applying; the broker
    /// redelivers what was not acked.
    #[default]
    AtLeastOnce,
    /// At-least-once plus deduplication: the broker drops publishes whose (producer id,
    /// sequence number) it has stored, and the consumer keeps a processed-ids table
    /// committed atomically with its side effect.
    Idempotent,
    /// Two-phase commit: a coordinator makes "write and publish" and "consume, apply,
    /// ack" atomic across the participants.
    Transactional,
}

impl Mode {
    /// Every mode, in teaching order.
    pub const ALL: [Mode; 4] = [
        Mode::AtMostOnce,
        Mode::AtLeastOnce,
        Mode::Idempotent,
        Mode::Transactional,
    ];

    /// The machine name used in JSON, URLs and the CLI.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::AtMostOnce => "at-most-once",
            Mode::AtLeastOnce => "at-least-once",
            Mode::Idempotent => "idempotent",
            Mode::Transactional => "transactional",
        }
    }

    /// The name shown to people.
    pub const fn label(self) -> &'static str {
        match self {
            Mode::AtMostOnce => "At-most-once",
            Mode::AtLeastOnce => "At-least-once",
            Mode::Idempotent => "Idempotent",
            Mode::Transactional => "Transactional (2PC)",
        }
    }

    /// True when the producer waits for publisher confirms and retries without them.
    pub const fn confirms(self) -> bool {
        matches!(self, Mode::AtLeastOnce | Mode::Idempotent)
    }

    /// True when the broker redelivers unacknowledged messages.
    pub const fn redelivers(self) -> bool {
        matches!(self, Mode::AtLeastOnce | Mode::Idempotent)
    }
}

impl FromStr for Mode {
    type Err = UnknownName;

    fn from_str(input: &str) -> Result<Mode, UnknownName> {
        parse_name(
            mqlab_text::errors::Key::NameMode,
            input,
            &Mode::ALL,
            Mode::as_str,
        )
    }
}

named_serde!(Mode);
