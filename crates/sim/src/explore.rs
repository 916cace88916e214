//! The exhaustive explorer of the bare two-phase commit protocol.
//!
//! It checks the `TwoPhase` specification of Gray & Lamport's "Consensus on Transaction
//! Commit" the way a model checker does: breadth-first search over every distinct
//! reachable state of N resource managers (RMs) and one transaction manager (TM), with
//! the consistency invariant (no RM committed while another aborted) checked on each.
//!
//! The state follows the specification's four variables: `rmState`, `tmState`,
//! `tmPrepared` and `msgs`, where `msgs` is a set that only grows (a message, once sent,
//! can be received any number of times). The next-state relation has the seven actions
//! `TMRcvPrepared(r)`, `TMCommit`, `TMAbort`, `RMPrepare(r)`, `RMChooseToAbort(r)`,
//! `RMRcvCommitMsg(r)` and `RMRcvAbortMsg(r)`, named here subject-then-verb.
//!
//! The explorer runs in slices so that the page can keep drawing between them: build an
//! [`Explorer`], call [`Explorer::run_slice`] until [`Progress::done`], and read
//! [`Explorer::result`]. Cancelling is simply not calling again. [`explore`] does it all
//! in one call. Everything is single-threaded and deterministic: the states get the same
//! ids in the same order on every run and every platform.

mod packed;
mod table;

use std::collections::BTreeSet;
use std::fmt;
use std::ops::ControlFlow;

use mqlab_text::Words;
use serde::{Deserialize, Serialize};

use table::StateTable;

use crate::speech::lab;

/// The fewest RMs the explorer accepts.
pub const MIN_RMS: u32 = 1;
/// The most RMs the packed state encoding holds (two bits of `rmState` and one bit each
/// of `tmPrepared` and of the Prepared messages per RM, in one `u64`).
pub const MAX_RMS: u32 = 14;
/// The most RMs for which [`state_graph`] lists the whole graph (N = 4 has 1,568 states;
/// larger graphs are unreadable on a page).
pub const MAX_GRAPH_RMS: u32 = 4;
/// The default cap on distinct states, which bounds memory: each state costs 13 bytes of
/// lists plus 24 to 48 bytes of hash table, so 100 million states stay under 5 GiB.
/// N = 10 (about 61 million states) fits; N ≥ 11 stops at the cap.
pub const DEFAULT_MAX_STATES: u32 = 100_000_000;

/// What to explore.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExploreConfig {
    /// The number of resource managers, `MIN_RMS..=MAX_RMS`.
    pub rm_count: u32,
    /// Also count the states up to renaming the RMs (reported as `symmetric_states`).
    /// The full search still visits every state; this only adds a count. Two states count
    /// once when renaming RMs maps one onto the other, renaming `rmState`, `tmPrepared`
    /// and the Prepared messages together; the count is exact (the number of orbits).
    /// Stateright's 2PC example sorts by `rmState` alone, which leaves some orbits split,
    /// so its symmetric figure for N = 5 (665) is larger than this one (314).
    pub symmetry: bool,
    /// Explore a deliberately broken TM that commits as soon as it knows one RM is
    /// prepared instead of all of them; the invariant then fails.
    pub broken: bool,
    /// Stop once this many distinct states are known (`Status::StateLimitReached`).
    pub max_states: u32,
}

impl ExploreConfig {
    /// The correct protocol for `rm_count` RMs, without the symmetry count.
    pub fn new(rm_count: u32) -> Self {
        Self {
            rm_count,
            symmetry: false,
            broken: false,
            max_states: DEFAULT_MAX_STATES,
        }
    }
}

/// Why a configuration was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExploreError {
    RmCountOutOfRange { rm_count: u32, min: u32, max: u32 },
    GraphTooLarge { rm_count: u32, max: u32 },
    MaxStatesZero,
}

impl ExploreError {
    /// Why the configuration was refused, in `words` (its `Display` is English).
    pub fn describe_in(&self, words: &Words) -> String {
        match *self {
            Self::RmCountOutOfRange { rm_count, min, max } => lab!(
                words,
                ExploreRmCountOutOfRange,
                min = min,
                max = max,
                rm_count = rm_count
            ),
            Self::GraphTooLarge { rm_count, max } => {
                lab!(words, ExploreGraphTooLarge, max = max, rm_count = rm_count)
            }
            Self::MaxStatesZero => lab!(words, ExploreMaxStatesZero),
        }
    }
}

impl fmt::Display for ExploreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe_in(crate::sentences::english()))
    }
}

impl std::error::Error for ExploreError {}

/// A resource manager's state (`rmState[r]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RmState {
    Working,
    Prepared,
    Committed,
    Aborted,
}

/// The transaction manager's state (`tmState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TmState {
    Init,
    Committed,
    Aborted,
}

/// A message in `msgs`. RMs are numbered from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Message {
    Prepared(u32),
    Commit,
    Abort,
}

/// One state of the specification, unpacked for reading.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TwoPhaseState {
    pub rm_states: Vec<RmState>,
    pub tm_state: TmState,
    /// The RMs from which the TM has received a Prepared message.
    pub tm_prepared: BTreeSet<u32>,
    pub msgs: BTreeSet<Message>,
}

impl TwoPhaseState {
    /// `TPConsistent`: no RM has committed while another has aborted.
    pub fn is_consistent(&self) -> bool {
        !(self.rm_states.contains(&RmState::Committed)
            && self.rm_states.contains(&RmState::Aborted))
    }
}

/// A step of the protocol. RMs are numbered from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Action {
    TmRcvPrepared(u32),
    TmCommit,
    TmAbort,
    RmPrepare(u32),
    RmChooseToAbort(u32),
    RmRcvCommitMsg(u32),
    RmRcvAbortMsg(u32),
}

impl Action {
    /// A sentence for learners, e.g. "RM 2 prepares and sends Prepared" (in English).
    pub fn label(&self) -> String {
        self.label_in(crate::sentences::english())
    }

    /// A sentence for learners in `words`.
    pub fn label_in(&self, words: &Words) -> String {
        match *self {
            Self::TmRcvPrepared(r) => lab!(words, ActionTmRcvPrepared, rm = r),
            Self::TmCommit => lab!(words, ActionTmCommit),
            Self::TmAbort => lab!(words, ActionTmAbort),
            Self::RmPrepare(r) => lab!(words, ActionRmPrepare, rm = r),
            Self::RmChooseToAbort(r) => lab!(words, ActionRmChooseToAbort, rm = r),
            Self::RmRcvCommitMsg(r) => lab!(words, ActionRmRcvCommitMsg, rm = r),
            Self::RmRcvAbortMsg(r) => lab!(words, ActionRmRcvAbortMsg, rm = r),
        }
    }
}

/// The action's name as in the specification, subject first: `TmRcvPrepared(2)`.
impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::TmRcvPrepared(r) => write!(f, "TmRcvPrepared({r})"),
            Self::TmCommit => write!(f, "TmCommit"),
            Self::TmAbort => write!(f, "TmAbort"),
            Self::RmPrepare(r) => write!(f, "RmPrepare({r})"),
            Self::RmChooseToAbort(r) => write!(f, "RmChooseToAbort({r})"),
            Self::RmRcvCommitMsg(r) => write!(f, "RmRcvCommitMsg({r})"),
            Self::RmRcvAbortMsg(r) => write!(f, "RmRcvAbortMsg({r})"),
        }
    }
}

/// A state's id: its position in breadth-first discovery order (the initial state is 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StateId(pub u32);

/// One step of a path: the action taken and the state it leads to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub action: Action,
    pub state: TwoPhaseState,
}

/// A shortest path from the initial state; `steps.len()` is the target's depth.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Path {
    pub init: TwoPhaseState,
    pub steps: Vec<Step>,
}

/// An edge of the state graph, from a state by one action. `to` is `None` when the
/// target has not been discovered yet (exploration still running).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    pub from: StateId,
    pub action: Action,
    pub to: Option<StateId>,
}

/// Where an exploration stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Running,
    Complete,
    /// `max_states` distinct states were found before the search ended; the counts are
    /// lower bounds.
    StateLimitReached,
}

/// What one slice of work achieved, and the totals so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// States whose successors have been generated.
    pub explored: u32,
    /// Distinct states discovered (explored or waiting in the frontier).
    pub discovered: u32,
    /// States discovered but not yet explored.
    pub frontier: u32,
    /// The depth of the deepest state discovered so far.
    pub depth: u32,
    pub done: bool,
}

/// The outcome of an exploration (or, while `status` is `Running`, the figures so far).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExploreResult {
    pub config: ExploreConfig,
    pub status: Status,
    pub distinct_states: u64,
    /// Edges between distinct states (stuttering steps excluded).
    pub transitions: u64,
    /// The length of the longest shortest path: the number of breadth-first levels - 1.
    pub max_depth: u32,
    /// Distinct states that break the consistency invariant.
    pub violations: u64,
    /// The first violating state in breadth-first order, so its path is a shortest
    /// counterexample.
    pub first_violation: Option<StateId>,
    pub counterexample: Option<Path>,
    /// The number of states up to renaming the RMs, when `config.symmetry` is set.
    pub symmetric_states: Option<u64>,
}

/// Sentinel parent of the initial state.
const NO_PARENT: u32 = u32::MAX;

/// An exploration in progress; see the module documentation.
pub struct Explorer {
    config: ExploreConfig,
    /// Every discovered state, in discovery order: `states[id]`. The states from `cursor`
    /// on are the frontier.
    states: Vec<u64>,
    /// The state each was first reached from, and by which action (packed).
    parents: Vec<u32>,
    parent_actions: Vec<u8>,
    index: StateTable,
    symmetric: Option<StateTable>,
    cursor: u32,
    /// `level_starts[d]` is the id of the first state at depth `d`; the last entry is one
    /// past the last known level.
    level_starts: Vec<u32>,
    transitions: u64,
    violations: u64,
    first_violation: Option<u32>,
    status: Status,
}

impl Explorer {
    pub fn new(config: ExploreConfig) -> Result<Self, ExploreError> {
        if !(MIN_RMS..=MAX_RMS).contains(&config.rm_count) {
            return Err(ExploreError::RmCountOutOfRange {
                rm_count: config.rm_count,
                min: MIN_RMS,
                max: MAX_RMS,
            });
        }
        if config.max_states == 0 {
            return Err(ExploreError::MaxStatesZero);
        }
        let mut explorer = Self {
            config,
            states: Vec::new(),
            parents: Vec::new(),
            parent_actions: Vec::new(),
            index: StateTable::new(),
            symmetric: config.symmetry.then(StateTable::new),
            cursor: 0,
            level_starts: vec![0, 1],
            transitions: 0,
            violations: 0,
            first_violation: None,
            status: Status::Running,
        };
        explorer.index.insert(packed::INIT, 0);
        explorer.discover(packed::INIT, NO_PARENT, 0);
        Ok(explorer)
    }

    pub fn config(&self) -> ExploreConfig {
        self.config
    }

    /// Records a state not seen before.
    #[inline]
    fn discover(&mut self, state: u64, parent: u32, action: u8) {
        let id = self.states.len() as u32;
        if !packed::is_consistent(state) {
            self.violations += 1;
            self.first_violation.get_or_insert(id);
        }
        if let Some(symmetric) = &mut self.symmetric {
            symmetric.insert(packed::canonical(state, self.config.rm_count), 0);
        }
        self.states.push(state);
        self.parents.push(parent);
        self.parent_actions.push(action);
    }

    /// Explores up to `max_states` more states (generates their successors) and returns
    /// the progress. Returns at once when the exploration is over.
    pub fn run_slice(&mut self, max_states: u32) -> Progress {
        let rm_count = self.config.rm_count;
        let broken = self.config.broken;
        let mut budget = max_states;
        while self.status == Status::Running && budget > 0 {
            let len = self.states.len() as u32;
            if self.cursor == len {
                self.status = Status::Complete;
                break;
            }
            if Some(&self.cursor) == self.level_starts.last() {
                // The previous level is fully explored, so the next one is complete.
                self.level_starts.push(len);
            }
            let parent = self.cursor;
            let state = self.states[parent as usize];
            let mut limit_hit = false;
            // Successors are collected first so the closure does not borrow `self`.
            let mut successors = [(0u8, 0u64); 2 + 5 * MAX_RMS as usize];
            let mut count = 0;
            packed::for_each_successor(state, rm_count, broken, |action, next| {
                successors[count] = (packed::action_code(action), next);
                count += 1;
            });
            for &(code, next) in &successors[..count] {
                self.transitions += 1;
                let id = self.states.len() as u32;
                if id >= self.config.max_states {
                    // Only a new state would exceed the cap; known ones are fine.
                    if self.index.get(next).is_none() {
                        limit_hit = true;
                    }
                    continue;
                }
                if self.index.insert(next, id) {
                    self.discover(next, parent, code);
                }
            }
            if limit_hit {
                self.status = Status::StateLimitReached;
                break;
            }
            self.cursor += 1;
            budget -= 1;
        }
        self.progress()
    }

    pub fn progress(&self) -> Progress {
        let discovered = self.states.len() as u32;
        Progress {
            explored: self.cursor,
            discovered,
            frontier: discovered - self.cursor,
            depth: self.depth_of(discovered - 1),
            done: self.status != Status::Running,
        }
    }

    pub fn status(&self) -> Status {
        self.status
    }

    pub fn result(&self) -> ExploreResult {
        ExploreResult {
            config: self.config,
            status: self.status,
            distinct_states: self.states.len() as u64,
            transitions: self.transitions,
            max_depth: self.depth_of(self.states.len() as u32 - 1),
            violations: self.violations,
            first_violation: self.first_violation.map(StateId),
            counterexample: self
                .first_violation
                .and_then(|id| self.path_to(StateId(id))),
            symmetric_states: self.symmetric.as_ref().map(|s| s.len() as u64),
        }
    }

    fn depth_of(&self, id: u32) -> u32 {
        // `level_starts` is sorted; states past its last entry belong to the level after.
        (self.level_starts.partition_point(|&start| start <= id) - 1) as u32
    }

    /// The number of states discovered so far (the valid ids are `0..state_count()`).
    pub fn state_count(&self) -> u32 {
        self.states.len() as u32
    }

    pub fn state(&self, id: StateId) -> Option<TwoPhaseState> {
        let packed = *self.states.get(id.0 as usize)?;
        Some(packed::decode(packed, self.config.rm_count))
    }

    /// The id of a discovered state, or `None` if it is unknown or of another size.
    pub fn state_id(&self, state: &TwoPhaseState) -> Option<StateId> {
        let packed = packed::encode(state, self.config.rm_count)?;
        self.index.get(packed).map(StateId)
    }

    /// The number of steps on a shortest path to the state.
    pub fn depth(&self, id: StateId) -> Option<u32> {
        (id.0 < self.state_count()).then(|| self.depth_of(id.0))
    }

    /// A shortest path from the initial state to `id` (breadth-first parents).
    pub fn path_to(&self, id: StateId) -> Option<Path> {
        if id.0 >= self.state_count() {
            return None;
        }
        let mut ids = Vec::new();
        let mut current = id.0;
        while current != 0 {
            ids.push(current);
            current = self.parents[current as usize];
        }
        ids.reverse();
        let rm_count = self.config.rm_count;
        Some(Path {
            init: packed::decode(self.states[0], rm_count),
            steps: ids
                .into_iter()
                .map(|i| Step {
                    action: packed::action_from_code(self.parent_actions[i as usize]),
                    state: packed::decode(self.states[i as usize], rm_count),
                })
                .collect(),
        })
    }

    /// The state-changing actions enabled in `id`, in the fixed action order, with the
    /// ids of their targets as far as they are known.
    pub fn successors(&self, id: StateId) -> Option<Vec<Edge>> {
        let state = *self.states.get(id.0 as usize)?;
        let mut edges = Vec::new();
        packed::for_each_successor(
            state,
            self.config.rm_count,
            self.config.broken,
            |action, next| {
                edges.push(Edge {
                    from: id,
                    action,
                    to: self.index.get(next).map(StateId),
                });
            },
        );
        Some(edges)
    }
}

/// Explores the whole state space in one call.
pub fn explore(config: ExploreConfig) -> Result<ExploreResult, ExploreError> {
    let mut explorer = Explorer::new(config)?;
    while !explorer.run_slice(u32::MAX).done {}
    Ok(explorer.result())
}

/// Explores in slices of `slice_states` states, calling `on_progress` after each slice;
/// the callback cancels by returning `ControlFlow::Break(())`. A cancelled exploration
/// returns the figures so far with `status` still `Running`.
///
/// This is the same loop the page runs between animation frames (there the callback is
/// the frame boundary and cancelling is not scheduling the next slice); it needs no
/// threads and never reads a clock.
pub fn explore_with_progress(
    config: ExploreConfig,
    slice_states: u32,
    mut on_progress: impl FnMut(&Progress) -> ControlFlow<()>,
) -> Result<ExploreResult, ExploreError> {
    let mut explorer = Explorer::new(config)?;
    let slice_states = slice_states.max(1);
    loop {
        let progress = explorer.run_slice(slice_states);
        if on_progress(&progress).is_break() || progress.done {
            return Ok(explorer.result());
        }
    }
}

/// One state of [`StateGraph`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphState {
    pub id: StateId,
    pub depth: u32,
    pub consistent: bool,
    pub state: TwoPhaseState,
}

/// The whole reachable graph, for drawing small cases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateGraph {
    pub states: Vec<GraphState>,
    /// Every state-changing edge, ordered by source id then by the fixed action order.
    pub edges: Vec<Edge>,
}

/// Lists every state (in id order) and every edge, for at most `MAX_GRAPH_RMS` RMs.
pub fn state_graph(config: ExploreConfig) -> Result<StateGraph, ExploreError> {
    if config.rm_count > MAX_GRAPH_RMS && (MIN_RMS..=MAX_RMS).contains(&config.rm_count) {
        return Err(ExploreError::GraphTooLarge {
            rm_count: config.rm_count,
            max: MAX_GRAPH_RMS,
        });
    }
    let mut explorer = Explorer::new(config)?;
    while !explorer.run_slice(u32::MAX).done {}
    let count = explorer.state_count();
    let mut states = Vec::with_capacity(count as usize);
    let mut edges = Vec::new();
    for raw in 0..count {
        let id = StateId(raw);
        let state = packed::decode(explorer.states[raw as usize], config.rm_count);
        states.push(GraphState {
            id,
            depth: explorer.depth_of(raw),
            consistent: state.is_consistent(),
            state,
        });
        edges.extend(explorer.successors(id).unwrap_or_default());
    }
    Ok(StateGraph { states, edges })
}

#[cfg(test)]
mod tests {
    use mqlab_text::{Lang, Words};

    use super::{Action, ExploreError};

    /// Every action, with the sentence learners have always read for it.
    const LABELS: [(Action, &str); 7] = [
        (Action::TmRcvPrepared(2), "TM receives Prepared from RM 2"),
        (Action::TmCommit, "TM decides to commit and sends Commit"),
        (Action::TmAbort, "TM decides to abort and sends Abort"),
        (Action::RmPrepare(0), "RM 0 prepares and sends Prepared"),
        (Action::RmChooseToAbort(1), "RM 1 chooses to abort"),
        (
            Action::RmRcvCommitMsg(1),
            "RM 1 receives Commit and commits",
        ),
        (Action::RmRcvAbortMsg(3), "RM 3 receives Abort and aborts"),
    ];

    /// The refusals, with the sentence each has always printed.
    fn errors() -> [(ExploreError, &'static str); 3] {
        [
            (
                ExploreError::RmCountOutOfRange {
                    rm_count: 15,
                    min: 1,
                    max: 14,
                },
                "the number of resource managers must be between 1 and 14, not 15",
            ),
            (
                ExploreError::GraphTooLarge {
                    rm_count: 5,
                    max: 4,
                },
                "the full state graph is listed for at most 4 resource managers, not 5",
            ),
            (
                ExploreError::MaxStatesZero,
                "the state limit must be at least 1",
            ),
        ]
    }

    /// The words of a text in Latin letters, other than the specification's names (TM,
    /// RM and its messages), which stay as they are in every language.
    fn english_words(text: &str) -> Vec<&str> {
        text.split(|c: char| !c.is_ascii_alphabetic())
            .filter(|word| {
                !word.is_empty() && !["TM", "RM", "Prepared", "Commit", "Abort"].contains(word)
            })
            .collect()
    }

    #[test]
    fn english_words_tell_actions_and_refusals_as_before() {
        let english = Words::english();
        for (action, label) in LABELS {
            assert_eq!(action.label(), label);
            assert_eq!(action.label_in(&english), label);
        }
        for (error, text) in errors() {
            assert_eq!(error.to_string(), text);
            assert_eq!(error.describe_in(&english), text);
        }
    }

    #[test]
    fn chinese_words_tell_actions_and_refusals_in_chinese() {
        let chinese = Words::embedded(Lang::ZhCn);
        for (action, label) in LABELS {
            let text = action.label_in(&chinese);
            assert!(english_words(&text).is_empty(), "{label:?} became {text:?}");
        }
        for (error, english) in errors() {
            let text = error.describe_in(&chinese);
            assert!(
                english_words(&text).is_empty(),
                "{english:?} became {text:?}"
            );
        }
        assert_eq!(
            Action::TmRcvPrepared(2).label_in(&chinese),
            "TM 收到 RM 2 的 Prepared"
        );
    }
}
