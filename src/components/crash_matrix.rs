//! The crash matrix: every crash point of a mode tried on every message (and, if asked,
//! every pair of crash points), each run to the end, shown as a grid of outcomes. Each
//! cell is a link that opens its run in the simulator at the crash. The outcomes come
//! from the core's ledger (`mqlab_sim::matrix`), and the page never freezes while they
//! are found, with a progress bar and a Cancel button:
//!
//! - a search of at least `WORKER_MIN_RUNS` runs (1,000) runs in a Web Worker
//!   (crates/matrix-worker, fetched only then), which sends its cells in batches; the
//!   largest Kafka world (3 groups of 6 members, 60 messages, three modes: 5,340 runs)
//!   is about 1.5 s of compute, more than the second the page may spend on it;
//! - a smaller search, or any search when Workers are unavailable or the worker cannot
//!   be loaded or stops (the page says so), runs on the page in small slices between
//!   frames.
//!
//! Either way the cells are the same: the worker's are rebuilt from the same plan, and a
//! test compares the two.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use gloo::timers::callback::{Interval, Timeout};
use mqlab_matrix_worker::{Plan, Reply, Request, WORKER_MIN_RUNS};
use mqlab_sim::matrix::{
    instances_left_out, modes_for, points, points_left_out, run_count, Cell, MatrixJob,
    MatrixOptions, Point, DEFAULT_MATRIX_STEPS,
};
use mqlab_sim::{Mode, Scenario};
use mqlab_text::analysis::Key;
use mqlab_text::Words;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use crate::components::controls::mode_label;
use crate::components::matrix_row::{MatrixRow, RowSlots};
use crate::state::Lab;
use crate::words::current as words_now;

/// Runs per call into the core; a tick repeats calls until its time budget is spent.
const SLICE_RUNS: u32 = 4;
/// How long one tick may compute before it yields to the browser, in milliseconds: well
/// under a frame, so scrolling and the Cancel button stay responsive.
const TICK_BUDGET_MS: f64 = 12.0;
/// How often a running search shows its progress (and the cells done), in milliseconds.
const REPORT_EVERY_MS: f64 = 200.0;

#[derive(Properties, PartialEq)]
pub struct CrashMatrixProps {
    pub lab: UseReducerHandle<Lab>,
    /// Called when a cell's link is followed, so that the page shows the simulator.
    pub on_open: Callback<()>,
}

/// Where the search stands.
#[derive(Clone, Debug, PartialEq)]
enum Status {
    Idle,
    Running {
        done: u32,
        total: u32,
    },
    Finished {
        total: u32,
        elapsed_ms: u32,
        in_worker: bool,
    },
    Cancelled {
        done: u32,
        total: u32,
    },
}

/// What the view has to say about the search, kept as what happened rather than as a
/// sentence, so that it reads in the language chosen when it is shown.
#[derive(Clone, Debug, PartialEq)]
enum Notice {
    /// No mode was chosen.
    ChooseMode,
    /// The worker could not run the search: the page runs it instead.
    WorkerFailed(WorkerProblem),
    /// The scenario cannot be searched (the core's reason).
    CannotSearch(String),
}

/// Why the worker could not run the search.
#[derive(Clone, Debug, PartialEq)]
enum WorkerProblem {
    Unnamed,
    CannotSearch(String),
    CannotStart,
    NotSent,
    CellsMismatch,
    TooManyCells,
    Stopped,
    /// The worker's own words (or its reply's), as it gave them.
    Said(String),
}

impl Notice {
    fn text(&self, words: &Words) -> String {
        match self {
            Notice::ChooseMode => words.get(Key::MatrixChooseMode).to_string(),
            Notice::WorkerFailed(problem) => {
                let problem = match problem {
                    WorkerProblem::Unnamed => words.get(Key::MatrixWorkerUnnamed).to_string(),
                    WorkerProblem::CannotSearch(problem) => words.fill(
                        Key::MatrixWorkerCannotSearch,
                        &[("problem", problem.into())],
                    ),
                    WorkerProblem::CannotStart => {
                        words.get(Key::MatrixWorkerCannotStart).to_string()
                    }
                    WorkerProblem::NotSent => words.get(Key::MatrixWorkerNotSent).to_string(),
                    WorkerProblem::CellsMismatch => {
                        words.get(Key::MatrixWorkerCellsMismatch).to_string()
                    }
                    WorkerProblem::TooManyCells => {
                        words.get(Key::MatrixWorkerTooManyCells).to_string()
                    }
                    WorkerProblem::Stopped => words.get(Key::MatrixWorkerStopped).to_string(),
                    WorkerProblem::Said(reason) => reason.clone(),
                };
                words.fill(Key::MatrixWorkerFailed, &[("problem", problem.into())])
            }
            Notice::CannotSearch(problem) => {
                words.fill(Key::MatrixCannotSearch, &[("problem", problem.into())])
            }
        }
    }
}

/// The search on screen: run on the page in slices, or in the worker.
enum Search {
    Page(MatrixJob),
    Worker(WorkerSearch),
}

/// A search in the worker: the plan the page rebuilds its cells from, the cells so far,
/// and the worker with its handlers (the worker is ended when this is dropped).
struct WorkerSearch {
    plan: Plan,
    cells: Vec<Cell>,
    /// True once the learner cancelled or left the view: a failure after that starts
    /// nothing.
    cancelled: bool,
    /// True once the worker failed and the page is to run the search instead.
    failed: bool,
    worker: web_sys::Worker,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for WorkerSearch {
    fn drop(&mut self) {
        self.worker.terminate();
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
    }
}

impl Search {
    fn scenario(&self) -> &Scenario {
        match self {
            Search::Page(job) => job.scenario(),
            Search::Worker(search) => search.plan.scenario(),
        }
    }

    fn cells(&self) -> &[Cell] {
        match self {
            Search::Page(job) => job.cells(),
            Search::Worker(search) => &search.cells,
        }
    }

    fn done_and_total(&self) -> (u32, u32) {
        match self {
            Search::Page(job) => {
                let progress = job.progress();
                (progress.done, progress.total)
            }
            Search::Worker(search) => (
                u32::try_from(search.cells.len()).unwrap_or(u32::MAX),
                search.plan.total(),
            ),
        }
    }

    /// Stops the search; the cells done so far stay.
    fn cancel(&mut self) {
        match self {
            Search::Page(job) => job.cancel(),
            Search::Worker(search) => {
                search.cancelled = true;
                search.worker.terminate();
            }
        }
    }
}

/// What a running search needs to report to the view.
#[derive(Clone)]
struct Reporting {
    search: Rc<RefCell<Option<Search>>>,
    status: UseStateHandle<Status>,
    timer: Rc<RefCell<Option<Interval>>>,
    notice: UseStateHandle<Option<Notice>>,
    /// The grids as drawn, started afresh with each search.
    drawing: Rc<RefCell<Drawing>>,
    started_ms: f64,
}

/// The `<meta>` of the page that names the worker's starting module.
fn worker_script() -> Option<String> {
    web_sys::window()?
        .document()?
        .query_selector("meta[name=\"mqlab-matrix-worker\"]")
        .ok()??
        .get_attribute("content")
}

/// Starts the search in the worker, or says why it cannot (then the page runs it).
fn start_in_worker(
    scenario: &Scenario,
    options: &MatrixOptions,
    report: &Reporting,
) -> Result<(), WorkerProblem> {
    let script = worker_script().ok_or(WorkerProblem::Unnamed)?;
    let plan = Plan::new(scenario, options.clone()).map_err(|problem| {
        WorkerProblem::CannotSearch(problem.describe_in(&crate::words::current()))
    })?;
    let request = Request::new(scenario, options)
        .to_json()
        .map_err(WorkerProblem::Said)?;
    let worker_options = web_sys::WorkerOptions::new();
    worker_options.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options(&script, &worker_options)
        .map_err(|_| WorkerProblem::CannotStart)?;
    let on_message = {
        let (report, worker) = (report.clone(), worker.clone());
        let mut reported_ms = f64::NEG_INFINITY;
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let text = event.data().as_string().unwrap_or_default();
            let problem = match Reply::from_json(&text) {
                Ok(Reply::Ready) => worker
                    .post_message(&JsValue::from_str(&request))
                    .err()
                    .map(|_| WorkerProblem::NotSent),
                Ok(Reply::Cells {
                    first,
                    cells,
                    total,
                }) => take_cells(&report, first, cells, total, &mut reported_ms).err(),
                Ok(Reply::Failed { reason }) => Some(WorkerProblem::Said(reason)),
                Err(reason) => Some(WorkerProblem::Said(reason)),
            };
            if let Some(problem) = problem {
                fall_back(&report, problem);
            }
        })
    };
    let on_error = {
        let report = report.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            event.prevent_default();
            fall_back(&report, WorkerProblem::Stopped);
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    *report.drawing.borrow_mut() = Drawing::new(scenario, options);
    *report.search.borrow_mut() = Some(Search::Worker(WorkerSearch {
        plan,
        cells: Vec::new(),
        cancelled: false,
        failed: false,
        worker,
        _on_message: on_message,
        _on_error: on_error,
    }));
    Ok(())
}

/// Adds a batch of the worker's cells to the search and reports how far it has got.
fn take_cells(
    report: &Reporting,
    first: u32,
    cells: Vec<mqlab_matrix_worker::WireCell>,
    total: u32,
    reported_ms: &mut f64,
) -> Result<(), WorkerProblem> {
    let (done, finished) = {
        let mut guard = report.search.borrow_mut();
        let Some(Search::Worker(search)) = guard.as_mut() else {
            return Ok(());
        };
        if total != search.plan.total() || first as usize != search.cells.len() {
            return Err(WorkerProblem::CellsMismatch);
        }
        for wire in cells {
            let index = search.cells.len();
            let cell = search
                .plan
                .cell(index, wire)
                .ok_or(WorkerProblem::TooManyCells)?;
            search.cells.push(cell);
        }
        let done = u32::try_from(search.cells.len()).unwrap_or(u32::MAX);
        let finished = done == total;
        if finished {
            search.worker.terminate();
        }
        (done, finished)
    };
    let now = js_sys::Date::now();
    if finished {
        report.status.set(Status::Finished {
            total,
            elapsed_ms: (now - report.started_ms).max(0.0) as u32,
            in_worker: true,
        });
    } else if now - *reported_ms >= REPORT_EVERY_MS {
        *reported_ms = now;
        report.status.set(Status::Running { done, total });
    }
    Ok(())
}

/// The worker failed: says so and runs the search on the page from the start, after
/// the worker's handler has returned.
fn fall_back(report: &Reporting, problem: WorkerProblem) {
    let options = {
        let mut guard = report.search.borrow_mut();
        let Some(Search::Worker(search)) = guard.as_mut() else {
            return;
        };
        if search.cancelled || search.failed {
            return;
        }
        search.worker.terminate();
        search.failed = true;
        (
            search.plan.scenario().clone(),
            search.plan.options().clone(),
        )
    };
    report.notice.set(Some(Notice::WorkerFailed(problem)));
    let report = report.clone();
    Timeout::new(0, move || {
        // Unless a new search has started meanwhile, or the learner has left the view.
        let failed = matches!(&*report.search.borrow(), Some(Search::Worker(search)) if search.failed && !search.cancelled);
        if failed {
            let (scenario, options) = options;
            start_on_page(&scenario, options, &report);
        }
    })
    .forget();
}

/// Starts the search on the page, in slices between frames.
fn start_on_page(scenario: &Scenario, options: MatrixOptions, report: &Reporting) {
    match MatrixJob::new(scenario, options) {
        Ok(job) => {
            let total = job.progress().total;
            *report.drawing.borrow_mut() = Drawing::new(scenario, job.options());
            *report.search.borrow_mut() = Some(Search::Page(job));
            report.status.set(Status::Running { done: 0, total });
            *report.timer.borrow_mut() = Some(slice_timer(
                report.search.clone(),
                report.status.clone(),
                report.started_ms,
            ));
        }
        Err(problem) => {
            report.search.borrow_mut().take();
            report.status.set(Status::Idle);
            report.notice.set(Some(Notice::CannotSearch(
                problem.describe_in(&crate::words::current()),
            )));
        }
    }
}

/// How many slots one frame may draw: a pending cell is one, a cell found is
/// `CELL_SLOTS`. The grids of a large search (5,340 cells) appear over a few frames, and
/// the cells arriving are drawn a frame's worth at a time, so that no task of the page
/// comes near the 50 ms that a learner feels as a freeze.
const SLOTS_PER_FRAME: usize = 600;
/// A found cell draws a link with its outcome in words: about as much work as this many
/// pending cells.
const CELL_SLOTS: usize = 4;
/// How often the grids catch up with the search, in milliseconds: about once a frame.
const DRAW_EVERY_MS: u32 = 16;

/// One grid as drawn: a row per crash point, a slot per column (messages, or the second
/// crash point of a pair).
struct Table {
    mode: Mode,
    pairs: bool,
    points: Vec<Point>,
    columns: usize,
    rows: Vec<RowSlots>,
    /// How many of the rows are drawn so far (the first ones).
    shown: usize,
}

impl Table {
    fn new(mode: Mode, pairs: bool, points: Vec<Point>, columns: usize) -> Table {
        let rows = (0..points.len())
            .map(|_| Rc::new(vec![None; columns]))
            .collect();
        Table {
            mode,
            pairs,
            points,
            columns,
            rows,
            shown: 0,
        }
    }

    /// The cells found so far, row by row.
    fn cells(&self) -> impl Iterator<Item = &Rc<Cell>> {
        self.rows.iter().flat_map(|row| row.iter().flatten())
    }
}

/// The grids of the search as drawn so far, which catch up with the search's cells a
/// frame's worth at a time: first each grid's rows of pending cells, then the cells found,
/// in the order the search found them. Only a row that gains a cell is drawn again.
#[derive(Default)]
struct Drawing {
    tables: Vec<Table>,
    /// How many of the search's cells are in the tables.
    placed: usize,
}

impl Drawing {
    fn new(scenario: &Scenario, options: &MatrixOptions) -> Drawing {
        let messages = scenario.messages as usize;
        let mut tables = Vec::new();
        for &mode in &options.modes {
            let points = points(scenario, mode);
            if options.pairs {
                let columns = points.len();
                tables.push(Table::new(mode, false, points.clone(), messages));
                tables.push(Table::new(mode, true, points, columns));
            } else {
                tables.push(Table::new(mode, false, points, messages));
            }
        }
        Drawing { tables, placed: 0 }
    }

    /// True once every row is drawn and every cell of `cells` is in its grid.
    fn caught_up(&self, cells: &[Cell]) -> bool {
        self.placed >= cells.len() && self.tables.iter().all(|t| t.shown == t.rows.len())
    }

    /// Draws one frame's worth more of `cells` (the search's cells so far). Returns
    /// whether anything changed.
    fn advance(&mut self, cells: &[Cell]) -> bool {
        let mut budget = SLOTS_PER_FRAME;
        let mut changed = false;
        for table in &mut self.tables {
            while table.shown < table.rows.len() && budget > 0 {
                table.shown += 1;
                budget = budget.saturating_sub(table.columns);
                changed = true;
            }
        }
        let end = cells.len().min(self.placed + budget / CELL_SLOTS);
        for cell in cells.get(self.placed..end).unwrap_or_default() {
            self.place(cell);
            changed = true;
        }
        self.placed = self.placed.max(end);
        changed
    }

    /// Puts a cell in its slot: by its crash point and message, or for a pair by its
    /// two crash points. A cell with no slot is left out, as the grid has no place for it.
    fn place(&mut self, cell: &Cell) {
        let Some(table) = self
            .tables
            .iter_mut()
            .find(|t| t.mode == cell.mode && t.pairs == cell.is_pair())
        else {
            return;
        };
        let Some(first) = cell.crashes.first() else {
            return;
        };
        let Some(row) = table.points.iter().position(|p| *p == first.at) else {
            return;
        };
        let column = if table.pairs {
            cell.crashes
                .get(1)
                .and_then(|second| table.points.iter().position(|p| *p == second.at))
        } else {
            (first.message as usize)
                .checked_sub(1)
                .filter(|column| *column < table.columns)
        };
        if let Some(column) = column {
            Rc::make_mut(&mut table.rows[row])[column] = Some(Rc::new(cell.clone()));
        }
    }
}

/// The rows of a grid drawn so far.
fn table_rows(
    table: &Table,
    describe: &dyn Fn(Point) -> &'static str,
    on_open: &Callback<()>,
    words: &Rc<Words>,
) -> Html {
    let rows = table.rows[..table.shown]
        .iter()
        .zip(&table.points)
        .map(|(slots, at)| {
            html! {
                <MatrixRow slots={slots.clone()} name={AttrValue::from(at.name())} title={AttrValue::from(describe(*at))}
                    pairs={table.pairs} words={words.clone()} on_open={on_open.clone()} />
            }
        });
    html! { <>{ for rows }</> }
}

/// One mode's grid: crash points down, messages across; then the pairs, first crash
/// (m1) down, second crash (m2) across.
fn mode_grid(
    scenario: &Scenario,
    singles: &Table,
    pairs: Option<&Table>,
    on_open: &Callback<()>,
    words: &Rc<Words>,
) -> Html {
    let mode = singles.mode;
    let messages = scenario.messages;
    // When a row's (or a pair column's) crash happens, in this mode and world.
    let describe = |at: Point| {
        if scenario.kafka.is_some() {
            at.point.describe_with_groups_words(mode, words)
        } else {
            at.point.describe_in_words(mode, words)
        }
    };
    let rows = table_rows(singles, &describe, on_open, words);
    let heads = (1..=messages).map(|m| html! { <th scope="col">{ format!("m{m}") }</th> });
    let missing = points_left_out(scenario, mode);
    let members_left_out: Vec<String> = instances_left_out(scenario)
        .into_iter()
        .map(|instance| {
            mqlab_sim::NodeId::new(mqlab_sim::RoleKind::Consumer, instance)
                .name()
                .to_string()
        })
        .collect();
    let mut runs: usize = 0;
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for cell in singles.cells() {
        runs += 1;
        *counts.entry(cell.outcome.kind()).or_default() += 1;
    }
    let count = |kind: &str| counts.get(kind).copied().unwrap_or_default();
    let acked_lost = if scenario.topology.replicated() {
        words.fill(
            Key::MatrixTallyAcked,
            &[("count", count("acked-lost").into())],
        )
    } else {
        String::new()
    };
    let tally = words.fill(
        Key::MatrixTally,
        &[
            ("runs", runs.into()),
            ("once", count("ok").into()),
            (
                "losing",
                (count("lost") + count("acked-lost") + count("dropped")).into(),
            ),
            ("acked", acked_lost.into()),
            ("duplicating", count("duplicated").into()),
            ("blocking", (count("blocked") + count("in-doubt")).into()),
        ],
    );
    let pair_grid = pairs.filter(|table| table.shown > 0).map(|table| {
        let (first_message, second_message): (u32, u32) = if messages >= 2 { (1, 2) } else { (1, 1) };
        let heads = table.points.iter().map(|p| html! { <th scope="col" title={describe(*p)}>{ p.name() }</th> });
        let rows = table_rows(table, &describe, on_open, words);
        html! {
            <>
                <h4>{ words.fill(Key::MatrixPairsHeading, &[("first", first_message.into()), ("second", second_message.into())]) }</h4>
                <div class="table-scroll">
                    <table class="matrix pairs" aria-label={words.fill(Key::MatrixPairs, &[("mode", mode_label(words, mode).into())])}>
                        <thead><tr><th scope="col">{ words.get(Key::MatrixPairsCorner) }</th>{ for heads }</tr></thead>
                        <tbody>{ rows }</tbody>
                    </table>
                </div>
            </>
        }
    });
    html! {
        <section class="panel matrix-mode" aria-label={words.fill(Key::MatrixGrid, &[("mode", mode_label(words, mode).into())])} data-mode={mode.as_str()}>
            <h3>{ mode_label(words, mode) }</h3>
            <p class="hint">{ tally }</p>
            <div class="table-scroll">
                <table class="matrix" aria-label={words.fill(Key::MatrixSingles, &[("mode", mode_label(words, mode).into())])}>
                    <thead><tr><th scope="col">{ words.get(Key::MatrixSinglesCorner) }</th>{ for heads }</tr></thead>
                    <tbody>{ rows }</tbody>
                </table>
            </div>
            if !missing.is_empty() {
                <p class="hint not-applicable">
                    { words.fill(Key::MatrixNotApplicable, &[("points", missing.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ").into())]) }
                </p>
            }
            if !members_left_out.is_empty() {
                <p class="hint members-left-out">
                    { words.fill(Key::MatrixRowsLeftOut, &[("members", members_left_out.join(", ").into())]) }
                </p>
            }
            { for pair_grid }
        </section>
    }
}

fn legend(poison: bool, words: &Words) -> Html {
    let mut items = vec![
        ("ok", "✔", Key::MatrixLegendOnce),
        ("acked-lost", "✖!", Key::MatrixLegendAckedLost),
        ("lost", "✖", Key::MatrixLegendLost),
        ("duplicated", "⇉", Key::MatrixLegendDuplicated),
        ("in-doubt", "◷", Key::MatrixLegendInDoubt),
        ("blocked", "◷", Key::MatrixLegendBlocked),
        ("reordered", "⇅", Key::MatrixLegendReordered),
    ];
    if poison {
        items.extend([
            ("dropped", "✖", Key::MatrixLegendDropped),
            ("dead-lettered", "☠", Key::MatrixLegendDeadLettered),
            ("held", "⛔", Key::MatrixLegendHeld),
        ]);
    }
    html! {
        <ul class="matrix-legend" aria-label={words.get(Key::MatrixLegend)}>
            { for items.iter().map(|(class, icon, key)| html! {
                <li><span class={classes!("matrix-cell", *class)} aria-hidden="true"><span class="icon">{ *icon }</span></span>{ format!(" {}", words.get(*key)) }</li>
            }) }
        </ul>
    }
}

/// The grid has a column per message: beyond this many it is neither readable nor quick,
/// so a larger scenario is tried on its first messages only (and the page says so).
pub const MATRIX_MAX_MESSAGES: u32 = 60;

#[component]
pub fn CrashMatrix(props: &CrashMatrixProps) -> Html {
    let words = words_now();
    let full: Scenario = props.lab.run.borrow().scenario().clone();
    let scenario = Scenario {
        messages: full.messages.min(MATRIX_MAX_MESSAGES),
        ..full.clone()
    };
    // A replicated queue has no transactional mode; the boxes offer the world's modes.
    let world_modes = modes_for(&scenario);
    let modes = use_state(|| Mode::ALL.to_vec());
    let pairs = use_state(|| false);
    let status = use_state(|| Status::Idle);
    let search: Rc<RefCell<Option<Search>>> = use_mut_ref(|| None);
    let timer: Rc<RefCell<Option<Interval>>> = use_mut_ref(|| None);
    let drawing: Rc<RefCell<Drawing>> = use_mut_ref(Drawing::default);
    // The timer that draws the grids a frame's worth at a time, while they lag behind.
    let drawer: Rc<RefCell<Option<Interval>>> = use_mut_ref(|| None);
    let redraw = use_force_update();
    let error = use_state(|| None::<Notice>);
    let notice = use_state(|| None::<Notice>);

    let options = MatrixOptions {
        modes: world_modes
            .iter()
            .copied()
            .filter(|m| modes.contains(m))
            .collect(),
        pairs: *pairs,
        max_steps: DEFAULT_MATRIX_STEPS,
    };
    let planned_runs = run_count(&options, &scenario);

    let start = {
        let (options, scenario, status, search, timer, error, notice) = (
            options.clone(),
            scenario.clone(),
            status.clone(),
            search.clone(),
            timer.clone(),
            error.clone(),
            notice.clone(),
        );
        let (drawing, drawer, redraw) = (drawing.clone(), drawer.clone(), redraw.clone());
        Callback::from(move |_: MouseEvent| {
            if options.modes.is_empty() {
                error.set(Some(Notice::ChooseMode));
                return;
            }
            error.set(None);
            notice.set(None);
            timer.borrow_mut().take();
            // Ends a worker still running an earlier search.
            search.borrow_mut().take();
            let report = Reporting {
                search: search.clone(),
                status: status.clone(),
                timer: timer.clone(),
                notice: notice.clone(),
                drawing: drawing.clone(),
                started_ms: js_sys::Date::now(),
            };
            drawer
                .borrow_mut()
                .get_or_insert_with(|| draw_timer(search.clone(), drawing.clone(), redraw.clone()));
            if run_count(&options, &scenario) >= WORKER_MIN_RUNS {
                match start_in_worker(&scenario, &options, &report) {
                    Ok(()) => {
                        status.set(Status::Running {
                            done: 0,
                            total: run_count(&options, &scenario),
                        });
                        return;
                    }
                    Err(problem) => notice.set(Some(Notice::WorkerFailed(problem))),
                }
            }
            start_on_page(&scenario, options.clone(), &report);
        })
    };
    let cancel = {
        let (status, timer, search) = (status.clone(), timer.clone(), search.clone());
        Callback::from(move |_: MouseEvent| {
            timer.borrow_mut().take();
            if let Some(search) = search.borrow_mut().as_mut() {
                search.cancel();
                let (done, total) = search.done_and_total();
                status.set(Status::Cancelled { done, total });
            }
        })
    };
    // The timer lives only while the search runs: it is dropped here once the status
    // says the search ended (never from inside its own callback). This effect has no
    // cleanup, because a cleanup runs whenever the status changes and would drop the
    // timer of a search that has just started; leaving the view stops it (below).
    {
        let timer = timer.clone();
        use_effect_with((*status).clone(), move |status| {
            if !matches!(status, Status::Running { .. }) {
                drop(timer.borrow_mut().take());
            }
        });
    }
    // The drawer lives while the grids lag behind the search; it is dropped once they have
    // caught up with a search that has ended (after a render, never from its own callback).
    {
        let (drawer, drawing, search, status) = (
            drawer.clone(),
            drawing.clone(),
            search.clone(),
            (*status).clone(),
        );
        use_effect(move || {
            let caught_up = match &*search.borrow() {
                Some(search) => drawing.borrow().caught_up(search.cells()),
                None => true,
            };
            if caught_up && !matches!(status, Status::Running { .. }) {
                drop(drawer.borrow_mut().take());
            }
        });
    }
    {
        let (timer, search, drawer) = (timer.clone(), search.clone(), drawer.clone());
        use_effect_with((), move |_| {
            move || {
                drop(timer.borrow_mut().take());
                drop(drawer.borrow_mut().take());
                if let Some(search) = search.borrow_mut().as_mut() {
                    search.cancel();
                }
            }
        });
    }
    // The view tells the search as far as the grids show it: a search that has ended is
    // said so once its last cells are drawn, with as many cells in the grids as it says.
    let status_shown = {
        let search = search.borrow();
        let drawing = drawing.borrow();
        let cells = search.as_ref().map(Search::cells).unwrap_or_default();
        let drawn = u32::try_from(drawing.placed).unwrap_or(u32::MAX);
        match &*status {
            Status::Running { total, .. } => Status::Running {
                done: drawn,
                total: *total,
            },
            Status::Finished { total, .. } | Status::Cancelled { total, .. }
                if !drawing.caught_up(cells) =>
            {
                Status::Running {
                    done: drawn,
                    total: *total,
                }
            }
            status => status.clone(),
        }
    };
    let running = matches!(status_shown, Status::Running { .. });

    let mode_boxes = world_modes.iter().map(|&mode| {
        let checked = modes.contains(&mode);
        let onchange = {
            let modes = modes.clone();
            Callback::from(move |_: Event| {
                let mut next: Vec<Mode> = (*modes).clone();
                if checked {
                    next.retain(|m| *m != mode);
                } else {
                    next.push(mode);
                }
                modes.set(next);
            })
        };
        html! {
            <label class="check">
                <input type="checkbox" {checked} {onchange} disabled={running} />{ format!(" {}", mode_label(&words, mode)) }
            </label>
        }
    });
    let on_pairs = {
        let pairs = pairs.clone();
        Callback::from(move |_: Event| pairs.set(!*pairs))
    };

    let progress = match &status_shown {
        Status::Idle => html! {},
        Status::Running { done, total } => html! {
            <div class="progress" role="status">
                <progress max={total.to_string()} value={done.to_string()}></progress>
                { format!(" {}", words.fill(Key::MatrixProgress, &[("done", (*done).into()), ("total", (*total).into())])) }
            </div>
        },
        Status::Finished {
            total,
            elapsed_ms,
            in_worker,
        } => {
            // The elapsed time is a figure of its own inside the sentence.
            let place = if *in_worker {
                words.get(Key::MatrixFinishedInWorker)
            } else {
                ""
            };
            let sentence = words.fill(
                Key::MatrixFinished,
                &[
                    ("total", (*total).into()),
                    ("elapsed", "\u{0}".into()),
                    ("where", place.into()),
                ],
            );
            let (before, after) = sentence
                .split_once('\u{0}')
                .unwrap_or((sentence.as_str(), ""));
            html! {
                <p class="progress" role="status" data-runner={if *in_worker { "worker" } else { "page" }}>
                    { before }<span data-figure="elapsed-ms">{ elapsed_ms }</span>{ after }
                </p>
            }
        }
        Status::Cancelled { done, total } => html! {
            <p class="hint" role="status">{ words.fill(Key::MatrixCancelled, &[("done", (*done).into()), ("total", (*total).into())]) }</p>
        },
    };

    let guard = search.borrow();
    let drawn = drawing.borrow();
    let grids = guard.as_ref().map(|search| {
        let tables = &drawn.tables;
        let grids = tables
            .iter()
            .enumerate()
            .filter(|(_, table)| !table.pairs)
            .map(|(index, singles)| {
                let pairs = tables.get(index + 1).filter(|table| table.pairs);
                mode_grid(search.scenario(), singles, pairs, &props.on_open, &words)
            });
        html! { <>{ for grids }</> }
    });

    html! {
        <div class="analysis crash-matrix">
            <p class="intro">
                { words.fill(Key::MatrixIntro, &[("messages", scenario.messages.into()), ("seed", scenario.seed.into())]) }
                if scenario.topology.replicated() {
                    { words.fill(Key::MatrixIntroReplicated, &[
                        ("brokers", scenario.topology.brokers.into()),
                        ("settings", scenario.replication.describe_in_words(scenario.mode, &words).into()),
                    ]) }
                }
                if let Some(kafka) = &scenario.kafka {
                    { words.fill(Key::MatrixIntroKafka, &[
                        ("groups", kafka.groups.into()),
                        ("members", kafka.members(scenario.topology.consumers).into()),
                        ("partitions", kafka.partitions.into()),
                        ("commit", words.get(match kafka.commit {
                            mqlab_sim::CommitStrategy::Before => Key::MatrixIntroKafkaBefore,
                            mqlab_sim::CommitStrategy::After => Key::MatrixIntroKafkaAfter,
                            mqlab_sim::CommitStrategy::Auto => Key::MatrixIntroKafkaAuto,
                        }).into()),
                        ("worst", if kafka.groups > 1 { words.get(Key::MatrixIntroKafkaWorst) } else { "" }.into()),
                    ]) }
                } else if scenario.topology.consumers > 1 {
                    { words.fill(Key::MatrixIntroCompeting, &[("consumers", scenario.topology.consumers.into())]) }
                }
                if full.messages > scenario.messages {
                    { words.fill(Key::MatrixIntroFirstMessages, &[("messages", full.messages.into()), ("max", MATRIX_MAX_MESSAGES.into())]) }
                }
            </p>
            if let Some(problem) = &*error {
                <div class="notice error" role="alert"><p>{ problem.text(&words) }</p></div>
            }
            if let Some(problem) = &*notice {
                <div class="notice worker-notice" role="alert"><p>{ problem.text(&words) }</p></div>
            }
            <section class="panel" aria-label={words.get(Key::MatrixSettings)}>
                <fieldset class="row" disabled={running}>
                    <legend>{ words.get(Key::MatrixModes) }</legend>
                    { for mode_boxes }
                    <label class="check"><input type="checkbox" checked={*pairs} onchange={on_pairs} />{ format!(" {}", words.get(Key::MatrixPairsOption)) }</label>
                </fieldset>
                <div class="row">
                    if running {
                        <button onclick={cancel}>{ words.get(Key::CommonCancel) }</button>
                    } else {
                        <button class="primary" onclick={start}>{ words.fill(Key::MatrixRun, &[("runs", planned_runs.into())]) }</button>
                    }
                </div>
                { progress }
                { legend(!scenario.queue.poison.is_empty(), &words) }
            </section>
            { for grids }
        </div>
    }
}

/// A timer that draws the grids a frame's worth at a time while they lag behind the
/// search's cells; the view drops it once they have caught up with a search that ended.
fn draw_timer(
    search: Rc<RefCell<Option<Search>>>,
    drawing: Rc<RefCell<Drawing>>,
    redraw: UseForceUpdateHandle,
) -> Interval {
    Interval::new(DRAW_EVERY_MS, move || {
        let changed = match &*search.borrow() {
            Some(search) => drawing.borrow_mut().advance(search.cells()),
            None => false,
        };
        if changed {
            redraw.force_update();
        }
    })
}

/// A timer that runs slices of the search for a few milliseconds per tick, yielding to
/// the browser between ticks, and reports progress; the view drops it when the search
/// ends.
fn slice_timer(
    search: Rc<RefCell<Option<Search>>>,
    status: UseStateHandle<Status>,
    started_ms: f64,
) -> Interval {
    // When progress was last shown: the view redraws every cell done so far, so a large
    // grid is redrawn a few times a second rather than after every tick.
    let mut reported_ms = f64::NEG_INFINITY;
    Interval::new(1, move || {
        let tick_start = js_sys::Date::now();
        let progress = {
            let mut guard = search.borrow_mut();
            let Some(Search::Page(job)) = guard.as_mut() else {
                return;
            };
            let mut progress = job.run_slice(SLICE_RUNS);
            while !progress.finished
                && !progress.cancelled
                && js_sys::Date::now() - tick_start < TICK_BUDGET_MS
            {
                progress = job.run_slice(SLICE_RUNS);
            }
            progress
        };
        if progress.cancelled {
            return;
        }
        if progress.finished {
            let elapsed_ms = (js_sys::Date::now() - started_ms).max(0.0) as u32;
            status.set(Status::Finished {
                total: progress.total,
                elapsed_ms,
                in_worker: false,
            });
        } else if tick_start - reported_ms >= REPORT_EVERY_MS {
            reported_ms = tick_start;
            status.set(Status::Running {
                done: progress.done,
                total: progress.total,
            });
        }
    })
}
