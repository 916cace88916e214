//! Helpers shared by the scenario tests.
#![allow(dead_code)]

use mqlab_sim::{Command, CrashPoint, LinkId, MessageKind, Mode, NodeId, Scenario, Sim, Verdict};

/// A five-message scenario in the mode with the given faults armed from the start.
pub fn scenario(mode: Mode, faults: &[Command]) -> Scenario {
    let mut scenario = Scenario {
        mode,
        ..Scenario::default()
    };
    for fault in faults {
        scenario = scenario.with_fault(fault.clone());
    }
    scenario
}

/// Runs to quiescence (failing the test if the run does not get there).
pub fn run_to_quiet(scenario: &Scenario) -> Sim {
    let mut sim = Sim::new(scenario).expect("valid scenario");
    sim.run_until_quiet(1_000_000);
    assert!(sim.is_quiet(), "the run did not go quiet");
    sim
}

pub fn crash_at(point: CrashPoint, message: u32) -> Command {
    Command::CrashAt {
        point,
        message: Some(message),
        instance: 0,
    }
}

pub fn drop_first(from: NodeId, to: NodeId, kind: MessageKind, message: u32) -> Command {
    Command::DropMatching {
        link: LinkId::new(from, to),
        kind: Some(kind),
        message: Some(message),
        nth: 1,
    }
}

pub fn verdict(sim: &Sim, message: u32) -> Verdict {
    sim.ledger().messages()[message as usize - 1].verdict
}

/// The zlib CRC-32, bit by bit, to seal links by hand in tests (independently of the
/// core's own).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}
