//! The dual-write world, pattern by pattern, under each of its crash points: the verdicts
//! each pattern gives, as the real systems would, and the refusals of settings and crash
//! points of another pattern.

use mqlab_sim::outbox::{
    two_phase_commit_report, EventRecord, Fact, InboxAck, OutboxError, OutboxEvent, OutboxNode,
    OutboxSettings, OutboxVerdict, OutboxWorld, Pattern, RelayMarks, TimedOutboxFault,
};
use mqlab_sim::{Command, CrashPoint, Mode, Scenario, Sim, Summary};
use mqlab_text::{Lang, Words};

const MESSAGES: u32 = 3;

fn scenario(crash: Option<(CrashPoint, u32)>) -> Scenario {
    let mut scenario = Scenario {
        messages: MESSAGES,
        seed: 7,
        ..Scenario::default()
    };
    if let Some((point, message)) = crash {
        scenario = scenario.with_fault(Command::CrashAt {
            point,
            message: Some(message),
            instance: 0,
        });
    }
    scenario
}

fn settings(pattern: Pattern) -> OutboxSettings {
    OutboxSettings::new(pattern)
}

/// Runs to quiescence; the summary, every event's record and the anomalies in English.
fn run_with(
    settings: &OutboxSettings,
    crash: Option<(CrashPoint, u32)>,
) -> (Summary, Vec<EventRecord>, Vec<String>) {
    let mut world = OutboxWorld::new(&scenario(crash), settings, false).expect("a valid run");
    world.run_until_quiet(100_000);
    let summary = world.summary();
    assert!(summary.quiet, "the run goes quiet");
    (summary, world.events(), world.anomalies(&Words::english()))
}

fn run(
    pattern: Pattern,
    crash: Option<(CrashPoint, u32)>,
) -> (Summary, Vec<EventRecord>, Vec<String>) {
    run_with(&settings(pattern), crash)
}

fn verdict(events: &[EventRecord], message: u32) -> OutboxVerdict {
    events[message as usize - 1].verdict
}

#[test]
fn every_pattern_delivers_every_event_once_without_faults() {
    for pattern in Pattern::ALL {
        if pattern == Pattern::TwoPhaseCommit {
            continue;
        }
        let (summary, events, anomalies) = run(pattern, None);
        assert_eq!(summary.exactly_once, MESSAGES, "{pattern}");
        assert!(anomalies.is_empty(), "{pattern}: {anomalies:?}");
        assert!(events
            .iter()
            .all(|e| e.verdict == OutboxVerdict::ExactlyOnce));
    }
}

#[test]
fn commit_first_crash_after_the_commit_loses_the_event() {
    let (summary, events, anomalies) = run(
        Pattern::CommitFirst,
        Some((CrashPoint::ServiceAfterDbCommit, 2)),
    );
    assert_eq!(summary.state_without_event, 1);
    assert_eq!(summary.lost, 1);
    assert_eq!(summary.event_without_state, 0);
    assert_eq!(verdict(&events, 2), OutboxVerdict::StateWithoutEvent);
    assert!(anomalies[0].contains("committed its row and crashed before its publish"));
}

#[test]
fn commit_first_crash_after_the_publish_loses_nothing() {
    let (summary, _, anomalies) = run(
        Pattern::CommitFirst,
        Some((CrashPoint::ServiceAfterPublish, 2)),
    );
    assert_eq!(summary.exactly_once, MESSAGES);
    assert!(anomalies.is_empty());
}

#[test]
fn a_plain_consumer_crash_after_its_ack_loses_nothing() {
    for pattern in [Pattern::CommitFirst, Pattern::PublishFirst, Pattern::Outbox] {
        let (summary, _, _) = run(pattern, Some((CrashPoint::ConsumerAfterAck, 2)));
        assert_eq!(summary.exactly_once, MESSAGES, "{pattern}");
    }
}

#[test]
fn publish_first_crash_after_the_publish_leaves_a_ghost() {
    let (summary, events, anomalies) = run(
        Pattern::PublishFirst,
        Some((CrashPoint::ServiceAfterPublish, 2)),
    );
    assert_eq!(summary.event_without_state, 1);
    assert_eq!(summary.state_without_event, 0);
    assert_eq!(summary.lost, 0);
    assert_eq!(verdict(&events, 2), OutboxVerdict::EventWithoutState);
    // The consumer applied a change that never happened.
    assert_eq!(events[1].applied, 1);
    assert!(!events[1].state);
    assert!(anomalies[0].contains("ghost"));
}

#[test]
fn publish_first_crash_after_the_commit_loses_nothing() {
    let (summary, _, _) = run(
        Pattern::PublishFirst,
        Some((CrashPoint::ServiceAfterDbCommit, 2)),
    );
    assert_eq!(summary.exactly_once, MESSAGES);
}

#[test]
fn outbox_crash_after_the_commit_still_publishes_the_event() {
    for pattern in [
        Pattern::Outbox,
        Pattern::OutboxInbox,
        Pattern::OffsetsWithOutput,
    ] {
        let (summary, _, anomalies) = run(pattern, Some((CrashPoint::ServiceAfterDbCommit, 2)));
        assert_eq!(summary.exactly_once, MESSAGES, "{pattern}");
        assert_eq!(summary.state_without_event, 0, "{pattern}");
        assert!(anomalies.is_empty(), "{pattern}: {anomalies:?}");
    }
}

#[test]
fn outbox_relay_crash_between_publish_and_mark_publishes_again_and_a_plain_consumer_applies_twice()
{
    let (summary, events, anomalies) =
        run(Pattern::Outbox, Some((CrashPoint::RelayAfterPublish, 2)));
    assert!(summary.broker_duplicates >= 1);
    assert_eq!(summary.duplicated, summary.broker_duplicates);
    assert_eq!(summary.lost, 0);
    assert_eq!(events[1].copies, 2);
    assert_eq!(events[1].applied, 2);
    assert_eq!(verdict(&events, 2), OutboxVerdict::Duplicated);
    // The external call is repeated with the application.
    assert_eq!(events[1].external, 2);
    assert!(anomalies
        .iter()
        .any(|a| a.starts_with("m2 appended 2 times") && a.contains("before marking")));
}

#[test]
fn outbox_relay_crash_after_the_mark_loses_nothing() {
    let (summary, events, _) = run(Pattern::Outbox, Some((CrashPoint::RelayAfterMark, 2)));
    assert_eq!(summary.lost, 0);
    assert_eq!(summary.state_without_event, 0);
    assert_eq!(
        events[1].copies, 1,
        "m2 was marked, so it is not published again"
    );
}

#[test]
fn outbox_relay_marking_before_the_confirm_loses_the_event_on_a_crash_after_the_mark() {
    let settings = OutboxSettings {
        relay_marks: Some(RelayMarks::BeforeConfirm),
        ..settings(Pattern::Outbox)
    };
    let (summary, events, anomalies) = run_with(&settings, Some((CrashPoint::RelayAfterMark, 2)));
    assert_eq!(summary.state_without_event, 1);
    assert_eq!(summary.lost, 1);
    assert_eq!(verdict(&events, 2), OutboxVerdict::StateWithoutEvent);
    assert!(anomalies[0].contains("marked its outbox row sent before the broker's confirm"));
}

#[test]
fn outbox_relay_marking_before_the_confirm_publishes_once_on_a_crash_after_the_publish() {
    let settings = OutboxSettings {
        relay_marks: Some(RelayMarks::BeforeConfirm),
        ..settings(Pattern::Outbox)
    };
    let (summary, _, _) = run_with(&settings, Some((CrashPoint::RelayAfterPublish, 2)));
    assert_eq!(summary.broker_duplicates, 0);
    assert_eq!(summary.lost, 0);
}

#[test]
fn the_inbox_skips_the_relays_second_copy() {
    let (summary, events, anomalies) = run(
        Pattern::OutboxInbox,
        Some((CrashPoint::RelayAfterPublish, 2)),
    );
    assert!(summary.broker_duplicates >= 1);
    assert_eq!(summary.duplicated, 0);
    assert_eq!(summary.external_duplicated, 0);
    assert_eq!(summary.exactly_once, MESSAGES);
    assert_eq!(events[1].copies, 2);
    assert_eq!(events[1].applied, 1);
    assert!(anomalies.iter().all(|a| a.contains("appended")));
}

#[test]
fn the_inbox_skips_the_redelivery_after_a_crash_between_commit_and_ack() {
    let (summary, events, _) = run(
        Pattern::OutboxInbox,
        Some((CrashPoint::ConsumerAfterInboxCommit, 2)),
    );
    assert_eq!(summary.exactly_once, MESSAGES);
    assert_eq!(summary.duplicated, 0);
    assert_eq!(events[1].applied, 1);
}

#[test]
fn the_inbox_acking_after_the_commit_survives_a_crash_after_the_ack() {
    let (summary, _, _) = run(
        Pattern::OutboxInbox,
        Some((CrashPoint::ConsumerAfterAck, 2)),
    );
    assert_eq!(summary.exactly_once, MESSAGES);
}

#[test]
fn the_inbox_acking_before_the_commit_loses_the_event_on_a_crash_after_the_ack() {
    let settings = OutboxSettings {
        inbox_ack: Some(InboxAck::BeforeCommit),
        ..settings(Pattern::OutboxInbox)
    };
    let (summary, events, anomalies) = run_with(&settings, Some((CrashPoint::ConsumerAfterAck, 2)));
    assert_eq!(summary.lost, 1);
    assert_eq!(summary.state_without_event, 0);
    assert_eq!(verdict(&events, 2), OutboxVerdict::Lost);
    assert_eq!(events[1].copies, 1);
    assert!(anomalies[0].contains("acked it before its transaction committed"));
}

#[test]
fn the_inbox_acking_before_the_commit_is_safe_on_a_crash_after_the_commit() {
    let settings = OutboxSettings {
        inbox_ack: Some(InboxAck::BeforeCommit),
        ..settings(Pattern::OutboxInbox)
    };
    let (summary, _, _) = run_with(&settings, Some((CrashPoint::ConsumerAfterInboxCommit, 2)));
    assert_eq!(summary.exactly_once, MESSAGES);
}

#[test]
fn offsets_with_output_apply_the_relays_second_copy_again() {
    let (summary, events, _) = run(
        Pattern::OffsetsWithOutput,
        Some((CrashPoint::RelayAfterPublish, 2)),
    );
    assert!(summary.broker_duplicates >= 1);
    assert_eq!(events[1].copies, 2);
    assert_eq!(
        events[1].applied, 2,
        "a stored offset counts entries, not events"
    );
}

/// The tick at which the consumer begins its transaction for `message`, from a run
/// without faults.
fn transaction_tick(pattern: Pattern, message: u32) -> u64 {
    let mut world = OutboxWorld::new(&scenario(None), &settings(pattern), true).expect("valid");
    world.run_until_quiet(100_000);
    world
        .trace()
        .iter()
        .find(|e| {
            matches!(
                e.event,
                OutboxEvent::Fact {
                    node: OutboxNode::Consumer,
                    fact: Fact::TxnBegun { message: m },
                } if m == message
            )
        })
        .map(|e| e.tick)
        .expect("the consumer began the transaction")
}

#[test]
fn a_consumer_crash_inside_its_transaction_repeats_the_external_call_the_inbox_cannot_cover() {
    for pattern in [
        Pattern::OutboxInbox,
        Pattern::OffsetsWithOutput,
        Pattern::Outbox,
    ] {
        let tick = transaction_tick(pattern, 2);
        // The transaction commits one tick after it begins: crash just before.
        let settings = OutboxSettings {
            timed: vec![TimedOutboxFault {
                tick: tick + 1,
                node: OutboxNode::Consumer,
                crash: true,
            }],
            ..settings(pattern)
        };
        let (summary, events, anomalies) = run_with(&settings, None);
        assert_eq!(summary.exactly_once, MESSAGES, "{pattern}");
        assert_eq!(summary.duplicated, 0, "{pattern}");
        assert_eq!(summary.external_duplicated, 1, "{pattern}");
        assert_eq!(events[1].external, 2, "{pattern}");
        assert!(
            anomalies[0].contains("before its transaction committed"),
            "{pattern}"
        );
    }
}

#[test]
fn a_broker_crash_loses_no_event_with_the_outbox_and_the_inbox() {
    for tick in [3, 8, 15, 22] {
        let settings = OutboxSettings {
            timed: vec![TimedOutboxFault {
                tick,
                node: OutboxNode::Broker,
                crash: true,
            }],
            ..settings(Pattern::OutboxInbox)
        };
        let (summary, _, _) = run_with(&settings, None);
        assert_eq!(
            summary.exactly_once, MESSAGES,
            "broker crash at tick {tick}"
        );
    }
}

#[test]
fn a_setting_or_a_crash_point_of_another_pattern_is_refused() {
    let refused = |settings: OutboxSettings, crash: Option<(CrashPoint, u32)>| {
        OutboxWorld::new(&scenario(crash), &settings, false).err()
    };
    let marks = OutboxSettings {
        relay_marks: Some(RelayMarks::BeforeConfirm),
        ..settings(Pattern::CommitFirst)
    };
    assert_eq!(
        refused(marks, None),
        Some(OutboxError::RelayMarksWithoutOutbox {
            pattern: Pattern::CommitFirst
        })
    );
    let ack = OutboxSettings {
        inbox_ack: Some(InboxAck::BeforeCommit),
        ..settings(Pattern::Outbox)
    };
    assert_eq!(
        refused(ack, None),
        Some(OutboxError::InboxAckWithoutInbox {
            pattern: Pattern::Outbox
        })
    );
    let error = refused(
        settings(Pattern::CommitFirst),
        Some((CrashPoint::RelayAfterPublish, 1)),
    )
    .expect("refused");
    assert_eq!(
        error.to_string(),
        "crash point relay.after_publish is never reached in pattern commit-first (its crash \
         points: service.after_db_commit, service.after_publish, consumer.after_ack)"
    );
    assert!(refused(
        settings(Pattern::OffsetsWithOutput),
        Some((CrashPoint::ConsumerAfterAck, 1))
    )
    .is_some());
    assert!(refused(
        settings(Pattern::Outbox),
        Some((CrashPoint::ConsumerAfterInboxCommit, 1))
    )
    .is_some());
    assert_eq!(
        refused(settings(Pattern::TwoPhaseCommit), None),
        Some(OutboxError::TwoPhaseCommitElsewhere)
    );
}

#[test]
fn every_pattern_names_its_crash_points() {
    let names = |p: Pattern| {
        p.crash_points()
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(Pattern::CommitFirst),
        [
            "service.after_db_commit",
            "service.after_publish",
            "consumer.after_ack"
        ]
    );
    assert_eq!(
        names(Pattern::OutboxInbox),
        [
            "service.after_db_commit",
            "relay.after_publish",
            "relay.after_mark",
            "consumer.after_inbox_commit",
            "consumer.after_ack"
        ]
    );
    assert_eq!(
        names(Pattern::OffsetsWithOutput),
        [
            "service.after_db_commit",
            "relay.after_publish",
            "relay.after_mark"
        ]
    );
    assert!(names(Pattern::TwoPhaseCommit).is_empty());
    for point in CrashPoint::OUTBOX {
        assert_eq!(point.as_str().parse::<CrashPoint>(), Ok(point));
        assert!(!point.applies_to(Mode::Transactional) || !point.outbox_only());
    }
}

#[test]
fn the_same_settings_give_the_same_trace() {
    let settings = OutboxSettings {
        ..settings(Pattern::OutboxInbox)
    };
    let mut scenario = scenario(Some((CrashPoint::RelayAfterPublish, 2)));
    scenario.random_crash = mqlab_sim::Ratio::new(1, 50);
    let hash = || {
        let mut world = OutboxWorld::new(&scenario, &settings, false).expect("valid");
        world.run_until_quiet(100_000);
        world.trace_hash()
    };
    assert_eq!(hash(), hash());
}

#[test]
fn the_trace_and_the_anomalies_speak_chinese() {
    let mut world = OutboxWorld::new(
        &scenario(Some((CrashPoint::ServiceAfterDbCommit, 2))),
        &settings(Pattern::CommitFirst),
        true,
    )
    .expect("valid");
    world.run_until_quiet(100_000);
    let zh = Words::embedded(Lang::ZhCn);
    assert!(world.trace()[0].text(&zh).contains("启动"));
    assert!(world.anomalies(&zh)[0].contains("有状态无事件"));
}

#[test]
fn two_phase_commit_reads_into_the_same_counts() {
    let scenario = Scenario {
        mode: Mode::Transactional,
        ..scenario(None)
    };
    let mut sim =
        Sim::with_options(&scenario, mqlab_sim::SimOptions { record_trace: true }).expect("valid");
    sim.run_until_quiet(100_000);
    let (summary, costs) = two_phase_commit_report(&sim);
    assert_eq!(summary.exactly_once, MESSAGES);
    assert_eq!(summary.state_without_event, 0);
    assert_eq!(summary.event_without_state, 0);
    assert!(costs.messages_sent > 0 && costs.disk_writes > 0);
}

#[test]
fn costs_count_the_outbox_round_trips_and_the_dual_writes_blocking() {
    let (_, _, _) = run(Pattern::Outbox, None);
    let costs = |pattern| {
        let mut world =
            OutboxWorld::new(&scenario(None), &settings(pattern), false).expect("valid");
        world.run_until_quiet(100_000);
        world.costs()
    };
    let commit_first = costs(Pattern::CommitFirst);
    let outbox = costs(Pattern::Outbox);
    assert!(
        commit_first.blocked_ticks > 0,
        "the service waits for the broker"
    );
    assert_eq!(outbox.blocked_ticks, 0, "the outbox's service never waits");
    assert!(
        outbox.disk_writes > commit_first.disk_writes,
        "the outbox row and the mark"
    );
    assert!(outbox.latency_ticks_mean > commit_first.latency_ticks_mean);
    assert_eq!(outbox.latency_events, MESSAGES);
}
