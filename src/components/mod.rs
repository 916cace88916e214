//! One component per file.

pub mod stage;
