//! How the core says things to people: an entry of the narration catalogue filled with
//! its names and numbers, and a node named as a sentence names it. The trace's
//! narration, the ledger's explanations and the replication settings' description all
//! speak through it.

use mqlab_text::{Lang, Words};

use crate::node::NodeId;

/// Fills an entry of the narration catalogue: `say!(words, Key, name = value, ...)`.
macro_rules! say {
    ($words:expr, $key:ident $(, $name:ident = $value:expr)* $(,)?) => {
        $words.fill(
            ::mqlab_text::narration::Key::$key,
            &[$((stringify!($name), ::mqlab_text::Arg::from($value))),*],
        )
    };
}
pub(crate) use say;

/// Fills an entry of the steps' catalogue (the sentence of each step, the ledger's
/// explanations): `step!(words, Key, name = value, ...)`. The page fetches their English
/// once its run has moved, so nothing that shows before then may read them.
macro_rules! step {
    ($words:expr, $key:ident $(, $name:ident = $value:expr)* $(,)?) => {
        $words.fill(
            ::mqlab_text::steps::Key::$key,
            &[$((stringify!($name), ::mqlab_text::Arg::from($value))),*],
        )
    };
}
pub(crate) use step;

/// Fills an entry of the analysis views' catalogue (the crash matrix's outcomes, the
/// protocol lab's actions): `lab!(words, Key, name = value, ...)`. The page's own module
/// never reads them, so their English is not carried by it.
macro_rules! lab {
    ($words:expr, $key:ident $(, $name:ident = $value:expr)* $(,)?) => {
        $words.fill(
            ::mqlab_text::analysis::Key::$key,
            &[$((stringify!($name), ::mqlab_text::Arg::from($value))),*],
        )
    };
}
pub(crate) use lab;

/// Fills an entry of the node cards' catalogue: `card!(words, Key, name = value, ...)`.
macro_rules! card {
    ($words:expr, $key:ident $(, $name:ident = $value:expr)* $(,)?) => {
        $words.fill(
            ::mqlab_text::cards::Key::$key,
            &[$((stringify!($name), ::mqlab_text::Arg::from($value))),*],
        )
    };
}
pub(crate) use card;

/// Message ids as a card lists them: "m1 m2 m3".
pub(crate) fn ids(messages: impl IntoIterator<Item = u32>) -> String {
    let mut out = String::new();
    for m in messages {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push('m');
        out.push_str(&m.to_string());
    }
    out
}

/// A node as a sentence names it: "Broker 2" in English, its name in other languages.
pub(crate) fn label(words: &Words, node: NodeId) -> String {
    if words.lang() == Lang::En {
        node.label().to_string()
    } else {
        node.name().to_string()
    }
}

/// A node as the object of a sentence: "the broker" in English, its name in other
/// languages.
pub(crate) fn the(words: &Words, node: NodeId) -> String {
    if words.lang() == Lang::En {
        node.the()
    } else {
        node.name().to_string()
    }
}
