//! Worlds of several producers and consumers: the topology is data, node names carry an
//! instance, and crash points and link faults name the node they act on.

mod common;

use common::*;
use mqlab_sim::{
    Command, CrashPoint, EventKind, LinkId, MessageKind, Mode, NodeId, ReorderCause, RoleKind,
    Scenario, ScenarioError, Sim, Topology, Verdict,
};

fn topology(producers: u16, consumers: u16) -> Topology {
    Topology {
        producers,
        brokers: 1,
        consumers,
    }
}

fn world(mode: Mode, producers: u16, consumers: u16, messages: u32) -> Scenario {
    Scenario {
        mode,
        messages,
        topology: topology(producers, consumers),
        ..Scenario::default()
    }
}

fn consumer(instance: u8) -> NodeId {
    NodeId::new(RoleKind::Consumer, instance)
}

fn producer(instance: u8) -> NodeId {
    NodeId::new(RoleKind::Producer, instance)
}

#[test]
fn two_producers_and_three_consumers_run_clean_in_every_mode() {
    for mode in Mode::ALL {
        for seed in [1, 2, 3, 42] {
            let mut scenario = world(mode, 2, 3, 20);
            scenario.seed = seed;
            let sim = run_to_quiet(&scenario);
            let summary = sim.summary();
            assert_eq!(
                (summary.lost, summary.duplicated, summary.in_doubt),
                (0, 0, 0),
                "{mode} seed {seed}: {summary:?}"
            );
            assert_eq!(summary.invariant_violations, 0, "{mode} seed {seed}");
            assert_eq!(
                summary.exactly_once + summary.reordered,
                20,
                "{mode} seed {seed}: every message has a clean verdict"
            );
            for record in sim.ledger().messages() {
                assert!(
                    matches!(record.verdict, Verdict::ExactlyOnce | Verdict::Reordered),
                    "{mode} seed {seed}: {record:?}"
                );
                assert_eq!(record.applied, 1, "{mode} seed {seed}: {record:?}");
            }
        }
    }
}

#[test]
fn each_producer_publishes_its_own_messages_and_consumers_take_turns() {
    let sim = run_to_quiet(&world(Mode::AtLeastOnce, 2, 3, 12));
    let mut applied_by = [0u32; 3];
    for event in sim.trace() {
        if event.kind == EventKind::Publish {
            let message = event.message.expect("a publish is about a message").0;
            let owner = producer(((message - 1) % 2) as u8);
            assert_eq!(
                event.node, owner,
                "m{message} is published by its own producer"
            );
            assert_eq!(event.link, Some(LinkId::new(owner, NodeId::BROKER)));
        }
        if event.kind == EventKind::Receive {
            assert_eq!(event.node.role(), RoleKind::Consumer);
            applied_by[usize::from(event.node.instance())] += 1;
        }
    }
    // Without faults each delivery is the next consumer's: 12 messages, 4 each.
    assert_eq!(applied_by, [4, 4, 4]);
    // Confirms go back to the producer that published.
    for event in sim.trace() {
        if event.kind == EventKind::Confirm {
            let message = event.message.expect("about a message").0;
            assert_eq!(event.node, producer(((message - 1) % 2) as u8));
        }
    }
}

#[test]
fn a_later_message_applied_first_by_another_consumer_is_explained_as_competing_consumers() {
    let mut found = false;
    for seed in 1..20 {
        let mut scenario = world(Mode::AtLeastOnce, 1, 3, 12);
        scenario.seed = seed;
        let sim = run_to_quiet(&scenario);
        for record in sim.ledger().messages() {
            if record.verdict == Verdict::Reordered {
                assert_eq!(record.reorder_cause, Some(ReorderCause::CompetingConsumers));
                found = true;
            }
        }
    }
    assert!(found, "jittery links let some consumer overtake another");
}

#[test]
fn a_crash_point_naming_an_instance_crashes_that_node_only() {
    let scenario = world(Mode::AtLeastOnce, 1, 3, 6).with_fault(Command::CrashAt {
        point: CrashPoint::ConsumerAfterApply,
        message: None,
        instance: 1,
    });
    let sim = run_to_quiet(&scenario);
    let crashes: Vec<_> = sim.trace().iter().filter(|e| e.crash.is_some()).collect();
    assert_eq!(crashes.len(), 1);
    assert_eq!(crashes[0].node, consumer(1));
    assert!(
        sim.tell(crashes[0])
            .ends_with("Then consumer-2 crashes (consumer-2.after_apply)."),
        "{}",
        sim.tell(crashes[0])
    );
    // consumer-2 got the second delivery, m2; it applied it and crashed before acking,
    // so the broker redelivered it and it was applied twice.
    assert_eq!(verdict(&sim, 2), Verdict::Duplicated(2));
}

#[test]
fn a_link_fault_naming_an_instance_acts_on_that_link() {
    let link = LinkId::new(NodeId::BROKER, consumer(2));
    let scenario = world(Mode::AtMostOnce, 1, 3, 6).with_fault(Command::DropMatching {
        link,
        kind: Some(MessageKind::Deliver),
        message: None,
        nth: 1,
    });
    let sim = run_to_quiet(&scenario);
    let drops: Vec<_> = sim
        .trace()
        .iter()
        .filter(|e| e.kind == EventKind::Drop)
        .collect();
    assert_eq!(drops.len(), 1);
    assert_eq!(drops[0].link, Some(link));
    // The third delivery (m3) was consumer-3's, and at-most-once loses it.
    assert_eq!(verdict(&sim, 3), Verdict::Lost);
}

#[test]
fn names_of_numbered_nodes_read_back() {
    assert_eq!("consumer-3".parse::<NodeId>(), Ok(consumer(2)));
    assert_eq!(
        "broker->consumer-2".parse::<LinkId>(),
        Ok(LinkId::new(NodeId::BROKER, consumer(1)))
    );
    assert_eq!(
        CrashPoint::parse_at("broker-2.after_append"),
        Ok((CrashPoint::BrokerAfterAppend, 1))
    );
    assert_eq!(
        CrashPoint::parse_at("participant-3.before_vote"),
        Ok((CrashPoint::ParticipantBeforeVote, 2))
    );
    assert_eq!(
        CrashPoint::ConsumerAfterAck.name_at(3),
        "consumer-4.after_ack"
    );
    for bad in [
        "coordinator-2.after_votes",
        "consumer-1.after_apply",
        "consumer-x.after_apply",
        "consumer-2.nowhere",
    ] {
        assert!(CrashPoint::parse_at(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_topology_over_the_limits_or_a_node_it_lacks_is_refused() {
    for (producers, consumers) in [(0, 1), (4, 1), (1, 0), (1, 9)] {
        let error = Sim::new(&world(Mode::AtLeastOnce, producers, consumers, 5)).unwrap_err();
        assert!(
            matches!(error, ScenarioError::OutOfRange { .. }),
            "{producers}/{consumers}: {error}"
        );
    }
    // A replicated queue holds up to five replicas, outside transactional mode.
    let mut replicated = world(Mode::AtLeastOnce, 1, 1, 5);
    replicated.topology.brokers = 6;
    assert!(matches!(
        Sim::new(&replicated),
        Err(ScenarioError::OutOfRange { .. })
    ));
    let mut replicated = world(Mode::Transactional, 1, 1, 5);
    replicated.topology.brokers = 2;
    assert!(matches!(
        Sim::new(&replicated),
        Err(ScenarioError::Unsupported { .. })
    ));
    let mut sim = Sim::new(&world(Mode::AtLeastOnce, 1, 2, 5)).unwrap();
    let error = sim.apply(Command::Crash(consumer(2))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "there is no consumer-3 in this world: it has fewer consumers"
    );
    let missing = LinkId::new(NodeId::BROKER, consumer(5));
    assert!(sim.apply(Command::Partition { link: missing }).is_err());
    assert_eq!(
        sim.applied_commands().len(),
        0,
        "a refused command changes nothing"
    );
}

#[test]
fn the_default_topology_is_one_of_each_and_rebuilds_todays_world() {
    let scenario = Scenario::default();
    assert!(scenario.topology.is_default());
    assert_eq!(
        scenario.topology.nodes_in(Mode::Transactional),
        NodeId::ALL.to_vec()
    );
    // Serialised scenarios of the default world carry no topology field, as before.
    let json = serde_json::to_string(&scenario).unwrap();
    assert!(!json.contains("topology"), "{json}");
}

#[test]
fn links_and_files_carry_the_topology_and_todays_links_still_open() {
    use mqlab_sim::{ScenarioFile, SharedRun};
    let scenario = world(Mode::Idempotent, 2, 3, 8).with_fault(Command::CrashAt {
        point: CrashPoint::ConsumerAfterApply,
        message: Some(4),
        instance: 2,
    });
    let shared = SharedRun {
        scenario: scenario.clone(),
        commands: vec![(3, Command::Crash(consumer(1)))],
        step: Some(30),
    };
    let link = shared.to_link();
    assert!(link.starts_with("v2."), "{link}");
    assert!(
        link.contains("producers=2") && link.contains("consumers=3"),
        "{link}"
    );
    assert!(link.contains("consumer-3.after_apply"), "{link}");
    let back = SharedRun::from_link(&link).expect("the link reads back");
    assert_eq!(back, shared);

    let run = shared.to_run().expect("the run rebuilds");
    let file = ScenarioFile::from_sim(&shared, run.sim(), false);
    let json = file.to_json();
    assert!(
        json.contains("\"version\": 2") && json.contains("\"topology\""),
        "{json}"
    );
    let read = ScenarioFile::parse(&json).expect("the file reads back");
    assert_eq!(read.run.scenario, scenario);

    // A link of the default world is written exactly as before, in version 1.
    let default = SharedRun {
        scenario: Scenario::default(),
        commands: Vec::new(),
        step: None,
    };
    assert!(default.to_link().starts_with("v1."));
    // Version 1 links and files cannot carry a topology.
    let v1 = mqlab_sim::share::seal("mode=idempotent&messages=5&seed=1&consumers=2");
    assert!(SharedRun::from_link(&v1).is_err());
    let v1_file = json.replace("\"version\": 2", "\"version\": 1");
    assert!(ScenarioFile::parse(&v1_file).is_err());
    // A topology the limits refuse is an error, not a panic.
    let too_many =
        mqlab_sim::share::seal_version(2, "mode=idempotent&messages=5&seed=1&consumers=99");
    let error = SharedRun::from_link(&too_many).unwrap_err();
    assert!(error.to_string().contains("topology.consumers"), "{error}");
}
