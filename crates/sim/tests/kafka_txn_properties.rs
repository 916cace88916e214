//! Properties of Kafka transactions over 10,000 random schedules, each run to
//! quiescence. Every failure message starts with the case that reproduces it (its
//! seed and settings).
//!
//! Each case draws a seed, latency, transaction size, the isolation level, whether the
//! producer is a consume-transform-produce loop (with or without an external side
//! effect), a zombie instance, a pause of the producer or the coordinator, a random
//! crash rate of up to 3 % per step and up to three crash points of the protocol, so
//! crashes and pauses land at every step of it. Crashed nodes restart by themselves
//! (30 ticks), so every run goes quiet.
//!
//! The properties: a read_committed consumer never applies a record of an aborted
//! transaction and never sees part of a committed transaction; with the loop, no output
//! record is committed twice and the consumer applies none twice, whatever crashes,
//! pauses and zombies do; and no record is lost.

use mqlab_sim::kafka_txn::KafkaTxnWorld;
use mqlab_sim::{
    Command, CrashPoint, Isolation, KafkaTransactions, Mode, NodeId, Pause, Ratio, Scenario,
};
use proptest::prelude::*;

const MAX_STEPS: u64 = 200_000;

#[derive(Clone, Debug)]
struct Case {
    seed: u64,
    messages: u32,
    size: u32,
    latency_max: u64,
    read_uncommitted: bool,
    transform: bool,
    external_effect: bool,
    zombie: bool,
    pause: Option<(bool, u64, u64)>,
    crash_rate: u32,
    crashes: Vec<(CrashPoint, u32)>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (any::<u64>(), 1u32..=8, 1u32..=4, 1u64..=4),
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        prop::option::of((any::<bool>(), 0u64..60, 1u64..120)),
        0u32..=30,
        prop::collection::vec(
            (
                prop::sample::select(CrashPoint::KAFKA_TXN.to_vec()),
                1u32..=8,
            ),
            0..4,
        ),
    )
        .prop_map(
            |(
                (seed, messages, size, latency_max),
                (read_uncommitted, transform, external_effect, zombie),
                pause,
                crash_rate,
                crashes,
            )| Case {
                seed,
                messages,
                size,
                latency_max,
                read_uncommitted,
                transform,
                external_effect,
                zombie,
                pause,
                crash_rate,
                crashes,
            },
        )
}

fn scenario(case: &Case) -> Scenario {
    let mut k = KafkaTransactions {
        isolation: if case.read_uncommitted {
            Isolation::ReadUncommitted
        } else {
            Isolation::ReadCommitted
        },
        zombie: case.zombie,
        external_effect: case.external_effect,
        ..KafkaTransactions::default()
    };
    if let Some((producer, from, length)) = case.pause {
        k.pauses.push(Pause {
            node: if producer {
                NodeId::PRODUCER
            } else {
                NodeId::COORDINATOR
            },
            from_tick: from,
            to_tick: from + length,
        });
    }
    let mut scenario = Scenario {
        mode: Mode::Transactional,
        seed: case.seed,
        messages: case.messages,
        random_crash: Ratio::new(case.crash_rate, 1000),
        kafka_transactions: Some(k),
        ..Scenario::default()
    };
    scenario.transaction.size = case.size;
    scenario.transaction.transform = case.transform;
    scenario.network.global.latency_ticks_min = 1;
    scenario.network.global.latency_ticks_max = case.latency_max;
    for &(point, message) in &case.crashes {
        scenario = scenario.with_fault(Command::CrashAt {
            point,
            message: Some(message.min(case.messages)),
            instance: 0,
        });
    }
    scenario
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 10_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn read_committed_never_sees_aborted_or_partial_transactions_and_the_loop_never_duplicates(
        case in case()
    ) {
        let scenario = scenario(&case);
        let mut world = KafkaTxnWorld::new(&scenario, false)
            .map_err(|e| TestCaseError::fail(format!("{case:?}: invalid scenario: {e}")))?;
        world.run_until_quiet(MAX_STEPS);
        prop_assert!(world.is_quiet(), "{:?}: not quiet after {} steps", case, MAX_STEPS);
        let s = world.summary();
        if !case.read_uncommitted {
            prop_assert_eq!(s.aborted_visible, 0, "{:?}: applied an aborted record: {:?}", case, s);
            prop_assert_eq!(s.txn_partial, 0, "{:?}: saw part of a transaction: {:?}", case, s);
        }
        if case.transform || case.external_effect {
            prop_assert_eq!(s.outputs_duplicated, 0, "{:?}: an output committed twice: {:?}", case, s);
            if !case.read_uncommitted {
                prop_assert_eq!(s.duplicated, 0, "{:?}: an output applied twice: {:?}", case, s);
            }
        }
        // Every crashed or fenced instance is replaced, so every record is committed in
        // the end and reaches the consumer.
        prop_assert_eq!(s.lost, 0, "{:?}: lost a record: {:?}", case, s);
        prop_assert_eq!(s.lost + s.exactly_once + s.reordered + s.duplicated + s.pending, s.messages);
    }
}
