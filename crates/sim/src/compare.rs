//! Compare: one scenario and one fault plan replayed under all four delivery modes, side
//! by side, with the messages whose verdicts differ and one plain sentence for each.
//!
//! A [`Comparison`] is built by [`compare`]: for every mode in [`Mode::ALL`] the scenario
//! is copied with that mode, its planned faults and the run's commands are kept where the
//! mode has them and reported as [`NotApplicable`] where it does not (a coordinator crash
//! point outside transactional mode, a crash of the coordinator in a queue mode), and the
//! run goes to quiescence or to the step bound. Nothing is dropped silently: every fault
//! is either in a mode's run or in its list of faults that do not apply.
//!
//! The run's commands (applied by the learner at a step) become planned faults at the
//! same step. A named crash point means the same protocol moment in every mode; a bare
//! "crash the consumer at step 40" is the same step number, which in another mode may be
//! a different moment of the protocol. The page says so next to the table.
//!
//! With consumer groups (Kafka style) each group is judged on its own ledger, and the
//! goal is every message exactly once in every group: a run keeps each group's counters,
//! verdicts and anomalies ([`ModeRun::groups`]), and a message that differs between the
//! modes in a group is a difference of that group ("m3 in group 2: ..."). A run also
//! keeps how many side effects each consumer applied, which shows how competing
//! consumers shared the queue.

use crate::fault::{Command, CommandError, PlannedFault};
use crate::ledger::{Anomaly, InDoubtSplit, MessageId, Summary, Verdict};
use crate::mode::Mode;
use crate::scenario::check_command;
use crate::scenario::{Scenario, ScenarioError};
use crate::share::SharedRun;
use crate::sim::{Sim, SimOptions};
use crate::speech::lab;
use mqlab_text::analysis::Key as LabKey;
use mqlab_text::narration::Key;
use mqlab_text::Words;

/// The most differences a comparison lists; the rest are counted in
/// [`Comparison::differences_total`]. A table of more rows would not be read.
pub const MAX_DIFFERENCES: u32 = 500;

/// The step bound a comparison uses when the caller has no better one: far beyond what
/// a scenario of the page's size needs to go quiet.
pub const DEFAULT_COMPARE_STEPS: u64 = 1_000_000;

/// A fault of the plan that a mode does not have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotApplicable {
    /// The fault as planned (its step, if it had one, and the command).
    pub fault: PlannedFault,
    /// Why the mode refuses it, e.g. "crash point coordinator.after_votes does not apply
    /// in at-least-once mode".
    pub reason: CommandError,
}

/// One mode's run of the compared scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModeRun {
    /// The mode.
    pub mode: Mode,
    /// The ledger's counters at the end of the run (with several consumer groups, the
    /// groups' added up, as [`Sim::summary`] gives them).
    pub summary: Summary,
    /// Every message's verdict, m1 first (with consumer groups, the first group's).
    pub verdicts: Vec<Verdict>,
    /// The anomalies, each with its explanation and the step of its cause (with
    /// consumer groups, the first group's).
    pub anomalies: Vec<Anomaly>,
    /// With consumer groups, each group's counters, verdicts and anomalies, the first
    /// group's first; empty with a queue.
    pub groups: Vec<GroupRun>,
    /// Per consumer instance (`consumer` first), how many side effects it applied.
    pub applied_by_consumer: Vec<u32>,
    /// The faults of the plan that this mode does not have. When there is any, the run
    /// is not the compared run (it lacks part of the plan): the page shows "not
    /// applicable" in place of its counters, and its verdicts are left out of the
    /// differences (see [`ModeRun::plan_applies`]).
    pub not_applicable: Vec<NotApplicable>,
    /// The time participants spent in doubt, split at the scenario's in-doubt timer
    /// into the normal wait for a decision and the blocking a fault caused.
    pub in_doubt: InDoubtSplit,
    /// True when the run went quiet; false when it stopped at the step bound.
    pub finished: bool,
    /// The run as a link, to open it in the simulator.
    pub shared: SharedRun,
}

/// One consumer group's part of a mode's run: its own ledger's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRun {
    /// The group's counters.
    pub summary: Summary,
    /// Every message's verdict in the group, m1 first.
    pub verdicts: Vec<Verdict>,
    /// The group's anomalies, each with its explanation and the step of its cause.
    pub anomalies: Vec<Anomaly>,
}

/// A message whose verdict is not the same in every mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The message.
    pub message: MessageId,
    /// With several consumer groups, the group (from 0) whose verdicts differ; `None`
    /// with one group or a queue.
    pub group: Option<u16>,
    /// Its verdict per mode that ran the whole plan, in the order of [`Mode::ALL`].
    pub verdicts: Vec<(Mode, Verdict)>,
    /// One plain sentence, e.g. "m3: at-least-once applies it twice (the consumer
    /// crashed after applying it and before acking, so the broker redelivered it, step
    /// 14); at-most-once, idempotent and transactional apply it once."
    pub sentence: String,
}

/// The four runs and what differs between them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// One run per mode, in the order of [`Mode::ALL`].
    pub runs: Vec<ModeRun>,
    /// The messages whose verdicts differ, m1 first, at most [`MAX_DIFFERENCES`].
    pub differences: Vec<Difference>,
    /// How many messages differ in all (may exceed the rows listed).
    pub differences_total: u32,
}

impl ModeRun {
    /// True when every fault of the plan exists in this mode, so that its run is the
    /// compared run and its counters and verdicts can be shown.
    pub fn plan_applies(&self) -> bool {
        self.not_applicable.is_empty()
    }
}

impl Comparison {
    /// The run of one mode.
    pub fn run(&self, mode: Mode) -> Option<&ModeRun> {
        self.runs.iter().find(|run| run.mode == mode)
    }
}

/// The scenario copied into `mode`, with the faults it cannot have set apart. The
/// commands become planned faults at their steps, after the scenario's own faults.
pub fn scenario_in_mode(
    scenario: &Scenario,
    commands: &[(u64, Command)],
    mode: Mode,
) -> (Scenario, Vec<NotApplicable>) {
    let mut copy = Scenario {
        mode,
        faults: Vec::new(),
        ..scenario.clone()
    };
    let planned = scenario.faults.iter().cloned().chain(
        commands
            .iter()
            .map(|(step, command)| PlannedFault::at(*step, command.clone())),
    );
    let mut not_applicable = Vec::new();
    for fault in planned {
        match check_command(&copy, &fault.command) {
            Ok(()) => copy.faults.push(fault),
            Err(reason) => not_applicable.push(NotApplicable { fault, reason }),
        }
    }
    (copy, not_applicable)
}

/// Runs the scenario and its commands under every mode its world runs in
/// ([`Scenario::runs_in`]), each until quiet or until
/// `max_steps` steps. Fails only when the scenario itself is invalid (or the plan and
/// the commands together exceed the number of planned faults a scenario may carry).
pub fn compare(
    scenario: &Scenario,
    commands: &[(u64, Command)],
    max_steps: u64,
) -> Result<Comparison, ScenarioError> {
    compare_in(scenario, commands, max_steps, &Words::english())
}

/// [`compare`], its anomalies and sentences in `words`.
pub fn compare_in(
    scenario: &Scenario,
    commands: &[(u64, Command)],
    max_steps: u64,
    words: &Words,
) -> Result<Comparison, ScenarioError> {
    let mut runs = Vec::with_capacity(Mode::ALL.len());
    for mode in Mode::ALL.into_iter().filter(|&mode| scenario.runs_in(mode)) {
        let (copy, not_applicable) = scenario_in_mode(scenario, commands, mode);
        let options = SimOptions {
            record_trace: false,
        };
        let mut sim = Sim::with_options(&copy, options)?;
        sim.run_until_quiet(max_steps);
        let ledger = sim.ledger();
        let groups = if copy.kafka.is_some() {
            sim.group_ledgers()
                .iter()
                .map(|group| GroupRun {
                    summary: group.summary(),
                    verdicts: group.messages().iter().map(|r| r.verdict).collect(),
                    anomalies: group.anomalies_in(words),
                })
                .collect()
        } else {
            Vec::new()
        };
        runs.push(ModeRun {
            mode,
            summary: sim.summary(),
            groups,
            applied_by_consumer: sim.applied_by_consumer(),
            verdicts: ledger
                .messages()
                .iter()
                .map(|record| record.verdict)
                .collect(),
            anomalies: ledger.anomalies_in(words),
            in_doubt: ledger.in_doubt_split(copy.transaction.in_doubt_query_ticks),
            not_applicable,
            finished: sim.is_quiet(),
            shared: SharedRun {
                scenario: copy,
                commands: Vec::new(),
                step: None,
            },
        });
    }
    let (differences, differences_total) = differences(&runs, words);
    Ok(Comparison {
        runs,
        differences,
        differences_total,
    })
}

/// One group's verdicts and anomalies in a run (the run's own without groups).
fn group_part(run: &ModeRun, group: Option<u16>) -> (&[Verdict], &[Anomaly]) {
    match group.and_then(|g| run.groups.get(usize::from(g))) {
        Some(part) => (&part.verdicts, &part.anomalies),
        None => (&run.verdicts, &run.anomalies),
    }
}

/// The messages whose verdicts differ between the modes that ran the whole plan, group
/// by group with several consumer groups; a mode that lacks part of the plan has no
/// verdict to compare.
fn differences(runs: &[ModeRun], words: &Words) -> (Vec<Difference>, u32) {
    let runs: Vec<&ModeRun> = runs.iter().filter(|run| run.plan_applies()).collect();
    let messages = runs.first().map_or(0, |run| run.verdicts.len());
    let group_count = runs.first().map_or(0, |run| run.groups.len());
    let groups: Vec<Option<u16>> = if group_count > 1 {
        (0..group_count)
            .filter_map(|g| u16::try_from(g).ok())
            .map(Some)
            .collect()
    } else {
        vec![None]
    };
    let mut listed = Vec::new();
    let mut total = 0_u32;
    for group in groups {
        for index in 0..messages {
            let verdicts: Vec<(Mode, Verdict)> = runs
                .iter()
                .filter_map(|run| group_part(run, group).0.get(index).map(|v| (run.mode, *v)))
                .collect();
            let first = verdicts.first().map(|(_, v)| *v);
            if verdicts.len() < 2 || verdicts.iter().all(|(_, v)| Some(*v) == first) {
                continue;
            }
            total = total.saturating_add(1);
            if listed.len() >= MAX_DIFFERENCES as usize {
                continue;
            }
            let message = MessageId(u32::try_from(index + 1).unwrap_or(u32::MAX));
            let sentence = sentence(words, message, group, &verdicts, &runs);
            listed.push(Difference {
                message,
                group,
                verdicts,
                sentence,
            });
        }
    }
    (listed, total)
}

/// What a mode did to a message, as a verb phrase ("applies it twice").
pub fn verdict_phrase(verdict: Verdict, plural: bool) -> String {
    verdict_phrase_in(&Words::english(), verdict, plural)
}

/// What a mode did to a message, as a verb phrase in `words`; `plural` for several modes.
pub fn verdict_phrase_in(words: &Words, verdict: Verdict, plural: bool) -> String {
    let (one, many) = match verdict {
        Verdict::ExactlyOnce => (LabKey::VerdictOnce, LabKey::VerdictOncePlural),
        Verdict::Lost => (LabKey::VerdictLost, LabKey::VerdictLostPlural),
        Verdict::Duplicated(2) => (LabKey::VerdictTwice, LabKey::VerdictTwicePlural),
        Verdict::Duplicated(times) => {
            return if plural {
                lab!(words, VerdictTimesPlural, times = times)
            } else {
                lab!(words, VerdictTimes, times = times)
            };
        }
        Verdict::Reordered => (LabKey::VerdictReordered, LabKey::VerdictReorderedPlural),
        Verdict::Pending => (LabKey::VerdictPending, LabKey::VerdictPendingPlural),
        Verdict::InDoubt => (LabKey::VerdictInDoubt, LabKey::VerdictInDoubtPlural),
        Verdict::DeadLettered => (
            LabKey::VerdictDeadLettered,
            LabKey::VerdictDeadLetteredPlural,
        ),
        Verdict::Dropped => (LabKey::VerdictDropped, LabKey::VerdictDroppedPlural),
        Verdict::Blocked => (LabKey::VerdictBlocked, LabKey::VerdictBlockedPlural),
    };
    words.get(if plural { many } else { one }).to_string()
}

/// The cause part of an anomaly's explanation: "m1 applied twice: the consumer crashed …
/// (step 14)." gives "the consumer crashed … (step 14)".
fn cause_of(anomaly: &Anomaly) -> Option<&str> {
    let (_, cause) = anomaly
        .explanation
        .split_once(": ")
        .or_else(|| anomaly.explanation.split_once('：'))?;
    let cause = cause.trim_end_matches(['.', '。']);
    (!cause.is_empty()).then_some(cause)
}

fn join_modes(words: &Words, modes: &[Mode]) -> String {
    let names: Vec<&str> = modes.iter().map(|mode| mode.as_str()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => lab!(
            words,
            CompareModesAnd,
            init = init.join(words.get(Key::CompareListSeparator)),
            last = *last
        ),
    }
}

/// "m3: at-least-once applies it twice (cause); idempotent and transactional apply it
/// once." Modes with the same verdict and no cause to tell are grouped; an anomaly keeps
/// its own clause with its cause. With several consumer groups the group is named: "m3
/// in group 2: ...".
fn sentence(
    words: &Words,
    message: MessageId,
    group: Option<u16>,
    verdicts: &[(Mode, Verdict)],
    runs: &[&ModeRun],
) -> String {
    let mut clauses: Vec<String> = Vec::new();
    let mut grouped: Vec<(Verdict, Vec<Mode>)> = Vec::new();
    for (mode, verdict) in verdicts {
        let cause = runs
            .iter()
            .find(|run| run.mode == *mode)
            .and_then(|run| {
                group_part(run, group)
                    .1
                    .iter()
                    .find(|a| a.message == message)
            })
            .and_then(cause_of);
        match cause {
            Some(cause) => clauses.push(lab!(
                words,
                CompareClauseWithCause,
                mode = mode.as_str(),
                verdict = verdict_phrase_in(words, *verdict, false),
                cause = cause
            )),
            None => match grouped.iter_mut().find(|(v, _)| v == verdict) {
                Some((_, modes)) => modes.push(*mode),
                None => grouped.push((*verdict, vec![*mode])),
            },
        }
    }
    for (verdict, modes) in grouped {
        clauses.push(lab!(
            words,
            CompareClause,
            modes = join_modes(words, &modes),
            verdict = verdict_phrase_in(words, verdict, modes.len() > 1)
        ));
    }
    let clauses = clauses.join(words.get(LabKey::CompareClauseSeparator));
    let message = message.to_string();
    match group {
        Some(group) => lab!(
            words,
            CompareSentenceInGroup,
            message = &message,
            group = u32::from(group) + 1,
            clauses = clauses
        ),
        None => lab!(
            words,
            CompareSentence,
            message = &message,
            clauses = clauses
        ),
    }
}
