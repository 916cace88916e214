//! Cheap time travel for the page: a run is its scenario plus the commands applied at
//! given steps, so any step can be rebuilt by replaying from the nearest checkpoint.

use crate::fault::{Command, CommandError};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{Sim, SimOptions};
use crate::trace::StepReport;

/// How many steps apart checkpoints are taken by default.
pub const DEFAULT_CHECKPOINT_INTERVAL: u64 = 512;
/// The most checkpoints kept; beyond it every other one is dropped and the interval
/// doubles, so memory stays bounded on long runs.
pub const MAX_CHECKPOINTS: usize = 256;
/// The memory the checkpoints of one run may take, roughly: a scenario with many
/// messages has larger checkpoints, so it keeps fewer of them (at least
/// `MIN_CHECKPOINTS`).
pub const CHECKPOINT_BUDGET_BYTES: u64 = 64 << 20;
/// The fewest checkpoints kept, whatever their size.
pub const MIN_CHECKPOINTS: usize = 8;

/// How many checkpoints a run of `messages` messages keeps: the budget divided by an
/// estimate of one checkpoint's size (a fixed part plus the per-message state of the
/// ledger and the nodes).
pub fn checkpoint_limit(messages: u32) -> usize {
    let per_checkpoint = 4_096 + u64::from(messages) * 192;
    let limit = CHECKPOINT_BUDGET_BYTES / per_checkpoint;
    usize::try_from(limit)
        .unwrap_or(MAX_CHECKPOINTS)
        .clamp(MIN_CHECKPOINTS, MAX_CHECKPOINTS)
}

/// A simulation with checkpoints, for seeking and stepping back.
#[derive(Clone, Debug)]
pub struct Run {
    sim: Sim,
    commands: Vec<(u64, Command)>,
    /// Checkpoints taken before the commands of their step, without their trace (the
    /// trace prefix is copied from the current simulation when one is restored).
    checkpoints: Vec<(Sim, usize)>,
    interval: u64,
}

impl Run {
    /// Starts a run with the trace recorded (the page shows narration).
    pub fn new(scenario: &Scenario) -> Result<Run, ScenarioError> {
        Run::with_options(scenario, SimOptions::default())
    }

    /// Starts a run with options.
    pub fn with_options(scenario: &Scenario, options: SimOptions) -> Result<Run, ScenarioError> {
        let sim = Sim::with_options(scenario, options)?;
        let mut run = Run {
            sim,
            commands: Vec::new(),
            checkpoints: Vec::new(),
            interval: DEFAULT_CHECKPOINT_INTERVAL,
        };
        run.checkpoint();
        Ok(run)
    }

    /// The simulation at the current step.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        self.sim.scenario()
    }

    /// Every command of the run with the step before which it applies.
    pub fn commands(&self) -> &[(u64, Command)] {
        &self.commands
    }

    /// The current step.
    pub fn step_index(&self) -> u64 {
        self.sim.step_index()
    }

    fn checkpoint(&mut self) {
        let step = self.sim.step_index();
        if self
            .checkpoints
            .last()
            .is_some_and(|(cp, _)| cp.step_index() >= step)
        {
            return;
        }
        // The trace is left out of the copy (it is restored from the current one), and
        // taken aside first so that it is not copied only to be thrown away.
        let trace = std::mem::take(&mut self.sim.trace);
        let lag = std::mem::take(&mut self.sim.lag);
        let copy = self.sim.clone();
        self.sim.trace = trace;
        self.sim.lag = lag;
        let trace_len = self.sim.trace.len();
        self.checkpoints.push((copy, trace_len));
        if self.checkpoints.len() > checkpoint_limit(self.sim.scenario().messages) {
            let mut index = 0;
            self.checkpoints.retain(|_| {
                index += 1;
                index % 2 == 1
            });
            self.interval *= 2;
        }
    }

    /// Applies a command at the current step. Commands recorded for later steps (the
    /// future of an earlier timeline) are discarded first.
    pub fn apply(&mut self, command: Command) -> Result<(), CommandError> {
        let step = self.sim.step_index();
        // A command lands on the settled state, as replaying it later will.
        self.settle();
        self.sim.apply(command.clone())?;
        self.commands.retain(|(at, _)| *at <= step);
        self.checkpoints.retain(|(cp, _)| cp.step_index() <= step);
        self.commands.push((step, command));
        Ok(())
    }

    /// Takes one step forward, applying recorded commands due at the next step.
    pub fn step(&mut self) -> Option<StepReport> {
        let report = self.sim.step();
        if report.is_some() {
            self.after_step();
        }
        report
    }

    fn after_step(&mut self) {
        let step = self.sim.step_index();
        if step.is_multiple_of(self.interval) {
            self.checkpoint();
        }
        self.apply_recorded_commands();
    }

    /// Applies the recorded commands of the current step, on the settled state as when
    /// they were first applied. Each was accepted at this step before, and the run is
    /// deterministic, so it is accepted again.
    fn apply_recorded_commands(&mut self) {
        let step = self.sim.step_index();
        let due: Vec<Command> = self
            .commands
            .iter()
            .filter(|(at, _)| *at == step)
            .map(|(_, c)| c.clone())
            .collect();
        if !due.is_empty() {
            self.settle();
        }
        for command in due {
            let _ = self.sim.apply(command);
        }
    }

    /// Goes to a step (or as far as the run goes) and returns the step reached.
    pub fn seek(&mut self, step: u64) -> u64 {
        if step < self.sim.step_index() {
            self.restore_before(step);
        }
        while self.sim.step_index() < step {
            if !self.sim.advance() {
                break;
            }
            self.after_step();
        }
        self.settle();
        self.sim.step_index()
    }

    /// If no step is left, consumes the events that would do nothing (timers whose reason
    /// is gone), so that the run shows as finished. A step is then the same state whether
    /// it was reached by stepping past the end, by seeking or by replaying a link. Cheap:
    /// it probes a copy made without the trace.
    pub fn settle(&mut self) {
        self.sim.settle();
    }

    /// Goes back one step; false at step 0.
    pub fn step_back(&mut self) -> bool {
        let step = self.sim.step_index();
        if step == 0 {
            return false;
        }
        self.seek(step - 1);
        true
    }

    /// Restores the latest checkpoint at or before `step` and applies the commands of
    /// its step.
    fn restore_before(&mut self, step: u64) {
        let index = self
            .checkpoints
            .iter()
            .rposition(|(cp, _)| cp.step_index() <= step)
            .unwrap_or(0);
        let (checkpoint, trace_len) = &self.checkpoints[index];
        let mut sim = checkpoint.clone();
        let trace_len = (*trace_len).min(self.sim.trace.len());
        sim.trace = self.sim.trace[..trace_len].to_vec();
        let mut lag = std::mem::take(&mut self.sim.lag);
        lag.truncate_from(sim.step_index());
        sim.lag = lag;
        self.sim = sim;
        self.apply_recorded_commands();
    }
}
