//! The Transactions view's crash matrix: every crash point of the run's world (Kafka
//! transactions, or the chosen dual-write pattern) tried on every message, one run per
//! cell, with the run's other settings. Each cell shows its ledger's worst anomaly, and
//! the line above the table counts the cells by it. Every count is the core's
//! (`mqlab_sim::world_matrix`); the view only sorts the cells it is given.
//!
//! Timing. Measured natively with a throwaway program on the 2-core development machine
//! (dev profile, the core at opt-level 3): a 20-message matrix took 13–27 ms for Kafka
//! transactions (80 cells; transaction size 5 down to 1) and 14–30 ms for the dual
//! writes (60 to 100 cells; the outbox with an inbox the longest); a row of 20 cells
//! 4–6 ms. In Chromium, the release build traced per main-thread task, a row took
//! 8–27 ms of CPU, about three times the native figure, so a whole matrix in one task
//! would hold the page for 80–150 ms, past the 50 ms a frame can wait. The matrix is
//! therefore computed a row per timer tick, with its progress shown and a button to
//! cancel, and each tick draws only the row it computed.

use std::rc::Rc;

use gloo::timers::callback::Interval;
use mqlab_sim::world_matrix::{dual_writes_at, kafka_transactions_at, pattern_points, WorldCell};
use mqlab_sim::{CrashPoint, Scenario};
use mqlab_text::worlds::Key;
use mqlab_text::Words;
use yew::prelude::*;

use super::ledger::world_counters;
use super::model::{FormError, Setup, MAX_STEPS};
use crate::words::current as words_now;

/// What a cell shows: the worst thing its run's ledger counted, with the count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// The run never reached the crash point for the message: nothing crashed.
    NotReached,
    /// The run did not go quiet within the step limit: its counts are not final.
    Unfinished,
    /// Messages lost (in the dual writes, rows whose event never reached the broker
    /// are among them).
    Lost(u32),
    /// Events at the broker whose row was never committed.
    Ghost(u32),
    /// Records of aborted transactions that the consumer applied.
    AbortedSeen(u32),
    /// Messages applied more than once.
    Duplicated(u32),
    /// Records or events for which the external system was called more than once.
    ExternalRepeated(u32),
    /// Nothing wrong, and requests refused with PRODUCER_FENCED: fencing did its work.
    Fenced(u32),
    /// Nothing wrong.
    Clean,
}

impl Mark {
    /// The cell's mark, worst first: a run that did not crash or did not finish says so
    /// before any count. `WorldCell::is_clean` leaves repeated external calls out (they
    /// are outside any transaction); the matrix shows them, as the ledger does.
    pub fn of(cell: &WorldCell) -> Mark {
        let s = &cell.summary;
        if !cell.reached {
            Mark::NotReached
        } else if !cell.quiet {
            Mark::Unfinished
        } else if s.lost > 0 {
            Mark::Lost(s.lost)
        } else if s.event_without_state > 0 {
            Mark::Ghost(s.event_without_state)
        } else if s.aborted_visible > 0 {
            Mark::AbortedSeen(s.aborted_visible)
        } else if s.duplicated > 0 {
            Mark::Duplicated(s.duplicated)
        } else if s.external_duplicated > 0 {
            Mark::ExternalRepeated(s.external_duplicated)
        } else if !cell.is_clean() {
            // The core's own test of a clean run has the last word: a count it adds
            // that the marks above do not name is shown as unfinished business, never
            // as clean.
            Mark::Unfinished
        } else if s.fenced > 0 {
            Mark::Fenced(s.fenced)
        } else {
            Mark::Clean
        }
    }

    /// The cell's class: the main crash matrix's where the meaning is the same.
    pub fn class(self) -> &'static str {
        match self {
            Mark::NotReached => "not-reached",
            Mark::Unfinished => "unfinished",
            Mark::Lost(_) => "lost",
            Mark::Ghost(_) => "ghost",
            Mark::AbortedSeen(_) => "aborted-visible",
            Mark::Duplicated(_) => "duplicated",
            Mark::ExternalRepeated(_) => "external",
            Mark::Fenced(_) | Mark::Clean => "ok",
        }
    }

    /// The mark beside the word, so that colour is never the only sign.
    pub fn icon(self) -> &'static str {
        match self {
            Mark::NotReached => "–",
            Mark::Unfinished => "…",
            Mark::Lost(_) => "✖",
            Mark::Ghost(_) => "◌",
            Mark::AbortedSeen(_) => "⊘",
            Mark::Duplicated(_) | Mark::ExternalRepeated(_) => "⇉",
            Mark::Fenced(_) | Mark::Clean => "✔",
        }
    }

    /// The cell's compact words: "ok", "lost 1", "dup 2", "not reached".
    pub fn word(self, words: &Words) -> String {
        let count = |key: Key, n: u32| words.fill(key, &[("count", n.into())]);
        match self {
            Mark::NotReached => words.get(Key::MatrixCellNotReached).to_string(),
            Mark::Unfinished => words.get(Key::MatrixCellUnfinished).to_string(),
            Mark::Lost(n) => count(Key::MatrixCellLost, n),
            Mark::Ghost(n) => count(Key::MatrixCellGhost, n),
            Mark::AbortedSeen(n) => count(Key::MatrixCellAbortedVisible, n),
            Mark::Duplicated(n) => count(Key::MatrixCellDuplicated, n),
            Mark::ExternalRepeated(n) => count(Key::MatrixCellExternal, n),
            Mark::Fenced(n) => count(Key::MatrixCellFenced, n),
            Mark::Clean => words.get(Key::MatrixCellOk).to_string(),
        }
    }

    /// The line's group for the mark (a fenced run is a clean one), in the line's order.
    fn group(self) -> usize {
        match self {
            Mark::Clean | Mark::Fenced(_) => 0,
            Mark::Lost(_) => 1,
            Mark::Ghost(_) => 2,
            Mark::AbortedSeen(_) => 3,
            Mark::Duplicated(_) => 4,
            Mark::ExternalRepeated(_) => 5,
            Mark::NotReached => 6,
            Mark::Unfinished => 7,
        }
    }
}

/// The groups of the line above the table, in its order.
const GROUPS: [Key; 8] = [
    Key::MatrixSummaryClean,
    Key::MatrixSummaryLost,
    Key::MatrixSummaryGhost,
    Key::MatrixSummaryAbortedVisible,
    Key::MatrixSummaryDuplicated,
    Key::MatrixSummaryExternal,
    Key::MatrixSummaryNotReached,
    Key::MatrixSummaryUnfinished,
];

/// The cells counted by their marks' groups: each cell in exactly one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub cells: u32,
    pub groups: [u32; GROUPS.len()],
}

impl Tally {
    pub fn of<'a>(cells: impl IntoIterator<Item = &'a WorldCell>) -> Tally {
        let mut tally = Tally::default();
        for cell in cells {
            tally.cells += 1;
            tally.groups[Mark::of(cell).group()] += 1;
        }
        tally
    }

    /// "12 cells: 8 clean, 3 lose a message, 1 applies a message more than once.": the
    /// groups that have cells, in their order.
    pub fn line(&self, words: &Words) -> String {
        let parts: Vec<String> = GROUPS
            .iter()
            .zip(self.groups)
            .filter(|(_, count)| *count > 0)
            .map(|(key, count)| words.fill(*key, &[("count", count.into())]))
            .collect();
        words.fill(
            Key::MatrixSummary,
            &[
                ("cells", self.cells.into()),
                (
                    "parts",
                    parts.join(words.get(Key::MatrixSummarySeparator)).into(),
                ),
            ],
        )
    }
}

/// A cell's full account, for its title and for screen readers: where it crashed, and
/// every counter of its world's ledger.
pub fn cell_title(cell: &WorldCell, kafka: bool, words: &Words) -> String {
    let counts = world_counters(kafka, &cell.summary)
        .into_iter()
        .map(|(_, label, value)| {
            words.fill(
                Key::MatrixCount,
                &[("label", words.get(label).into()), ("count", value.into())],
            )
        })
        .collect::<Vec<_>>()
        .join(words.get(Key::MatrixCountSeparator));
    let point = ("point", cell.point.as_str().into());
    let message = ("message", cell.message.into());
    let counts = ("counts", counts.into());
    match Mark::of(cell) {
        Mark::NotReached => words.fill(Key::MatrixCellTitleNotReached, &[point, message, counts]),
        Mark::Unfinished => words.fill(
            Key::MatrixCellTitleUnfinished,
            &[point, message, ("steps", cell.summary.steps.into()), counts],
        ),
        _ => words.fill(Key::MatrixCellTitle, &[point, message, counts]),
    }
}

/// What a matrix is computed from: the run's setup, without the crash the settings
/// chose (each cell has its own), and the world's crash points in protocol order.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The setup the matrix is for, as the view holds it.
    pub setup: Rc<Setup>,
    scenario: Scenario,
    pub points: Vec<CrashPoint>,
}

impl Plan {
    pub fn new(setup: Rc<Setup>) -> Plan {
        let (scenario, points) = match &*setup {
            Setup::Kafka(scenario) => (scenario, CrashPoint::KAFKA_TXN.to_vec()),
            Setup::Dual { scenario, settings } => (scenario, pattern_points(settings.pattern)),
        };
        let mut scenario = scenario.clone();
        // The form plans a crash and nothing else; without it each cell crashes once.
        scenario.faults.clear();
        Plan {
            setup,
            scenario,
            points,
        }
    }

    pub fn is_kafka(&self) -> bool {
        matches!(*self.setup, Setup::Kafka(_))
    }

    pub fn messages(&self) -> u32 {
        self.scenario.messages
    }

    pub fn cells(&self) -> usize {
        self.points.len() * self.messages() as usize
    }

    /// The row of the `index`th crash point (none past the last), as the core runs it.
    pub fn row(&self, index: usize) -> Option<Result<Vec<WorldCell>, FormError>> {
        let point = *self.points.get(index)?;
        Some(match &*self.setup {
            Setup::Kafka(_) => kafka_transactions_at(&self.scenario, &[point], MAX_STEPS)
                .map_err(FormError::Scenario),
            Setup::Dual { settings, .. } => {
                dual_writes_at(&self.scenario, settings, &[point], MAX_STEPS)
                    .map_err(FormError::Outbox)
            }
        })
    }
}

/// Where a matrix's computation is.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Running,
    Done,
    Cancelled,
    /// The core refused a row's runs (the settings were run once already, so this is
    /// not expected): told, with the rows before it kept.
    Refused(FormError),
}

/// A matrix being computed, or computed: its plan and its rows so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub plan: Rc<Plan>,
    /// Shared with the rows drawn, so that a row already drawn is not drawn again.
    pub rows: Vec<Rc<[WorldCell]>>,
    pub status: Status,
}

impl Job {
    pub fn start(plan: Rc<Plan>) -> Job {
        Job {
            plan,
            rows: Vec::new(),
            status: Status::Running,
        }
    }

    /// Computes the next row, if the job is running.
    pub fn advance(&mut self) {
        if self.status != Status::Running {
            return;
        }
        match self.plan.row(self.rows.len()) {
            Some(Ok(row)) => {
                self.rows.push(row.into());
                if self.rows.len() == self.plan.points.len() {
                    self.status = Status::Done;
                }
            }
            Some(Err(error)) => self.status = Status::Refused(error),
            None => self.status = Status::Done,
        }
    }

    pub fn cancel(&mut self) {
        if self.status == Status::Running {
            self.status = Status::Cancelled;
        }
    }

    pub fn cells(&self) -> impl Iterator<Item = &WorldCell> {
        self.rows.iter().flat_map(|row| row.iter())
    }
}

/// What the panel can be told.
pub enum MatrixAction {
    Start(Rc<Setup>),
    /// One timer tick: the next row.
    Row,
    Cancel,
}

/// The panel's state: the last job started, if any.
#[derive(Default)]
pub struct MatrixState {
    pub job: Option<Job>,
}

impl Reducible for MatrixState {
    type Action = MatrixAction;

    fn reduce(self: Rc<Self>, action: MatrixAction) -> Rc<Self> {
        let mut job = self.job.clone();
        match action {
            MatrixAction::Start(setup) => job = Some(Job::start(Rc::new(Plan::new(setup)))),
            MatrixAction::Row => {
                if let Some(job) = job.as_mut() {
                    job.advance();
                }
            }
            MatrixAction::Cancel => {
                if let Some(job) = job.as_mut() {
                    job.cancel();
                }
            }
        }
        Rc::new(MatrixState { job })
    }
}

/// How often the timer asks for the next row, in milliseconds: as soon as the page has
/// drawn the last one.
const ROW_TICK_MS: u32 = 1;

#[derive(Properties, PartialEq)]
pub struct WorldsMatrixProps {
    /// The setup of the run on screen.
    pub setup: Rc<Setup>,
}

#[derive(Properties, PartialEq)]
struct MatrixRowProps {
    point: CrashPoint,
    messages: u32,
    kafka: bool,
    /// The row's cells, or none while it is not computed.
    cells: Option<Rc<[WorldCell]>>,
}

/// One crash point's row. A component of its own, so that each tick draws only the row
/// it computed (a 20-message matrix draws up to 120 cells, each with its full account).
#[component]
fn MatrixRow(props: &MatrixRowProps) -> Html {
    let words = words_now();
    let cells: Html = match &props.cells {
        Some(row) => row
            .iter()
            .map(|cell| {
                let mark = Mark::of(cell);
                let title = cell_title(cell, props.kafka, &words);
                html! {
                    <td>
                        <span class={classes!("matrix-cell", mark.class())} title={title.clone()}
                            data-point={cell.point.as_str()} data-message={cell.message.to_string()}
                            data-mark={mark.class()}>
                            <span aria-hidden="true" class="icon">{ mark.icon() }</span>
                            <span aria-hidden="true" class="word">{ mark.word(&words) }</span>
                            <span class="visually-hidden">{ title }</span>
                        </span>
                    </td>
                }
            })
            .collect(),
        None => (0..props.messages)
            .map(|_| {
                html! {
                    <td class="pending">
                        <span aria-hidden="true">{ "·" }</span>
                        <span class="visually-hidden">{ words.get(Key::MatrixNotComputed) }</span>
                    </td>
                }
            })
            .collect(),
    };
    html! {
        <tr data-point={props.point.as_str()}>
            <th scope="row"><code>{ props.point.as_str() }</code></th>
            { cells }
        </tr>
    }
}

fn table(job: &Job, words: &Words) -> Html {
    let plan = &job.plan;
    let head = (1..=plan.messages()).map(|m| html! { <th scope="col">{ format!("m{m}") }</th> });
    let body = plan.points.iter().enumerate().map(|(index, point)| {
        html! {
            <MatrixRow key={point.as_str()} point={*point} messages={plan.messages()}
                kafka={plan.is_kafka()} cells={job.rows.get(index).cloned()} />
        }
    });
    html! {
        <div class="table-scroll" tabindex="0">
            <table class="matrix" id="worlds-matrix-table" aria-label={words.get(Key::MatrixTable)}>
                <thead><tr>
                    <th scope="col">{ words.get(Key::MatrixColPoint) }</th>
                    { for head }
                </tr></thead>
                <tbody>{ for body }</tbody>
            </table>
        </div>
    }
}

/// The crash matrix panel, for the run on screen.
#[component]
pub fn WorldsMatrix(props: &WorldsMatrixProps) -> Html {
    let words = words_now();
    let state = use_reducer(MatrixState::default);
    // A job for another setup is an old one: the panel starts again for this run.
    let job = state
        .job
        .as_ref()
        .filter(|job| Rc::ptr_eq(&job.plan.setup, &props.setup));
    let running = job.is_some_and(|job| job.status == Status::Running);

    // One row per tick while running; the timer is dropped when the job stops.
    {
        let dispatcher = state.dispatcher();
        use_effect_with(running, move |running| {
            let timer = running.then(|| {
                Interval::new(ROW_TICK_MS, move || dispatcher.dispatch(MatrixAction::Row))
            });
            move || drop(timer)
        });
    }

    let start = {
        let state = state.clone();
        let setup = props.setup.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(MatrixAction::Start(setup.clone())))
    };
    let cancel = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(MatrixAction::Cancel))
    };
    let plan = Plan::new(props.setup.clone());
    let hint = match &*props.setup {
        Setup::Kafka(_) => words.get(Key::MatrixHintKafka).to_string(),
        Setup::Dual { settings, .. } => words.fill(
            Key::MatrixHintDual,
            &[("pattern", settings.pattern.as_str().into())],
        ),
    };

    let status = job.map(|job| {
        let done = job.rows.len();
        let rows = job.plan.points.len();
        match &job.status {
            Status::Running => html! {
                <div class="matrix-progress">
                    <p class="small" role="status" id="worlds-matrix-progress">
                        { words.fill(Key::MatrixProgress, &[
                            ("done", done.into()), ("rows", rows.into()),
                            ("cells", job.cells().count().into()), ("total", job.plan.cells().into()),
                        ]) }
                    </p>
                    <progress max={rows.to_string()} value={done.to_string()} aria-hidden="true"></progress>
                    <button type="button" id="worlds-matrix-cancel" onclick={cancel.clone()}>{ words.get(Key::MatrixCancel) }</button>
                </div>
            },
            Status::Cancelled => html! {
                <p class="small" role="status">{ words.fill(Key::MatrixCancelled, &[("done", done.into()), ("rows", rows.into())]) }</p>
            },
            Status::Refused(error) => html! {
                <p class="notice error" role="alert">{ words.fill(Key::MatrixRefused, &[("reason", error.describe_in(&words).into())]) }</p>
            },
            Status::Done => Html::default(),
        }
    });
    let summary = job
        .filter(|job| job.status != Status::Running && !job.rows.is_empty())
        .map(|job| Tally::of(job.cells()).line(&words));

    html! {
        <section class="panel worlds-matrix" aria-labelledby="worlds-matrix-title">
            <div class="panel-header">
                <h2 id="worlds-matrix-title">{ words.get(Key::MatrixLabel) }</h2>
                <button type="button" id="worlds-matrix-compute" disabled={running} onclick={start}>
                    { words.fill(Key::MatrixCompute, &[("runs", plan.cells().into())]) }
                </button>
            </div>
            <p class="small">{ hint }</p>
            { status.unwrap_or_default() }
            if let Some(line) = summary {
                <p class="matrix-summary" id="worlds-matrix-summary" role="status">{ line }</p>
            }
            if let Some(job) = job {
                { table(job, &words) }
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::worlds::model::{parse, Form, WorldKind};
    use mqlab_sim::world_matrix::{dual_writes, kafka_transactions};
    use mqlab_sim::Summary;

    fn setup(form: Form) -> Rc<Setup> {
        Rc::new(parse(&form).expect("the form runs"))
    }

    fn dual(pattern: &str, messages: u32) -> Rc<Setup> {
        setup(Form {
            world: WorldKind::Dual,
            pattern: pattern.to_string(),
            messages: messages.to_string(),
            seed: "3".to_string(),
            crash_point: "relay.after_mark".to_string(),
            ..Form::default()
        })
    }

    fn finished(plan: Plan) -> Job {
        let mut job = Job::start(Rc::new(plan));
        for _ in 0..job.plan.points.len() {
            assert_eq!(job.status, Status::Running);
            job.advance();
        }
        assert_eq!(job.status, Status::Done);
        job
    }

    fn cell(reached: bool, quiet: bool, summary: Summary) -> WorldCell {
        WorldCell {
            point: CrashPoint::RelayAfterPublish,
            message: 2,
            reached,
            summary,
            quiet,
        }
    }

    #[test]
    fn a_matrix_computed_row_by_row_is_the_cores_matrix_without_the_settings_crash() {
        let outbox = dual("outbox", 3);
        let Setup::Dual { scenario, settings } = &*outbox else {
            panic!("a dual-write setup");
        };
        assert_eq!(scenario.faults.len(), 1, "the form's crash is planned");
        let mut bare = scenario.clone();
        bare.faults.clear();
        let whole = dual_writes(&bare, settings, MAX_STEPS).expect("valid");
        let job = finished(Plan::new(outbox.clone()));
        assert_eq!(job.cells().cloned().collect::<Vec<_>>(), whole);
        assert_eq!(job.plan.cells(), whole.len());

        let kafka = setup(Form::default());
        let Setup::Kafka(scenario) = &*kafka else {
            panic!("a Kafka setup");
        };
        let whole = kafka_transactions(scenario, MAX_STEPS).expect("valid");
        let job = finished(Plan::new(kafka.clone()));
        assert_eq!(job.cells().cloned().collect::<Vec<_>>(), whole);
    }

    #[test]
    fn a_cancelled_job_keeps_its_rows_and_computes_no_more() {
        let mut job = Job::start(Rc::new(Plan::new(dual("outbox-inbox", 2))));
        job.advance();
        job.cancel();
        job.advance();
        assert_eq!(job.status, Status::Cancelled);
        assert_eq!(job.rows.len(), 1);
        assert_eq!(Tally::of(job.cells()).cells, 2);
    }

    #[test]
    fn the_outbox_relay_crash_after_publishing_applies_the_message_twice() {
        let job = finished(Plan::new(dual("outbox", 3)));
        let relay = job
            .cells()
            .find(|c| c.point == CrashPoint::RelayAfterPublish && c.message == 2)
            .expect("the cell");
        let words = Words::english();
        assert_eq!(
            Mark::of(relay),
            Mark::Duplicated(relay.summary.duplicated),
            "{relay:?}"
        );
        let s = &relay.summary;
        assert!(s.duplicated > 0, "{relay:?}");
        assert_eq!(
            Mark::of(relay).word(&words),
            format!("dup {}", s.duplicated)
        );
        let title = cell_title(relay, false, &words);
        assert!(
            title.starts_with(&format!(
                "relay.after_publish on m2: exactly once: {}, lost: 0, duplicated: {},",
                s.exactly_once, s.duplicated
            )),
            "{title}"
        );
        assert!(
            title.contains(&format!("copies at the broker: {}", s.broker_duplicates)),
            "{title}"
        );

        // Every cell is in one group of the line, and the line names the groups' counts.
        let tally = Tally::of(job.cells());
        assert_eq!(tally.cells as usize, job.plan.cells());
        assert_eq!(tally.groups.iter().sum::<u32>(), tally.cells);
        let line = tally.line(&words);
        assert!(
            line.starts_with(&format!("{} cells: ", tally.cells)),
            "{line}"
        );
        assert!(
            line.contains("apply a message more than once")
                || line.contains("applies a message more than once"),
            "{line}"
        );
    }

    #[test]
    fn the_worst_count_marks_a_cell() {
        let lost_and_twice = Summary {
            lost: 1,
            duplicated: 2,
            ..Summary::default()
        };
        assert_eq!(
            Mark::of(&cell(true, true, lost_and_twice.clone())),
            Mark::Lost(1)
        );
        assert_eq!(
            Mark::of(&cell(false, true, lost_and_twice.clone())),
            Mark::NotReached
        );
        assert_eq!(
            Mark::of(&cell(true, false, lost_and_twice)),
            Mark::Unfinished
        );
        let fenced = Summary {
            fenced: 3,
            ..Summary::default()
        };
        assert_eq!(Mark::of(&cell(true, true, fenced)), Mark::Fenced(3));
        assert_eq!(Mark::of(&cell(true, true, Summary::default())), Mark::Clean);
        let ghost = Summary {
            event_without_state: 1,
            broker_duplicates: 1,
            ..Summary::default()
        };
        assert_eq!(Mark::of(&cell(true, true, ghost)), Mark::Ghost(1));
        let external = Summary {
            external_duplicated: 2,
            ..Summary::default()
        };
        let external = cell(true, true, external);
        assert!(external.is_clean(), "the core leaves external calls out");
        assert_eq!(Mark::of(&external), Mark::ExternalRepeated(2));
    }

    #[test]
    fn the_line_counts_each_group_in_both_languages() {
        let cells = [
            cell(true, true, Summary::default()),
            cell(
                true,
                true,
                Summary {
                    lost: 1,
                    ..Summary::default()
                },
            ),
            cell(
                true,
                true,
                Summary {
                    lost: 2,
                    ..Summary::default()
                },
            ),
            cell(false, true, Summary::default()),
        ];
        let tally = Tally::of(&cells);
        assert_eq!(
            tally.line(&Words::english()),
            "4 cells: 1 clean, 2 lose a message, 1 never reaches its crash point."
        );
        let one = Tally::of(&cells[1..2]);
        assert_eq!(one.line(&Words::english()), "1 cell: 1 loses a message.");

        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/static/text/zh-CN/worlds.txt");
        let mut chinese = Words::new(mqlab_text::Lang::ZhCn);
        chinese
            .load(
                mqlab_text::File::Worlds,
                &std::fs::read_to_string(path).expect("the Chinese catalogue"),
            )
            .expect("it loads");
        assert_eq!(
            tally.line(&chinese),
            "共 4 格：1 格无异常，2 格丢失消息，1 格从未到达其崩溃点。"
        );
    }
}
