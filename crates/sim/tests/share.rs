//! Sharing a run: links and scenario files round-trip, reproduce the run exactly, and
//! refuse every malformed input with a message that says what is wrong.

use mqlab_sim::limits::{MAX_DELAY_TICKS, MAX_LATENCY_TICKS, MAX_TIMEOUT_TICKS, MAX_WINDOW};
use mqlab_sim::share::seal;
use mqlab_sim::{
    Command, CrashPoint, FileError, LinkConfig, LinkError, LinkId, LinkOverride, Mode, NodeId,
    PlannedFault, Ratio, RebuildError, Replication, RoleKind, Run, Scenario, ScenarioFile,
    SharedRun, Sim, SimOptions, TimedAction, TimedFault,
};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------
// Random scenarios and command lists

fn ratio() -> impl Strategy<Value = Ratio> {
    prop_oneof![
        Just(Ratio::ZERO),
        (1u32..=u32::MAX).prop_flat_map(|d| (0..=d, Just(d)).prop_map(|(n, d)| Ratio::new(n, d))),
    ]
}

fn link_config() -> impl Strategy<Value = LinkConfig> {
    (1..=MAX_LATENCY_TICKS, ratio(), ratio(), ratio()).prop_flat_map(
        |(min, loss, duplicate, reorder)| {
            (min..=MAX_LATENCY_TICKS).prop_map(move |max| LinkConfig {
                latency_ticks_min: min,
                latency_ticks_max: max,
                loss,
                duplicate,
                reorder,
            })
        },
    )
}

/// A command valid (statically) for the mode and message count.
fn command(mode: Mode, messages: u32) -> BoxedStrategy<Command> {
    let nodes = mqlab_sim::scenario::nodes_in(mode);
    let links = mqlab_sim::Topology::default().links(mode);
    let points: Vec<CrashPoint> = CrashPoint::ALL
        .into_iter()
        .filter(|p| p.applies_to(mode))
        .collect();
    let node = prop::sample::select(nodes);
    let link = prop::sample::select(links);
    let message = prop::option::of(1..=messages);
    let link_kind = link.clone().prop_flat_map(move |link| {
        let kinds = link.kinds_in(mode).to_vec();
        (Just(link), prop::option::of(prop::sample::select(kinds)))
    });
    prop_oneof![
        node.clone().prop_map(Command::Crash),
        node.prop_map(Command::Restart),
        (prop::sample::select(points), message.clone()).prop_map(|(point, message)| {
            Command::CrashAt {
                point,
                message,
                instance: 0,
            }
        }),
        link_kind
            .clone()
            .prop_map(|(link, kind)| Command::DropNext { link, kind }),
        link.clone()
            .prop_map(|link| Command::DuplicateNext { link }),
        (link.clone(), 0..=MAX_DELAY_TICKS)
            .prop_map(|(link, ticks)| Command::DelayNext { link, ticks }),
        (link_kind.clone(), message.clone(), 1..=u32::MAX).prop_map(
            |((link, kind), message, nth)| Command::DropMatching {
                link,
                kind,
                message,
                nth
            }
        ),
        (link_kind.clone(), message.clone(), 1..=u32::MAX).prop_map(
            |((link, kind), message, nth)| Command::DuplicateMatching {
                link,
                kind,
                message,
                nth
            }
        ),
        (link_kind, message, 1..=u32::MAX, 0..=MAX_DELAY_TICKS).prop_map(
            |((link, kind), message, nth, ticks)| {
                Command::DelayMatching {
                    link,
                    kind,
                    message,
                    nth,
                    ticks,
                }
            }
        ),
        link.clone().prop_map(|link| Command::Partition { link }),
        link.prop_map(|link| Command::Heal { link }),
        ratio().prop_map(Command::SetLoss),
        ratio().prop_map(Command::SetDuplicate),
        ratio().prop_map(Command::SetReorder),
        ratio().prop_map(Command::SetCrashRate),
    ]
    .boxed()
}

fn timeout() -> impl Strategy<Value = u64> {
    1..=MAX_TIMEOUT_TICKS
}

/// Faults timed by the tick among the nodes of a world with `brokers` brokers: crashes
/// and restarts of the producer, the consumer and the brokers, and cut links between
/// any two of them and the controller.
fn timed_faults(brokers: u16) -> impl Strategy<Value = Vec<TimedFault>> {
    let mut nodes = vec![
        NodeId::new(RoleKind::Producer, 0),
        NodeId::new(RoleKind::Consumer, 0),
    ];
    nodes.extend((0..brokers).map(|i| NodeId::new(RoleKind::Broker, i as u8)));
    let crashable = nodes.clone();
    if brokers > 1 {
        nodes.push(NodeId::CONTROLLER);
    }
    let ends = nodes;
    let fault = (
        0u64..1_000,
        0u8..3,
        prop::sample::select(crashable),
        prop::sample::select(ends.clone()),
        prop::sample::select(ends),
        1u64..1_000,
    )
        .prop_map(|(tick, action, node, a, b, length)| {
            let action = match action {
                0 => TimedAction::Crash { node },
                1 => TimedAction::Restart { node },
                _ if a != b => TimedAction::Partition {
                    a,
                    b,
                    until_tick: tick + length,
                },
                _ => TimedAction::Crash { node },
            };
            TimedFault { tick, action }
        });
    prop::collection::vec(fault, 0..4)
}

/// A replicated queue's settings, its number of brokers and its timed faults (one
/// broker and no timed faults a third of the time).
fn replication() -> impl Strategy<Value = (u16, Replication, Vec<TimedFault>)> {
    prop_oneof![
        Just((1u16, Replication::default(), Vec::new())),
        (1u16..=5).prop_flat_map(|brokers| {
            let settings = (
                prop::option::of(prop::sample::select(mqlab_sim::Acks::ALL.to_vec())),
                1..=brokers,
                any::<bool>(),
                any::<bool>(),
                (timeout(), timeout(), timeout()),
            )
                .prop_map(
                    |(acks, min_isr, unclean, truncate, (lag, session, request))| Replication {
                        acks,
                        min_insync_replicas: min_isr,
                        unclean_election: unclean,
                        truncate_to_high_watermark: truncate,
                        lag_timeout_ticks: lag,
                        session_timeout_ticks: session,
                        request_timeout_ticks: request,
                    },
                );
            (Just(brokers), settings, timed_faults(brokers))
        }),
    ]
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let head = (
        prop::sample::select(Mode::ALL.to_vec()),
        1u32..=1000,
        any::<u64>(),
    );
    head.prop_flat_map(|(mode, messages, seed)| {
        let overrides = prop::collection::vec(
            (
                prop::sample::select(mqlab_sim::Topology::default().links(mode)),
                link_config(),
            )
                .prop_map(|(link, config)| LinkOverride { link, config }),
            0..3,
        );
        let timing = (
            (timeout(), timeout(), timeout(), 0..=MAX_TIMEOUT_TICKS),
            prop::option::of(timeout()),
            (1..=MAX_WINDOW, 1..=MAX_WINDOW, any::<bool>()),
        )
            .prop_map(
                |((publish, retry, redelivery, fsync), restart, (producer, delivery, check))| {
                    mqlab_sim::Timing {
                        publish_interval_ticks: publish,
                        retry_timeout_ticks: retry,
                        redelivery_timeout_ticks: redelivery,
                        fsync_delay_ticks: fsync,
                        restart_after_ticks: restart,
                        producer_window: producer,
                        delivery_window: delivery,
                        sequence_check: check,
                    }
                },
            );
        let transaction = (
            timeout(),
            timeout(),
            timeout(),
            timeout(),
            ratio(),
            (1..=mqlab_sim::limits::MAX_TXN_SIZE, any::<bool>()),
        )
            .prop_map(|(vote, resend, query, retry, vote_no, (size, transform))| {
                mqlab_sim::TransactionConfig {
                    vote_timeout_ticks: vote,
                    decision_resend_ticks: resend,
                    in_doubt_query_ticks: query,
                    retry_after_abort_ticks: retry,
                    vote_no,
                    size,
                    transform,
                }
            });
        let faults = prop::collection::vec(
            (prop::option::of(any::<u64>()), command(mode, messages))
                .prop_map(|(at_step, command)| PlannedFault { at_step, command }),
            0..4,
        );
        // Poison messages and automatic acks are for the queue modes.
        let queue_modes = mode != Mode::Transactional;
        let queue = (
            prop::collection::btree_set(1..=messages, 0..3),
            prop::sample::select(mqlab_sim::PoisonFails::ALL.to_vec()),
            0u32..=30,
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(
                move |(poison, poison_fails, delivery_limit, dlq, auto_ack)| {
                    mqlab_sim::QueueConfig {
                        poison: if queue_modes {
                            poison.into_iter().collect()
                        } else {
                            Vec::new()
                        },
                        poison_fails,
                        delivery_limit,
                        dead_letter_queue: dlq,
                        auto_ack: auto_ack && queue_modes,
                    }
                },
            );
        // A replicated queue runs in the queue modes only.
        let replication = if mode == Mode::Transactional {
            Just((1u16, Replication::default(), Vec::new())).boxed()
        } else {
            replication().boxed()
        };
        (
            link_config(),
            overrides,
            timing,
            (transaction, queue),
            ratio(),
            faults,
            replication,
        )
            .prop_map(
                move |(
                    global,
                    links,
                    timing,
                    (transaction, queue),
                    random_crash,
                    faults,
                    (brokers, replication, timed_faults),
                )| {
                    let topology = mqlab_sim::Topology {
                        brokers,
                        ..mqlab_sim::Topology::default()
                    };
                    Scenario {
                        mode,
                        messages,
                        seed,
                        topology,
                        network: mqlab_sim::NetworkConfig { global, links },
                        timing,
                        transaction,
                        queue,
                        random_crash,
                        faults,
                        replication,
                        timed_faults,
                        kafka: None,
                        #[cfg(feature = "kafka-txn")]
                        kafka_transactions: None,
                    }
                },
            )
    })
}

fn shared_run() -> impl Strategy<Value = SharedRun> {
    scenario().prop_flat_map(|scenario| {
        let commands = prop::collection::vec(
            (0u64..10_000, command(scenario.mode, scenario.messages)),
            0..6,
        )
        .prop_map(|mut commands| {
            commands.sort_by_key(|(step, _)| *step);
            commands
        });
        (Just(scenario), commands, prop::option::of(any::<u64>())).prop_map(
            |(scenario, commands, step)| SharedRun {
                scenario,
                commands,
                step,
            },
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_link_decodes_to_the_run_it_was_encoded_from(shared in shared_run()) {
        let link = shared.to_link();
        prop_assert!(link.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~=&,:@/*".contains(&b)), "{}", link);
        let decoded = SharedRun::from_link(&link);
        prop_assert_eq!(decoded, Ok(shared.clone()), "seed {}: {}", shared.scenario.seed, link);
        let url = format!("https://example.org/mqlab/#{link}");
        prop_assert_eq!(SharedRun::from_link(&url), Ok(shared));
    }

    #[test]
    fn a_scenario_file_reads_back_as_the_run_it_was_written_from(shared in shared_run(), hash in prop::option::of(any::<u64>())) {
        let file = ScenarioFile { run: shared, trace_hash: hash, trace: None };
        let text = file.to_json();
        prop_assert_eq!(ScenarioFile::parse(&text), Ok(file.clone()), "seed {}: {}", file.run.scenario.seed, text);
    }
}

// ---------------------------------------------------------------------------------
// Reproduction

/// A run driven like the page drives it: steps, commands, a step back that rewrites the
/// future, more steps.
fn page_run(mode: Mode, seed: u64, script: &[(u8, u8)]) -> Run {
    let scenario = Scenario {
        mode,
        seed,
        messages: 6,
        ..Scenario::default()
    };
    page_run_of(&scenario, script)
}

fn page_run_of(scenario: &Scenario, script: &[(u8, u8)]) -> Run {
    let mut run = Run::new(scenario).expect("valid scenario");
    let nodes: Vec<NodeId> = scenario
        .nodes()
        .into_iter()
        .filter(|node| *node != NodeId::CONTROLLER)
        .collect();
    let links = scenario.topology.links(scenario.mode);
    for &(steps, action) in script {
        for _ in 0..steps {
            run.step();
        }
        let node = nodes[usize::from(action) % nodes.len()];
        let link = links[usize::from(action) % links.len()];
        let _ = match action % 6 {
            0 => run.apply(Command::Crash(node)),
            1 => run.apply(Command::Restart(node)),
            2 => run.apply(Command::DropNext { link, kind: None }),
            3 => run.apply(Command::SetLoss(Ratio::new(1, 10))),
            4 => {
                run.seek(run.step_index() / 2);
                Ok(())
            }
            _ => run.apply(Command::DelayNext { link, ticks: 7 }),
        };
    }
    run
}

fn assert_same_run(original: &Run, rebuilt: &Run, context: &str) {
    assert_eq!(
        rebuilt.step_index(),
        original.step_index(),
        "{context}: step"
    );
    assert_eq!(
        rebuilt.sim().trace_hash(),
        original.sim().trace_hash(),
        "{context}: trace hash"
    );
    assert_eq!(
        rebuilt.sim().summary(),
        original.sim().summary(),
        "{context}: ledger summary"
    );
    assert_eq!(
        rebuilt.sim().trace(),
        original.sim().trace(),
        "{context}: trace"
    );
    assert_eq!(
        rebuilt.commands(),
        original.commands(),
        "{context}: commands"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_run_rebuilt_from_its_link_or_file_has_the_same_trace_hash(
        mode in prop::sample::select(Mode::ALL.to_vec()),
        seed in any::<u64>(),
        script in prop::collection::vec((0u8..40, any::<u8>()), 0..6),
        finish in any::<bool>(),
    ) {
        let mut original = page_run(mode, seed, &script);
        // Playing on, also past recorded commands (the recorded future replays them).
        if finish {
            original.seek(1_000_000);
        }
        let context = format!("seed {seed}, mode {mode}, script {script:?}");
        let link = SharedRun::from_run(&original).to_link();
        let rebuilt = SharedRun::run_from_link(&link).unwrap_or_else(|e| panic!("{context}: {e}\n{link}"));
        assert_same_run(&original, &rebuilt, &context);

        let text = ScenarioFile::from_run(&original, true).to_json();
        let (_, imported) = ScenarioFile::import(&text).unwrap_or_else(|e| panic!("{context}: {e}"));
        assert_same_run(&original, &imported, &context);

        let file = ScenarioFile::parse(&text).expect("parses");
        let sim = file.to_sim(SimOptions { record_trace: false }, u64::MAX).unwrap_or_else(|e| panic!("{context}: {e}"));
        prop_assert_eq!(sim.trace_hash(), original.sim().trace_hash(), "{}: CLI-style rebuild", context);
        prop_assert_eq!(sim.summary(), original.sim().summary(), "{}: CLI-style summary", context);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn a_replicated_run_rebuilt_from_its_link_or_file_has_the_same_trace_hash(
        mode in prop::sample::select(vec![Mode::AtMostOnce, Mode::AtLeastOnce, Mode::Idempotent]),
        seed in any::<u64>(),
        (brokers, replication, faults) in (2u16..=5).prop_flat_map(|brokers| {
            (Just(brokers), 1..=brokers, any::<bool>(), any::<bool>(), prop::collection::vec(
                (0u64..200, 0u8..3, 0u16..brokers, 0u16..brokers, 1u64..200), 0..5))
        }).prop_map(|(brokers, min_isr, unclean, truncate, faults)| {
            let replication = Replication {
                min_insync_replicas: min_isr,
                unclean_election: unclean,
                truncate_to_high_watermark: truncate,
                ..Replication::default()
            };
            let broker = |i: u16| NodeId::new(RoleKind::Broker, i as u8);
            let faults = faults.into_iter().map(|(tick, action, a, b, length)| TimedFault {
                tick,
                action: match action {
                    0 => TimedAction::Crash { node: broker(a) },
                    1 => TimedAction::Restart { node: broker(a) },
                    _ if a != b => TimedAction::Partition { a: broker(a), b: broker(b), until_tick: tick + length },
                    _ => TimedAction::Partition { a: broker(a), b: NodeId::CONTROLLER, until_tick: tick + length },
                },
            }).collect::<Vec<_>>();
            (brokers, replication, faults)
        }),
        script in prop::collection::vec((0u8..40, any::<u8>()), 0..6),
        finish in any::<bool>(),
    ) {
        let mut scenario = Scenario { mode, seed, messages: 6, ..Scenario::default() };
        scenario.topology.brokers = brokers;
        scenario.replication = replication;
        scenario.timed_faults = faults;
        let mut original = page_run_of(&scenario, &script);
        if finish {
            original.seek(1_000_000);
        }
        let context = format!("seed {seed}, mode {mode}, {brokers} brokers, script {script:?}");
        let link = SharedRun::from_run(&original).to_link();
        prop_assert!(link.starts_with("v4."), "{}", link);
        let rebuilt = SharedRun::run_from_link(&link).unwrap_or_else(|e| panic!("{context}: {e}\n{link}"));
        assert_same_run(&original, &rebuilt, &context);

        let text = ScenarioFile::from_run(&original, true).to_json();
        let (_, imported) = ScenarioFile::import(&text).unwrap_or_else(|e| panic!("{context}: {e}"));
        assert_same_run(&original, &imported, &context);

        let file = ScenarioFile::parse(&text).expect("parses");
        let sim = file.to_sim(SimOptions { record_trace: false }, u64::MAX).unwrap_or_else(|e| panic!("{context}: {e}"));
        prop_assert_eq!(sim.trace_hash(), original.sim().trace_hash(), "{}: CLI-style rebuild", context);
        prop_assert_eq!(sim.summary(), original.sim().summary(), "{}: CLI-style summary", context);
    }
}

#[test]
fn a_link_to_a_finished_run_reproduces_its_ledger_exactly() {
    let scenario = Scenario {
        mode: Mode::AtLeastOnce,
        seed: 7,
        ..Scenario::default()
    }
    .with_fault(Command::CrashAt {
        point: CrashPoint::ConsumerAfterApply,
        message: Some(2),
        instance: 0,
    });
    let mut run = Run::new(&scenario).unwrap();
    run.seek(u64::MAX);
    assert!(run.sim().is_quiet());
    let shared = SharedRun::from_run(&run);
    assert_eq!(
        shared.step, None,
        "a finished run is shared as 'run to the end'"
    );
    let rebuilt = SharedRun::run_from_link(&shared.to_link()).unwrap();
    assert_same_run(&run, &rebuilt, "finished run");
    assert_eq!(rebuilt.sim().summary().duplicated, 1);
}

#[test]
fn a_link_keeps_the_recorded_future_of_a_run_that_stepped_back() {
    let mut run = Run::new(&Scenario::default()).unwrap();
    run.seek(10);
    run.apply(Command::Crash(NodeId::CONSUMER)).unwrap();
    run.seek(30);
    run.seek(4);
    let rebuilt = SharedRun::run_from_link(&SharedRun::from_run(&run).to_link()).unwrap();
    assert_same_run(&run, &rebuilt, "stepped back");
    let (mut a, mut b) = (run, rebuilt);
    a.seek(u64::MAX);
    b.seek(u64::MAX);
    assert_same_run(&a, &b, "played forward after the rebuild");
}

// ---------------------------------------------------------------------------------
// Link errors, one per class

fn link_error(text: &str) -> (LinkError, String) {
    let error = SharedRun::from_link(text).expect_err("refused");
    let message = error.to_string();
    (error, message)
}

#[test]
fn link_errors_say_what_is_wrong() {
    let good = SharedRun::new(Scenario::default()).to_link();
    assert_eq!(good, seal("mode=at-least-once&messages=5&seed=1&step=0"));

    let (error, message) = link_error("#");
    assert_eq!(error, LinkError::Empty);
    assert!(message.contains("empty"), "{message}");

    let (error, message) = link_error("mode=idempotent");
    assert_eq!(error, LinkError::NotALink);
    assert!(message.contains("not an MQ Lab link"), "{message}");

    let (error, message) = link_error("v7.mode=idempotent~00000000");
    assert_eq!(error, LinkError::FutureVersion { version: 7 });
    assert!(message.contains("newer version"), "{message}");

    // Replication settings and timed faults came with version 4.
    let older = mqlab_sim::share::seal_version(3, "mode=at-least-once&messages=3&seed=1&acks=1");
    assert_eq!(
        link_error(&older).0,
        LinkError::UnknownKey {
            key: "acks".to_string()
        }
    );
    let (error, message) = link_error(&mqlab_sim::share::seal_version(
        4,
        "mode=at-least-once&messages=3&seed=1&brokers=3&at=5:explode:broker",
    ));
    assert!(
        matches!(error, LinkError::Unreadable { key: "at", .. }),
        "{error:?}"
    );
    assert!(message.contains("TICK:crash:NODE"), "{message}");
    let replicated = mqlab_sim::share::seal_version(
        4,
        "mode=at-least-once&messages=3&seed=1&brokers=3&acks=1&min_isr=2&unclean=on&at=5:crash:broker&at=broker/broker-2@1..9",
    );
    let shared = SharedRun::from_link(&replicated).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(shared.scenario.replication.acks, Some(mqlab_sim::Acks::One));
    assert_eq!(shared.scenario.replication.min_insync_replicas, 2);
    assert!(shared.scenario.replication.unclean_election);
    assert_eq!(shared.scenario.timed_faults.len(), 2);
    assert_eq!(shared.to_link(), replicated);
    let (error, _) = link_error(&mqlab_sim::share::seal_version(
        4,
        "mode=at-least-once&messages=3&seed=1&brokers=3&min_isr=4",
    ));
    assert!(matches!(error, LinkError::Invalid(_)), "{error:?}");

    let (error, message) = link_error(&good[..good.len() - 12]);
    assert_eq!(error, LinkError::CutShort);
    assert!(message.contains("cut short"), "{message}");
    assert_eq!(link_error(&good[..good.len() - 3]).0, LinkError::CutShort);

    let (error, message) = link_error(&good.replace("seed=1", "seed=2"));
    assert_eq!(error, LinkError::Tampered);
    assert!(message.contains("changed or damaged"), "{message}");

    let (error, message) = link_error(&format!("v1.{}~00000000", "a".repeat(9 << 20)));
    assert!(matches!(error, LinkError::TooLong { .. }));
    assert!(message.contains("too long"), "{message}");

    let (error, message) = link_error(&seal("mode=idempotent&messages=5&seed=x"));
    assert!(matches!(error, LinkError::BadValue { key: "seed", .. }));
    assert_eq!(message, "the seed ('seed') is not a whole number: got 'x'");

    let (_, message) = link_error(&seal("mode=sometimes&messages=5&seed=1"));
    assert!(
        message.starts_with("the mode ('mode') is not a mode (at-most-once, at-least-once"),
        "{message}"
    );

    let (_, message) = link_error(&seal("mode=idempotent&messages=5&seed=1&loss=5%"));
    assert_eq!(
        message,
        "the loss rate ('loss') is not a ratio such as 1/20: got '5%'"
    );

    let (_, message) = link_error(&seal("mode=idempotent&messages=5&seed=1&cmd=3@crash,moon"));
    assert!(
        message.starts_with("a command ('cmd') cannot be read: unknown node 'moon'"),
        "{message}"
    );
    assert!(message.ends_with("(in '3@crash,moon')"), "{message}");

    let (error, message) = link_error(&seal("mode=idempotent&messages=5"));
    assert_eq!(error, LinkError::MissingKey { key: "seed" });
    assert_eq!(message, "the link has no seed ('seed')");

    let (error, message) = link_error(&seal("mode=idempotent&messages=5&seed=1&seed=2"));
    assert_eq!(error, LinkError::DuplicateKey { key: "seed".into() });
    assert!(message.contains("twice"), "{message}");

    let (error, message) = link_error(&seal("mode=idempotent&messages=5&seed=1&colour=red"));
    assert_eq!(
        error,
        LinkError::UnknownKey {
            key: "colour".into()
        }
    );
    assert!(message.contains("unknown field 'colour'"), "{message}");

    let (error, message) = link_error(&seal("mode=idempotent&messages=5&seed=1&oops"));
    assert_eq!(
        error,
        LinkError::MalformedField {
            text: "oops".into()
        }
    );
    assert!(message.contains("key=value"), "{message}");

    let many = vec!["fault=crash,broker"; 1025].join("&");
    let (error, message) = link_error(&seal(&format!("mode=idempotent&messages=5&seed=1&{many}")));
    assert!(matches!(error, LinkError::TooMany { key: "fault", .. }));
    assert_eq!(message, "the link has more than 1024 planned faults");

    let (error, message) = link_error(&seal("mode=idempotent&messages=0&seed=1"));
    assert!(matches!(
        error,
        LinkError::Invalid(RebuildError::Scenario(_))
    ));
    assert!(
        message.contains("messages: must be between 1 and"),
        "{message}"
    );

    let (error, message) = link_error(&seal(
        "mode=idempotent&messages=5&seed=1&cmd=9@crash,broker&cmd=3@crash,consumer",
    ));
    assert!(matches!(
        error,
        LinkError::Invalid(RebuildError::CommandsOutOfOrder { index: 1, .. })
    ));
    assert!(message.contains("commands[1]"), "{message}");

    let (error, message) = link_error(&seal(
        "mode=idempotent&messages=5&seed=1&cmd=3@crash,coordinator",
    ));
    assert!(matches!(
        error,
        LinkError::Invalid(RebuildError::CommandRefused { index: 0, .. })
    ));
    assert!(
        message.contains("there is no coordinator in idempotent mode"),
        "{message}"
    );
}

#[test]
fn a_link_that_cannot_be_replayed_says_where_it_stops() {
    let past_end = seal("mode=idempotent&messages=1&seed=1&step=100000");
    let error = SharedRun::run_from_link(&past_end).expect_err("refused");
    assert!(matches!(
        error,
        LinkError::Invalid(RebuildError::StepAfterEnd { step: 100_000, .. })
    ));
    assert!(
        error.to_string().contains("the run ends at step"),
        "{error}"
    );

    let command_past_end = seal("mode=idempotent&messages=1&seed=1&cmd=100000@crash,broker");
    let error = SharedRun::run_from_link(&command_past_end).expect_err("refused");
    assert!(matches!(
        error,
        LinkError::Invalid(RebuildError::CommandAfterEnd { index: 0, .. })
    ));

    let twice = seal("mode=idempotent&messages=5&seed=1&cmd=3@crash,broker&cmd=3@crash,broker");
    let error = SharedRun::run_from_link(&twice).expect_err("refused");
    assert!(
        error
            .to_string()
            .contains("commands[1] (at step 3): the broker is already down"),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------
// File errors, one per class

fn default_file() -> serde_json::Value {
    serde_json::from_str(
        &ScenarioFile {
            run: SharedRun::new(Scenario::default()),
            trace_hash: None,
            trace: None,
        }
        .to_json(),
    )
    .unwrap()
}

fn file_error(value: &serde_json::Value) -> (FileError, String) {
    let error = ScenarioFile::import(&value.to_string()).expect_err("refused");
    let message = error.to_string();
    (error, message)
}

#[test]
fn file_errors_name_the_field() {
    let (error, message) = {
        let error = ScenarioFile::parse("{\"format\": ").expect_err("refused");
        let message = error.to_string();
        (error, message)
    };
    assert!(matches!(error, FileError::Syntax { line: 1, .. }));
    assert!(
        message.starts_with("the file is not valid JSON (line 1, column"),
        "{message}"
    );

    let (error, message) = file_error(&serde_json::json!({"mode": "idempotent"}));
    assert_eq!(error, FileError::NotAScenarioFile);
    assert!(
        message.contains("\"format\": \"mqlab-scenario\""),
        "{message}"
    );

    let mut file = default_file();
    file["version"] = 7.into();
    file["hologram"] = true.into();
    let (error, message) = file_error(&file);
    assert_eq!(error, FileError::FutureVersion { version: 7 });
    assert!(message.contains("newer version of MQ Lab"), "{message}");

    // Replication settings and timed faults came with version 4.
    let mut file = default_file();
    file["version"] = 3.into();
    file["replication"] = serde_json::json!({ "acks": "1" });
    let (error, message) = file_error(&file);
    assert!(
        matches!(&error, FileError::BadValue { path, .. } if path == "replication"),
        "{error:?}"
    );
    assert!(message.contains("version 4"), "{message}");
    let mut file = default_file();
    file["version"] = 4.into();
    file["topology"] = serde_json::json!({ "brokers": 3 });
    file["timed_faults"] = serde_json::json!([{ "tick": 5, "action": "crash", "a": "broker" }]);
    let (error, _) = file_error(&file);
    assert_eq!(
        error,
        FileError::UnknownField {
            path: "timed_faults[0].a".to_string()
        }
    );
    file["timed_faults"] =
        serde_json::json!([{ "tick": 5, "action": "explode", "node": "broker" }]);
    let (error, _) = file_error(&file);
    assert!(
        matches!(&error, FileError::BadValue { path, .. } if path == "timed_faults[0].action"),
        "{error:?}"
    );
    file["timed_faults"] = serde_json::json!([
        { "tick": 5, "action": "crash", "node": "broker" },
        { "tick": 1, "action": "partition", "a": "broker", "b": "broker-2", "until_tick": 9 }
    ]);
    file["replication"] = serde_json::json!({ "acks": "all", "min_insync_replicas": 2 });
    let text = file.to_string();
    let parsed = ScenarioFile::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.run.scenario.timed_faults.len(), 2);
    assert_eq!(parsed.run.scenario.replication.min_insync_replicas, 2);

    let mut file = default_file();
    file.as_object_mut().unwrap().remove("seed");
    let (error, message) = file_error(&file);
    assert_eq!(
        error,
        FileError::MissingField {
            path: "seed".into()
        }
    );
    assert_eq!(message, "seed: missing (this field is required)");

    let mut file = default_file();
    file["seed"] = "forty-two".into();
    let (_, message) = file_error(&file);
    assert_eq!(
        message,
        "seed: expected a whole number (0 or more), got \"forty-two\""
    );

    let mut file = default_file();
    file["network"]["loss"] = 0.05.into();
    let (error, message) = file_error(&file);
    assert!(matches!(error, FileError::BadValue { ref path, .. } if path == "network.loss"));
    assert_eq!(
        message,
        "network.loss: expected a ratio like \"1/20\", got 0.05"
    );

    let mut file = default_file();
    file["network"]["speed"] = 9.into();
    let (error, message) = file_error(&file);
    assert_eq!(
        error,
        FileError::UnknownField {
            path: "network.speed".into()
        }
    );
    assert!(
        message.starts_with("network.speed: unknown field"),
        "{message}"
    );

    let mut file = default_file();
    file["commands"] =
        serde_json::json!([{"step": 2, "command": "crash", "node": "broker", "ticks": 3}]);
    let (error, _) = file_error(&file);
    assert_eq!(
        error,
        FileError::UnknownField {
            path: "commands[0].ticks".into()
        }
    );

    let mut file = default_file();
    file["commands"] = serde_json::json!([{"command": "crash", "node": "broker"}]);
    assert_eq!(
        file_error(&file).0,
        FileError::MissingField {
            path: "commands[0].step".into()
        }
    );

    let mut file = default_file();
    file["faults"] = serde_json::json!([{"command": "crash_at", "point": "consumer.after_lunch"}]);
    let (_, message) = file_error(&file);
    assert!(
        message.starts_with("faults[0].point: expected a crash point"),
        "{message}"
    );
    assert!(
        message.contains("unknown crash point 'consumer.after_lunch'"),
        "{message}"
    );

    let mut file = default_file();
    file["network"]["links"] = serde_json::json!([{"link": "producer=>broker"}]);
    let (_, message) = file_error(&file);
    assert!(
        message.starts_with("network.links[0].link: expected a link like \"producer->broker\""),
        "{message}"
    );

    let mut file = default_file();
    file["timing"]["producer_window"] = 0.into();
    let (error, message) = file_error(&file);
    assert!(matches!(
        error,
        FileError::Invalid(RebuildError::Scenario(_))
    ));
    assert_eq!(
        message,
        "timing.producer_window: must be between 1 and 1024 (got 0)"
    );

    let mut file = default_file();
    file["trace_hash"] = "not-a-hash".into();
    let (_, message) = file_error(&file);
    assert!(
        message.starts_with("trace_hash: expected 16 hexadecimal digits"),
        "{message}"
    );
}

#[test]
fn a_file_whose_trace_does_not_match_the_simulation_is_reported_as_a_mismatch() {
    let mut run = Run::new(&Scenario::default()).unwrap();
    run.seek(20);
    let file = ScenarioFile::from_run(&run, true);
    assert!(ScenarioFile::import(&file.to_json()).is_ok());

    let mut wrong_hash = file.clone();
    wrong_hash.trace_hash = wrong_hash.trace_hash.map(|h| h ^ 1);
    let error = ScenarioFile::import(&wrong_hash.to_json()).expect_err("mismatch");
    assert!(matches!(error, FileError::TraceHashMismatch { .. }));
    assert!(
        error.to_string().starts_with("trace_hash: the file says"),
        "{error}"
    );

    let mut wrong_trace = file.clone();
    if let Some(trace) = wrong_trace.trace.as_mut() {
        trace[5].narration = "Nothing happened, honest.".into();
    }
    let error = ScenarioFile::import(&wrong_trace.to_json()).expect_err("mismatch");
    assert!(matches!(error, FileError::TraceMismatch { index: 5, .. }));
    assert!(
        error.to_string().contains("Nothing happened, honest."),
        "{error}"
    );

    let mut short_trace = file;
    if let Some(trace) = short_trace.trace.as_mut() {
        trace.pop();
    }
    let error = ScenarioFile::import(&short_trace.to_json()).expect_err("mismatch");
    assert!(matches!(error, FileError::TraceMismatch { .. }));
    assert!(
        error.to_string().contains("nothing (its trace ends here)"),
        "{error}"
    );

    let mut value: serde_json::Value =
        serde_json::from_str(&ScenarioFile::from_run(&run, true).to_json()).unwrap();
    value["trace"][0]["colour"] = "red".into();
    let error = ScenarioFile::parse(&value.to_string()).expect_err("refused");
    assert_eq!(
        error,
        FileError::UnknownField {
            path: "trace[0].colour".into()
        }
    );
}

#[test]
fn a_hand_written_file_needs_only_format_version_mode_messages_and_seed() {
    let text = r#"{
        "format": "mqlab-scenario",
        "version": 1,
        "$comment": "m2 is applied twice in at-least-once mode",
        "mode": "at-least-once",
        "messages": 5,
        "seed": 7,
        "network": { "loss": "1/20", "links": [ { "link": "broker->consumer", "latency_ticks_max": 9 } ] },
        "faults": [ { "command": "crash_at", "point": "consumer.after_apply", "message": 2 } ]
    }"#;
    let file = ScenarioFile::parse(text).unwrap();
    let scenario = &file.run.scenario;
    assert_eq!(scenario.network.global.loss, Ratio::new(1, 20));
    assert_eq!(
        scenario.network.links[0].config.loss,
        Ratio::new(1, 20),
        "a link starts from the global settings"
    );
    assert_eq!(scenario.network.links[0].config.latency_ticks_max, 9);
    assert_eq!(file.run.step, None);
    let (_, run) = ScenarioFile::import(text).unwrap();
    assert!(run.sim().is_quiet(), "no step means: run to the end");
    let mut sim = Sim::new(scenario).unwrap();
    sim.run_until_quiet(u64::MAX);
    assert_eq!(run.sim().trace_hash(), sim.trace_hash());
}

// ---------------------------------------------------------------------------------
// No input makes a decoder panic

/// The crate's own PRNG drives the mutations, so a failure is reproduced by its seed.
struct Mutator {
    prng: mqlab_sim::Prng,
}

impl Mutator {
    fn below(&mut self, n: usize) -> usize {
        self.prng.below(n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// Byte-level damage: truncation, flips, insertions, deletions, repeats.
    fn damage(&mut self, text: &str) -> String {
        const PIECES: [&str; 22] = [
            "&",
            "=",
            ",",
            "@",
            ":",
            "~",
            "*",
            "/",
            "-",
            ".",
            "m0",
            "0",
            "18446744073709551616",
            "{",
            "}",
            "[",
            "]",
            "\"",
            "\\u0000",
            "é",
            "\u{1F600}",
            "null",
        ];
        let mut bytes = text.as_bytes().to_vec();
        for _ in 0..=self.below(3) {
            let at = self.below(bytes.len() + 1);
            match self.below(5) {
                0 => bytes.truncate(at),
                1 if at < bytes.len() => bytes[at] ^= 1 << self.below(8),
                2 => {
                    let piece = self.pick(&PIECES).as_bytes().to_vec();
                    bytes.splice(at..at, piece);
                }
                3 => {
                    let end = (at + self.below(16)).min(bytes.len());
                    bytes.drain(at..end);
                }
                _ => {
                    let end = (at + self.below(32)).min(bytes.len());
                    let copy = bytes[at..end].to_vec();
                    bytes.splice(at..at, copy);
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn random_string(&mut self) -> String {
        let alphabet = b"v1.~&=,:@/*-_mabcdefxyz0123456789{}[]\": #";
        let len = self.below(64);
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())] as char)
            .collect()
    }

    /// Replaces, removes or adds one field somewhere in a JSON value.
    fn mutate_value(&mut self, value: &mut serde_json::Value) {
        use serde_json::Value;
        let replacements = [
            Value::Null,
            Value::Bool(true),
            Value::from(-1),
            Value::from(0),
            Value::from(u64::MAX),
            Value::from(1.5),
            Value::from("1/0"),
            Value::from("2/1"),
            Value::from("producer->producer"),
            Value::from("consumer.after_apply"),
            Value::from("crash"),
            Value::from("transactional"),
            Value::from(7),
            serde_json::json!([]),
            serde_json::json!({}),
        ];
        match value {
            Value::Object(map) if !map.is_empty() && self.below(4) > 0 => {
                let keys: Vec<String> = map.keys().cloned().collect();
                let key = keys[self.below(keys.len())].clone();
                match self.below(4) {
                    0 => {
                        map.remove(&key);
                    }
                    1 => {
                        let replacement = replacements[self.below(replacements.len())].clone();
                        map.insert(key, replacement);
                    }
                    2 => {
                        map.insert(format!("{key}_x"), Value::from(1));
                    }
                    _ => {
                        if let Some(inner) = map.get_mut(&key) {
                            self.mutate_value(inner);
                        }
                    }
                }
            }
            Value::Array(items) if !items.is_empty() && self.below(4) > 0 => {
                let at = self.below(items.len());
                if self.below(3) == 0 {
                    items.remove(at);
                } else {
                    self.mutate_value(&mut items[at]);
                }
            }
            other => *other = replacements[self.below(replacements.len())].clone(),
        }
    }
}

/// Runs one decoder on one input, turning a panic into a failure that names the seed.
fn must_not_panic(seed: u64, case: u64, input: &str, decode: impl FnOnce(&str)) {
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode(input))).is_err() {
        panic!("a decoder panicked: base seed {seed}, case {case}, input {input:?}");
    }
}

fn decode_link(input: &str) {
    if let Ok(shared) = SharedRun::from_link(input) {
        // A decoded run must also rebuild without panicking; keep the work bounded.
        let _ = shared.to_sim(
            SimOptions {
                record_trace: false,
            },
            200,
        );
        let _ = shared.to_link();
    }
}

fn decode_file(input: &str) {
    if let Ok(file) = ScenarioFile::parse(input) {
        let _ = file.to_sim(
            SimOptions {
                record_trace: false,
            },
            200,
        );
        let _ = file.to_json();
    }
}

#[test]
fn no_input_makes_the_link_or_file_decoder_panic() {
    const CASES: u64 = 60_000;
    let seed = std::env::var("MQLAB_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_5A1E);
    println!("fuzz base seed {seed} (set MQLAB_FUZZ_SEED to change it)");
    let mut m = Mutator {
        prng: mqlab_sim::Prng::new(seed),
    };
    // Valid inputs to start from: a few scenarios with commands in every mode.
    let mut runs = Vec::new();
    for (index, mode) in Mode::ALL.into_iter().enumerate() {
        let mut run = Run::new(&Scenario {
            mode,
            seed: index as u64,
            messages: 3,
            ..Scenario::default()
        })
        .unwrap();
        run.seek(5);
        let _ = run.apply(Command::Crash(NodeId::BROKER));
        run.seek(9);
        let _ = run.apply(Command::Restart(NodeId::BROKER));
        let _ = run.apply(Command::DropMatching {
            link: mqlab_sim::Topology::default().links(mode)[0],
            kind: None,
            message: Some(2),
            nth: 1,
        });
        run.seek(12);
        runs.push(run);
    }
    let links: Vec<String> = runs
        .iter()
        .map(|run| SharedRun::from_run(run).to_link())
        .collect();
    let bodies: Vec<String> = links
        .iter()
        .map(|l| l[3..l.len() - 9].to_string())
        .collect();
    let files: Vec<serde_json::Value> = runs
        .iter()
        .map(|run| serde_json::from_str(&ScenarioFile::from_run(run, false).to_json()).unwrap())
        .collect();
    let started = std::time::Instant::now();
    let mut inputs = 0u64;
    for case in 0..CASES {
        let which = m.below(runs.len());
        // Links: damaged as copied, damaged and resealed (so the field parser sees
        // them), or random text.
        let link = match m.below(3) {
            0 => m.damage(&links[which]),
            1 => seal(&m.damage(&bodies[which])),
            _ => m.random_string(),
        };
        must_not_panic(seed, case, &link, decode_link);
        // Files: damaged text, structurally mutated JSON, or random text.
        let file = match m.below(3) {
            0 => m.damage(&files[which].to_string()),
            1 => {
                let mut value = files[which].clone();
                for _ in 0..=m.below(3) {
                    m.mutate_value(&mut value);
                }
                value.to_string()
            }
            _ => m.random_string(),
        };
        must_not_panic(seed, case, &file, decode_file);
        inputs += 2;
    }
    println!("fuzzed {inputs} inputs in {:?}", started.elapsed());
    assert!(inputs >= 100_000);
}

#[test]
fn the_documented_example_link_decodes() {
    let shared = SharedRun::from_link(
        "v1.mode=idempotent&messages=5&seed=42&loss=1/20&cmd=12@crash,consumer&step=40~edf76fd5",
    )
    .unwrap();
    assert_eq!(shared.scenario.mode, Mode::Idempotent);
    assert_eq!(
        shared.commands,
        vec![(12, Command::Crash(NodeId::CONSUMER))]
    );
    assert_eq!(shared.step, Some(40));
    let run = shared.to_run().unwrap();
    assert_eq!(run.step_index(), 40);
}

#[test]
fn a_run_playing_over_a_recorded_command_at_its_end_gives_the_trace_it_first_gave() {
    let scenario = Scenario {
        mode: Mode::Idempotent,
        seed: 15543661426076058805,
        messages: 6,
        ..Scenario::default()
    };
    let mut run = Run::new(&scenario).unwrap();
    run.seek(u64::MAX);
    let end = run.step_index();
    let link = LinkId::new(NodeId::BROKER, NodeId::PRODUCER);
    run.apply(Command::DelayNext { link, ticks: 7 }).unwrap();
    let first = run.sim().trace().to_vec();
    run.seek(end / 2);
    run.seek(u64::MAX);
    assert_eq!(
        run.sim().trace(),
        &first[..],
        "the command's tick changed on replay"
    );
}
