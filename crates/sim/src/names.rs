//! Shared plumbing for the vocabulary types that are written as names (modes, nodes,
//! crash points, message kinds): one parse error, and serde as the same strings the
//! CLI and the page's links use.

use std::fmt;

use mqlab_text::errors::Key;

use crate::sentences::{said, Sentence};

/// A name that is not in the vocabulary, with the names that would have been accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// What was being named: a mode, a crash point…
    pub what: Key,
    /// The text that was given.
    pub input: String,
    /// The accepted names, comma-separated.
    pub expected: String,
    /// What follows the names, when they are not all (a node numbered from 2).
    pub hint: Option<Key>,
}

impl UnknownName {
    /// The sentence that says so.
    pub fn sentence(&self) -> Sentence {
        said!(
            ProblemUnknownName,
            input = self.input.clone(),
            names = self.expected.clone(),
        )
        .with_said("what", Sentence::new(self.what))
        .with_said("hint", self.hint.map(Sentence::new))
    }
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentence().told_in(crate::sentences::english()))
    }
}

impl std::error::Error for UnknownName {}

/// Finds `input` among `all` by `as_str`, or explains which names exist.
pub(crate) fn parse_name<T: Copy>(
    what: Key,
    input: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<T, UnknownName> {
    let wanted = input.trim();
    all.iter()
        .copied()
        .find(|item| name(*item).eq_ignore_ascii_case(wanted))
        .ok_or_else(|| UnknownName {
            what,
            input: input.to_string(),
            expected: all
                .iter()
                .map(|item| name(*item))
                .collect::<Vec<_>>()
                .join(", "),
            hint: None,
        })
}

/// Implements `Display`, `Serialize` and `Deserialize` through `as_str` and `FromStr`,
/// so JSON, the CLI and URLs all use one spelling.
macro_rules! named_serde {
    ($type:ty) => {
        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use named_serde;
