//! Cheap time travel for the page: a run is its scenario plus the commands applied at
//! given steps, so any step can be rebuilt by replaying from the nearest checkpoint.
//! Going back keeps the checkpoints it passes, with the ledgers' changes to redo them,
//! and the trace keeps its later events, so going forward again replays at most one
//! interval; a command applied in the past forgets them, since the future changed.

use crate::fault::{Command, CommandError};
use crate::lag::LagHistory;
use crate::ledger::LedgerUndo;
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
pub const CHECKPOINT_BUDGET_BYTES: u64 = 12 << 20;
/// The fewest checkpoints kept, whatever their size.
pub const MIN_CHECKPOINTS: usize = 4;

/// How many checkpoints a run of `messages` messages keeps: the budget divided by an
/// estimate of one checkpoint's size (a fixed part plus the nodes' per-message state,
/// mostly the broker's log, and the ledger's undo; the ledger itself is not copied).
pub fn checkpoint_limit(messages: u32) -> usize {
    let per_checkpoint = 4_096 + u64::from(messages) * 40;
    let limit = CHECKPOINT_BUDGET_BYTES / per_checkpoint;
    usize::try_from(limit)
        .unwrap_or(MAX_CHECKPOINTS)
        .clamp(MIN_CHECKPOINTS, MAX_CHECKPOINTS)
}

/// The simulation at one step, for going back to it. The ledgers' per-message state,
/// which makes up most of a large run, is not copied: going back starts from the
/// current ledgers and undoes the changes since, newest first.
#[derive(Clone, Debug)]
struct Checkpoint {
    /// The simulation without its trace and its ledgers' per-message state.
    sim: Sim,
    /// The trace's length at this step (the current trace is cut to it).
    trace_len: usize,
    /// Per ledger, the state at this step of every message that changed before the next
    /// checkpoint (for the newest, before the current step: the ledgers hold that).
    undo: Vec<LedgerUndo>,
}

impl Checkpoint {
    fn step_index(&self) -> u64 {
        self.sim.step_index()
    }

    /// Takes over the undo of the next checkpoint, which is dropped.
    fn absorb(&mut self, next: Checkpoint) {
        for (mine, theirs) in self.undo.iter_mut().zip(next.undo) {
            mine.absorb(theirs);
        }
    }
}

/// What lay after the current step when the run went back, for going forward again
/// without replaying every step: the checkpoints that were after it, each with the
/// changes its ledgers went through since the one before, and the lag history as far as
/// the run had gone (the trace keeps its own, see `Trace`). A command applied in the
/// past drops it.
#[derive(Clone, Debug)]
struct Ahead {
    /// Oldest first, each after the current step.
    checkpoints: Vec<(Checkpoint, Vec<LedgerUndo>)>,
    lag: LagHistory,
}

/// A simulation with checkpoints, for seeking and stepping back.
#[derive(Clone, Debug)]
pub struct Run {
    sim: Sim,
    commands: Vec<(u64, Command)>,
    /// Checkpoints taken before the commands of their step, oldest first. Every
    /// checkpoint's step is at most the current step: going back moves those after
    /// into `ahead`.
    checkpoints: Vec<Checkpoint>,
    ahead: Option<Ahead>,
    interval: u64,
    /// The most checkpoints kept (see `checkpoint_limit`).
    limit: usize,
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
            ahead: None,
            interval: DEFAULT_CHECKPOINT_INTERVAL,
            limit: checkpoint_limit(scenario.messages),
        };
        run.checkpoint();
        Ok(run)
    }

    /// Narrates the run in `words` from now on, the trace recorded so far included; the
    /// run, its step and its ledgers do not change, and jumps keep the words.
    pub fn set_words(&mut self, words: std::sync::Arc<mqlab_text::Words>) {
        self.sim.set_words(words);
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

    /// How many checkpoints the run keeps now.
    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    fn checkpoint(&mut self) {
        let step = self.sim.step_index();
        if self
            .checkpoints
            .last()
            .is_some_and(|cp| cp.step_index() >= step)
        {
            return;
        }
        // The undo since the newest checkpoint becomes its own; the ledgers start
        // gathering the new one's.
        let undo = self.sim.take_undo();
        if let Some(newest) = self.checkpoints.last_mut() {
            newest.undo = undo;
        }
        let sim = self.sim.checkpoint_copy();
        let trace_len = self.sim.trace.len();
        self.checkpoints.push(Checkpoint {
            sim,
            trace_len,
            undo: Vec::new(),
        });
        self.prune_ahead();
        let ahead = self.ahead.as_ref().map_or(0, |a| a.checkpoints.len());
        if self.checkpoints.len() + ahead > self.limit {
            self.forget_ahead();
        }
        if self.checkpoints.len() > self.limit {
            // Every other checkpoint goes, the first one kept; each kept one takes over
            // the undo of the one after it.
            let mut kept: Vec<Checkpoint> = Vec::with_capacity(self.checkpoints.len() / 2 + 1);
            for (index, checkpoint) in self.checkpoints.drain(..).enumerate() {
                match kept.last_mut() {
                    Some(previous) if index % 2 == 1 => previous.absorb(checkpoint),
                    _ => kept.push(checkpoint),
                }
            }
            self.checkpoints = kept;
            self.interval *= 2;
        }
    }

    /// Drops the checkpoints after `step`; the newest kept takes over their undo.
    fn drop_checkpoints_after(&mut self, step: u64) {
        let keep = self
            .checkpoints
            .iter()
            .rposition(|cp| cp.step_index() <= step)
            .map_or(0, |index| index + 1);
        let dropped: Vec<Checkpoint> = self.checkpoints.drain(keep..).collect();
        if let Some(newest) = self.checkpoints.last_mut() {
            for checkpoint in dropped {
                newest.absorb(checkpoint);
            }
        }
    }

    /// Applies a command at the current step. Commands recorded for later steps (the
    /// future of an earlier timeline) are discarded first.
    pub fn apply(&mut self, command: Command) -> Result<(), CommandError> {
        let step = self.sim.step_index();
        // A command lands on the settled state, as replaying it later will.
        self.settle();
        // The command changes what lies ahead (and is recorded, refused or not).
        self.forget_ahead();
        self.sim.apply(command.clone())?;
        self.commands.retain(|(at, _)| *at <= step);
        self.drop_checkpoints_after(step);
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
        } else {
            self.restore_ahead(step);
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
    /// its step. The checkpoints after it, with the changes to go forward again, the
    /// trace cut off and the lag history, are kept ahead.
    fn restore_before(&mut self, step: u64) {
        let index = self
            .checkpoints
            .iter()
            .rposition(|cp| cp.step_index() <= step)
            .unwrap_or(0);
        let Some(trace_len) = self.checkpoints.get(index).map(|cp| cp.trace_len) else {
            return;
        };
        // The undos to apply, newest first: the checkpoints after it (the run goes
        // back before them) and its own.
        let mut after: Vec<Checkpoint> = self.checkpoints.drain(index + 1..).collect();
        let mut undos: Vec<Vec<LedgerUndo>> = after
            .iter_mut()
            .rev()
            .map(|cp| std::mem::take(&mut cp.undo))
            .collect();
        let Some(checkpoint) = self.checkpoints.get_mut(index) else {
            return;
        };
        undos.push(std::mem::take(&mut checkpoint.undo));
        let lag = &self.sim.lag;
        let ahead = self.ahead.get_or_insert_with(|| Ahead {
            checkpoints: Vec::new(),
            lag: lag.clone(),
        });
        let redos = self.sim.rewind(&checkpoint.sim, undos, trace_len);
        // Each undo's reverse goes from its checkpoint to the next; the newest's has
        // no checkpoint after it.
        let later = std::mem::take(&mut ahead.checkpoints);
        ahead.checkpoints = after
            .into_iter()
            .zip(redos.into_iter().rev())
            .chain(later)
            .collect();
        self.apply_recorded_commands();
    }

    /// Forgets what lay ahead: the run's future changed, or it holds too much.
    fn forget_ahead(&mut self) {
        self.ahead = None;
        self.sim.trace.forget_ahead();
    }

    /// Forgets the checkpoints ahead that the run has reached by stepping.
    fn prune_ahead(&mut self) {
        let step = self.sim.step_index();
        if let Some(ahead) = &mut self.ahead {
            ahead.checkpoints.retain(|(cp, _)| cp.step_index() > step);
            if ahead.checkpoints.is_empty() {
                self.ahead = None;
            }
        }
    }

    /// Goes forward to the latest checkpoint ahead at or before `step`, if there is one,
    /// without replaying the steps between, and applies the commands of its step.
    fn restore_ahead(&mut self, step: u64) {
        self.prune_ahead();
        let Some(ahead) = &mut self.ahead else {
            return;
        };
        let count = ahead
            .checkpoints
            .partition_point(|(cp, _)| cp.step_index() <= step);
        let (mut reached, redos): (Vec<Checkpoint>, Vec<Vec<LedgerUndo>>) =
            ahead.checkpoints.drain(..count).unzip();
        let Some(target) = reached.last() else {
            return;
        };
        let lag = ahead.lag.clone();
        if !self.sim.trace.regain(target.trace_len) {
            self.forget_ahead();
            return;
        }
        let undos = self.sim.redo(&target.sim, redos, lag);
        // The first undo reaches back to the newest checkpoint behind; each other to
        // the checkpoint reached before it; the last one reached is the newest.
        let mut undos = undos.into_iter();
        if let (Some(newest), Some(undo)) = (self.checkpoints.last_mut(), undos.next()) {
            newest.undo = undo;
        }
        for (checkpoint, undo) in reached.iter_mut().zip(undos) {
            checkpoint.undo = undo;
        }
        self.checkpoints.extend(reached);
        self.prune_ahead();
        self.apply_recorded_commands();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::benchmarks::{groups_scenario, soak_scenario};
    use crate::node::NodeId;

    /// Everything time travel must give back: the ledgers record for record, the
    /// trace, its hash, the lag history, and what the page draws.
    fn assert_same(travelled: &Sim, straight: &Sim, what: &str) {
        assert_eq!(travelled.step_index(), straight.step_index(), "{what}");
        assert_eq!(travelled.trace_hash(), straight.trace_hash(), "{what}");
        assert!(travelled.ledger() == straight.ledger(), "{what}: ledger");
        assert!(
            travelled.group_ledgers() == straight.group_ledgers(),
            "{what}: group ledgers"
        );
        assert!(travelled.trace() == straight.trace(), "{what}: trace");
        assert!(
            travelled.lag_history() == straight.lag_history(),
            "{what}: lag history"
        );
        assert!(
            travelled.snapshot() == straight.snapshot(),
            "{what}: snapshot"
        );
    }

    /// A run taken forward only, to compare with.
    fn straight(scenario: &Scenario, commands: &[(u64, Command)], step: u64) -> Sim {
        let mut run = Run::new(scenario).unwrap();
        for (at, command) in commands {
            run.seek(*at);
            run.apply(command.clone()).unwrap();
        }
        run.seek(step);
        run.sim().clone()
    }

    /// Plays `scenario` to its end with a crash on the way, then jumps around it, and
    /// again after a command applied in the past.
    fn jumps_give_back_every_state(scenario: &Scenario) {
        let mut run = Run::new(scenario).unwrap();
        // Few checkpoints, so that they are thinned out often.
        run.limit = MIN_CHECKPOINTS;
        run.seek(5_000);
        run.apply(Command::Crash(NodeId::CONSUMER)).unwrap();
        let end = run.seek(u64::MAX);
        assert!(run.sim().is_quiet(), "the run ends");
        assert!(
            run.interval > DEFAULT_CHECKPOINT_INTERVAL,
            "the run is long enough for checkpoints to be thinned out"
        );
        let commands = run.commands().to_vec();
        // Back from the end (the ledger judged every message when the run went
        // quiet), across the crash, to the start, and forward again.
        for target in [end - 1, end / 2, 0, 5_000, 5_001, 4_999, 777, end] {
            run.seek(target);
            let what = format!("seed {} at step {target} of {end}", scenario.seed);
            assert_same(run.sim(), &straight(scenario, &commands, target), &what);
        }
        // Back, then steps forward past checkpoints kept ahead, then a jump beyond them.
        run.seek(100);
        while run.step_index() < 100 + 2 * run.interval {
            run.step();
        }
        let stepped = run.step_index();
        assert_same(
            run.sim(),
            &straight(scenario, &commands, stepped),
            "stepped",
        );
        run.seek(end - 3);
        assert_same(
            run.sim(),
            &straight(scenario, &commands, end - 3),
            "after stepping",
        );
        // A command in the past: the old future goes, and the new one is kept right.
        run.seek(end / 4);
        run.apply(Command::Crash(NodeId::BROKER)).unwrap();
        let commands = run.commands().to_vec();
        let end = run.seek(u64::MAX);
        for target in [end / 5, end / 4, end / 4 + 3, end - 1, end] {
            run.seek(target);
            let what = format!(
                "seed {} at step {target} of {end}, second future",
                scenario.seed
            );
            assert_same(run.sim(), &straight(scenario, &commands, target), &what);
        }
    }

    #[test]
    fn jumps_give_back_every_state_of_a_long_run_with_faults() {
        let mut scenario = soak_scenario(3);
        scenario.messages = 4_000;
        jumps_give_back_every_state(&scenario);
    }

    #[test]
    fn settling_a_run_with_steps_left_changes_nothing() {
        let mut scenario = soak_scenario(5);
        scenario.messages = 500;
        let mut run = Run::new(&scenario).unwrap();
        for step in [300, 301, 1_000, 2_500] {
            run.seek(step);
            let untouched = run.sim().clone();
            run.settle();
            assert_same(run.sim(), &untouched, &format!("settled at step {step}"));
            // And the next steps are the same as without settling.
            let mut settled = run.sim().clone();
            let mut other = untouched;
            for _ in 0..200 {
                assert_eq!(settled.step(), other.step());
            }
            assert_same(&settled, &other, &format!("200 steps after step {step}"));
        }
    }

    #[test]
    fn jumps_give_back_the_verdicts_of_a_run_that_loses_messages() {
        // At most once, every message lost on the way stays pending until the run goes
        // quiet, when the ledger judges it lost.
        let mut scenario = soak_scenario(4);
        scenario.mode = crate::mode::Mode::AtMostOnce;
        scenario.messages = 3_000;
        jumps_give_back_every_state(&scenario);
    }

    #[test]
    fn jumps_give_back_every_group_ledger() {
        jumps_give_back_every_state(&groups_scenario(600, 2));
    }

    #[test]
    fn a_jump_forward_again_restores_the_checkpoints_kept_ahead() {
        let mut scenario = soak_scenario(5);
        scenario.messages = 2_000;
        let mut run = Run::new(&scenario).unwrap();
        let end = run.seek(u64::MAX);
        let steps = |run: &Run| -> Vec<u64> {
            run.checkpoints.iter().map(Checkpoint::step_index).collect()
        };
        let before = steps(&run);
        assert!(before.len() > 3, "{before:?}");
        run.seek(10);
        assert_eq!(steps(&run), [0]);
        let ahead = run.ahead.as_ref().map(|a| a.checkpoints.len());
        assert_eq!(
            ahead,
            Some(before.len() - 1),
            "every later checkpoint is kept ahead"
        );
        // Forward to the newest checkpoint: restored, not replayed into new ones.
        let newest = *before.last().unwrap();
        run.seek(newest);
        assert_eq!(steps(&run), before);
        assert!(run.ahead.is_none());
        assert_same(
            run.sim(),
            &straight(&scenario, &[], newest),
            "at the newest checkpoint",
        );
        run.seek(end);
        assert_same(run.sim(), &straight(&scenario, &[], end), "at the end");
        // A command in the past drops what lay ahead.
        run.seek(10);
        run.apply(Command::Crash(NodeId::BROKER)).unwrap();
        assert!(run.ahead.is_none());
    }

    #[test]
    fn the_trace_keeps_what_lies_ahead_until_the_run_differs() {
        let mut scenario = soak_scenario(6);
        scenario.messages = 50;
        let mut run = Run::new(&scenario).unwrap();
        run.seek(400);
        let full = run.sim().trace().to_vec();
        run.seek(100);
        let len = run.sim().trace().len();
        assert!(len < full.len());
        assert_eq!(run.sim().trace(), &full[..len]);
        // Recording the same run again keeps the events ahead.
        run.step();
        let stepped = run.sim().trace().len();
        assert!(run.sim.trace.regain(full.len()));
        run.sim.trace.cut(stepped);
        // A command changes the future: the events ahead go.
        run.apply(Command::Crash(NodeId::BROKER)).unwrap();
        assert!(!run.sim.trace.regain(full.len()));
        run.seek(400);
        assert_same(
            run.sim(),
            &straight(&scenario, run.commands(), 400),
            "after the command",
        );
    }
}
