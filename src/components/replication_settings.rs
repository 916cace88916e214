//! The replicated queue's settings, as Kafka names them: how many brokers hold the
//! queue, the producer's `acks`, `min.insync.replicas`, unclean leader election, and
//! whether a returning replica truncates at the leader-epoch boundary (KIP-101) or to
//! its own high watermark. Changing one starts the run again; a value the core refuses
//! is reported and the current run kept.

use mqlab_sim::{Acks, Mode, Replication};
use mqlab_text::settings::Key;
use mqlab_text::Words;
use yew::prelude::*;

use crate::components::controls::event_value;
use crate::state::{LabAction, Notice};
use crate::words::current as words_now;

#[derive(Properties, PartialEq)]
pub struct ReplicationSettingsProps {
    pub mode: Mode,
    /// How many brokers hold the queue (1: not replicated).
    pub brokers: u16,
    pub replication: Replication,
    pub dispatch: Callback<LabAction>,
}

/// A setting's new value, read from the control that changed.
type Change = fn(&mut u16, &mut Replication, Mode, &str, &Words) -> Result<(), String>;

fn whole(words: &Words, text: &str) -> Result<u16, String> {
    text.trim()
        .parse()
        .map_err(|_| words.fill(Key::ReplicationSettingsNotWhole, &[("text", text.into())]))
}

#[component]
pub fn ReplicationSettings(props: &ReplicationSettingsProps) -> Html {
    let words = words_now();
    let set = |change: Change| {
        let dispatch = props.dispatch.clone();
        let (brokers, replication, mode) = (props.brokers, props.replication.clone(), props.mode);
        let words = words.clone();
        Callback::from(move |event: Event| {
            let (mut brokers, mut replication) = (brokers, replication.clone());
            match change(
                &mut brokers,
                &mut replication,
                mode,
                &event_value(&event),
                &words,
            ) {
                Ok(()) => dispatch.emit(LabAction::SetReplication {
                    brokers,
                    replication: Box::new(replication),
                }),
                Err(error) => dispatch.emit(LabAction::Notify(Notice::Error(
                    words.fill(Key::SettingsRefused, &[("error", error.into())]),
                ))),
            }
        })
    };
    let on_replicas = set(|brokers, _, _, text, words| {
        *brokers = whole(words, text)?;
        Ok(())
    });
    let on_acks = set(|_, r, _, text, words| {
        r.acks = Some(
            text.parse::<Acks>()
                .map_err(|e| e.sentence().told_in(words))?,
        );
        Ok(())
    });
    let on_min_isr = set(|_, r, _, text, words| {
        r.min_insync_replicas = whole(words, text)?;
        Ok(())
    });
    let on_unclean = set(|_, r, _, _, _| {
        r.unclean_election = !r.unclean_election;
        Ok(())
    });
    let on_epochs = set(|_, r, _, _, _| {
        r.truncate_to_high_watermark = !r.truncate_to_high_watermark;
        Ok(())
    });
    let r = &props.replication;
    let acks = r.acks_in(props.mode);
    let single = props.brokers <= 1;
    let text = |key: Key| words.get(key).to_string();
    html! {
        <section class="panel replication-settings" aria-label={text(Key::ReplicationSettingsTitle)}>
            <h2>{ text(Key::ReplicationSettingsTitle) }</h2>
            <p class="hint">{ text(Key::ReplicationSettingsHint) }</p>
            <div class="grid">
                <label for="replicas" title={text(Key::ReplicationSettingsReplicasHelp)}>{ text(Key::ReplicationSettingsReplicas) }</label>
                <input id="replicas" type="number" min="1" max="5" value={props.brokers.to_string()} onchange={on_replicas} />
                <label for="acks" title={text(Key::ReplicationSettingsAcksHelp)}>{ "acks" }</label>
                <select id="acks" onchange={on_acks} disabled={single}>
                    { for Acks::ALL.iter().map(|a| html! { <option value={a.as_str()} selected={*a == acks}>{ a.as_str() }</option> }) }
                </select>
                <label for="min-isr" title={text(Key::ReplicationSettingsMinIsrHelp)}>{ "min.insync.replicas" }</label>
                <input id="min-isr" type="number" min="1" max="5" value={r.min_insync_replicas.to_string()} onchange={on_min_isr} disabled={single} />
            </div>
            <p class="checks">
                <span class="field">
                    <input id="unclean" type="checkbox" checked={r.unclean_election} onchange={on_unclean} disabled={single} />
                    <label for="unclean" title={text(Key::ReplicationSettingsUncleanHelp)}>{ text(Key::ReplicationSettingsUnclean) }</label>
                </span>
                <span class="field">
                    <input id="epochs" type="checkbox" checked={!r.truncate_to_high_watermark} onchange={on_epochs} disabled={single} />
                    <label for="epochs" title={text(Key::ReplicationSettingsEpochsHelp)}>{ text(Key::ReplicationSettingsEpochs) }</label>
                </span>
            </p>
            if single {
                <p class="hint">{ text(Key::ReplicationSettingsSingle) }</p>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replica_count_must_be_a_whole_number() {
        let words = Words::english();
        assert_eq!(whole(&words, " 3 "), Ok(3));
        assert_eq!(
            whole(&words, "three"),
            Err("\"three\" is not a whole number".to_string())
        );
        assert!(whole(&words, "-1").is_err());
    }
}
