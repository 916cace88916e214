//! Two-phase commit in the pipeline: every 2PC crash point, the outcome after
//! recovery, and the blocking seen while the coordinator is down.

mod common;

use common::*;
use mqlab_sim::{
    CoordinatorPhase, CrashPoint, Detail, EventKind, MessageId, MessageKind, Mode, NodeId,
    ParticipantState, Ratio, Scenario, Sim,
};

/// One transaction at a time, so that each test follows one transaction's story
/// (several in flight: `several_transactions_in_flight_recover_from_every_crash_point`).
fn one_at_a_time(mut scenario: Scenario) -> Scenario {
    scenario.timing.producer_window = 1;
    scenario
}

fn transactional(point: CrashPoint, message: u32) -> Scenario {
    one_at_a_time(scenario(Mode::Transactional, &[crash_at(point, message)]))
}

/// Recovery leaves every message applied exactly once and the 2PC invariants intact.
fn assert_recovered(sim: &Sim) {
    let summary = sim.summary();
    assert_eq!(summary.exactly_once, summary.messages, "{summary:?}");
    assert_eq!(summary.in_doubt, 0, "{summary:?}");
    assert!(
        sim.ledger().invariant_violations().is_empty(),
        "{:?}",
        sim.ledger().invariant_violations()
    );
}

fn crash_step(sim: &Sim, point: CrashPoint) -> u64 {
    sim.trace()
        .iter()
        .find(|e| e.crash == Some(point))
        .unwrap_or_else(|| panic!("{point} never fired"))
        .step
}

#[test]
fn every_transactional_crash_point_recovers_to_exactly_once_without_breaking_atomicity() {
    for point in CrashPoint::ALL
        .into_iter()
        .filter(|p| p.applies_to(Mode::Transactional))
    {
        let sim = run_to_quiet(&transactional(point, 2));
        crash_step(&sim, point);
        assert_recovered(&sim);
    }
}

#[test]
fn coordinator_crash_after_votes_blocks_prepared_participants_until_it_restarts() {
    let mut sim = Sim::new(&transactional(CrashPoint::CoordinatorAfterVotes, 2)).unwrap();
    while sim.is_up(NodeId::COORDINATOR) {
        assert!(sim.step().is_some());
    }
    // Let the participants wait a while: they are prepared and cannot decide alone.
    let crashed_at = sim.tick();
    while sim.tick() < crashed_at + 25 {
        sim.step();
    }
    assert!(!sim.is_up(NodeId::COORDINATOR));
    let view = sim.snapshot().coordinator.unwrap();
    assert_eq!(view.phase, CoordinatorPhase::Down);
    let blocked: Vec<_> = view
        .participants
        .iter()
        .filter(|p| p.state == ParticipantState::InDoubt)
        .collect();
    assert_eq!(blocked.len(), 2, "{:?}", view.participants);
    assert!(blocked
        .iter()
        .all(|p| !p.locks_held.is_empty() && p.in_doubt_since_tick.is_some()));
    assert_eq!(sim.summary().in_doubt, 2);
    assert!(sim.summary().blocked_ticks >= 2 * 20);
    // In doubt, they keep asking the coordinator, which cannot answer.
    assert!(sim.trace().iter().any(|e| e.kind == EventKind::Query));
    assert_eq!(
        sim.ledger().messages()[1].verdict,
        mqlab_sim::Verdict::InDoubt
    );

    sim.run_until_quiet(1_000_000);
    // No COMMIT was logged, so the restarted coordinator aborts by presumption; the
    // transaction is retried and the message still goes through exactly once.
    assert!(sim
        .trace()
        .iter()
        .any(|e| e.detail == Detail::RecoveredPresumedAbort));
    assert_recovered(&sim);
    assert!(
        sim.summary().blocked_ticks >= 2 * 30,
        "blocked for the whole downtime"
    );
}

#[test]
fn coordinator_crash_after_logging_commit_resends_it_after_restart() {
    let sim = run_to_quiet(&transactional(
        CrashPoint::CoordinatorAfterDecisionLogged,
        1,
    ));
    let restart = sim
        .trace()
        .iter()
        .find(|e| e.detail == Detail::RecoveredCommit)
        .expect("recovery re-sends COMMIT");
    assert!(restart.step > crash_step(&sim, CrashPoint::CoordinatorAfterDecisionLogged));
    assert_recovered(&sim);
}

#[test]
fn coordinator_crash_mid_broadcast_commits_one_participant_first_and_the_other_after_recovery() {
    let mut sim = Sim::new(&transactional(CrashPoint::CoordinatorMidBroadcast, 1)).unwrap();
    while sim.is_up(NodeId::COORDINATOR) {
        sim.step();
    }
    // The first COMMIT lands while the coordinator is still down.
    let crashed_at = sim.tick();
    while sim.tick() < crashed_at + 15 {
        sim.step();
    }
    assert!(!sim.is_up(NodeId::COORDINATOR));
    let view = sim.snapshot().coordinator.unwrap();
    let states: Vec<_> = view.participants.iter().map(|p| p.state).collect();
    assert!(states.contains(&ParticipantState::Committed), "{states:?}");
    assert!(
        states
            .iter()
            .any(|s| matches!(s, ParticipantState::Prepared | ParticipantState::InDoubt)),
        "{states:?}"
    );
    sim.run_until_quiet(1_000_000);
    assert_recovered(&sim);
}

#[test]
fn a_participant_that_crashes_before_voting_makes_the_coordinator_abort_and_retry() {
    let sim = run_to_quiet(&transactional(CrashPoint::ParticipantBeforeVote, 1));
    assert!(sim.trace().iter().any(|e| e.kind == EventKind::VoteTimeout));
    assert_recovered(&sim);
}

#[test]
fn a_participant_that_crashes_after_voting_yes_restarts_in_doubt_and_asks_for_the_decision() {
    let sim = run_to_quiet(&transactional(CrashPoint::ParticipantAfterVoteYes, 1));
    let crash = crash_step(&sim, CrashPoint::ParticipantAfterVoteYes);
    assert!(sim
        .trace()
        .iter()
        .any(|e| e.step > crash && e.kind == EventKind::Query && e.node == NodeId::CONSUMER));
    assert_recovered(&sim);
}

#[test]
fn a_participant_that_crashes_after_committing_is_asked_again_and_confirms() {
    let sim = run_to_quiet(&transactional(CrashPoint::ParticipantAfterCommit, 1));
    assert!(sim
        .trace()
        .iter()
        .any(|e| e.kind == EventKind::DecisionResend));
    assert!(sim
        .trace()
        .iter()
        .any(|e| e.detail == Detail::AlreadyCommitted));
    assert_recovered(&sim);
}

#[test]
fn participants_that_vote_no_cause_aborts_but_every_message_still_goes_through_once() {
    let mut scenario = one_at_a_time(scenario(Mode::Transactional, &[]));
    scenario.transaction.vote_no = Ratio::new(1, 4);
    scenario.seed = 9;
    let sim = run_to_quiet(&scenario);
    assert!(sim
        .trace()
        .iter()
        .any(|e| matches!(e.detail, Detail::VotedNo { .. })));
    assert_recovered(&sim);
}

#[test]
fn a_coordinator_that_never_restarts_leaves_its_message_in_doubt() {
    let mut scenario = transactional(CrashPoint::CoordinatorAfterVotes, 1);
    scenario.timing.restart_after_ticks = None;
    let mut sim = Sim::new(&scenario).unwrap();
    sim.run_until_quiet(2_000);
    assert!(!sim.is_quiet(), "in-doubt participants keep asking forever");
    let summary = sim.summary();
    assert_eq!(summary.in_doubt, 2);
    assert_eq!(summary.in_doubt_messages, 1);
    assert_eq!(summary.exactly_once, 0);
    let anomaly = &sim.ledger().anomalies()[0];
    assert!(
        anomaly.explanation.contains("in doubt"),
        "{}",
        anomaly.explanation
    );
}

/// Steps until the coordinator crashes at `point`, then through its whole downtime, and
/// returns the most participants in doubt at once while it was down, how many were in
/// doubt just before it restarted, and the blocked ticks that accrued meanwhile; then
/// runs to the end.
fn blocking_while_the_coordinator_is_down(point: CrashPoint) -> (u32, u32, u64, Sim) {
    let mut sim = Sim::new(&transactional(point, 1)).unwrap();
    while sim.is_up(NodeId::COORDINATOR) {
        assert!(sim.step().is_some(), "{point} never fired");
    }
    let blocked_before = sim.summary().blocked_ticks;
    let mut most_in_doubt = sim.summary().in_doubt;
    let mut blocked_during = 0;
    let mut in_doubt_at_restart = most_in_doubt;
    while !sim.is_up(NodeId::COORDINATOR) {
        assert!(sim.step().is_some(), "the coordinator restarts by itself");
        let summary = sim.summary();
        most_in_doubt = most_in_doubt.max(summary.in_doubt);
        if !sim.is_up(NodeId::COORDINATOR) {
            blocked_during = summary.blocked_ticks - blocked_before;
            in_doubt_at_restart = summary.in_doubt;
        }
    }
    sim.run_until_quiet(1_000_000);
    assert!(sim.is_quiet());
    (most_in_doubt, in_doubt_at_restart, blocked_during, sim)
}

#[test]
fn coordinator_crash_after_prepare_sent_leaves_the_participants_that_voted_yes_blocked() {
    let (in_doubt, still_in_doubt, blocked, sim) =
        blocking_while_the_coordinator_is_down(CrashPoint::CoordinatorAfterPrepareSent);
    assert_eq!(in_doubt, 2, "both participants prepared and wait");
    assert_eq!(still_in_doubt, 2, "neither can decide alone");
    assert!(blocked > 0);
    assert_recovered(&sim);
}

#[test]
fn coordinator_crash_after_votes_blocks_both_participants_for_its_downtime() {
    let (in_doubt, still_in_doubt, blocked, sim) =
        blocking_while_the_coordinator_is_down(CrashPoint::CoordinatorAfterVotes);
    assert_eq!((in_doubt, still_in_doubt), (2, 2));
    assert!(blocked >= 2 * 20, "{blocked}");
    assert_recovered(&sim);
}

#[test]
fn coordinator_crash_after_logging_commit_blocks_both_participants_until_it_resends() {
    let (in_doubt, still_in_doubt, blocked, sim) =
        blocking_while_the_coordinator_is_down(CrashPoint::CoordinatorAfterDecisionLogged);
    assert_eq!((in_doubt, still_in_doubt), (2, 2));
    assert!(blocked >= 2 * 20, "{blocked}");
    // The logged decision is never reversed: recovery commits, it does not presume abort.
    assert!(sim
        .trace()
        .iter()
        .any(|e| e.detail == Detail::RecoveredCommit));
    assert!(!sim
        .trace()
        .iter()
        .any(|e| e.detail == Detail::RecoveredPresumedAbort));
    assert_recovered(&sim);
}

#[test]
fn coordinator_crash_mid_broadcast_blocks_only_the_participant_it_did_not_reach() {
    let (in_doubt, still_in_doubt, blocked, sim) =
        blocking_while_the_coordinator_is_down(CrashPoint::CoordinatorMidBroadcast);
    // Both are in doubt when it crashes; the COMMIT it did send lands during the
    // downtime, and only the other participant stays blocked.
    assert_eq!((in_doubt, still_in_doubt), (2, 1));
    assert!(blocked > 0);
    assert_recovered(&sim);
}

#[test]
fn several_transactions_in_flight_recover_from_every_crash_point() {
    for point in CrashPoint::ALL
        .into_iter()
        .filter(|p| p.applies_to(Mode::Transactional))
    {
        for message in [1, 2, 5] {
            let mut scenario = scenario(Mode::Transactional, &[crash_at(point, message)]);
            scenario.messages = 8;
            assert_eq!(scenario.timing.producer_window, 4, "four in flight");
            let sim = run_to_quiet(&scenario);
            let summary = sim.summary();
            let what = format!("{} m{message}: {summary:?}", point.as_str());
            assert_eq!((summary.lost, summary.duplicated), (0, 0), "{what}");
            assert_eq!(
                summary.exactly_once + summary.reordered,
                summary.messages,
                "{what}"
            );
            assert_eq!(summary.in_doubt, 0, "{what}");
            assert!(sim.ledger().invariant_violations().is_empty(), "{what}");
        }
    }
}

#[test]
fn the_message_travels_on_the_pipeline_inside_its_transactions() {
    let sim = run_to_quiet(&scenario(Mode::Transactional, &[]));
    let kinds_for_m1: Vec<(MessageKind, Option<u32>)> = sim
        .trace()
        .iter()
        .filter(|e| e.message == Some(MessageId(1)))
        .filter_map(|e| e.message_kind.map(|k| (k, e.txn)))
        .filter(|(k, _)| {
            matches!(
                k,
                MessageKind::Publish
                    | MessageKind::Confirm
                    | MessageKind::Deliver
                    | MessageKind::Ack
            )
        })
        .collect();
    // m1 is published and confirmed inside its publish transaction (t1), delivered and
    // acked inside its consume transaction.
    assert!(
        kinds_for_m1.contains(&(MessageKind::Publish, Some(1))),
        "{kinds_for_m1:?}"
    );
    assert!(
        kinds_for_m1.contains(&(MessageKind::Confirm, Some(1))),
        "{kinds_for_m1:?}"
    );
    let consume = kinds_for_m1
        .iter()
        .find(|(k, _)| *k == MessageKind::Deliver)
        .and_then(|(_, t)| *t)
        .expect("m1 is delivered inside a transaction");
    assert!(consume > 1);
    assert!(
        kinds_for_m1.contains(&(MessageKind::Ack, Some(consume))),
        "{kinds_for_m1:?}"
    );
}
