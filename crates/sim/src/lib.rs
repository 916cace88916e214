//! The MQ Lab simulation core: pure, deterministic, no I/O and no clock.
pub mod explore;
