//! The worlds' crash matrices hold what Kafka's documentation and the outbox pattern
//! promise, cell by cell: read_committed never shows an aborted record, a coordinator
//! that logged its decision finishes it after a crash, read_uncommitted does show the
//! records of a transaction that a producer crash aborted; the outbox with an inbox
//! loses nothing and applies nothing twice under any of its crash points, while commit
//! first loses the event of a crash between the commit and the publish.

use mqlab_sim::fault::CrashPoint;
use mqlab_sim::outbox::{OutboxSettings, Pattern};
use mqlab_sim::world_matrix::{
    dual_writes, dual_writes_at, kafka_transactions, kafka_transactions_at, pattern_points,
};
use mqlab_sim::{Isolation, KafkaTransactions, Mode, Scenario};

const MAX_STEPS: u64 = 200_000;

fn kafka(isolation: Isolation, seed: u64) -> Scenario {
    let mut scenario = Scenario {
        mode: Mode::Transactional,
        messages: 4,
        seed,
        kafka_transactions: Some(KafkaTransactions {
            isolation,
            ..KafkaTransactions::default()
        }),
        ..Scenario::default()
    };
    scenario.transaction.size = 2;
    scenario
}

fn plain(seed: u64) -> Scenario {
    Scenario {
        messages: 4,
        seed,
        ..Scenario::default()
    }
}

#[test]
fn kafka_transactions_keep_their_promises_in_every_cell() {
    for seed in 1..=4 {
        let cells = kafka_transactions(&kafka(Isolation::ReadCommitted, seed), MAX_STEPS)
            .expect("a valid scenario");
        assert_eq!(cells.len(), CrashPoint::KAFKA_TXN.len() * 4);
        for cell in &cells {
            assert!(cell.quiet, "seed {seed}: {cell:?} did not go quiet");
            assert_eq!(cell.summary.aborted_visible, 0, "seed {seed}: {cell:?}");
            assert_eq!(cell.summary.lost, 0, "seed {seed}: {cell:?}");
            if matches!(
                cell.point,
                CrashPoint::CoordinatorAfterPrepareCommitLogged | CrashPoint::CoordinatorMidMarkers
            ) {
                assert!(cell.is_clean(), "seed {seed}: {cell:?}");
            }
        }
        for point in CrashPoint::KAFKA_TXN {
            assert!(
                cells.iter().any(|c| c.point == point && c.reached),
                "seed {seed}: {point} is never reached"
            );
        }
        let uncommitted = kafka_transactions(&kafka(Isolation::ReadUncommitted, seed), MAX_STEPS)
            .expect("a valid scenario");
        assert!(
            uncommitted
                .iter()
                .any(|c| c.point == CrashPoint::ProducerAfterSend
                    && c.reached
                    && c.summary.aborted_visible > 0),
            "seed {seed}: read_uncommitted never showed an aborted record"
        );
    }
}

#[test]
fn the_outbox_with_an_inbox_is_clean_in_every_cell_and_commit_first_is_not() {
    for seed in 1..=4 {
        let settings = OutboxSettings::new(Pattern::OutboxInbox);
        let cells = dual_writes(&plain(seed), &settings, MAX_STEPS).expect("valid");
        assert_eq!(
            cells.len(),
            pattern_points(Pattern::OutboxInbox).len() * 4,
            "every point of the pattern on every message"
        );
        for cell in &cells {
            assert!(cell.is_clean(), "seed {seed}: {cell:?}");
        }
        assert!(cells
            .iter()
            .any(|c| c.point == CrashPoint::RelayAfterPublish
                && c.reached
                && c.summary.broker_duplicates > 0));
        let first = dual_writes(
            &plain(seed),
            &OutboxSettings::new(Pattern::CommitFirst),
            MAX_STEPS,
        )
        .expect("valid");
        for cell in first
            .iter()
            .filter(|c| c.point == CrashPoint::ServiceAfterDbCommit)
        {
            assert!(cell.reached, "seed {seed}: {cell:?}");
            assert_eq!(cell.summary.state_without_event, 1, "seed {seed}: {cell:?}");
        }
    }
}

#[test]
fn a_point_of_another_pattern_is_not_in_the_matrix() {
    let points = pattern_points(Pattern::CommitFirst);
    assert!(points.contains(&CrashPoint::ServiceAfterPublish));
    assert!(!points.contains(&CrashPoint::RelayAfterPublish));
    assert!(pattern_points(Pattern::OutboxInbox).contains(&CrashPoint::ConsumerAfterInboxCommit));
}

#[test]
fn a_matrix_asked_for_a_row_at_a_time_is_the_whole_matrix() {
    let scenario = kafka(Isolation::ReadUncommitted, 2);
    let whole = kafka_transactions(&scenario, MAX_STEPS).expect("valid");
    let rows: Vec<_> = CrashPoint::KAFKA_TXN
        .iter()
        .flat_map(|point| kafka_transactions_at(&scenario, &[*point], MAX_STEPS).expect("valid"))
        .collect();
    assert_eq!(rows, whole);
    assert!(kafka_transactions_at(&scenario, &[CrashPoint::RelayAfterPublish], MAX_STEPS).is_err());

    let settings = OutboxSettings::new(Pattern::Outbox);
    let whole = dual_writes(&plain(2), &settings, MAX_STEPS).expect("valid");
    let rows: Vec<_> = pattern_points(Pattern::Outbox)
        .iter()
        .flat_map(|point| {
            dual_writes_at(&plain(2), &settings, &[*point], MAX_STEPS).expect("valid")
        })
        .collect();
    assert_eq!(rows, whole);
    // A point of another pattern is refused, as the world refuses it.
    assert!(dual_writes_at(
        &plain(2),
        &settings,
        &[CrashPoint::ServiceAfterPublish],
        MAX_STEPS
    )
    .is_err());
}
