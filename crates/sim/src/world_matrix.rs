//! The crash matrices of the two worlds of their own: every crash point of Kafka
//! transactions, or of a dual-write pattern, tried on every message, each run to
//! quiescence, with the world's ledger per cell. A cell says whether the run reached its
//! point for its message (a point the message never passes leaves the run without a
//! crash, and the cell says so rather than counting it as a clean run).
//!
//! Both worlds are small (one node of each role), so a matrix is at most
//! `points × messages` short runs; they come out in a fixed order, point by point in
//! protocol order, then message by message, and each depends only on its cell.

use serde::Serialize;

use crate::fault::{Command, CrashPoint};
use crate::ledger::Summary;
use crate::scenario::Scenario;

/// One cell: a crash point tried on one message, and what the run's ledger says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorldCell {
    /// The crash point.
    pub point: CrashPoint,
    /// The message the crash waits for (1 for m1).
    pub message: u32,
    /// False when the run never reached the point for the message: no crash happened.
    pub reached: bool,
    /// The run's counters once it was quiet (or stopped at the step limit).
    pub summary: Summary,
    /// True when the run went quiet within the step limit.
    pub quiet: bool,
}

impl WorldCell {
    /// True when the run lost nothing, applied nothing twice, and (in the dual writes)
    /// left no ghost and no state without its event.
    pub fn is_clean(&self) -> bool {
        let s = &self.summary;
        let mut clean = s.lost == 0 && s.duplicated == 0;
        #[cfg(feature = "outbox")]
        {
            clean &= s.state_without_event == 0 && s.event_without_state == 0;
        }
        #[cfg(feature = "kafka-txn")]
        {
            clean &= s.aborted_visible == 0;
        }
        clean
    }
}

/// The scenario of one cell: the given one with a crash at `point` for `message`.
fn cell_scenario(scenario: &Scenario, point: CrashPoint, message: u32) -> Scenario {
    scenario.clone().with_fault(Command::CrashAt {
        point,
        message: Some(message),
        instance: 0,
    })
}

/// The cells of `points` × m1..mN, each from one run of `run` on its scenario, which
/// answers whether the point was reached, the summary and whether the run went quiet.
fn cells<E>(
    scenario: &Scenario,
    points: impl IntoIterator<Item = CrashPoint>,
    mut run: impl FnMut(&Scenario, CrashPoint) -> Result<(bool, Summary, bool), E>,
) -> Result<Vec<WorldCell>, E> {
    let mut cells = Vec::new();
    for point in points {
        for message in 1..=scenario.messages {
            let (reached, summary, quiet) = run(&cell_scenario(scenario, point, message), point)?;
            cells.push(WorldCell {
                point,
                message,
                reached,
                summary,
                quiet,
            });
        }
    }
    Ok(cells)
}

/// Kafka transactions' matrix: each of `CrashPoint::KAFKA_TXN` on each message of a
/// scenario that runs Kafka transactions (its own planned faults stay).
#[cfg(feature = "kafka-txn")]
pub fn kafka_transactions(
    scenario: &Scenario,
    max_steps: u64,
) -> Result<Vec<WorldCell>, crate::scenario::ScenarioError> {
    kafka_transactions_at(scenario, &CrashPoint::KAFKA_TXN, max_steps)
}

/// The rows of Kafka transactions' matrix for `points` only, in their order: a caller
/// that cannot wait for the whole matrix asks for it a row at a time. A point that is
/// not Kafka's is refused, as the world refuses it.
#[cfg(feature = "kafka-txn")]
pub fn kafka_transactions_at(
    scenario: &Scenario,
    points: &[CrashPoint],
    max_steps: u64,
) -> Result<Vec<WorldCell>, crate::scenario::ScenarioError> {
    use crate::kafka_txn::{KafkaTxnWorld, TxnEvent};
    cells(scenario, points.iter().copied(), |cell, point| {
        let mut world = KafkaTxnWorld::new(cell, true)?;
        world.run_until_quiet(max_steps);
        let reached = world.trace().iter().any(
            |entry| matches!(entry.event, TxnEvent::Crashed { point: Some(p), .. } if p == point),
        );
        Ok((reached, world.summary(), world.is_quiet()))
    })
}

/// The crash points of a dual-write pattern, in protocol order.
#[cfg(feature = "outbox")]
pub fn pattern_points(pattern: crate::outbox::Pattern) -> Vec<CrashPoint> {
    CrashPoint::OUTBOX
        .into_iter()
        .filter(|point| pattern.has_point(*point))
        .collect()
}

/// A dual-write pattern's matrix: each of the pattern's crash points on each message.
/// 2PC runs in transactional mode and has its own matrix (`crate::matrix`).
#[cfg(feature = "outbox")]
pub fn dual_writes(
    scenario: &Scenario,
    settings: &crate::outbox::OutboxSettings,
    max_steps: u64,
) -> Result<Vec<WorldCell>, crate::outbox::OutboxError> {
    dual_writes_at(
        scenario,
        settings,
        &pattern_points(settings.pattern),
        max_steps,
    )
}

/// The rows of a dual-write pattern's matrix for `points` only, in their order (see
/// [`kafka_transactions_at`]). A point the pattern does not have is refused, as the
/// world refuses it.
#[cfg(feature = "outbox")]
pub fn dual_writes_at(
    scenario: &Scenario,
    settings: &crate::outbox::OutboxSettings,
    points: &[CrashPoint],
    max_steps: u64,
) -> Result<Vec<WorldCell>, crate::outbox::OutboxError> {
    use crate::outbox::{OutboxEvent, OutboxWorld};
    cells(scenario, points.iter().copied(), |cell, point| {
        let mut world = OutboxWorld::new(cell, settings, true)?;
        world.run_until_quiet(max_steps);
        let reached = world.trace().iter().any(|entry| {
            matches!(entry.event, OutboxEvent::Crashed { point: Some(p), .. } if p == point)
        });
        Ok((reached, world.summary(), world.is_quiet()))
    })
}
