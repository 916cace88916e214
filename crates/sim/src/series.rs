//! A run over time, for small plots: after every step, how many envelopes were on the
//! links, how many messages the consumers had applied, how many the ledger counted as
//! duplicated and as lost, and how many 2PC participants were in doubt (holding their
//! locks while they wait for the decision). Each figure is the ledger's or the
//! network's at that step, from a replay of the run; nothing is estimated.
//!
//! The ledger calls a message lost only once nothing is left that could still deliver it
//! (the run is quiet), so the lost curve rises at the end of a run, where the ledger
//! decides it.

use crate::fault::Command;
use crate::ledger::Summary;
use crate::share::{RebuildError, SharedRun};
use crate::sim::{Sim, SimOptions};

/// The most steps a series replays.
pub const MAX_SERIES_STEPS: u64 = 200_000;

/// The run's figures after one step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sample {
    /// The steps taken.
    pub step: u64,
    /// The logical time.
    pub tick: u64,
    /// Envelopes on the links.
    pub in_flight: u32,
    /// Messages applied at least once.
    pub applied: u32,
    /// Messages applied more than once.
    pub duplicated: u32,
    /// Messages the ledger counts as lost.
    pub lost: u32,
    /// 2PC participants in doubt.
    pub in_doubt: u32,
}

impl Sample {
    /// The figures of `sim` now.
    pub fn of(sim: &Sim) -> Sample {
        let summary: Summary = sim.summary();
        let applied = sim
            .ledger()
            .messages()
            .iter()
            .filter(|record| record.applied > 0)
            .count();
        Sample {
            step: sim.step_index(),
            tick: summary.tick,
            in_flight: sim.in_flight_count(),
            applied: u32::try_from(applied).unwrap_or(u32::MAX),
            duplicated: summary.duplicated,
            lost: summary.lost,
            in_doubt: summary.in_doubt,
        }
    }
}

/// The run's figures from its start (step 0) to its step (or its end when the link names
/// none), at most [`MAX_SERIES_STEPS`] steps, thinned to at most `points` samples: each
/// kept sample is the last of its stretch of steps, except that it carries the most
/// envelopes that were in flight at any step of the stretch, so that no burst vanishes.
pub fn over_run(run: &SharedRun, points: usize) -> Result<Vec<Sample>, RebuildError> {
    run.validate()?;
    let target = run.step.unwrap_or(MAX_SERIES_STEPS).min(MAX_SERIES_STEPS);
    let options = SimOptions {
        record_trace: false,
    };
    let mut sim = Sim::with_options(&run.scenario, options).map_err(RebuildError::Scenario)?;
    let mut samples = vec![Sample::of(&sim)];
    let mut commands = run.commands.iter().enumerate().peekable();
    loop {
        while let Some((index, (step, command))) =
            commands.next_if(|(_, (step, _))| *step == sim.step_index())
        {
            apply(&mut sim, index, *step, command)?;
        }
        if sim.step_index() >= target || !sim.advance() {
            break;
        }
        sim.settle();
        samples.push(Sample::of(&sim));
    }
    if let Some((index, (step, _))) = commands.next() {
        return Err(RebuildError::CommandAfterEnd {
            index: u32::try_from(index).unwrap_or(u32::MAX),
            step: *step,
            end_step: sim.step_index(),
        });
    }
    Ok(thin(&samples, points))
}

fn apply(sim: &mut Sim, index: usize, step: u64, command: &Command) -> Result<(), RebuildError> {
    sim.settle();
    sim.apply(command.clone())
        .map_err(|error| RebuildError::CommandRefused {
            index: u32::try_from(index).unwrap_or(u32::MAX),
            step,
            error,
        })?;
    Ok(())
}

/// At most `points` samples (at least two: the first and the last), each the last of
/// its stretch with the stretch's most envelopes in flight.
pub fn thin(samples: &[Sample], points: usize) -> Vec<Sample> {
    let points = points.max(2);
    if samples.len() <= points {
        return samples.to_vec();
    }
    let mut kept = vec![samples[0]];
    let rest = &samples[1..];
    let stretches = points - 1;
    let per = rest.len().div_ceil(stretches);
    for stretch in rest.chunks(per) {
        let mut last = *stretch.last().expect("chunks are never empty");
        last.in_flight = stretch.iter().map(|s| s.in_flight).max().unwrap_or(0);
        kept.push(last);
    }
    kept
}
