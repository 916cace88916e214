//! The packed encoding of one TwoPhase state in a `u64`, and the successor function on it.
//!
//! The explorer visits millions of states, so a state is one machine word: comparing,
//! hashing and storing it costs no allocation. The layout uses fixed bit positions,
//! independent of the number of RMs, so that the successor function needs no lookups:
//!
//! | bits    | field                                                         |
//! |---------|---------------------------------------------------------------|
//! | 0..28   | `rmState[r]`, two bits per RM (`RmState` discriminants)       |
//! | 28..42  | `tmPrepared`, one bit per RM                                  |
//! | 42..56  | the `Prepared(r)` messages in `msgs`, one bit per RM          |
//! | 56..58  | `tmState` (`TmState` discriminants)                           |
//! | 58      | the `Commit` message is in `msgs`                             |
//! | 59      | the `Abort` message is in `msgs`                              |
//!
//! `Commit ∈ msgs` always equals `tmState = committed` in the specification; the
//! encoding still keeps the message set as its own bits so that it reads like the
//! specification and so that a mistake in either is visible to the tests.

use super::{Action, Message, RmState, TmState, TwoPhaseState, MAX_RMS};

pub(crate) const RM_SHIFT: u32 = 0;
pub(crate) const TM_PREPARED_SHIFT: u32 = 28;
pub(crate) const MSG_PREPARED_SHIFT: u32 = 42;
pub(crate) const TM_SHIFT: u32 = 56;
pub(crate) const MSG_COMMIT_BIT: u64 = 1 << 58;
pub(crate) const MSG_ABORT_BIT: u64 = 1 << 59;

/// A value no state can take (bits 60..64 are never set), used as the empty slot marker.
pub(crate) const NO_STATE: u64 = u64::MAX;

const RM_WORKING: u64 = 0;
const RM_PREPARED: u64 = 1;
const RM_COMMITTED: u64 = 2;
const RM_ABORTED: u64 = 3;
const TM_INIT: u64 = 0;
const TM_COMMITTED: u64 = 1;
const TM_ABORTED: u64 = 2;

/// The low bit of every RM's two-bit field.
const RM_LOW_BITS: u64 = 0x0555_5555;

/// Packs the action into one byte for the parent table: kind in the high nibble, RM in
/// the low nibble (MAX_RMS ≤ 16).
pub(crate) fn action_code(action: Action) -> u8 {
    let (kind, rm) = match action {
        Action::TmRcvPrepared(r) => (0u8, r),
        Action::TmCommit => (1, 0),
        Action::TmAbort => (2, 0),
        Action::RmPrepare(r) => (3, r),
        Action::RmChooseToAbort(r) => (4, r),
        Action::RmRcvCommitMsg(r) => (5, r),
        Action::RmRcvAbortMsg(r) => (6, r),
    };
    debug_assert!(rm < MAX_RMS);
    (kind << 4) | (rm as u8 & 0x0f)
}

pub(crate) fn action_from_code(code: u8) -> Action {
    let rm = u32::from(code & 0x0f);
    match code >> 4 {
        0 => Action::TmRcvPrepared(rm),
        1 => Action::TmCommit,
        2 => Action::TmAbort,
        3 => Action::RmPrepare(rm),
        4 => Action::RmChooseToAbort(rm),
        5 => Action::RmRcvCommitMsg(rm),
        _ => Action::RmRcvAbortMsg(rm),
    }
}

/// `TPInit`: every RM working, the TM in init, nobody known prepared, no messages.
pub(crate) const INIT: u64 = 0;

#[inline]
fn rm_field(state: u64, r: u32) -> u64 {
    (state >> (RM_SHIFT + 2 * r)) & 3
}

#[inline]
fn with_rm(state: u64, r: u32, value: u64) -> u64 {
    let shift = RM_SHIFT + 2 * r;
    (state & !(3 << shift)) | (value << shift)
}

/// `TPConsistent`: no RM has committed while another has aborted.
#[inline]
pub(crate) fn is_consistent(state: u64) -> bool {
    let low = state & RM_LOW_BITS;
    let high = (state >> 1) & RM_LOW_BITS;
    let committed = high & !low;
    let aborted = high & low;
    committed == 0 || aborted == 0
}

/// Calls `emit` for every enabled action of `TPNext` that changes the state, in a fixed
/// order: `TmCommit`, `TmAbort`, then per RM in increasing order `TmRcvPrepared`,
/// `RmPrepare`, `RmChooseToAbort`, `RmRcvCommitMsg`, `RmRcvAbortMsg`.
///
/// Steps that leave the state unchanged (for example `RmRcvCommitMsg(r)` for an RM that
/// has already committed) are enabled in the specification but are stuttering steps;
/// they add no state and no edge, so they are not emitted.
///
/// With `broken`, `TmCommit` is enabled as soon as the TM knows one RM is prepared,
/// instead of all of them.
#[inline]
pub(crate) fn for_each_successor(
    state: u64,
    rm_count: u32,
    broken: bool,
    mut emit: impl FnMut(Action, u64),
) {
    let all_rms = (1u64 << rm_count) - 1;
    let tm = (state >> TM_SHIFT) & 3;
    let tm_prepared = (state >> TM_PREPARED_SHIFT) & all_rms;
    let tm_init = tm == TM_INIT;
    if tm_init {
        let commit_enabled = if broken {
            tm_prepared != 0
        } else {
            tm_prepared == all_rms
        };
        if commit_enabled {
            let next = (state & !(3 << TM_SHIFT)) | (TM_COMMITTED << TM_SHIFT) | MSG_COMMIT_BIT;
            emit(Action::TmCommit, next);
        }
        let next = (state & !(3 << TM_SHIFT)) | (TM_ABORTED << TM_SHIFT) | MSG_ABORT_BIT;
        emit(Action::TmAbort, next);
    }
    let commit_msg = state & MSG_COMMIT_BIT != 0;
    let abort_msg = state & MSG_ABORT_BIT != 0;
    for r in 0..rm_count {
        let tm_prepared_bit = 1u64 << (TM_PREPARED_SHIFT + r);
        let prepared_msg_bit = 1u64 << (MSG_PREPARED_SHIFT + r);
        if tm_init && state & prepared_msg_bit != 0 && state & tm_prepared_bit == 0 {
            emit(Action::TmRcvPrepared(r), state | tm_prepared_bit);
        }
        let rm = rm_field(state, r);
        if rm == RM_WORKING {
            emit(
                Action::RmPrepare(r),
                with_rm(state, r, RM_PREPARED) | prepared_msg_bit,
            );
            emit(Action::RmChooseToAbort(r), with_rm(state, r, RM_ABORTED));
        }
        if commit_msg && rm != RM_COMMITTED {
            emit(Action::RmRcvCommitMsg(r), with_rm(state, r, RM_COMMITTED));
        }
        if abort_msg && rm != RM_ABORTED {
            emit(Action::RmRcvAbortMsg(r), with_rm(state, r, RM_ABORTED));
        }
    }
}

/// The representative of the state's symmetry class: each RM's four facts (its state,
/// whether the TM knows it prepared, whether its Prepared message was sent) as a nibble,
/// the nibbles sorted, then the TM's state and the Commit/Abort messages. Two states get
/// the same representative exactly when one is the other with the RMs renamed.
#[inline]
pub(crate) fn canonical(state: u64, rm_count: u32) -> u64 {
    let mut counts = [0u8; 16];
    for r in 0..rm_count {
        let nibble = rm_field(state, r)
            | ((state >> (TM_PREPARED_SHIFT + r)) & 1) << 2
            | ((state >> (MSG_PREPARED_SHIFT + r)) & 1) << 3;
        counts[nibble as usize] += 1;
    }
    let mut packed = 0u64;
    for (nibble, &count) in counts.iter().enumerate() {
        for _ in 0..count {
            packed = (packed << 4) | nibble as u64;
        }
    }
    packed | (state & (0xf << TM_SHIFT))
}

pub(crate) fn decode(state: u64, rm_count: u32) -> TwoPhaseState {
    let rm_states = (0..rm_count)
        .map(|r| match rm_field(state, r) {
            RM_WORKING => RmState::Working,
            RM_PREPARED => RmState::Prepared,
            RM_COMMITTED => RmState::Committed,
            _ => RmState::Aborted,
        })
        .collect();
    let tm_state = match (state >> TM_SHIFT) & 3 {
        TM_INIT => TmState::Init,
        TM_COMMITTED => TmState::Committed,
        _ => TmState::Aborted,
    };
    let tm_prepared = (0..rm_count)
        .filter(|r| state & (1 << (TM_PREPARED_SHIFT + r)) != 0)
        .collect();
    let mut msgs: std::collections::BTreeSet<Message> = (0..rm_count)
        .filter(|r| state & (1 << (MSG_PREPARED_SHIFT + r)) != 0)
        .map(Message::Prepared)
        .collect();
    if state & MSG_COMMIT_BIT != 0 {
        msgs.insert(Message::Commit);
    }
    if state & MSG_ABORT_BIT != 0 {
        msgs.insert(Message::Abort);
    }
    TwoPhaseState {
        rm_states,
        tm_state,
        tm_prepared,
        msgs,
    }
}

/// The packed form of a state, or `None` when it does not fit the explorer's RM count
/// (wrong length, an RM index out of range).
pub(crate) fn encode(state: &TwoPhaseState, rm_count: u32) -> Option<u64> {
    if state.rm_states.len() != rm_count as usize {
        return None;
    }
    let mut packed = 0u64;
    for (r, rm) in (0u32..).zip(&state.rm_states) {
        let value = match rm {
            RmState::Working => RM_WORKING,
            RmState::Prepared => RM_PREPARED,
            RmState::Committed => RM_COMMITTED,
            RmState::Aborted => RM_ABORTED,
        };
        packed = with_rm(packed, r, value);
    }
    packed |= match state.tm_state {
        TmState::Init => TM_INIT,
        TmState::Committed => TM_COMMITTED,
        TmState::Aborted => TM_ABORTED,
    } << TM_SHIFT;
    for &r in &state.tm_prepared {
        if r >= rm_count {
            return None;
        }
        packed |= 1 << (TM_PREPARED_SHIFT + r);
    }
    for message in &state.msgs {
        packed |= match *message {
            Message::Prepared(r) if r < rm_count => 1 << (MSG_PREPARED_SHIFT + r),
            Message::Prepared(_) => return None,
            Message::Commit => MSG_COMMIT_BIT,
            Message::Abort => MSG_ABORT_BIT,
        };
    }
    Some(packed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_code_round_trips() {
        for r in 0..MAX_RMS {
            for action in [
                Action::TmRcvPrepared(r),
                Action::TmCommit,
                Action::TmAbort,
                Action::RmPrepare(r),
                Action::RmChooseToAbort(r),
                Action::RmRcvCommitMsg(r),
                Action::RmRcvAbortMsg(r),
            ] {
                assert_eq!(action_from_code(action_code(action)), action);
            }
        }
    }

    #[test]
    fn the_widest_state_fits_below_the_empty_marker() {
        let mut widest = INIT;
        for r in 0..MAX_RMS {
            widest = with_rm(widest, r, RM_ABORTED)
                | 1 << (TM_PREPARED_SHIFT + r)
                | 1 << (MSG_PREPARED_SHIFT + r);
        }
        widest |= TM_ABORTED << TM_SHIFT | MSG_COMMIT_BIT | MSG_ABORT_BIT;
        assert!(widest < 1 << 60);
        assert_ne!(widest, NO_STATE);
        let decoded = decode(widest, MAX_RMS);
        assert_eq!(encode(&decoded, MAX_RMS), Some(widest));
    }
}
