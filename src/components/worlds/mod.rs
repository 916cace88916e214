//! The Transactions view (the worlds module, `bin/mqlab-worlds.rs`): Kafka transactions
//! and the dual writes, each run from a settings form, played step by step, with the
//! state of its nodes, the ledger, and the comparisons (Kafka against XA 2PC; the
//! dual-write patterns side by side), the crash matrix, and the lessons of the two
//! worlds.

pub mod compare;
pub mod dual_state;
pub mod kafka_state;
pub mod ledger;
pub mod lesson;
pub mod link;
pub mod matrix;
pub mod model;
pub mod player;
pub mod settings_form;
pub mod worlds_view;
