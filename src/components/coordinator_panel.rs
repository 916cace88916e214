//! The 2PC coordinator panel: the phase, the transaction being decided with each
//! participant's vote and state, in-doubt timers and held locks, and the decision log.

use mqlab_sim::{
    CoordinatorPhase, CoordinatorView, Mode, ParticipantState, ParticipantStats, RoleKind, TxnKind,
};
use mqlab_text::panels::Key;
use yew::prelude::*;

use crate::state::LabAction;
use crate::words::current as words_now;

#[derive(Properties, PartialEq)]
pub struct CoordinatorPanelProps {
    /// None outside transactional mode.
    pub coordinator: Option<CoordinatorView>,
    pub tick: u64,
    /// Each participant's blocking record, from the ledger.
    pub participants: Vec<ParticipantStats>,
    pub dispatch: Callback<LabAction>,
}

/// The phases in the order a transaction goes through them.
const PHASES: [(CoordinatorPhase, Key); 5] = [
    (CoordinatorPhase::Idle, Key::CoordPhaseInit),
    (CoordinatorPhase::Working, Key::CoordPhaseWorking),
    (CoordinatorPhase::Preparing, Key::CoordPhasePreparing),
    (CoordinatorPhase::Committing, Key::CoordPhaseDecided),
    (CoordinatorPhase::Done, Key::CoordPhaseDone),
];

/// A participant's state as icon, word and style (never colour alone).
pub fn participant_status(state: ParticipantState) -> (&'static str, Key, &'static str) {
    match state {
        ParticipantState::Working => ("○", Key::CoordStateWorking, "muted"),
        ParticipantState::Prepared => ("◐", Key::CoordStatePrepared, "info"),
        ParticipantState::InDoubt => ("◷", Key::CoordStateInDoubt, "doubt"),
        ParticipantState::Committed => ("✔", Key::CoordStateCommitted, "ok"),
        ParticipantState::Aborted => ("✖", Key::CoordStateAborted, "bad"),
    }
}

fn vote_text(vote: Option<bool>) -> Key {
    match vote {
        Some(true) => Key::CoordVoteYes,
        Some(false) => Key::CoordVoteNo,
        None => Key::CoordVoteWaiting,
    }
}

#[component]
pub fn CoordinatorPanel(props: &CoordinatorPanelProps) -> Html {
    let words = words_now();
    let text = |key: Key| words.get(key).to_string();
    let Some(view) = props.coordinator.as_ref() else {
        let switch = {
            let dispatch = props.dispatch.clone();
            Callback::from(move |_: MouseEvent| {
                dispatch.emit(LabAction::SetMode(Mode::Transactional))
            })
        };
        return html! {
            <section class="panel coordinator" aria-label={text(Key::CoordTitle)}>
                <h2>{ text(Key::CoordTitle) }</h2>
                <p class="hint">{ text(Key::CoordNone) }</p>
                <button onclick={switch}>{ text(Key::CoordSwitch) }</button>
            </section>
        };
    };

    let phase_chips = PHASES.iter().map(|(phase, label)| {
        let active = view.phase == *phase;
        html! { <span class={classes!(active.then_some("active"))} aria-current={active.then_some("step")}>{ text(*label) }</span> }
    });
    let outcome = view.last_outcome.map(|(txn, committed)| {
        if committed {
            html! { <span class="status ok">{ words.fill(Key::CoordCommitted, &[("txn", txn.into())]) }</span> }
        } else {
            html! { <span class="status bad">{ words.fill(Key::CoordAborted, &[("txn", txn.into())]) }</span> }
        }
    });
    let transaction = view.transaction.as_ref().map(|t| {
        // The database this transaction writes: the participant of the producer's or the
        // consumer's role among those that vote ("producer-2 DB" with several producers).
        let database = |role: RoleKind| {
            t.votes
                .iter()
                .map(|(node, _)| *node)
                .find(|node| node.role() == role)
                .map_or_else(
                    || words.fill(Key::CoordDb, &[("role", role.name().into())]),
                    |node| node.participant_label().to_string(),
                )
        };
        let what = match t.kind {
            TxnKind::Publish => words.fill(
                Key::CoordPublish,
                &[
                    ("txn", t.txn.into()),
                    ("message", t.message.to_string().into()),
                    ("db", database(RoleKind::Producer).into()),
                ],
            ),
            TxnKind::Consume => words.fill(
                Key::CoordConsume,
                &[
                    ("txn", t.txn.into()),
                    ("message", t.message.to_string().into()),
                    ("db", database(RoleKind::Consumer).into()),
                ],
            ),
        };
        html! { <p class="txn">{ what }</p> }
    });

    let rows = view.participants.iter().map(|p| {
        let (icon, word, style) = participant_status(p.state);
        let word = words.get(word);
        let stats = props.participants.iter().find(|s| s.participant == p.node);
        let waiting = p.in_doubt_since_tick.map(|since| props.tick.saturating_sub(since));
        let vote_in_current = view
            .transaction
            .as_ref()
            .and_then(|t| t.votes.iter().find(|(node, _)| *node == p.node))
            .map(|(_, vote)| *vote);
        let vote = vote_in_current.unwrap_or(p.vote);
        let details = [
            Some(p.txn.map(|t| format!("t{t}")).unwrap_or_else(|| text(Key::CoordNoTransaction))),
            Some(words.fill(Key::CoordVote, &[("vote", words.get(vote_text(vote)).into())])),
            waiting.map(|w| words.fill(Key::CoordInDoubtFor, &[("ticks", w.into())])),
            stats
                .filter(|s| s.blocked_ticks > 0)
                .map(|s| words.fill(Key::CoordInDoubtTotal, &[("ticks", s.blocked_ticks.into())])),
            (!p.locks_held.is_empty()).then(|| {
                words.fill(
                    Key::CoordHolds,
                    &[("locks", p.locks_held.join(words.get(Key::ListComma)).into())],
                )
            }),
        ];
        html! {
            <li class={classes!("participant", (!p.up).then_some("down"))}>
                <div class="who">
                    <strong>{ &p.name }</strong>
                    <span class={classes!("status", style)}><span aria-hidden="true">{ icon }</span>{ format!(" {word}") }</span>
                    if !p.up { <span class="status bad">{ text(Key::CoordNodeDown) }</span> }
                </div>
                <div class="sub">{ details.into_iter().flatten().collect::<Vec<_>>().join(" · ") }</div>
            </li>
        }
    });
    let blocked: u32 = view
        .participants
        .iter()
        .filter(|p| p.state == ParticipantState::InDoubt)
        .count() as u32;

    html! {
        <section class="panel coordinator" aria-label={text(Key::CoordTitle)}>
            <div class="panel-header">
                <h2>{ text(Key::CoordTitle) }</h2>
                if view.up {
                    <span class="status ok">{ text(Key::CoordUp) }</span>
                } else {
                    <span class="status bad">{ text(Key::CoordDown) }</span>
                }
            </div>
            <div class="phase" aria-label={text(Key::CoordPhase)}>{ for phase_chips }</div>
            { for transaction }
            { for outcome }
            if blocked > 0 {
                <p class="blocked" role="status">
                    { words.fill(if view.up { Key::CoordBlocked } else { Key::CoordBlockedDown }, &[("count", blocked.into())]) }
                </p>
            }
            <ul class="participants" aria-label={text(Key::CoordParticipants)}>{ for rows }</ul>
            <h3>{ text(Key::CoordLog) }</h3>
            if view.decision_log.is_empty() {
                <p class="hint">{ text(Key::CoordLogEmpty) }</p>
            } else {
                <ol class="decision-log">{ for view.decision_log.iter().map(|line| html! { <li>{ line }</li> }) }</ol>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_participant_state_has_an_icon_and_a_word() {
        let states = [
            ParticipantState::Working,
            ParticipantState::Prepared,
            ParticipantState::InDoubt,
            ParticipantState::Committed,
            ParticipantState::Aborted,
        ];
        let english = mqlab_text::Words::english();
        let mut words: Vec<&str> = states
            .iter()
            .map(|s| english.get(participant_status(*s).1))
            .collect();
        for state in states {
            let (icon, word, _) = participant_status(state);
            assert!(!icon.is_empty() && !english.get(word).is_empty());
        }
        words.dedup();
        assert_eq!(words.len(), states.len(), "two states share a word");
    }
}
