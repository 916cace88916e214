//! The 2PC coordinator panel: the phase, the transaction being decided with each
//! participant's vote and state, in-doubt timers and held locks, and the decision log.

use mqlab_sim::{
    CoordinatorPhase, CoordinatorView, Mode, ParticipantState, ParticipantStats, RoleKind, TxnKind,
};
use yew::prelude::*;

use crate::state::LabAction;

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
const PHASES: [(CoordinatorPhase, &str); 5] = [
    (CoordinatorPhase::Idle, "init"),
    (CoordinatorPhase::Working, "working"),
    (CoordinatorPhase::Preparing, "preparing"),
    (CoordinatorPhase::Committing, "decided"),
    (CoordinatorPhase::Done, "all done"),
];

/// A participant's state as icon, word and style (never colour alone).
pub fn participant_status(state: ParticipantState) -> (&'static str, &'static str, &'static str) {
    match state {
        ParticipantState::Working => ("○", "working", "muted"),
        ParticipantState::Prepared => ("◐", "prepared", "info"),
        ParticipantState::InDoubt => ("◷", "in doubt", "doubt"),
        ParticipantState::Committed => ("✔", "committed", "ok"),
        ParticipantState::Aborted => ("✖", "aborted", "bad"),
    }
}

fn vote_text(vote: Option<bool>) -> &'static str {
    match vote {
        Some(true) => "✔ yes",
        Some(false) => "✖ no",
        None => "… waiting",
    }
}

#[component]
pub fn CoordinatorPanel(props: &CoordinatorPanelProps) -> Html {
    let Some(view) = props.coordinator.as_ref() else {
        let switch = {
            let dispatch = props.dispatch.clone();
            Callback::from(move |_: MouseEvent| {
                dispatch.emit(LabAction::SetMode(Mode::Transactional))
            })
        };
        return html! {
            <section class="panel coordinator" aria-label="2PC coordinator">
                <h2>{ "2PC coordinator" }</h2>
                <p class="hint">{ "This mode has no coordinator: each hop is protected (or not) by acks and retries alone. In transactional mode a coordinator runs two-phase commit so that a publish, or a consume–apply–ack, happens on every participant or on none." }</p>
                <button onclick={switch}>{ "Switch to Transactional (2PC)" }</button>
            </section>
        };
    };

    let phase_chips = PHASES.iter().map(|(phase, label)| {
        let active = view.phase == *phase;
        html! { <span class={classes!(active.then_some("active"))} aria-current={active.then_some("step")}>{ *label }</span> }
    });
    let outcome = view.last_outcome.map(|(txn, committed)| {
        if committed {
            html! { <span class="status ok">{ format!("✔ t{txn} committed") }</span> }
        } else {
            html! { <span class="status bad">{ format!("✖ t{txn} aborted") }</span> }
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
                    || format!("{} DB", role.name()),
                    |node| node.participant_label().to_string(),
                )
        };
        let what = match t.kind {
            TxnKind::Publish => format!(
                "t{}: write {} to the {} and publish it",
                t.txn,
                t.message,
                database(RoleKind::Producer)
            ),
            TxnKind::Consume => format!(
                "t{}: take {} from the broker and apply it to the {}",
                t.txn,
                t.message,
                database(RoleKind::Consumer)
            ),
        };
        html! { <p class="txn">{ what }</p> }
    });

    let rows = view.participants.iter().map(|p| {
        let (icon, word, style) = participant_status(p.state);
        let stats = props.participants.iter().find(|s| s.participant == p.node);
        let waiting = p.in_doubt_since_tick.map(|since| props.tick.saturating_sub(since));
        let vote_in_current = view
            .transaction
            .as_ref()
            .and_then(|t| t.votes.iter().find(|(node, _)| *node == p.node))
            .map(|(_, vote)| *vote);
        let vote = vote_in_current.unwrap_or(p.vote);
        let details = [
            Some(p.txn.map(|t| format!("t{t}")).unwrap_or_else(|| "no transaction yet".into())),
            Some(format!("vote {}", vote_text(vote))),
            waiting.map(|w| format!("in doubt for {w} ticks")),
            stats
                .filter(|s| s.blocked_ticks > 0)
                .map(|s| format!("in doubt {} ticks in all", s.blocked_ticks)),
            (!p.locks_held.is_empty()).then(|| format!("▣ holds {}", p.locks_held.join(", "))),
        ];
        html! {
            <li class={classes!("participant", (!p.up).then_some("down"))}>
                <div class="who">
                    <strong>{ &p.name }</strong>
                    <span class={classes!("status", style)}><span aria-hidden="true">{ icon }</span>{ format!(" {word}") }</span>
                    if !p.up { <span class="status bad">{ "✖ node down" }</span> }
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
        <section class="panel coordinator" aria-label="2PC coordinator">
            <div class="panel-header">
                <h2>{ "2PC coordinator" }</h2>
                if view.up {
                    <span class="status ok">{ "● up" }</span>
                } else {
                    <span class="status bad">{ "✖ down" }</span>
                }
            </div>
            <div class="phase" aria-label="Phase">{ for phase_chips }</div>
            { for transaction }
            { for outcome }
            if blocked > 0 {
                <p class="blocked" role="status">
                    { format!("◷ {blocked} participant{} in doubt: prepared, holding locks, and unable to decide alone{}.",
                        if blocked == 1 { " is" } else { "s are" },
                        if view.up { "" } else { " while the coordinator is down" }) }
                </p>
            }
            <ul class="participants" aria-label="Participants">{ for rows }</ul>
            <h3>{ "Decision log (coordinator's disk)" }</h3>
            if view.decision_log.is_empty() {
                <p class="hint">{ "No decision logged yet." }</p>
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
        let mut words: Vec<&str> = states.iter().map(|s| participant_status(*s).1).collect();
        for state in states {
            let (icon, word, _) = participant_status(state);
            assert!(!icon.is_empty() && !word.is_empty());
        }
        words.dedup();
        assert_eq!(words.len(), states.len(), "two states share a word");
    }
}
