//! Sharing a run: a [`SharedRun`] is everything needed to reproduce what a learner sees
//! — the scenario, the commands applied with the step of each, and the step shown — and
//! it travels in two forms:
//!
//! - a link fragment ([`SharedRun::to_link`], [`SharedRun::from_link`]): versioned,
//!   compact, readable, made only of characters that are safe in a URL fragment, and
//!   sealed with a CRC-32 so that a link cut short or edited by hand is refused;
//! - a JSON scenario file ([`ScenarioFile`]): versioned, documented in
//!   `docs/scenario-format.md`, validated field by field, optionally carrying the trace
//!   or its hash, which an import verifies by re-simulation.
//!
//! Decoding is strict and total: every input, however malformed, gives either a value
//! or a typed error whose `Display` says what is wrong, and never a panic.

mod file;
mod link;

use std::fmt;

use mqlab_text::errors::Key;
use mqlab_text::Words;

use crate::fault::{Command, CommandError};
use crate::limits::MAX_COMMANDS;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{Sim, SimOptions};
use crate::timeline::Run;

pub(crate) use file::{read_scenario, scenario_out, ScenarioOut};
pub use file::{FileError, ScenarioFile, FILE_FORMAT, FILE_VERSION, MAX_FILE_BYTES};
pub(crate) use link::crc32;
pub use link::{command_text, seal, seal_version, LinkError, LINK_VERSION, MAX_LINK_CHARS};

/// The most steps a rebuild takes when the shared run names no step ("run until
/// nothing is left to happen"); the CLI's default limit too.
pub const MAX_REBUILD_STEPS: u64 = 10_000_000;

/// The most per-link overrides a shared scenario may carry. There are at most 16
/// directed links; the bound leaves room for repeated overrides (the last one wins)
/// while keeping decoding bounded.
pub const MAX_LINK_OVERRIDES: u32 = 64;

/// A run as it is shared: the scenario, every command applied with the step before which
/// it was applied (sorted by step), and the step to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedRun {
    /// The scenario (mode, seed, network, timing, planned faults).
    pub scenario: Scenario,
    /// The commands applied during the run, each with the step before which it was
    /// applied, in the order they were applied (so sorted by step). Commands after
    /// `step` are the run's recorded future, kept so that stepping forward replays them.
    pub commands: Vec<(u64, Command)>,
    /// The step shown; `None` means "run until nothing is left to happen" (at most
    /// [`MAX_REBUILD_STEPS`] steps).
    pub step: Option<u64>,
}

impl SharedRun {
    /// A run of the scenario with no commands, shown from its first step.
    pub fn new(scenario: Scenario) -> SharedRun {
        SharedRun {
            scenario,
            commands: Vec::new(),
            step: Some(0),
        }
    }

    /// Describes a run as the page holds it, at its current step. A run that has ended
    /// (nothing is left to happen) is described with no step, "run to the end": the
    /// step count alone would not say whether the timers left over after the last step
    /// had been used up, and the ledger's tick and "quiet" flag depend on it.
    pub fn from_run(run: &Run) -> SharedRun {
        SharedRun {
            scenario: run.scenario().clone(),
            commands: run.commands().to_vec(),
            step: step_of(run.sim()),
        }
    }

    /// Checks everything that can be checked without simulating: the scenario, the
    /// number of commands, their order, and each command against the scenario.
    pub fn validate(&self) -> Result<(), RebuildError> {
        self.scenario.validate().map_err(RebuildError::Scenario)?;
        if self.scenario.network.links.len() > MAX_LINK_OVERRIDES as usize {
            return Err(RebuildError::TooManyLinkOverrides {
                count: index_u32(self.scenario.network.links.len()),
            });
        }
        if self.commands.len() > MAX_COMMANDS as usize {
            return Err(RebuildError::TooManyCommands {
                count: u32::try_from(self.commands.len()).unwrap_or(u32::MAX),
            });
        }
        let mut previous = 0;
        for (index, (step, command)) in self.commands.iter().enumerate() {
            let index = index_u32(index);
            if *step < previous {
                return Err(RebuildError::CommandsOutOfOrder {
                    index,
                    step: *step,
                    previous,
                });
            }
            previous = *step;
            crate::scenario::check_command(&self.scenario, command).map_err(|error| {
                RebuildError::CommandRefused {
                    index,
                    step: *step,
                    error,
                }
            })?;
        }
        Ok(())
    }

    /// Rebuilds the run for the page, at `step` (or at the end of the run when `step` is
    /// `None`), with every recorded command in place: stepping forward from there
    /// replays the recorded future exactly.
    pub fn to_run(&self) -> Result<Run, RebuildError> {
        self.validate()?;
        let mut run = Run::new(&self.scenario).map_err(RebuildError::Scenario)?;
        for (index, (step, command)) in self.commands.iter().enumerate() {
            let index = index_u32(index);
            let reached = run.seek(*step);
            if reached != *step {
                return Err(RebuildError::CommandAfterEnd {
                    index,
                    step: *step,
                    end_step: reached,
                });
            }
            run.apply(command.clone())
                .map_err(|error| RebuildError::CommandRefused {
                    index,
                    step: *step,
                    error,
                })?;
        }
        let target = self.step.unwrap_or(MAX_REBUILD_STEPS);
        let reached = run.seek(target);
        if self.step.is_some() && reached != target {
            return Err(RebuildError::StepAfterEnd {
                step: target,
                end_step: reached,
            });
        }
        Ok(run)
    }

    /// Rebuilds the run as a bare simulation (no checkpoints), as the CLI runs it:
    /// at `step`, or until quiet when `step` is `None`, never beyond `max_steps` steps.
    /// Commands recorded after the step are checked by a first pass that simulates up
    /// to them, so that the CLI accepts exactly the runs the page accepts.
    pub fn to_sim(&self, options: SimOptions, max_steps: u64) -> Result<Sim, RebuildError> {
        self.validate()?;
        let target = self.step.unwrap_or(u64::MAX).min(max_steps);
        let last_command_step = self.commands.last().map_or(0, |(step, _)| *step);
        if last_command_step > target {
            let check = SimOptions {
                record_trace: false,
            };
            replay_into(&self.scenario, check, &self.commands, last_command_step)?;
        }
        let sim = replay_into(&self.scenario, options, &self.commands, target)?;
        if let Some(step) = self.step {
            if step <= max_steps && sim.step_index() != step {
                return Err(RebuildError::StepAfterEnd {
                    step,
                    end_step: sim.step_index(),
                });
            }
        }
        Ok(sim)
    }
}

/// Builds a simulation and applies the commands at their steps, stopping at `target`
/// (commands after it are not applied) or when the run goes quiet.
fn replay_into(
    scenario: &Scenario,
    options: SimOptions,
    commands: &[(u64, Command)],
    target: u64,
) -> Result<Sim, RebuildError> {
    let mut sim = Sim::with_options(scenario, options).map_err(RebuildError::Scenario)?;
    for (index, (step, command)) in commands.iter().enumerate() {
        if *step > target {
            break;
        }
        let index = index_u32(index);
        while sim.step_index() < *step {
            if !sim.advance() {
                return Err(RebuildError::CommandAfterEnd {
                    index,
                    step: *step,
                    end_step: sim.step_index(),
                });
            }
        }
        sim.settle();
        sim.apply(command.clone())
            .map_err(|error| RebuildError::CommandRefused {
                index,
                step: *step,
                error,
            })?;
    }
    while sim.step_index() < target && sim.advance() {}
    sim.settle();
    Ok(sim)
}

/// The step to record for a simulation: `None` once it has ended (see `from_run`).
pub(crate) fn step_of(sim: &Sim) -> Option<u64> {
    (!sim.is_quiet()).then(|| sim.step_index())
}

fn index_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

/// Why a shared run cannot be rebuilt: the description is well formed but does not
/// describe a run that this simulation can reproduce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RebuildError {
    /// The scenario is invalid.
    Scenario(ScenarioError),
    /// More than `MAX_LINK_OVERRIDES` per-link settings.
    TooManyLinkOverrides {
        /// How many were given.
        count: u32,
    },
    /// More than `MAX_COMMANDS` commands.
    TooManyCommands {
        /// How many were given.
        count: u32,
    },
    /// A command's step is before the step of the command listed before it.
    CommandsOutOfOrder {
        /// The command's position in the list, from 0.
        index: u32,
        /// Its step.
        step: u64,
        /// The step of the command before it.
        previous: u64,
    },
    /// The run went quiet before the step of a command.
    CommandAfterEnd {
        /// The command's position in the list, from 0.
        index: u32,
        /// Its step.
        step: u64,
        /// The step at which the run ended.
        end_step: u64,
    },
    /// A command was refused by the simulation (it does not fit the scenario or the
    /// state of the run at its step).
    CommandRefused {
        /// The command's position in the list, from 0.
        index: u32,
        /// Its step.
        step: u64,
        /// Why.
        error: CommandError,
    },
    /// The run ends before the step to show.
    StepAfterEnd {
        /// The step asked for.
        step: u64,
        /// The step at which the run ended.
        end_step: u64,
    },
}

impl RebuildError {
    /// Why the run cannot be rebuilt, in `words`.
    pub fn describe_in(&self, words: &Words) -> String {
        match self {
            RebuildError::Scenario(error) => error.describe_in(words),
            RebuildError::TooManyLinkOverrides { count } => words.fill(
                Key::RebuildLinkOverrides,
                &[
                    ("most", MAX_LINK_OVERRIDES.into()),
                    ("count", (*count).into()),
                ],
            ),
            RebuildError::TooManyCommands { count } => words.fill(
                Key::RebuildCommands,
                &[("most", MAX_COMMANDS.into()), ("count", (*count).into())],
            ),
            RebuildError::CommandsOutOfOrder {
                index,
                step,
                previous,
            } => words.fill(
                Key::RebuildOutOfOrder,
                &[
                    ("index", (*index).into()),
                    ("step", (*step).into()),
                    ("previous", (*previous).into()),
                ],
            ),
            RebuildError::CommandAfterEnd {
                index,
                step,
                end_step,
            } => words.fill(
                Key::RebuildAfterEnd,
                &[
                    ("index", (*index).into()),
                    ("end", (*end_step).into()),
                    ("step", (*step).into()),
                ],
            ),
            RebuildError::CommandRefused { index, step, error } => words.fill(
                Key::RebuildRefused,
                &[
                    ("index", (*index).into()),
                    ("step", (*step).into()),
                    ("error", error.describe_in(words).into()),
                ],
            ),
            RebuildError::StepAfterEnd { step, end_step } => words.fill(
                Key::RebuildStepAfterEnd,
                &[("end", (*end_step).into()), ("step", (*step).into())],
            ),
        }
    }
}

impl fmt::Display for RebuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe_in(crate::sentences::english()))
    }
}

impl std::error::Error for RebuildError {}
