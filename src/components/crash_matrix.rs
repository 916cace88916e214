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
    MatrixOptions, Outcome, Point, DEFAULT_MATRIX_STEPS,
};
use mqlab_sim::{Mode, Scenario};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use crate::state::Lab;

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

    fn options(&self) -> &MatrixOptions {
        match self {
            Search::Page(job) => job.options(),
            Search::Worker(search) => search.plan.options(),
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
    notice: UseStateHandle<Option<String>>,
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
) -> Result<(), String> {
    let script = worker_script().ok_or("the page names no worker")?;
    let plan = Plan::new(scenario, options.clone())
        .map_err(|problem| format!("this scenario cannot be searched: {problem}"))?;
    let request = Request::new(scenario, options).to_json()?;
    let worker_options = web_sys::WorkerOptions::new();
    worker_options.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options(&script, &worker_options)
        .map_err(|_| "this browser cannot start a worker".to_string())?;
    let on_message = {
        let (report, worker) = (report.clone(), worker.clone());
        let mut reported_ms = f64::NEG_INFINITY;
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let text = event.data().as_string().unwrap_or_default();
            let problem = match Reply::from_json(&text) {
                Ok(Reply::Ready) => worker
                    .post_message(&JsValue::from_str(&request))
                    .err()
                    .map(|_| "the search could not be sent to it".to_string()),
                Ok(Reply::Cells {
                    first,
                    cells,
                    total,
                }) => take_cells(&report, first, cells, total, &mut reported_ms).err(),
                Ok(Reply::Failed { reason }) => Some(reason),
                Err(reason) => Some(reason),
            };
            if let Some(problem) = problem {
                fall_back(&report, &problem);
            }
        })
    };
    let on_error = {
        let report = report.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            event.prevent_default();
            fall_back(&report, "it could not be loaded, or it stopped");
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
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
) -> Result<(), String> {
    let (done, finished) = {
        let mut guard = report.search.borrow_mut();
        let Some(Search::Worker(search)) = guard.as_mut() else {
            return Ok(());
        };
        if total != search.plan.total() || first as usize != search.cells.len() {
            return Err("its cells did not match the search".into());
        }
        for wire in cells {
            let index = search.cells.len();
            let cell = search
                .plan
                .cell(index, wire)
                .ok_or("it sent more cells than the search has")?;
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
fn fall_back(report: &Reporting, problem: &str) {
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
    report.notice.set(Some(format!(
        "The background worker could not run the search ({problem}); it runs on the page instead."
    )));
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
            report.notice.set(Some(format!(
                "This scenario cannot be searched: {problem}."
            )));
        }
    }
}

/// A short label for a grid cell; the full outcome is in its title and accessible name.
/// With several consumer groups (`groups` of them) the worst group's number leads ("g2
/// lost 1"), "g2+" when other groups are not exactly once either, and "all" when no
/// group is.
fn short_text(outcome: Outcome, groups: usize) -> String {
    match outcome {
        Outcome::ExactlyOnce => "once".into(),
        Outcome::Unfinished { .. } => "unfinished".into(),
        Outcome::Anomalies {
            lost,
            acked_lost,
            duplicated,
            reordered,
            in_doubt,
            blocked_ticks,
            dropped,
            dead_lettered,
            held,
            group,
            other_groups,
        } => {
            let word = match outcome.kind() {
                "acked-lost" => format!("acked lost {acked_lost}"),
                "lost" => format!("lost {lost}"),
                "dropped" => format!("dropped {dropped}"),
                "duplicated" => format!("dup {duplicated}"),
                "in-doubt" => format!("doubt {in_doubt}"),
                "held" => format!("held {held}"),
                "dead-lettered" => format!("dlq {dead_lettered}"),
                "reordered" => format!("reord {reordered}"),
                _ => format!("+{blocked_ticks}t"),
            };
            match group {
                Some(_) if usize::from(other_groups) + 1 >= groups => format!("all {word}"),
                Some(group) if other_groups > 0 => format!("g{}+ {word}", u32::from(group) + 1),
                Some(group) => format!("g{} {word}", u32::from(group) + 1),
                None => word,
            }
        }
    }
}

fn cell_link(cell: &Cell, on_open: &Callback<()>) -> Html {
    let crashes: Vec<String> = cell.crashes.iter().map(|crash| crash.label()).collect();
    let fired = if cell.fired == 0 {
        " The crash point was never reached."
    } else {
        ""
    };
    // With several consumer groups, every group's own outcome, after the worst one's.
    let groups: Vec<String> = if cell.group_summaries.len() > 1 {
        cell.group_outcomes()
            .iter()
            .enumerate()
            .map(|(index, outcome)| format!("group {}: {}", index + 1, outcome.text()))
            .collect()
    } else {
        Vec::new()
    };
    let per_group = if groups.is_empty() {
        String::new()
    } else {
        format!(" Per group: {}.", groups.join("; "))
    };
    let title = format!(
        "{}, crash at {}: {}.{per_group}{fired} Opens the run in the simulator at the crash.",
        cell.mode.label(),
        crashes.join(" then "),
        cell.outcome.text()
    );
    let onclick = {
        let on_open = on_open.clone();
        Callback::from(move |_: MouseEvent| on_open.emit(()))
    };
    html! {
        <a class={classes!("matrix-cell", cell.outcome.kind(), (cell.fired == 0).then_some("not-reached"))}
           href={format!("#{}", cell.shared.to_link())}
           title={title.clone()} aria-label={title}
           data-mode={cell.mode.as_str()} data-crash={crashes.join(",")}
           data-outcome={cell.outcome.text()} data-groups={(!groups.is_empty()).then(|| groups.join("; "))}
           data-fired={cell.fired.to_string()} {onclick}>
            <span aria-hidden="true" class="icon">{ cell.outcome.icon() }</span>
            <span class="word" aria-hidden="true">{ short_text(cell.outcome, cell.group_summaries.len()) }</span>
        </a>
    }
}

/// One mode's grid: crash points down, messages across; then the pairs, first crash
/// (m1) down, second crash (m2) across.
fn mode_grid(mode: Mode, scenario: &Scenario, cells: &[&Cell], on_open: &Callback<()>) -> Html {
    let messages = scenario.messages;
    let points = points(scenario, mode);
    let singles: Vec<&&Cell> = cells.iter().filter(|c| !c.is_pair()).collect();
    let pairs: Vec<&&Cell> = cells.iter().filter(|c| c.is_pair()).collect();
    // Looked up by crash rather than searched: the largest grids have thousands of cells.
    let by_crash: HashMap<(Point, u32), &Cell> = singles
        .iter()
        .map(|c| ((c.crashes[0].at, c.crashes[0].message), **c))
        .collect();
    let by_pair: HashMap<(Point, Point), &Cell> = pairs
        .iter()
        .map(|c| ((c.crashes[0].at, c.crashes[1].at), **c))
        .collect();
    let find_single = |at, message| by_crash.get(&(at, message));
    let rows = points.iter().map(|&at| {
        let tds = (1..=messages).map(|message| match find_single(at, message) {
            Some(cell) => html! { <td>{ cell_link(cell, on_open) }</td> },
            None => html! { <td class="pending" aria-label="not run yet">{ "·" }</td> },
        });
        let describe = if scenario.kafka.is_some() {
            at.point.describe_with_groups(mode)
        } else {
            at.point.describe_in(mode)
        };
        html! { <tr data-point={at.name()}><th scope="row" title={describe}>{ at.name() }</th>{ for tds }</tr> }
    });
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
    let count = |kind: &str| singles.iter().filter(|c| c.outcome.kind() == kind).count();
    let acked_lost = if scenario.topology.replicated() {
        format!(" ({} of them acknowledged first)", count("acked-lost"))
    } else {
        String::new()
    };
    let tally = format!(
        "{} single-crash runs: {} exactly once, {} losing{acked_lost}, {} duplicating, {} blocking or in doubt",
        singles.len(),
        count("ok"),
        count("lost") + count("acked-lost") + count("dropped"),
        count("duplicated"),
        count("blocked") + count("in-doubt")
    );
    let pair_grid = (!pairs.is_empty()).then(|| {
        let (first_message, second_message) = if messages >= 2 { (1, 2) } else { (1, 1) };
        let heads = points.iter().map(|p| html! { <th scope="col" title={p.point.describe()}>{ p.name() }</th> });
        let rows = points.iter().map(|&first| {
            let tds = points.iter().map(|&second| {
                match by_pair.get(&(first, second)) {
                    Some(cell) => html! { <td>{ cell_link(cell, on_open) }</td> },
                    None => html! { <td class="pending">{ "·" }</td> },
                }
            });
            html! { <tr><th scope="row">{ first.name() }</th>{ for tds }</tr> }
        });
        html! {
            <>
                <h4>{ format!("Pairs: first crash for m{first_message} (rows), second for m{second_message} (columns)") }</h4>
                <div class="table-scroll">
                    <table class="matrix pairs" aria-label={format!("{} pairs", mode.label())}>
                        <thead><tr><th scope="col">{ "first \\ second" }</th>{ for heads }</tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
            </>
        }
    });
    html! {
        <section class="panel matrix-mode" aria-label={format!("{} crash matrix", mode.label())} data-mode={mode.as_str()}>
            <h3>{ mode.label() }</h3>
            <p class="hint">{ tally }</p>
            <div class="table-scroll">
                <table class="matrix" aria-label={format!("{} single crashes", mode.label())}>
                    <thead><tr><th scope="col">{ "crash point \\ message" }</th>{ for heads }</tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
            if !missing.is_empty() {
                <p class="hint not-applicable">
                    { format!("Not applicable in this mode: {}.", missing.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")) }
                </p>
            }
            if !members_left_out.is_empty() {
                <p class="hint members-left-out">
                    { format!("Rows left out: {}. Each member of another group is given the same partitions as the member in the same place in group 1, so its rows would repeat that member's, on its own group's ledger.", members_left_out.join(", ")) }
                </p>
            }
            { for pair_grid }
        </section>
    }
}

fn legend(poison: bool) -> Html {
    let mut items = vec![
        ("ok", "✔", "once: every message applied exactly once"),
        (
            "acked-lost",
            "✖!",
            "acked lost k: lost although the producer was told they were written",
        ),
        ("lost", "✖", "lost k: k messages never applied"),
        (
            "duplicated",
            "⇉",
            "dup k: k messages applied more than once",
        ),
        (
            "in-doubt",
            "◷",
            "doubt k: held in doubt by a 2PC participant",
        ),
        (
            "blocked",
            "◷",
            "+Nt: all applied once, participants blocked N ticks longer than without a crash",
        ),
        ("reordered", "⇅", "reord k: applied out of order"),
    ];
    if poison {
        items.extend([
            (
                "dropped",
                "✖",
                "dropped k: dropped at the delivery limit or skipped by the error handler",
            ),
            (
                "dead-lettered",
                "☠",
                "dlq k: moved to the dead-letter queue",
            ),
            (
                "held",
                "⛔",
                "held k: stuck behind a poison record in their partition",
            ),
        ]);
    }
    html! {
        <ul class="matrix-legend" aria-label="Legend">
            { for items.iter().map(|(class, icon, text)| html! {
                <li><span class={classes!("matrix-cell", *class)} aria-hidden="true"><span class="icon">{ *icon }</span></span>{ format!(" {text}") }</li>
            }) }
        </ul>
    }
}

/// The grid has a column per message: beyond this many it is neither readable nor quick,
/// so a larger scenario is tried on its first messages only (and the page says so).
pub const MATRIX_MAX_MESSAGES: u32 = 60;

#[component]
pub fn CrashMatrix(props: &CrashMatrixProps) -> Html {
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
    let error = use_state(|| None::<String>);
    let notice = use_state(|| None::<String>);

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
        Callback::from(move |_: MouseEvent| {
            if options.modes.is_empty() {
                error.set(Some("Choose at least one mode.".into()));
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
                started_ms: js_sys::Date::now(),
            };
            if run_count(&options, &scenario) >= WORKER_MIN_RUNS {
                match start_in_worker(&scenario, &options, &report) {
                    Ok(()) => {
                        status.set(Status::Running {
                            done: 0,
                            total: run_count(&options, &scenario),
                        });
                        return;
                    }
                    Err(problem) => notice.set(Some(format!(
                        "The background worker could not run the search ({problem}); it runs on the page instead."
                    ))),
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
    {
        let (timer, search) = (timer.clone(), search.clone());
        use_effect_with((), move |_| {
            move || {
                drop(timer.borrow_mut().take());
                if let Some(search) = search.borrow_mut().as_mut() {
                    search.cancel();
                }
            }
        });
    }
    let running = matches!(*status, Status::Running { .. });

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
                <input type="checkbox" {checked} {onchange} disabled={running} />{ format!(" {}", mode.label()) }
            </label>
        }
    });
    let on_pairs = {
        let pairs = pairs.clone();
        Callback::from(move |_: Event| pairs.set(!*pairs))
    };

    let progress = match &*status {
        Status::Idle => html! {},
        Status::Running { done, total } => html! {
            <div class="progress" role="status">
                <progress max={total.to_string()} value={done.to_string()}></progress>
                { format!(" {done} of {total} runs") }
            </div>
        },
        Status::Finished {
            total,
            elapsed_ms,
            in_worker,
        } => html! {
            <p class="progress" role="status" data-runner={if *in_worker { "worker" } else { "page" }}>
                { format!("✔ {total} runs in ") }<span data-figure="elapsed-ms">{ elapsed_ms }</span>{ " ms" }
                if *in_worker { { " (in a background worker)" } }
            </p>
        },
        Status::Cancelled { done, total } => html! {
            <p class="hint" role="status">{ format!("Cancelled after {done} of {total} runs. The cells below are the runs done before stopping.") }</p>
        },
    };

    let guard = search.borrow();
    let grids = guard.as_ref().map(|search| {
        let grids = search.options().modes.iter().map(|&mode| {
            let cells: Vec<&Cell> = search
                .cells()
                .iter()
                .filter(|cell| cell.mode == mode)
                .collect();
            mode_grid(mode, search.scenario(), &cells, &props.on_open)
        });
        html! { <>{ for grids }</> }
    });

    html! {
        <div class="analysis crash-matrix">
            <p class="intro">
                { format!("Every crash point of each mode tried on every message of the simulator's scenario ({}, seed {}), each run until nothing is left to happen; with pairs, every ordered pair of crash points, the first for m1 and the second for m2. The scenario's own fault plan is left out, so each cell shows what its crash does on its own. Each cell opens its run in the simulator at the crash.", crate::plural::count(u64::from(scenario.messages), "message"), scenario.seed) }
                if scenario.topology.replicated() {
                    { format!(" The queue is replicated on {} brokers, with the simulator's settings ({}); its rows are the leader's and each follower's crash points, and a red cell marked ✖! lost a message the producer had been told was written.", scenario.topology.brokers, scenario.replication.describe_in(scenario.mode)) }
                }
                if let Some(kafka) = &scenario.kafka {
                    { format!(" The consumers are Kafka consumer groups ({} of {} on {}, committing {} processing); each group is judged on its own ledger, and the rows are every member of the first group and the first member of each other group{}.", crate::plural::count(u64::from(kafka.groups), "group"), crate::plural::count(u64::from(kafka.members(scenario.topology.consumers)), "member"), crate::plural::count(u64::from(kafka.partitions), "partition"), match kafka.commit { mqlab_sim::CommitStrategy::Before => "before", mqlab_sim::CommitStrategy::After => "after", mqlab_sim::CommitStrategy::Auto => "automatically, not tied to" }, if kafka.groups > 1 { "; a cell names the group that fared worst (g2 is group 2, g2+ group 2 and others, all every group)" } else { "" }) }
                } else if scenario.topology.consumers > 1 {
                    { format!(" {} consumers compete for the queue; each has its own rows (consumer, consumer-2, ...), and a cell whose consumer never reached its point is drawn dashed.", scenario.topology.consumers) }
                }
                if full.messages > scenario.messages {
                    { format!(" The simulator's scenario has {} messages; the matrix tries the first {MATRIX_MAX_MESSAGES}.", full.messages) }
                }
            </p>
            if let Some(problem) = &*error {
                <div class="notice error" role="alert"><p>{ problem }</p></div>
            }
            if let Some(problem) = &*notice {
                <div class="notice worker-notice" role="alert"><p>{ problem }</p></div>
            }
            <section class="panel" aria-label="Crash matrix settings">
                <fieldset class="row" disabled={running}>
                    <legend>{ "Modes" }</legend>
                    { for mode_boxes }
                    <label class="check"><input type="checkbox" checked={*pairs} onchange={on_pairs} />{ " Also pairs of crash points" }</label>
                </fieldset>
                <div class="row">
                    if running {
                        <button onclick={cancel}>{ "Cancel" }</button>
                    } else {
                        <button class="primary" onclick={start}>{ format!("Run {planned_runs} runs") }</button>
                    }
                </div>
                { progress }
                { legend(!scenario.queue.poison.is_empty()) }
            </section>
            { for grids }
        </div>
    }
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
