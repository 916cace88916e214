//! The crash matrix: the textbook outcomes sit in the right cells, slicing changes
//! nothing, cancel stops, and the number of cells is exact.

use mqlab_sim::matrix::{
    applicable_points, modes_for, not_applicable, plan, points, points_left_out, run_cell,
    run_count, Cell, Crash, MatrixJob, MatrixOptions, Outcome, Point, DEFAULT_MATRIX_STEPS,
};
use mqlab_sim::{CrashPoint, Mode, Scenario, SharedRun, Sim};

fn scenario(messages: u32) -> Scenario {
    Scenario {
        messages,
        ..Scenario::default()
    }
}

fn singles(messages: u32) -> MatrixJob {
    let mut job = MatrixJob::new(&scenario(messages), MatrixOptions::singles()).unwrap();
    let progress = job.run_to_end();
    assert!(progress.finished && !progress.cancelled, "{progress:?}");
    job
}

fn cell(job: &MatrixJob, mode: Mode, point: CrashPoint, message: u32) -> &Cell {
    job.cells()
        .iter()
        .find(|c| {
            c.mode == mode
                && c.crashes
                    == [Crash {
                        at: Point::first(point),
                        message,
                    }]
        })
        .unwrap_or_else(|| panic!("no cell {mode:?} {point:?} m{message}"))
}

#[test]
fn crash_points_per_mode_are_eight_nine_nine_sixteen() {
    let counts: Vec<usize> = Mode::ALL
        .iter()
        .map(|&m| applicable_points(m).len())
        .collect();
    assert_eq!(counts, [8, 9, 9, 16]);
    for mode in Mode::ALL {
        assert_eq!(
            applicable_points(mode).len() + not_applicable(mode).len(),
            CrashPoint::ALL.len()
        );
    }
    assert!(not_applicable(Mode::AtMostOnce).contains(&CrashPoint::ProducerAfterConfirm));
}

#[test]
fn counts_of_cells_are_exact() {
    // 10 messages: singles (8 + 9 + 9 + 16) × 10 = 420; pairs 64 + 81 + 81 + 256 = 482.
    let mut options = MatrixOptions::singles();
    assert_eq!(run_count(&options, &scenario(10)), 420);
    options.pairs = true;
    assert_eq!(run_count(&options, &scenario(10)), 902);
    // One message: pairs are unordered and distinct, 28 + 36 + 36 + 120 = 220.
    assert_eq!(run_count(&options, &scenario(1)), 42 + 220);
    assert_eq!(
        plan(&scenario(3), Mode::AtLeastOnce, true).len(),
        9 * 3 + 81
    );
    let mut job = MatrixJob::new(&scenario(3), options).unwrap();
    assert_eq!(job.progress().total, run_count(job.options(), &scenario(3)));
    job.run_to_end();
    assert_eq!(
        job.cells().len() as u32,
        run_count(job.options(), &scenario(3))
    );
    assert_eq!(job.cells().iter().filter(|c| c.is_pair()).count(), 482);
}

#[test]
fn at_least_once_consumer_crash_after_apply_duplicates_m1() {
    let job = singles(10);
    let c = cell(&job, Mode::AtLeastOnce, CrashPoint::ConsumerAfterApply, 1);
    assert_eq!(c.fired, 1);
    assert_eq!(c.summary.duplicated, 1, "{:?}", c.summary);
    assert_eq!(c.outcome.kind(), "duplicated");
    assert_eq!(c.outcome.text(), "duplicated 1");
}

#[test]
fn at_most_once_consumer_crash_after_receive_loses() {
    let job = singles(10);
    for message in 1..=10 {
        let c = cell(
            &job,
            Mode::AtMostOnce,
            CrashPoint::ConsumerAfterReceive,
            message,
        );
        assert!(c.summary.lost >= 1, "m{message}: {:?}", c.summary);
        assert_eq!(c.outcome.kind(), "lost");
    }
}

#[test]
fn idempotent_never_loses_or_duplicates_in_any_single_crash_cell() {
    let job = singles(10);
    let cells: Vec<&Cell> = job.cells_of(Mode::Idempotent).collect();
    assert_eq!(cells.len(), 90);
    for c in cells {
        assert!(c.summary.quiet, "{:?}", c.crashes);
        assert_eq!(c.summary.lost, 0, "{:?}", c.crashes);
        assert_eq!(c.summary.duplicated, 0, "{:?}", c.crashes);
        assert_eq!(c.summary.extra_applications, 0, "{:?}", c.crashes);
    }
}

#[test]
fn transactional_never_loses_or_duplicates_after_recovery() {
    let job = singles(10);
    let cells: Vec<&Cell> = job.cells_of(Mode::Transactional).collect();
    assert_eq!(cells.len(), 160);
    for c in cells {
        assert!(c.summary.quiet, "{:?}", c.crashes);
        assert_eq!(c.summary.lost, 0, "{:?}", c.crashes);
        assert_eq!(c.summary.duplicated, 0, "{:?}", c.crashes);
        assert_eq!(c.summary.in_doubt_messages, 0, "{:?}", c.crashes);
        assert_eq!(c.summary.invariant_violations, 0, "{:?}", c.crashes);
    }
    // The coordinator dying with the votes in hand blocks the participants for a while.
    let blocked = cell(
        &job,
        Mode::Transactional,
        CrashPoint::CoordinatorAfterVotes,
        1,
    );
    // Blocking is counted beyond the happy path's, where participants are in doubt only
    // between their vote and the decision.
    assert!(
        blocked.summary.blocked_ticks > blocked.baseline_blocked_ticks,
        "{:?}",
        blocked.summary
    );
    assert_eq!(blocked.outcome.kind(), "blocked");
    assert!(blocked.outcome.text().ends_with("ticks longer"));
    let baseline = mqlab_sim::matrix::baseline_blocked_ticks(
        &scenario(10),
        Mode::Transactional,
        DEFAULT_MATRIX_STEPS,
    )
    .unwrap();
    assert_eq!(blocked.baseline_blocked_ticks, baseline);
    assert!(baseline > 0);
}

#[test]
fn slicing_gives_the_same_cells_as_one_go() {
    let options = MatrixOptions {
        pairs: true,
        ..MatrixOptions::singles()
    };
    let mut whole = MatrixJob::new(&scenario(4), options.clone()).unwrap();
    whole.run_to_end();
    for slice in [1, 7, 50] {
        let mut sliced = MatrixJob::new(&scenario(4), options.clone()).unwrap();
        let mut slices = 0;
        loop {
            let progress = sliced.run_slice(slice);
            slices += 1;
            assert!(progress.done <= progress.total);
            if progress.finished {
                break;
            }
        }
        assert_eq!(slices, whole.cells().len().div_ceil(slice as usize));
        assert_eq!(sliced.cells(), whole.cells(), "slices of {slice}");
    }
}

#[test]
fn cancel_stops_and_keeps_the_cells_done() {
    let mut job = MatrixJob::new(&scenario(10), MatrixOptions::singles()).unwrap();
    let progress = job.run_slice(25);
    assert_eq!(progress.done, 25);
    job.cancel();
    let after = job.run_slice(25);
    assert_eq!(after.done, 25);
    assert!(after.cancelled && !after.finished);
    assert_eq!(job.cells().len(), 25);
}

#[test]
fn a_cell_opens_just_before_its_crash_and_runs_to_the_same_ledger() {
    let c = run_cell(
        &scenario(5),
        Mode::AtLeastOnce,
        &[Crash {
            at: Point::first(CrashPoint::ConsumerAfterApply),
            message: 2,
        }],
        DEFAULT_MATRIX_STEPS,
        0,
    )
    .unwrap();
    let step = c.crash_step.expect("the crash fires");
    // The link opens the run just before the crash: the consumer is still up, and the
    // next step is the one in which it crashes.
    let shared = SharedRun::from_link(&c.shared.to_link()).unwrap();
    assert_eq!(shared, c.shared);
    let mut run = shared.to_run().unwrap();
    assert_eq!(run.step_index(), step - 1);
    assert!(run.sim().is_up(mqlab_sim::NodeId::CONSUMER));
    run.step();
    assert_eq!(run.step_index(), step);
    assert!(!run.sim().is_up(mqlab_sim::NodeId::CONSUMER));
    // The ledger's jump to the fault that duplicated m2 lands on the same step the
    // cell opens at.
    let mut end = run.clone();
    end.seek(u64::MAX);
    let anomaly = end
        .sim()
        .ledger()
        .anomalies()
        .into_iter()
        .find(|a| a.message.0 == 2);
    assert_eq!(
        anomaly.and_then(|a| a.cause_step),
        shared.step,
        "the ledger's jump and the cell open at the same step"
    );
    // Played to the end it gives the cell's ledger, as the CLI would.
    run.seek(u64::MAX);
    assert_eq!(run.sim().summary(), c.summary);
    let mut plain = Sim::new(&c.shared.scenario).unwrap();
    plain.run_until_quiet(DEFAULT_MATRIX_STEPS);
    assert_eq!(plain.summary(), c.summary);
}

#[test]
fn outcomes_are_told_in_words_and_icons() {
    let job = singles(3);
    for c in job.cells() {
        assert!(!c.outcome.text().is_empty());
        assert!(!c.outcome.icon().is_empty());
        if c.outcome == Outcome::ExactlyOnce {
            assert_eq!(c.summary.exactly_once, 3);
        }
    }
}

#[test]
fn an_invalid_scenario_is_refused_when_the_job_is_planned() {
    let error = MatrixJob::new(&scenario(0), MatrixOptions::singles()).unwrap_err();
    assert!(error.to_string().starts_with("messages:"), "{error}");
}

fn replicated(acks: mqlab_sim::Acks, min_insync_replicas: u16) -> Scenario {
    let mut scenario = scenario(5);
    scenario.topology.brokers = 3;
    scenario.replication.acks = Some(acks);
    scenario.replication.min_insync_replicas = min_insync_replicas;
    scenario
}

#[test]
fn a_replicated_queue_has_the_leaders_and_each_followers_points_and_no_transactions() {
    let scenario = replicated(mqlab_sim::Acks::All, 2);
    assert_eq!(
        modes_for(&scenario),
        [Mode::AtMostOnce, Mode::AtLeastOnce, Mode::Idempotent]
    );
    let names: Vec<String> = points(&scenario, Mode::AtLeastOnce)
        .into_iter()
        .map(Point::name)
        .collect();
    assert_eq!(
        names,
        [
            "producer.before_send",
            "producer.after_send",
            "producer.after_confirm",
            "broker.after_append",
            "broker.after_confirm",
            "broker.after_deliver",
            "broker-2.after_fetch",
            "broker-3.after_fetch",
            "consumer.after_receive",
            "consumer.after_apply",
            "consumer.after_ack",
        ]
    );
    // No confirm is sent with acks=0 (at-most-once's default), so its point is not
    // a row.
    let mut defaults = scenario.clone();
    defaults.replication.acks = None;
    assert!(!points(&defaults, Mode::AtMostOnce)
        .iter()
        .any(|p| p.point == CrashPoint::BrokerAfterConfirm));
    assert!(points_left_out(&scenario, Mode::AtLeastOnce).contains(&CrashPoint::BrokerAfterFsync));
    let options = MatrixOptions {
        modes: modes_for(&scenario),
        ..MatrixOptions::singles()
    };
    // acks=all is set for every mode here, so at-most-once has "after confirm" too:
    // its eight points less the fsync, plus the confirm and two fetches.
    assert_eq!(run_count(&options, &scenario), (10 + 11 + 11) * 5);
}

/// The crash matrix of one replicated setting, at-least-once, single crashes.
fn replicated_job(acks: mqlab_sim::Acks, min_insync_replicas: u16) -> MatrixJob {
    let scenario = replicated(acks, min_insync_replicas);
    let options = MatrixOptions {
        modes: vec![Mode::AtLeastOnce],
        ..MatrixOptions::singles()
    };
    let mut job = MatrixJob::new(&scenario, options).unwrap();
    assert!(job.run_to_end().finished);
    job
}

#[test]
fn under_acks_1_a_leader_crash_after_its_confirm_loses_acknowledged_writes() {
    let job = replicated_job(mqlab_sim::Acks::One, 1);
    let acked_lost: Vec<String> = job
        .cells()
        .iter()
        .filter(|c| c.outcome.kind() == "acked-lost")
        .map(|c| c.crashes[0].label())
        .collect();
    assert!(
        acked_lost
            .iter()
            .any(|label| label.starts_with("broker.after_confirm")),
        "{acked_lost:?}"
    );
    for cell in job.cells() {
        assert_eq!(
            cell.outcome.kind() == "acked-lost",
            cell.summary.acked_lost > 0
        );
    }
}

#[test]
fn under_acks_all_and_min_insync_2_no_single_crash_loses_an_acknowledged_write() {
    let job = replicated_job(mqlab_sim::Acks::All, 2);
    assert_eq!(job.cells().len(), 11 * 5);
    for cell in job.cells() {
        assert_eq!(
            cell.summary.acked_lost,
            0,
            "{}: {:?}",
            cell.crashes[0].label(),
            cell.summary
        );
        assert!(cell.summary.quiet, "{}", cell.crashes[0].label());
    }
    // Every follower's fetch point is reached for some message.
    for follower in ["broker-2.after_fetch", "broker-3.after_fetch"] {
        assert!(job
            .cells()
            .iter()
            .any(|c| c.crashes[0].label().starts_with(follower) && c.fired == 1));
    }
}

/// `messages` messages at-least-once, Kafka style: `groups` groups of `members` on
/// `partitions` partitions, committing `commit`.
fn kafka(
    messages: u32,
    groups: u16,
    members: u16,
    partitions: u16,
    commit: mqlab_sim::CommitStrategy,
) -> Scenario {
    let mut scenario = scenario(messages);
    scenario.topology.consumers = groups * members;
    scenario.kafka = Some(mqlab_sim::KafkaConfig {
        groups,
        partitions,
        commit,
        ..mqlab_sim::KafkaConfig::default()
    });
    scenario
}

fn kafka_job(scenario: &Scenario) -> MatrixJob {
    let options = MatrixOptions {
        modes: vec![Mode::AtLeastOnce],
        ..MatrixOptions::singles()
    };
    let mut job = MatrixJob::new(scenario, options).unwrap();
    let progress = job.run_to_end();
    assert!(progress.finished && !progress.cancelled, "{progress:?}");
    job
}

fn labelled<'a>(job: &'a MatrixJob, label: &str) -> &'a Cell {
    job.cells()
        .iter()
        .find(|c| c.crashes.len() == 1 && c.crashes[0].label() == label)
        .unwrap_or_else(|| panic!("no cell {label}"))
}

/// The verdicts of one group's ledger in a run of the scenario with one crash.
fn group_counts(scenario: &Scenario, crash: Crash) -> Vec<(u32, u32, u32)> {
    let mut with_crash = scenario.clone();
    with_crash.faults = vec![mqlab_sim::PlannedFault::at_start(crash.command())];
    let mut sim = Sim::new(&with_crash).unwrap();
    sim.run_until_quiet(DEFAULT_MATRIX_STEPS);
    sim.group_ledgers()
        .iter()
        .map(|ledger| {
            let s = ledger.summary();
            (s.exactly_once, s.lost, s.duplicated)
        })
        .collect()
}

#[test]
fn consumer_groups_have_each_member_of_the_first_group_and_the_first_of_the_others() {
    let scenario = kafka(6, 3, 2, 2, mqlab_sim::CommitStrategy::After);
    assert_eq!(
        modes_for(&scenario),
        [Mode::AtMostOnce, Mode::AtLeastOnce, Mode::Idempotent]
    );
    assert_eq!(
        mqlab_sim::matrix::consumer_instances(&scenario),
        [0, 1, 2, 4]
    );
    assert_eq!(mqlab_sim::matrix::instances_left_out(&scenario), [3, 5]);
    let names: Vec<String> = points(&scenario, Mode::AtLeastOnce)
        .into_iter()
        .map(Point::name)
        .collect();
    assert_eq!(
        names,
        [
            "producer.before_send",
            "producer.after_send",
            "producer.after_confirm",
            "broker.after_append",
            "broker.after_fsync",
            "broker.after_deliver",
            "consumer.after_receive",
            "consumer.after_apply",
            "consumer.after_commit",
            "consumer-2.after_receive",
            "consumer-2.after_apply",
            "consumer-2.after_commit",
            "consumer-3.after_receive",
            "consumer-3.after_apply",
            "consumer-3.after_commit",
            "consumer-5.after_receive",
            "consumer-5.after_apply",
            "consumer-5.after_commit",
        ]
    );
    // A Kafka consumer commits offsets where a queue's consumer acks: the ack is left
    // out, and said so.
    assert!(points_left_out(&scenario, Mode::AtLeastOnce).contains(&CrashPoint::ConsumerAfterAck));
    let options = MatrixOptions {
        modes: modes_for(&scenario),
        ..MatrixOptions::singles()
    };
    // At-most-once has no "after confirm": 17 + 18 + 18 rows of 6 messages.
    assert_eq!(run_count(&options, &scenario), (17 + 18 + 18) * 6);
    // The largest groups (3 × 6 members on 8 partitions): 6 rows of the producer and
    // the broker and 3 for each of 8 members, as the module documentation counts.
    let largest = kafka(60, 3, 6, 8, mqlab_sim::CommitStrategy::After);
    assert_eq!(points(&largest, Mode::AtLeastOnce).len(), 6 + 3 * 8);
    assert_eq!(
        run_count(
            &MatrixOptions {
                modes: modes_for(&largest),
                ..MatrixOptions::singles()
            },
            &largest
        ),
        5_340
    );
    // Every row is a crash the scenario accepts (no cell is refused).
    let mut job = MatrixJob::new(&scenario, options).unwrap();
    let progress = job.run_to_end();
    assert!(progress.finished && !progress.cancelled, "{progress:?}");
    assert_eq!(job.cells().len() as u32, progress.total);
}

#[test]
fn commit_before_loses_and_commit_after_duplicates_in_the_crashed_members_group() {
    for (commit, point, kind) in [
        (
            mqlab_sim::CommitStrategy::Before,
            CrashPoint::ConsumerAfterCommit,
            "lost",
        ),
        (
            mqlab_sim::CommitStrategy::After,
            CrashPoint::ConsumerAfterApply,
            "duplicated",
        ),
    ] {
        let scenario = kafka(6, 2, 2, 2, commit);
        let job = kafka_job(&scenario);
        let mut anomalous = 0;
        for cell in job.cells() {
            let crash = cell.crashes[0];
            // Each cell is the ledger's: the group's counters of the same run.
            let counts: Vec<(u32, u32, u32)> = cell
                .group_summaries
                .iter()
                .map(|s| (s.exactly_once, s.lost, s.duplicated))
                .collect();
            assert_eq!(counts, group_counts(&scenario, crash), "{}", crash.label());
            if crash.at.point != point || cell.fired == 0 {
                continue;
            }
            // The crash of a member of group g shows in group g, and only there.
            let group = u16::from(crash.at.instance) / 2;
            let outcomes = cell.group_outcomes();
            assert_eq!(outcomes[usize::from(1 - group)], Outcome::ExactlyOnce);
            assert_eq!(
                outcomes[usize::from(group)].kind(),
                kind,
                "{}",
                crash.label()
            );
            assert_eq!(cell.outcome.kind(), kind, "{}", crash.label());
            assert!(
                cell.outcome
                    .text()
                    .starts_with(&format!("group {}: {kind} 1", group + 1)),
                "{}: {}",
                crash.label(),
                cell.outcome.text()
            );
            anomalous += 1;
        }
        // Each message reaches the point once per group: with one row per member of
        // the first group and one for the second group's first member, that is each
        // message once in the first group and half of them in the second.
        assert!(anomalous >= 6, "{commit:?}: {anomalous} cells");
    }
}

#[test]
fn the_same_message_crashed_in_the_second_group_is_that_groups_loss() {
    let scenario = kafka(6, 2, 2, 2, mqlab_sim::CommitStrategy::Before);
    let job = kafka_job(&scenario);
    // m3 goes to the first member of each group (range assignment of the same
    // partitions in both groups).
    let first = labelled(&job, "consumer.after_commit:m3");
    let second = labelled(&job, "consumer-3.after_commit:m3");
    assert_eq!(first.fired, 1);
    assert_eq!(second.fired, 1);
    assert_eq!(first.outcome.text(), "group 1: lost 1");
    assert_eq!(second.outcome.text(), "group 2: lost 1");
    // The member that does not own m3's partition never reaches the point for it.
    assert_eq!(labelled(&job, "consumer-2.after_commit:m3").fired, 0);
}

#[test]
fn commit_after_with_an_idempotent_consumer_is_exactly_once_per_group_in_every_cell() {
    let scenario = kafka(5, 2, 2, 2, mqlab_sim::CommitStrategy::After);
    let options = MatrixOptions {
        modes: vec![Mode::Idempotent],
        ..MatrixOptions::singles()
    };
    let mut job = MatrixJob::new(&scenario, options).unwrap();
    assert!(job.run_to_end().finished);
    for cell in job.cells() {
        assert_eq!(
            cell.outcome,
            Outcome::ExactlyOnce,
            "{}: {}",
            cell.crashes[0].label(),
            cell.outcome.text()
        );
        assert_eq!(cell.group_summaries.len(), 2);
    }
}

#[test]
fn competing_consumers_each_have_their_rows_and_the_second_ones_crash_duplicates() {
    let mut scenario = scenario(6);
    scenario.topology.consumers = 2;
    let names: Vec<String> = points(&scenario, Mode::AtLeastOnce)
        .into_iter()
        .map(Point::name)
        .collect();
    assert_eq!(
        names[6..],
        [
            "consumer.after_receive",
            "consumer.after_apply",
            "consumer.after_ack",
            "consumer-2.after_receive",
            "consumer-2.after_apply",
            "consumer-2.after_ack",
        ]
    );
    // In transactional mode each consumer's database has its participant rows too.
    let txn: Vec<String> = points(&scenario, Mode::Transactional)
        .into_iter()
        .map(Point::name)
        .collect();
    assert_eq!(txn.len(), 16 + 6);
    assert!(txn.contains(&"participant-2.after_vote_yes".to_string()));
    let options = MatrixOptions {
        modes: vec![Mode::AtLeastOnce],
        ..MatrixOptions::singles()
    };
    let mut job = MatrixJob::new(&scenario, options).unwrap();
    assert!(job.run_to_end().finished);
    assert_eq!(job.cells().len(), 12 * 6);
    let duplicated: Vec<String> = job
        .cells()
        .iter()
        .filter(|c| c.crashes[0].at.instance == 1 && c.fired == 1)
        .filter(|c| c.crashes[0].at.point == CrashPoint::ConsumerAfterApply)
        .map(|c| {
            assert_eq!(c.outcome.kind(), "duplicated", "{}", c.crashes[0].label());
            c.crashes[0].label()
        })
        .collect();
    assert!(!duplicated.is_empty());
    for cell in job.cells() {
        assert!(cell.group_summaries.is_empty());
        assert_eq!(
            cell.outcome,
            Outcome::from_summary(&cell.summary, cell.baseline_blocked_ticks)
        );
    }
}

#[test]
fn a_poison_message_is_never_shown_as_exactly_once() {
    let mut scenario = scenario(4);
    scenario.queue.poison = vec![2];
    scenario.queue.dead_letter_queue = true;
    scenario.queue.delivery_limit = 2;
    let options = MatrixOptions {
        modes: vec![Mode::AtLeastOnce],
        ..MatrixOptions::singles()
    };
    let mut job = MatrixJob::new(&scenario, options).unwrap();
    assert!(job.run_to_end().finished);
    for cell in job.cells() {
        assert_ne!(
            cell.outcome,
            Outcome::ExactlyOnce,
            "{}",
            cell.crashes[0].label()
        );
        assert!(cell.summary.dead_lettered + cell.summary.lost + cell.summary.dropped > 0);
    }
    assert!(job
        .cells()
        .iter()
        .any(|c| c.outcome.text() == "dead-lettered 1" && c.outcome.icon() == "☠"));
}
