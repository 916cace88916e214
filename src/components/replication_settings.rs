//! The replicated queue's settings, as Kafka names them: how many brokers hold the
//! queue, the producer's `acks`, `min.insync.replicas`, unclean leader election, and
//! whether a returning replica truncates at the leader-epoch boundary (KIP-101) or to
//! its own high watermark. Changing one starts the run again; a value the core refuses
//! is reported and the current run kept.

use mqlab_sim::{Acks, Mode, Replication};
use yew::prelude::*;

use crate::components::controls::event_value;
use crate::state::{LabAction, Notice};

#[derive(Properties, PartialEq)]
pub struct ReplicationSettingsProps {
    pub mode: Mode,
    /// How many brokers hold the queue (1: not replicated).
    pub brokers: u16,
    pub replication: Replication,
    pub dispatch: Callback<LabAction>,
}

/// A setting's new value, read from the control that changed.
type Change = fn(&mut u16, &mut Replication, Mode, &str) -> Result<(), String>;

fn whole(text: &str) -> Result<u16, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("\"{text}\" is not a whole number"))
}

#[component]
pub fn ReplicationSettings(props: &ReplicationSettingsProps) -> Html {
    let set = |change: Change| {
        let dispatch = props.dispatch.clone();
        let (brokers, replication, mode) = (props.brokers, props.replication.clone(), props.mode);
        Callback::from(move |event: Event| {
            let (mut brokers, mut replication) = (brokers, replication.clone());
            match change(&mut brokers, &mut replication, mode, &event_value(&event)) {
                Ok(()) => dispatch.emit(LabAction::SetReplication {
                    brokers,
                    replication: Box::new(replication),
                }),
                Err(error) => dispatch.emit(LabAction::Notify(Notice::Error(format!(
                    "{error}. The current run is kept."
                )))),
            }
        })
    };
    let on_replicas = set(|brokers, _, _, text| {
        *brokers = whole(text)?;
        Ok(())
    });
    let on_acks = set(|_, r, _, text| {
        r.acks = Some(text.parse::<Acks>().map_err(|e| e.to_string())?);
        Ok(())
    });
    let on_min_isr = set(|_, r, _, text| {
        r.min_insync_replicas = whole(text)?;
        Ok(())
    });
    let on_unclean = set(|_, r, _, _| {
        r.unclean_election = !r.unclean_election;
        Ok(())
    });
    let on_epochs = set(|_, r, _, _| {
        r.truncate_to_high_watermark = !r.truncate_to_high_watermark;
        Ok(())
    });
    let r = &props.replication;
    let acks = r.acks_in(props.mode);
    let single = props.brokers <= 1;
    html! {
        <section class="panel replication-settings" aria-label="Replication">
            <h2>{ "Replication" }</h2>
            <p class="hint">{ "Kafka 3.7 and later (KRaft): a leader, followers that fetch from it, and a controller that elects leaders from the in-sync set." }</p>
            <div class="grid">
                <label for="replicas" title="Brokers holding the queue; broker leads first, the others follow">{ "Replicas" }</label>
                <input id="replicas" type="number" min="1" max="5" value={props.brokers.to_string()} onchange={on_replicas} />
                <label for="acks" title="When the leader confirms a write: 0 never, 1 after its own append, all once every in-sync replica has it">{ "acks" }</label>
                <select id="acks" onchange={on_acks} disabled={single}>
                    { for Acks::ALL.iter().map(|a| html! { <option value={a.as_str()} selected={*a == acks}>{ a.as_str() }</option> }) }
                </select>
                <label for="min-isr" title="With acks=all, fewer in-sync replicas than this refuse writes; the high watermark stops below it">{ "min.insync.replicas" }</label>
                <input id="min-isr" type="number" min="1" max="5" value={r.min_insync_replicas.to_string()} onchange={on_min_isr} disabled={single} />
            </div>
            <p class="checks">
                <span class="field">
                    <input id="unclean" type="checkbox" checked={r.unclean_election} onchange={on_unclean} disabled={single} />
                    <label for="unclean" title="unclean.leader.election.enable: a replica outside the in-sync set may become leader">{ "Unclean election" }</label>
                </span>
                <span class="field">
                    <input id="epochs" type="checkbox" checked={!r.truncate_to_high_watermark} onchange={on_epochs} disabled={single} />
                    <label for="epochs" title="On: a returning replica truncates where its leader epoch ended (KIP-101). Off: to its own high watermark, as before KIP-101">{ "Leader epochs" }</label>
                </span>
            </p>
            if single {
                <p class="hint">{ "One broker: the queue is not replicated. Set 2 to 5 replicas to use these settings." }</p>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replica_count_must_be_a_whole_number() {
        assert_eq!(whole(" 3 "), Ok(3));
        assert!(whole("three").is_err());
        assert!(whole("-1").is_err());
    }
}
