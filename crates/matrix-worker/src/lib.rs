//! The crash matrix in a Web Worker: the core's search ([`MatrixJob`]) run on a thread
//! of its own, so that a large grid (the largest Kafka world, 3 groups of 6 members on
//! 8 partitions with 60 messages, is 5,340 runs and about 1.5 s of compute in the
//! browser) never holds up the page. This crate depends on the core and not on the
//! page's framework; its binary (`src/main.rs`) is the worker, built into the site by
//! scripts/build-lazy-modules and fetched only when a search of at least
//! [`WORKER_MIN_RUNS`] runs starts.
//!
//! The page and the worker exchange JSON text:
//!
//! - the worker says [`Reply::Ready`] once it has started;
//! - the page sends a [`Request`]: the scenario and the matrix options;
//! - the worker runs the search and sends its cells in order, a batch about every
//!   [`BATCH_MS`] milliseconds ([`Reply::Cells`]), each cell as its ledger counters only
//!   ([`WireCell`]); the page rebuilds the full cell from its own [`Plan`] of the same
//!   search, so the messages stay small and a cell is the same whichever side ran it;
//! - a search that cannot run ends with [`Reply::Failed`], in words.
//!
//! Cancel ends the worker (the page terminates it): nothing of the search is left
//! running.

use mqlab_sim::matrix::{cell_scenario, Cell, MatrixJob, MatrixOptions, MatrixPlan, Outcome};
use mqlab_sim::{Mode, Scenario, ScenarioError, SharedRun, Summary};
use serde::{Deserialize, Serialize};

/// A search at least this large runs in the worker; a smaller one runs on the page, in
/// slices between frames. Measured in headless Chromium on two shared cores, the core
/// does about 3,500 runs of the largest Kafka world a second, so 1,000 runs are about
/// 0.3 s of compute, several times what fetching and starting the worker costs; below
/// that the slices finish before the worker would have started.
pub const WORKER_MIN_RUNS: u32 = 1_000;

/// How often the worker sends the cells done, in milliseconds.
pub const BATCH_MS: f64 = 100.0;

/// Runs per call into the core between looks at the clock.
const SLICE_RUNS: u32 = 8;

/// What the page asks the worker to search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The scenario, as the simulator holds it (its own planned faults are left out of
    /// every cell by the core).
    pub scenario: Scenario,
    /// The modes, by their names ("at-least-once"), in the order the cells come out.
    pub modes: Vec<String>,
    /// Also pairs of crash points.
    pub pairs: bool,
    /// The step bound per run.
    pub max_steps: u64,
}

impl Request {
    /// The request for a search of `scenario` with `options`.
    pub fn new(scenario: &Scenario, options: &MatrixOptions) -> Request {
        Request {
            scenario: scenario.clone(),
            modes: options
                .modes
                .iter()
                .map(|mode| mode.as_str().to_string())
                .collect(),
            pairs: options.pairs,
            max_steps: options.max_steps,
        }
    }

    /// The matrix options asked for, or why they cannot be read.
    pub fn options(&self) -> Result<MatrixOptions, String> {
        let modes = self
            .modes
            .iter()
            .map(|name| {
                name.parse::<Mode>()
                    .map_err(|_| format!("unknown mode {name:?}"))
            })
            .collect::<Result<Vec<Mode>, String>>()?;
        Ok(MatrixOptions {
            modes,
            pairs: self.pairs,
            max_steps: self.max_steps,
        })
    }

    /// The request as the text the worker reads.
    pub fn to_json(&self) -> Result<String, String> {
        serde_json::to_string(self).map_err(|error| error.to_string())
    }
}

/// What the worker says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reply {
    /// The worker has started and waits for a [`Request`].
    Ready,
    /// Cells `first`, `first + 1`, ... of the search, in its order; `total` is the
    /// number of runs in the whole search.
    Cells {
        /// The index of the first cell of the batch.
        first: u32,
        /// The cells.
        cells: Vec<WireCell>,
        /// Runs in the whole search.
        total: u32,
    },
    /// The search cannot run, in words.
    Failed {
        /// Why.
        reason: String,
    },
}

impl Reply {
    /// The reply as the text the page reads.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|error| {
            format!(r#"{{"kind":"failed","reason":"a reply could not be written: {error}"}}"#)
        })
    }

    /// Reads a reply of the worker.
    pub fn from_json(text: &str) -> Result<Reply, String> {
        serde_json::from_str(text).map_err(|error| format!("an unreadable reply ({error})"))
    }
}

/// A cell as the worker sends it: what its run measured. The rest of the cell (its
/// mode, crashes, outcome and link) follows from its place in the search ([`Plan::cell`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireCell {
    /// The ledger's counters at the end of the run.
    pub summary: Summary,
    /// With consumer groups, each group's counters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Summary>,
    /// How many of the armed crashes fired.
    pub fired: u32,
    /// The step right after the first crash fired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crash_step: Option<u64>,
}

impl WireCell {
    /// What a cell's run measured.
    pub fn of(cell: &Cell) -> WireCell {
        WireCell {
            summary: cell.summary.clone(),
            groups: cell.group_summaries.clone(),
            fired: cell.fired,
            crash_step: cell.crash_step,
        }
    }
}

/// The runs of a search, in the core's order, with each mode's fault-free blocking:
/// what the page needs to turn a [`WireCell`] back into the core's [`Cell`].
#[derive(Clone, Debug)]
pub struct Plan {
    plan: MatrixPlan,
}

impl Plan {
    /// Plans the search as [`MatrixJob::new`] does (the scenario without its own faults,
    /// each mode run once without a crash), failing as it does.
    pub fn new(scenario: &Scenario, options: MatrixOptions) -> Result<Plan, ScenarioError> {
        Ok(Plan {
            plan: MatrixPlan::new(scenario, options)?,
        })
    }

    /// The scenario the cells run (without its own planned faults).
    pub fn scenario(&self) -> &Scenario {
        self.plan.scenario()
    }

    /// The options the search was planned with.
    pub fn options(&self) -> &MatrixOptions {
        self.plan.options()
    }

    /// Runs in the whole search.
    pub fn total(&self) -> u32 {
        self.plan.total()
    }

    /// Cell `index` of the search from what its run measured, as the core's
    /// `matrix::run_cell` makes it; `None` past the end of the search.
    pub fn cell(&self, index: usize, wire: WireCell) -> Option<Cell> {
        let (mode, crashes, baseline) = self.plan.run(index)?;
        let cell_scenario = cell_scenario(self.plan.scenario(), mode, crashes);
        let outcome = Outcome::worst(&wire.groups, &wire.summary, baseline);
        let mut shared = SharedRun::new(cell_scenario);
        shared.step = wire.crash_step.map(|step| step.saturating_sub(1));
        Some(Cell {
            mode,
            crashes: crashes.to_vec(),
            summary: wire.summary,
            group_summaries: wire.groups,
            baseline_blocked_ticks: baseline,
            outcome,
            fired: wire.fired,
            crash_step: wire.crash_step,
            shared,
        })
    }
}

/// The worker's side of a search: reads the request, runs the whole search and hands
/// each batch of cells to `post` when `now` (milliseconds) says `batch_ms` have passed
/// since the last, and the rest at the end; a request that cannot be read or a scenario
/// that cannot run is answered with [`Reply::Failed`].
pub fn serve(
    request: &str,
    mut now: impl FnMut() -> f64,
    mut post: impl FnMut(&Reply),
    batch_ms: f64,
) {
    let fail = |reason: String| Reply::Failed { reason };
    let request: Request = match serde_json::from_str(request) {
        Ok(request) => request,
        Err(error) => return post(&fail(format!("the request cannot be read ({error})"))),
    };
    let options = match request.options() {
        Ok(options) => options,
        Err(reason) => return post(&fail(reason)),
    };
    let mut job = match MatrixJob::new(&request.scenario, options) {
        Ok(job) => job,
        Err(problem) => {
            return post(&fail(format!(
                "this scenario cannot be searched: {problem}"
            )))
        }
    };
    let mut sent = 0;
    let mut last = now();
    loop {
        let progress = job.run_slice(SLICE_RUNS);
        let ended = progress.finished || progress.cancelled;
        let at = now();
        if ended || at - last >= batch_ms {
            let cells = job.cells()[sent..].iter().map(WireCell::of).collect();
            post(&Reply::Cells {
                first: u32::try_from(sent).unwrap_or(u32::MAX),
                cells,
                total: progress.total,
            });
            sent = job.cells().len();
            last = at;
        }
        if progress.cancelled && !progress.finished {
            return post(&fail(format!(
                "run {} of the search could not be set up",
                progress.done + 1
            )));
        }
        if ended {
            return;
        }
    }
}
