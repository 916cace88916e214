//! The two worlds of their own, as one: a run of Kafka transactions or of a dual-write
//! pattern, built from its setup and stepped, with its trace, its ledger and its
//! anomalies. The Transactions view plays it, and the lessons of those worlds
//! (`world_lessons.rs`) run it to their end.

use mqlab_text::Words;

use crate::kafka_txn::{KafkaTxnWorld, TxnEvent};
use crate::ledger::Summary;
use crate::outbox::{OutboxError, OutboxEvent, OutboxSettings, OutboxWorld};
use crate::scenario::{Scenario, ScenarioError};

/// What a run of one of the worlds is built from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Setup {
    /// Kafka transactions (transactional mode with the Kafka protocol).
    Kafka(Scenario),
    /// A pattern of the dual writes.
    Dual {
        scenario: Scenario,
        settings: OutboxSettings,
    },
}

/// Why a world could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorldError {
    Scenario(ScenarioError),
    Outbox(OutboxError),
}

impl WorldError {
    /// Why, in `words`.
    pub fn describe_in(&self, words: &Words) -> String {
        match self {
            WorldError::Scenario(error) => error.describe_in(words),
            WorldError::Outbox(error) => error.describe_in(words),
        }
    }
}

/// One step's event, of either world.
#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    Kafka(&'a TxnEvent),
    Dual(&'a OutboxEvent),
}

/// A run of one world, at some step.
#[derive(Clone, Debug)]
pub enum Run {
    Kafka(Box<KafkaTxnWorld>),
    Dual(Box<OutboxWorld>),
}

impl Run {
    /// The run at its start, with its trace recorded.
    pub fn build(setup: &Setup) -> Result<Run, WorldError> {
        match setup {
            Setup::Kafka(scenario) => KafkaTxnWorld::new(scenario, true)
                .map(|world| Run::Kafka(Box::new(world)))
                .map_err(WorldError::Scenario),
            Setup::Dual { scenario, settings } => OutboxWorld::new(scenario, settings, true)
                .map(|world| Run::Dual(Box::new(world)))
                .map_err(WorldError::Outbox),
        }
    }

    /// Advances one event; false when nothing is left.
    pub fn step(&mut self) -> bool {
        match self {
            Run::Kafka(world) => world.step(),
            Run::Dual(world) => world.step(),
        }
    }

    /// Steps until nothing is left to happen, at most `max_steps`; the steps taken.
    pub fn run_until_quiet(&mut self, max_steps: u64) -> u64 {
        let mut steps = 0;
        // The dual writes' relay and consumer poll for ever: a run ends when it is quiet.
        while steps < max_steps && !self.is_quiet() && self.step() {
            steps += 1;
        }
        steps
    }

    /// True when nothing is left to happen.
    pub fn is_quiet(&self) -> bool {
        match self {
            Run::Kafka(world) => world.is_quiet(),
            Run::Dual(world) => world.is_quiet(),
        }
    }

    /// The current tick.
    pub fn tick(&self) -> u64 {
        match self {
            Run::Kafka(world) => world.tick(),
            Run::Dual(world) => world.tick(),
        }
    }

    /// How many events the trace holds.
    pub fn trace_len(&self) -> usize {
        match self {
            Run::Kafka(world) => world.trace().len(),
            Run::Dual(world) => world.trace().len(),
        }
    }

    /// The trace's events, in order.
    pub fn events(&self) -> Vec<Event<'_>> {
        match self {
            Run::Kafka(world) => world
                .trace()
                .iter()
                .map(|e| Event::Kafka(&e.event))
                .collect(),
            Run::Dual(world) => world
                .trace()
                .iter()
                .map(|e| Event::Dual(&e.event))
                .collect(),
        }
    }

    /// The sentences of the trace's events from `from` on, in `words`.
    pub fn sentences(&self, from: usize, words: &Words) -> Vec<String> {
        match self {
            Run::Kafka(world) => world
                .trace()
                .iter()
                .skip(from)
                .map(|e| e.text(words))
                .collect(),
            Run::Dual(world) => world
                .trace()
                .iter()
                .skip(from)
                .map(|e| e.text(words))
                .collect(),
        }
    }

    /// The ledger's counts.
    pub fn summary(&self) -> Summary {
        match self {
            Run::Kafka(world) => world.summary(),
            Run::Dual(world) => world.summary(),
        }
    }

    /// The ledger's anomalies with their causes, in `words`.
    pub fn anomalies(&self, words: &Words) -> Vec<String> {
        match self {
            Run::Kafka(world) => world.anomalies(words),
            Run::Dual(world) => world.anomalies(words),
        }
    }
}
