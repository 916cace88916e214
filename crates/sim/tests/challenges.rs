//! The challenges' checkers: every worked solution solves its challenge, and near misses
//! (no fault, a fault too many, a fault of another kind, a harmless fault, a changed
//! setting, a correct but costlier fix) do not, each with the reason a learner reads.

use mqlab_sim::challenges::{self, Allowed, Challenge, Finding, Goal, Setting, Task};
use mqlab_sim::{
    Command, CrashPoint, LinkId, MessageKind, Mode, NodeId, PlannedFault, Scenario, SharedRun,
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
