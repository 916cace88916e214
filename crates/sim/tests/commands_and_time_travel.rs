//! User input, scenario validation, snapshots and time travel.

mod common;

use common::*;
use mqlab_sim::{
    Command, CommandError, CrashPoint, LinkId, MessageKind, Mode, NodeId, Ratio, Run, Scenario, Sim,
};

#[test]
fn invalid_commands_are_typed_errors_and_change_nothing() {
    let mut sim = Sim::new(&Scenario::default()).unwrap();
    let before = sim.trace_hash();
    assert_eq!(
        sim.apply(Command::Restart(NodeId::BROKER)),
        Err(CommandError::NodeAlreadyUp {
            node: NodeId::BROKER
        })
    );
    assert!(matches!(
        sim.apply(Command::Crash(NodeId::COORDINATOR)),
        Err(CommandError::NodeNotInMode { .. })
    ));
    let missing = LinkId::new(NodeId::PRODUCER, NodeId::CONSUMER);
    assert!(matches!(
        sim.apply(Command::Partition { link: missing }),
        Err(CommandError::LinkNotInMode { .. })
    ));
    assert_eq!(
        sim.apply(Command::CrashAt {
            point: CrashPoint::ConsumerAfterApply,
            message: Some(9),
            instance: 0,
        }),
        Err(CommandError::MessageOutOfRange {
            message: 9,
            messages: 5
        })
    );
    assert!(matches!(
        sim.apply(Command::CrashAt {
            point: CrashPoint::CoordinatorAfterVotes,
            message: None,
            instance: 0,
        }),
        Err(CommandError::CrashPointNotInMode { .. })
    ));
    let confirm_link = LinkId::new(NodeId::BROKER, NodeId::PRODUCER);
    assert!(matches!(
        sim.apply(Command::DropNext {
            link: confirm_link,
            kind: Some(MessageKind::Deliver)
        }),
        Err(CommandError::KindNotOnLink { .. })
    ));
    assert!(matches!(
        sim.apply(Command::SetLoss(Ratio::new(1, 0))),
        Err(CommandError::InvalidRatio { .. })
    ));
    assert!(sim.applied_commands().is_empty());
    assert_eq!(sim.trace_hash(), before);
    assert!(!CommandError::NodeAlreadyUp {
        node: NodeId::BROKER
    }
    .to_string()
    .is_empty());
}

#[test]
fn a_crashed_node_is_down_in_the_snapshot_and_its_memory_is_empty() {
    let mut sim = Sim::new(&Scenario::default()).unwrap();
    sim.run_until_quiet(12);
    sim.apply(Command::Crash(NodeId::BROKER)).unwrap();
    let snapshot = sim.snapshot();
    let broker = snapshot
        .nodes
        .iter()
        .find(|n| n.id == NodeId::BROKER)
        .unwrap();
    assert!(!broker.up);
    assert!(broker.volatile.is_empty());
    assert!(!broker.durable.is_empty(), "its disk survives");
    assert_eq!(
        sim.apply(Command::Crash(NodeId::BROKER)),
        Err(CommandError::NodeAlreadyDown {
            node: NodeId::BROKER
        })
    );
    sim.apply(Command::Restart(NodeId::BROKER)).unwrap();
    assert!(sim.is_up(NodeId::BROKER));
    sim.run_until_quiet(100_000);
    assert_eq!(sim.summary().lost, 0);
}

#[test]
fn the_snapshot_shows_envelopes_in_flight_with_their_times() {
    let mut sim = Sim::new(&Scenario::default()).unwrap();
    sim.step();
    let snapshot = sim.snapshot();
    assert_eq!(snapshot.in_flight.len(), 1);
    let token = &snapshot.in_flight[0];
    assert_eq!(token.kind, MessageKind::Publish);
    assert_eq!(token.link.to_string(), "producer->broker");
    assert!(token.arrive_tick > token.sent_tick);
    assert_eq!(serde_json::to_value(token).unwrap()["message"], "m1");
}

#[test]
fn scenario_errors_name_the_field() {
    let cases: Vec<(Scenario, &str)> = vec![
        (
            Scenario {
                messages: 0,
                ..Scenario::default()
            },
            "messages",
        ),
        (
            Scenario {
                messages: 100_001,
                ..Scenario::default()
            },
            "messages",
        ),
        (
            {
                let mut s = Scenario::default();
                s.network.global.latency_ticks_min = 9;
                s.network.global.latency_ticks_max = 3;
                s
            },
            "network",
        ),
        (
            {
                let mut s = Scenario::default();
                s.network.global.loss = Ratio::new(3, 2);
                s
            },
            "network.loss",
        ),
        (
            {
                let mut s = Scenario::default();
                s.timing.retry_timeout_ticks = 0;
                s
            },
            "timing.retry_timeout_ticks",
        ),
        (
            Scenario::default().with_fault(Command::CrashAt {
                point: CrashPoint::ConsumerAfterAck,
                message: Some(6),
                instance: 0,
            }),
            "faults[0]",
        ),
    ];
    for (scenario, field) in cases {
        let error = scenario.validate().unwrap_err();
        assert!(error.to_string().starts_with(field), "{error}");
        assert!(Sim::new(&scenario).is_err());
    }
}

#[test]
fn a_scenario_survives_a_json_round_trip_and_fills_missing_fields_with_defaults() {
    let scenario = scenario(
        Mode::Idempotent,
        &[crash_at(CrashPoint::BrokerAfterFsync, 2)],
    );
    let json = serde_json::to_string(&scenario).unwrap();
    assert_eq!(serde_json::from_str::<Scenario>(&json).unwrap(), scenario);
    let partial: Scenario =
        serde_json::from_str(r#"{"mode":"transactional","messages":3}"#).unwrap();
    assert_eq!(partial.mode, Mode::Transactional);
    assert_eq!(partial.timing, Scenario::default().timing);
    assert!(serde_json::from_str::<Scenario>(r#"{"mode":"sometimes"}"#).is_err());
}

#[test]
fn vocabulary_names_round_trip() {
    for point in CrashPoint::ALL {
        assert_eq!(point.as_str().parse::<CrashPoint>(), Ok(point));
        assert!(point.describe().ends_with('.'));
    }
    for mode in Mode::ALL {
        assert_eq!(mode.as_str().parse::<Mode>(), Ok(mode));
    }
    for kind in MessageKind::ALL {
        assert_eq!(kind.as_str().parse::<MessageKind>(), Ok(kind));
    }
    assert_eq!(
        "broker->consumer".parse::<LinkId>(),
        Ok(LinkId::new(NodeId::BROKER, NodeId::CONSUMER))
    );
    assert!("broker-consumer".parse::<LinkId>().is_err());
    assert_eq!(Mode::Transactional.label(), "Transactional (2PC)");
    assert_eq!(
        Scenario {
            mode: Mode::AtLeastOnce,
            ..Scenario::default()
        }
        .nodes()
        .len(),
        3
    );
}

#[test]
fn stepping_back_and_seeking_reproduce_the_same_states() {
    let mut scenario = Scenario {
        messages: 300,
        seed: 5,
        ..Scenario::default()
    };
    scenario.network.global.loss = Ratio::percent(5);
    let mut run = Run::new(&scenario).unwrap();
    run.seek(700);
    run.apply(Command::Crash(NodeId::CONSUMER)).unwrap();
    run.seek(1_500);
    let forward = run.sim().clone();
    run.seek(650);
    assert_eq!(run.step_index(), 650);
    run.seek(1_500);
    assert_eq!(run.sim().trace_hash(), forward.trace_hash());
    assert_eq!(run.sim().snapshot(), forward.snapshot());
    assert_eq!(run.sim().trace(), forward.trace());
    assert!(run.step_back());
    assert_eq!(run.step_index(), 1_499);
    let replayed = Sim::replay(&scenario, run.commands(), 1_499).unwrap();
    assert_eq!(replayed.trace_hash(), run.sim().trace_hash());
}

#[test]
fn a_command_applied_in_the_past_discards_the_old_future() {
    let scenario = Scenario {
        messages: 50,
        ..Scenario::default()
    };
    let mut run = Run::new(&scenario).unwrap();
    run.seek(200);
    run.apply(Command::Crash(NodeId::BROKER)).unwrap();
    run.seek(40);
    run.apply(Command::Crash(NodeId::PRODUCER)).unwrap();
    assert_eq!(run.commands().len(), 1);
    run.seek(250);
    let replayed = Sim::replay(&scenario, run.commands(), 250).unwrap();
    assert_eq!(replayed.trace_hash(), run.sim().trace_hash());
}
