//! The challenges' checkers: every worked solution solves its challenge, and near misses
//! (no fault, a fault too many, a fault of another kind, a harmless fault, a changed
//! setting, a correct but costlier fix) do not, each with the reason a learner reads.
//! The replicated queue's and many consumers' challenges count a crash of any broker or
//! consumer instance, armed at a point, applied at a step or timed by the tick, as one;
//! each wrong answer of their predictions is the answer of a world next to theirs.

use mqlab_sim::challenges::{self, Allowed, Challenge, Finding, Goal, Setting, Task};
use mqlab_sim::{
    Acks, Command, CommitStrategy, CrashPoint, LinkId, MessageKind, Mode, NodeId, PlannedFault,
    RoleKind, Scenario, SharedRun, TimedAction, TimedFault,
};

fn challenge(id: &str) -> Challenge {
    challenges::find(id).unwrap_or_else(|| panic!("no challenge {id}"))
}

fn crash(point: CrashPoint, message: u32) -> Command {
    Command::CrashAt {
        point,
        message: Some(message),
        instance: 0,
    }
}

/// A crash of instance `instance` (from 0) of the point's role: `broker-2` is instance 1.
fn crash_of(point: CrashPoint, message: u32, instance: u8) -> Command {
    Command::CrashAt {
        point,
        message: Some(message),
        instance,
    }
}

fn broker(number: u8) -> NodeId {
    NodeId::new(RoleKind::Broker, number - 1)
}

fn consumer(number: u8) -> NodeId {
    NodeId::new(RoleKind::Consumer, number - 1)
}

/// The run with a fault timed by the tick added.
fn timed(mut run: SharedRun, tick: u64, action: TimedAction) -> SharedRun {
    run.scenario.timed_faults.push(TimedFault { tick, action });
    run
}

fn drop_first(from: NodeId, to: NodeId, kind: MessageKind, message: u32) -> Command {
    Command::DropMatching {
        link: LinkId::new(from, to),
        kind: Some(kind),
        message: Some(message),
        nth: 1,
    }
}

/// The challenge's start with these faults planned from the start.
fn planned(challenge: &Challenge, commands: &[Command]) -> SharedRun {
    let mut scenario = challenge.start.clone();
    scenario
        .faults
        .extend(commands.iter().cloned().map(PlannedFault::at_start));
    SharedRun::new(scenario)
}

/// The challenge's start with these commands applied before the first step, as the
/// simulator's fault toolbar applies them.
fn applied(challenge: &Challenge, commands: &[Command]) -> SharedRun {
    SharedRun {
        scenario: challenge.start.clone(),
        commands: commands.iter().cloned().map(|c| (0, c)).collect(),
        step: Some(0),
    }
}

fn settings(challenge: &Challenge, mode: Mode) -> SharedRun {
    SharedRun::new(Scenario {
        mode,
        ..challenge.start.clone()
    })
}

#[test]
fn there_are_at_least_twelve_covering_every_mode_and_kind() {
    let all = challenges::all();
    assert!(all.len() >= 12, "{} challenges", all.len());
    for mode in Mode::ALL {
        assert!(
            all.iter().any(|c| c.start.mode == mode),
            "no challenge in {mode:?}"
        );
    }
    for kind in [
        challenges::Kind::FindFault,
        challenges::Kind::FixIt,
        challenges::Kind::Predict,
    ] {
        assert!(
            all.iter().any(|c| c.kind() == kind),
            "no {kind:?} challenge"
        );
    }
    let mut ids: Vec<&str> = all.iter().map(|c| c.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "slugs repeat");
}

#[test]
fn every_worked_solution_solves_its_challenge() {
    for challenge in challenges::all() {
        match &challenge.task {
            Task::Predict(question) => {
                let (_, outcome) = challenge
                    .judge()
                    .unwrap_or_else(|| panic!("{}: no run", challenge.id));
                let true_ones: Vec<usize> = outcome
                    .iter()
                    .enumerate()
                    .filter(|(_, holds)| **holds)
                    .map(|(index, _)| index)
                    .collect();
                assert_eq!(
                    true_ones,
                    vec![question.intended_choice],
                    "{}: answers that hold",
                    challenge.id
                );
                assert_eq!(challenge.texts.choices.len(), question.choices.len());
            }
            _ => {
                let verdict = challenge.check(&challenge.solution_run());
                assert!(
                    verdict.solved(),
                    "{}: the worked solution does not solve it: {:?}",
                    challenge.id,
                    verdict.findings
                );
            }
        }
    }
}

#[test]
fn the_start_alone_does_not_solve_a_challenge() {
    for challenge in challenges::all() {
        if matches!(challenge.task, Task::Predict(_)) {
            continue;
        }
        let verdict = challenge.check(&challenge.start_run());
        assert!(!verdict.solved(), "{}: the start solves it", challenge.id);
        if let Task::FindFault { .. } = challenge.task {
            assert_eq!(verdict.findings[0], Finding::NoFault, "{}", challenge.id);
        }
    }
}

#[test]
fn a_fault_applied_at_a_step_counts_as_one_armed_in_advance() {
    let duplicate = challenge("duplicate-one");
    let command = crash(CrashPoint::ConsumerAfterApply, 2);
    assert!(duplicate
        .check(&applied(&duplicate, std::slice::from_ref(&command)))
        .solved());
    assert!(duplicate.check(&planned(&duplicate, &[command])).solved());
}

#[test]
fn find_a_fault_near_misses_say_why() {
    let duplicate = challenge("duplicate-one");
    // A harmless crash: after the ack.
    let verdict = duplicate.check(&planned(
        &duplicate,
        &[crash(CrashPoint::ConsumerAfterAck, 2)],
    ));
    assert_eq!(verdict.findings, vec![Finding::GoalMissed(Goal::Duplicate)]);
    // Two crashes, even if the run duplicates.
    let verdict = duplicate.check(&planned(
        &duplicate,
        &[
            crash(CrashPoint::ConsumerAfterApply, 2),
            crash(CrashPoint::ConsumerAfterApply, 3),
        ],
    ));
    assert_eq!(verdict.findings, vec![Finding::Crashes(2)]);
    // A drop instead of a crash.
    let verdict = duplicate.check(&planned(
        &duplicate,
        &[drop_first(
            NodeId::CONSUMER,
            NodeId::BROKER,
            MessageKind::Ack,
            2,
        )],
    ));
    assert!(verdict.findings.contains(&Finding::Crashes(0)));
    assert!(verdict.findings.contains(&Finding::OtherFaults {
        allowed: Allowed::OneCrash,
        count: 1
    }));
    // The right crash in another mode.
    let mut other_mode = planned(&duplicate, &[crash(CrashPoint::ConsumerAfterApply, 2)]);
    other_mode.scenario.mode = Mode::Idempotent;
    let verdict = duplicate.check(&other_mode);
    assert!(verdict.findings.contains(&Finding::Changed(Setting::Mode)));
    assert!(verdict
        .findings
        .contains(&Finding::GoalMissed(Goal::Duplicate)));
    // The right crash, with more messages.
    let mut more = planned(&duplicate, &[crash(CrashPoint::ConsumerAfterApply, 2)]);
    more.scenario.messages = 5;
    assert_eq!(
        duplicate.check(&more).findings,
        vec![Finding::Changed(Setting::Messages)]
    );
}

#[test]
fn the_other_answers_the_whys_name_also_solve() {
    // "Dropping the delivery from the broker to the consumer works too."
    let lose = challenge("lose-with-a-drop");
    assert!(lose
        .check(&planned(
            &lose,
            &[drop_first(
                NodeId::BROKER,
                NodeId::CONSUMER,
                MessageKind::Deliver,
                2
            )]
        ))
        .solved());
    // "Dropping the confirm of m2 from the broker to the producer works too."
    let duplicate = challenge("duplicate-with-a-drop");
    assert!(duplicate
        .check(&planned(
            &duplicate,
            &[drop_first(
                NodeId::BROKER,
                NodeId::PRODUCER,
                MessageKind::Confirm,
                2
            )]
        ))
        .solved());
    // A lost publish only delays a message in at-least-once mode.
    let verdict = duplicate.check(&planned(
        &duplicate,
        &[drop_first(
            NodeId::PRODUCER,
            NodeId::BROKER,
            MessageKind::Publish,
            2,
        )],
    ));
    assert_eq!(verdict.findings, vec![Finding::GoalMissed(Goal::Duplicate)]);
}

#[test]
fn losing_one_message_is_not_losing_two() {
    let lose_two = challenge("lose-with-a-crash");
    let verdict = lose_two.check(&planned(
        &lose_two,
        &[crash(CrashPoint::BrokerAfterFsync, 2)],
    ));
    assert_eq!(verdict.findings, vec![Finding::GoalMissed(Goal::LoseTwo)]);
    assert_eq!(verdict.measured.map(|m| m.summary.lost), Some(1));
}

#[test]
fn a_duplicate_is_not_a_harmless_redelivery() {
    let redelivered = challenge("redelivered-once");
    // A crash that causes no redelivery at all.
    let verdict = redelivered.check(&planned(
        &redelivered,
        &[crash(CrashPoint::ProducerBeforeSend, 2)],
    ));
    assert_eq!(
        verdict.findings,
        vec![Finding::GoalMissed(Goal::RedeliverHarmlessly)]
    );
}

#[test]
fn blocking_is_measured_against_the_fault_free_run() {
    let block = challenge("block-participants");
    let verdict = block.check(&block.solution_run());
    let base = verdict.baseline_blocked.expect("a baseline");
    let blocked = verdict.measured.expect("measured").summary.blocked_ticks;
    assert!(base > 0 && blocked >= 2 * base, "{blocked} vs {base}");
    // A participant crash before its vote aborts quickly: not twice as long.
    let verdict = block.check(&planned(
        &block,
        &[crash(CrashPoint::ParticipantAfterCommit, 1)],
    ));
    assert_eq!(
        verdict.findings,
        vec![Finding::GoalMissed(Goal::BlockTwiceAsLong)]
    );
}

#[test]
fn fix_it_near_misses_say_why() {
    let fix = challenge("fix-two-faults");
    let findings = |mode| fix.check(&settings(&fix, mode)).findings;
    assert_eq!(findings(Mode::AtMostOnce), vec![Finding::StillLost(1)]);
    assert_eq!(
        findings(Mode::AtLeastOnce),
        vec![Finding::StillDuplicated(1)]
    );
    assert!(findings(Mode::Idempotent).is_empty());
    let (best, wire) = fix.best().expect("a best choice");
    assert_eq!(best.mode, Mode::Idempotent);
    match findings(Mode::Transactional).as_slice() {
        [Finding::AboveBest { got, best }] => assert!(got > best && *best == wire),
        other => panic!("transactional: {other:?}"),
    }
    // The learner's own faults are set aside: the challenge's plan is what runs.
    let mut extra = settings(&fix, Mode::Idempotent);
    extra.scenario.faults.clear();
    assert!(fix.check(&extra).solved());
    // The world is kept.
    let mut more = settings(&fix, Mode::Idempotent);
    more.scenario.messages = 4;
    assert!(fix
        .check(&more)
        .findings
        .contains(&Finding::Changed(Setting::Messages)));
}

#[test]
fn a_lost_confirm_is_fixed_by_the_brokers_deduplication() {
    let fix = challenge("fix-the-lost-confirm");
    let findings = |mode| fix.check(&settings(&fix, mode)).findings;
    assert_eq!(
        findings(Mode::AtLeastOnce),
        vec![Finding::StillDuplicated(1)]
    );
    assert_eq!(findings(Mode::AtMostOnce), vec![Finding::StillLost(1)]);
    assert!(findings(Mode::Idempotent).is_empty());
}

#[test]
fn two_phase_commit_is_cheapest_in_one_transaction() {
    let fix = challenge("fix-the-coordinator-crash");
    let (best, wire) = fix.best().expect("a best choice");
    let solution = fix.check(&SharedRun::new(fix.solution.clone()));
    assert!(solution.solved(), "{:?}", solution.findings);
    assert_eq!(solution.best_wire, Some(wire));
    assert_eq!(solution.measured.map(|m| m.wire), Some(wire));
    assert_eq!(best.transaction.size, 3);
    // One message per transaction is correct but costs more.
    match fix.check(&fix.start_run()).findings.as_slice() {
        [Finding::AboveBest { got, best }] => assert!(got > best),
        other => panic!("size 1: {other:?}"),
    }
    // Leaving transactional mode leaves the coordinator out: the plan cannot run there.
    let verdict = fix.check(&settings(&fix, Mode::Idempotent));
    assert!(verdict
        .findings
        .iter()
        .any(|finding| matches!(finding, Finding::FaultRefused(_))));
    assert!(verdict.findings.contains(&Finding::Changed(Setting::Mode)));
}

#[test]
fn wire_messages_count_every_envelope() {
    // Three messages, at-least-once, no fault: each is published, confirmed, delivered
    // and acked.
    let run = SharedRun {
        step: None,
        ..SharedRun::new(Scenario {
            mode: Mode::AtLeastOnce,
            messages: 3,
            ..Scenario::default()
        })
    };
    let sim = run
        .to_sim(mqlab_sim::SimOptions::default(), 10_000)
        .expect("runs");
    assert_eq!(challenges::wire_messages(sim.trace()), 12);
    // A dropped publish is a message sent too, and its retry another.
    let mut scenario = run.scenario.clone();
    scenario.faults.push(PlannedFault::at_start(drop_first(
        NodeId::PRODUCER,
        NodeId::BROKER,
        MessageKind::Publish,
        2,
    )));
    let sim = SharedRun {
        step: None,
        ..SharedRun::new(scenario)
    }
    .to_sim(mqlab_sim::SimOptions::default(), 10_000)
    .expect("runs");
    assert_eq!(challenges::wire_messages(sim.trace()), 13);
}

#[test]
fn every_finding_reads_as_a_sentence_in_both_languages() {
    let zh = mqlab_text::Words::embedded(mqlab_text::Lang::ZhCn);
    let en = mqlab_text::Words::embedded(mqlab_text::Lang::En);
    let fix = challenge("fix-the-coordinator-crash");
    let refused = fix.check(&settings(&fix, Mode::Idempotent));
    let mut findings = refused.findings.clone();
    findings.extend([
        Finding::NoFault,
        Finding::Crashes(2),
        Finding::Drops(0),
        Finding::OtherFaults {
            allowed: Allowed::OneDrop,
            count: 3,
        },
        Finding::GoalMissed(Goal::Duplicate),
        Finding::GoalMissed(Goal::LoseAcknowledged),
        Finding::GoalMissed(Goal::BlockTwiceAsLong),
        Finding::StillLost(2),
        Finding::StillDuplicated(1),
        Finding::AboveBest { got: 40, best: 30 },
        Finding::NeverEnds,
    ]);
    for words in [&en, &zh] {
        for finding in &findings {
            let text = finding.describe_in(words, Some(90), None);
            assert!(
                text.chars().count() > 10 && !text.contains('{'),
                "{finding:?}: {text}"
            );
        }
    }
}

#[test]
fn the_replicated_queue_and_many_consumers_have_their_challenges() {
    let all = challenges::all();
    let replicated: Vec<&Challenge> = all
        .iter()
        .filter(|c| c.start.topology.replicated())
        .collect();
    let many: Vec<&Challenge> = all
        .iter()
        .filter(|c| c.start.topology.consumers > 1)
        .collect();
    for (world, challenges) in [("replicated", &replicated), ("many consumers", &many)] {
        assert!(challenges.len() >= 2, "{world}: {}", challenges.len());
    }
    let kinds = |challenges: &[&Challenge]| -> Vec<challenges::Kind> {
        challenges.iter().map(|c| c.kind()).collect()
    };
    let both: Vec<&Challenge> = replicated.iter().chain(&many).copied().collect();
    assert!(kinds(&both).contains(&challenges::Kind::FindFault));
    assert!(kinds(&both).contains(&challenges::Kind::Predict));
    // Kafka consumer groups and RabbitMQ's competing consumers both.
    assert!(many.iter().any(|c| c.start.kafka.is_some()));
    assert!(many.iter().any(|c| c.start.kafka.is_none()));
    // Their worked solutions and starts open in the simulator from a link.
    for challenge in both {
        for run in [challenge.start_run(), challenge.solution_run()] {
            let link = run.to_link();
            assert_eq!(SharedRun::from_link(&link), Ok(run), "{}", challenge.id);
        }
    }
}

#[test]
fn acknowledged_then_lost_needs_the_leader_to_die_with_unreplicated_confirms() {
    let acked = challenge("lose-an-acked-write");
    assert_eq!(acked.start.topology.brokers, 3);
    assert_eq!(acked.start.replication.acks, Some(Acks::One));
    let solved = acked.check(&acked.solution_run());
    let measured = solved.measured.expect("measured");
    assert!(measured.summary.acked_lost >= 1, "{measured:?}");
    let findings = |commands: &[Command]| acked.check(&planned(&acked, commands)).findings;
    let missed = vec![Finding::GoalMissed(Goal::LoseAcknowledged)];
    // The leader, but before it confirms m2: the producer never heard of m2 and sends it
    // again to the new leader.
    assert_eq!(findings(&[crash(CrashPoint::BrokerAfterAppend, 2)]), missed);
    // A follower instead of the leader: the leader keeps everything it confirmed.
    assert_eq!(
        findings(&[crash_of(CrashPoint::BrokerAfterFetch, 2, 1)]),
        missed
    );
    // A consumer crash applies a message twice, but loses nothing acknowledged.
    let verdict = acked.check(&planned(
        &acked,
        &[crash(CrashPoint::ConsumerAfterApply, 2)],
    ));
    assert_eq!(verdict.findings, missed);
    assert!(verdict.measured.expect("measured").summary.duplicated >= 1);
    // Two crashes, even though the run loses an acknowledged write.
    let two = timed(
        planned(&acked, &[crash(CrashPoint::BrokerAfterConfirm, 2)]),
        60,
        TimedAction::Crash { node: broker(2) },
    );
    assert_eq!(acked.check(&two).findings, vec![Finding::Crashes(2)]);
    // The right crash with acks=all: the leader confirms m2 only once both followers
    // have it.
    let mut all = planned(&acked, &[crash(CrashPoint::BrokerAfterConfirm, 2)]);
    all.scenario.replication.acks = Some(Acks::All);
    assert_eq!(
        acked.check(&all).findings,
        vec![
            Finding::Changed(Setting::Replication),
            Finding::GoalMissed(Goal::LoseAcknowledged),
        ]
    );
    // A larger min.insync.replicas is a changed setting too.
    let mut min_isr = planned(&acked, &[crash(CrashPoint::BrokerAfterConfirm, 2)]);
    min_isr.scenario.replication.min_insync_replicas = 2;
    assert!(acked
        .check(&min_isr)
        .findings
        .contains(&Finding::Changed(Setting::Replication)));
}

#[test]
fn a_crash_at_a_tick_or_at_a_step_counts_as_the_one_crash() {
    let acked = challenge("lose-an-acked-write");
    // "Crashing the leader at a tick inside that window works too."
    let at_tick = timed(
        SharedRun::new(acked.start.clone()),
        10,
        TimedAction::Crash {
            node: NodeId::BROKER,
        },
    );
    assert!(acked.check(&at_tick).solved());
    // The leader crashed from the simulator's toolbar, at a step in the window.
    let at_step = SharedRun {
        scenario: acked.start.clone(),
        commands: vec![(10, Command::Crash(NodeId::BROKER))],
        step: Some(10),
    };
    assert!(acked.check(&at_step).solved());
    // Too early, before the leader confirmed anything: a crash, but a harmless one.
    let early = SharedRun {
        scenario: acked.start.clone(),
        commands: vec![(0, Command::Crash(NodeId::BROKER))],
        step: Some(0),
    };
    assert_eq!(
        acked.check(&early).findings,
        vec![Finding::GoalMissed(Goal::LoseAcknowledged)]
    );
    // Restarting a node at a tick undoes a fault rather than adding one.
    let restarted = timed(
        at_tick.clone(),
        60,
        TimedAction::Restart {
            node: NodeId::BROKER,
        },
    );
    assert!(acked.check(&restarted).solved());
    // A link cut at a tick is a fault of another kind.
    let cut = timed(
        at_tick,
        0,
        TimedAction::Partition {
            a: broker(2),
            b: broker(3),
            until_tick: 40,
        },
    );
    assert_eq!(
        acked.check(&cut).findings,
        vec![Finding::OtherFaults {
            allowed: Allowed::OneCrash,
            count: 1
        }]
    );
    // A consumer instance other than the first, crashed at a tick in the window
    // between its commit past m2 and its processing of m2.
    let group = challenge("lose-a-record-in-a-group");
    let member = |tick| {
        timed(
            SharedRun::new(group.start.clone()),
            tick,
            TimedAction::Crash { node: consumer(2) },
        )
    };
    assert!(group.check(&member(25)).solved());
    assert_eq!(
        group.check(&member(10)).findings,
        vec![Finding::GoalMissed(Goal::Lose)]
    );
}

#[test]
fn a_group_loses_a_record_only_when_its_offset_runs_ahead() {
    let group = challenge("lose-a-record-in-a-group");
    assert_eq!(
        group.start.kafka.as_ref().map(|k| k.commit),
        Some(CommitStrategy::Before)
    );
    let findings = |commands: &[Command]| group.check(&planned(&group, commands)).findings;
    let missed = vec![Finding::GoalMissed(Goal::Lose)];
    // "Crashing consumer after its commit past m3 works too."
    assert!(findings(&[crash_of(CrashPoint::ConsumerAfterCommit, 3, 0)]).is_empty());
    // The right member, after processing m2: its commit had already been made, and
    // nothing is left undone.
    assert_eq!(
        findings(&[crash_of(CrashPoint::ConsumerAfterApply, 2, 1)]),
        missed
    );
    // The right member, before its commit: the next owner reads m2 again.
    assert_eq!(
        findings(&[crash_of(CrashPoint::ConsumerAfterReceive, 2, 1)]),
        missed
    );
    // Two crashes, each of which loses a record.
    assert_eq!(
        findings(&[
            crash_of(CrashPoint::ConsumerAfterCommit, 2, 1),
            crash_of(CrashPoint::ConsumerAfterCommit, 3, 0),
        ]),
        vec![Finding::Crashes(2)]
    );
    // A dropped publish instead of a crash: the producer sends it again.
    let dropped = findings(&[drop_first(
        NodeId::PRODUCER,
        NodeId::BROKER,
        MessageKind::Publish,
        2,
    )]);
    assert_eq!(
        dropped,
        vec![
            Finding::Crashes(0),
            Finding::OtherFaults {
                allowed: Allowed::OneCrash,
                count: 1
            },
            Finding::GoalMissed(Goal::Lose),
        ]
    );
    // The solution's crash with commits after processing: a changed setting, and
    // nothing lost.
    let mut after = group.solution_run();
    if let Some(kafka) = after.scenario.kafka.as_mut() {
        kafka.commit = CommitStrategy::After;
    }
    assert_eq!(
        group.check(&after).findings,
        vec![
            Finding::Changed(Setting::Consumers),
            Finding::GoalMissed(Goal::Lose)
        ]
    );
}

/// The prediction's run in another world: the answers that hold there.
fn judged_in(challenge: &Challenge, change: impl FnOnce(&mut Scenario)) -> Vec<bool> {
    let mut other = challenge.clone();
    change(&mut other.start);
    other.judge().expect("a run").1
}

#[test]
fn each_wrong_answer_of_the_new_predictions_holds_in_a_nearby_world() {
    // Two replicas, min.insync.replicas=2, the follower down: refused, then stored twice.
    let replicas = challenge("predict-not-enough-replicas");
    let (measured, outcome) = replicas.judge().expect("a run");
    assert_eq!(outcome, vec![false, true, false, false]);
    assert!(measured.summary.producer_errors >= 1);
    assert_eq!(measured.summary.acked_lost, 0);
    // An idempotent producer: refused, yet every message stored once.
    assert_eq!(
        judged_in(&replicas, |s| s.mode = Mode::Idempotent),
        vec![false, false, true, false]
    );
    // Three replicas: two are still in sync, and nothing is refused.
    assert_eq!(
        judged_in(&replicas, |s| s.topology.brokers = 3),
        vec![false, false, false, true]
    );

    // Competing consumers: a crash before applying m1 moves it after m2.
    let requeue = challenge("predict-requeue-order");
    let (measured, outcome) = requeue.judge().expect("a run");
    assert_eq!(outcome, vec![false, false, false, true]);
    assert!(measured.summary.redelivered >= 1);
    // One consumer gets its deliveries back in the queue's order.
    assert_eq!(
        judged_in(&requeue, |s| s.topology.consumers = 1),
        vec![false, false, true, false]
    );
    // A crash after applying m1 applies it twice.
    assert_eq!(
        judged_in(&requeue, |s| s.faults = vec![PlannedFault::at_start(
            crash(CrashPoint::ConsumerAfterApply, 1)
        )]),
        vec![false, true, false, false]
    );

    // A member's crash right after its commit after processing repeats nothing.
    let commit = challenge("predict-commit-then-crash");
    assert_eq!(commit.judge().expect("a run").1, vec![false, false, true]);
    // Committing before processing, the same crash loses m2.
    assert_eq!(
        judged_in(&commit, |s| {
            if let Some(kafka) = s.kafka.as_mut() {
                kafka.commit = CommitStrategy::Before;
            }
        }),
        vec![true, false, false]
    );
    // A crash between processing m2 and committing applies it twice.
    assert_eq!(
        judged_in(&commit, |s| s.faults = vec![PlannedFault::at_start(
            crash_of(CrashPoint::ConsumerAfterApply, 2, 1)
        )]),
        vec![false, true, false]
    );
}
