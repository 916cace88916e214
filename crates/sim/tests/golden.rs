//! Golden traces: fixed scenarios whose trace hash and summary are pinned. A change in
//! any of them means the simulation behaves differently; if that is intended, run
//! `MQLAB_PRINT_GOLDEN=1 cargo test -p mqlab-sim --test golden -- --nocapture`, review
//! the differences, and paste the new values here consciously.

use mqlab_sim::{Command, CrashPoint, Mode, Ratio, Scenario, Sim};

fn golden_scenario(mode: Mode, seed: u64) -> Scenario {
    let mut scenario = Scenario {
        mode,
        seed,
        messages: 20,
        ..Scenario::default()
    };
    scenario.network.global.loss = Ratio::percent(5);
    scenario.network.global.duplicate = Ratio::percent(2);
    scenario.random_crash = Ratio::new(1, 200);
    let point = if mode == Mode::Transactional {
        CrashPoint::CoordinatorAfterVotes
    } else {
        CrashPoint::ConsumerAfterApply
    };
    scenario.with_fault(Command::CrashAt {
        point,
        message: Some(3),
        instance: 0,
    })
}

/// (mode, seed, trace hash, steps, exactly_once, lost, duplicated, reordered)
type GoldenRow = (Mode, u64, u64, u64, u32, u32, u32, u32);

const GOLDEN: &[GoldenRow] = &[
    (Mode::AtMostOnce, 1, 0x57b4ff8c9baae665, 102, 15, 5, 0, 0),
    (Mode::AtMostOnce, 42, 0xf765340aba489b79, 106, 17, 3, 0, 0),
    (
        Mode::AtMostOnce,
        20240601,
        0xca3b9f21d366a328,
        94,
        13,
        7,
        0,
        0,
    ),
    (Mode::AtLeastOnce, 1, 0x8e0e7d90b084cf39, 207, 12, 0, 8, 0),
    (Mode::AtLeastOnce, 42, 0xe18ccdf81ed56a97, 156, 14, 0, 3, 3),
    (
        Mode::AtLeastOnce,
        20240601,
        0xa0f0060c18df0f6c,
        184,
        13,
        0,
        4,
        3,
    ),
    (Mode::Idempotent, 1, 0x9fbc9ceca5bffefb, 173, 18, 0, 0, 2),
    (Mode::Idempotent, 42, 0x33ca569374569166, 152, 16, 0, 0, 4),
    (
        Mode::Idempotent,
        20240601,
        0x8cc91e646223c1d8,
        158,
        17,
        0,
        0,
        3,
    ),
    (Mode::Transactional, 1, 0x3866bae301a67153, 858, 13, 0, 0, 7),
    (
        Mode::Transactional,
        42,
        0x77cbdcb2759b520a,
        838,
        11,
        0,
        0,
        9,
    ),
    (
        Mode::Transactional,
        20240601,
        0x856f080cf3321e03,
        924,
        13,
        0,
        0,
        7,
    ),
];

#[test]
fn golden_runs_reproduce_their_pinned_trace_hashes() {
    let print = std::env::var("MQLAB_PRINT_GOLDEN").is_ok();
    let mut index = 0;
    for mode in Mode::ALL {
        for seed in [1u64, 42, 20_240_601] {
            let mut sim = Sim::new(&golden_scenario(mode, seed)).unwrap();
            sim.run_until_quiet(1_000_000);
            let s = sim.summary();
            let actual = (
                mode,
                seed,
                sim.trace_hash(),
                s.steps,
                s.exactly_once,
                s.lost,
                s.duplicated,
                s.reordered,
            );
            if print {
                println!(
                    "    (Mode::{mode:?}, {seed}, {:#x}, {}, {}, {}, {}, {}),",
                    actual.2, actual.3, actual.4, actual.5, actual.6, actual.7
                );
            } else {
                assert_eq!(
                    Some(&actual),
                    GOLDEN.get(index),
                    "golden run {mode} seed {seed} changed"
                );
            }
            index += 1;
        }
    }
    if !print {
        assert_eq!(index, GOLDEN.len());
    }
}

/// FNV-1a over bytes, written out here so the pinned value does not depend on the
/// simulation's own hash.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn golden_narration_reproduces_its_pinned_sentences() {
    // The run of `mqlab-cli run --mode at-least-once --messages 40 --seed 5 --loss 10
    // --duplicate 5 --crash-rate 1/200 --trace` (the CLI reads percentages as n/100000).
    let mut scenario = Scenario {
        mode: Mode::AtLeastOnce,
        seed: 5,
        messages: 40,
        ..Scenario::default()
    };
    scenario.network.global.loss = Ratio::new(10_000, 100_000);
    scenario.network.global.duplicate = Ratio::new(5_000, 100_000);
    scenario.random_crash = Ratio::new(1, 200);
    let mut sim = Sim::new(&scenario).unwrap();
    sim.run_until_quiet(1_000_000);
    let narration = |step: u64| {
        sim.trace()
            .iter()
            .find(|e| e.step == step)
            .map(|e| sim.tell(e))
            .unwrap_or_default()
    };
    for (step, sentence) in [
        (0, "Producer publishes m1 to the broker."),
        (
            2,
            "Broker appends m1 to its log in memory; it is not on disk until the fsync.",
        ),
        (
            4,
            "Broker fsyncs m1 to disk and confirms it to the producer.",
        ),
        (
            14,
            "Producer receives the confirm for m1: the broker has it on disk.",
        ),
        (
            21,
            "Consumer receives m2 (a network duplicate), applies it and acks.",
        ),
        (
            26,
            "Broker receives the ack for m1 and will not deliver it again.",
        ),
        (30, "The publish for m7 is lost on producer->broker."),
        (
            32,
            "Broker fsyncs 2 messages (up to m6) to disk and confirms them to the producer.",
        ),
        (
            59,
            "Broker delivers m3 to the consumer (attempt 2, a redelivery).",
        ),
        (
            69,
            "Producer publishes m7 to the broker (attempt 2, a retry).",
        ),
        (
            227,
            "Broker receives the ack for m26 (a network duplicate) and will not deliver it again.",
        ),
    ] {
        assert_eq!(narration(step), sentence, "step {step}");
    }
    let all: String = sim
        .trace()
        .iter()
        .map(|e| format!("{}\n", sim.tell(e)))
        .collect();
    assert_eq!(
        (sim.trace().len(), fnv1a(&all)),
        (342, 15_090_470_954_619_335_697)
    );
}

#[test]
fn a_crash_point_adds_its_sentence_to_the_step_it_interrupts() {
    let scenario = Scenario {
        mode: Mode::AtLeastOnce,
        messages: 2,
        ..Scenario::default()
    }
    .with_fault(Command::CrashAt {
        point: CrashPoint::ConsumerAfterApply,
        message: Some(1),
        instance: 0,
    });
    let mut sim = Sim::new(&scenario).unwrap();
    sim.run_until_quiet(1_000_000);
    let crash = sim
        .trace()
        .iter()
        .find(|e| e.crash == Some(CrashPoint::ConsumerAfterApply))
        .expect("the crash point fired");
    assert_eq!(
        sim.tell(crash),
        "Consumer receives m1 and applies it, but has not acked it yet. Then the consumer crashes (consumer.after_apply)."
    );
}
