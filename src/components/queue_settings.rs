//! The queue's consumer-side settings, as a RabbitMQ quorum queue has them: prefetch,
//! automatic acks, poison messages and how they fail, the delivery limit and the
//! dead-letter queue. Changing one starts the run again; a value the core refuses is
//! reported and the current run kept.

use mqlab_sim::limits::MAX_WINDOW;
use mqlab_sim::{Command, Mode, PoisonFails, QueueConfig};
use mqlab_text::settings::Key;
use mqlab_text::Words;
use yew::prelude::*;

use crate::components::controls::event_value;
use crate::state::{LabAction, Notice};
use crate::words::current as words_now;

#[derive(Properties, PartialEq)]
pub struct QueueSettingsProps {
    pub mode: Mode,
    pub queue: QueueConfig,
    /// Unacked deliveries per consumer (the broker's delivery window).
    pub prefetch: u32,
    /// Kafka style: the consumers read partitions, so only the poison messages and the
    /// dead-letter topic apply.
    #[prop_or_default]
    pub kafka: bool,
    pub dispatch: Callback<LabAction>,
}

/// Reads "m3 m7" or "3, 7" as message numbers, in increasing order, each once; the
/// error is the word that is no message.
pub fn parse_poison(text: &str) -> Result<Vec<u32>, String> {
    let mut messages = Vec::new();
    for word in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        let digits = word.strip_prefix('m').unwrap_or(word);
        match digits.parse::<u32>() {
            Ok(message) if message >= 1 => messages.push(message),
            _ => return Err(word.to_string()),
        }
    }
    messages.sort_unstable();
    messages.dedup();
    Ok(messages)
}

/// A setting's new value: the queue and the prefetch, changed, or why not.
type Change = fn(&mut QueueConfig, &mut u32, String, &Words) -> Result<(), String>;

/// Why a value is not a whole number.
fn not_whole(words: &Words, what: Key, text: &str) -> String {
    words.fill(
        Key::SettingsWhole,
        &[("what", words.get(what).into()), ("text", text.into())],
    )
}

#[component]
pub fn QueueSettings(props: &QueueSettingsProps) -> Html {
    let words = words_now();
    let set = |change: Change| {
        let dispatch = props.dispatch.clone();
        let (queue, prefetch) = (props.queue.clone(), props.prefetch);
        let words = words.clone();
        Callback::from(move |event: Event| {
            let (mut queue, mut prefetch) = (queue.clone(), prefetch);
            match change(&mut queue, &mut prefetch, event_value(&event), &words) {
                Ok(()) => dispatch.emit(LabAction::SetQueue { queue, prefetch }),
                Err(error) => dispatch.emit(LabAction::Notify(Notice::Error(
                    words.fill(Key::SettingsRefused, &[("error", error.into())]),
                ))),
            }
        })
    };
    let on_prefetch = set(|_, prefetch, text, words| {
        let value: u32 = text
            .trim()
            .parse()
            .map_err(|_| not_whole(words, Key::QueuePrefetchWhat, &text))?;
        *prefetch = if value == 0 { MAX_WINDOW } else { value };
        Ok(())
    });
    let on_poison = set(|queue, _, text, words| {
        queue.poison = parse_poison(&text).map_err(|word| {
            let error = words.fill(Key::QueueNotAMessage, &[("word", word.into())]);
            words.fill(Key::QueuePoisonError, &[("error", error.into())])
        })?;
        Ok(())
    });
    let on_fails = set(|queue, _, text, words| {
        queue.poison_fails = text
            .parse::<PoisonFails>()
            .map_err(|e| e.sentence().told_in(words))?;
        Ok(())
    });
    let on_limit = set(|queue, _, text, words| {
        queue.delivery_limit = text
            .trim()
            .parse()
            .map_err(|_| not_whole(words, Key::QueueDeliveryLimitWhat, &text))?;
        Ok(())
    });
    let on_dlq = set(|queue, _, _, _| {
        queue.dead_letter_queue = !queue.dead_letter_queue;
        Ok(())
    });
    let on_auto_ack = set(|queue, _, _, _| {
        queue.auto_ack = !queue.auto_ack;
        Ok(())
    });
    let poison_text = props
        .queue
        .poison
        .iter()
        .map(|m| format!("m{m}"))
        .collect::<Vec<_>>()
        .join(" ");
    let queue_modes = props.mode != Mode::Transactional;
    let on_replay = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            dispatch.emit(LabAction::Apply(Command::ReplayDeadLetters))
        })
    };
    let kafka = props.kafka;
    let poison_fails_title = words.get(if kafka {
        Key::QueuePoisonFailsKafkaHelp
    } else {
        Key::QueuePoisonFailsHelp
    });
    let (reject, nack) = if kafka {
        (Key::QueueRejectKafka, Key::QueueNackKafka)
    } else {
        (Key::QueueReject, Key::QueueNack)
    };
    let text = |key: Key| words.get(key).to_string();
    html! {
        <section class="panel queue-settings" aria-label={text(Key::QueueAria)}>
            <h2>{ text(if kafka { Key::QueueTitleKafka } else { Key::QueueTitle }) }</h2>
            if kafka {
                <p class="hint">{ text(Key::QueueKafkaHint) }</p>
            } else {
                <p class="hint">{ text(Key::QueueRabbitmqHint) }</p>
            }
            <div class="grid">
                if !kafka {
                    <label for="prefetch" title={text(Key::QueuePrefetchHelp)}>{ text(Key::QueuePrefetch) }</label>
                    <input id="prefetch" type="number" min="0" max="1024" value={props.prefetch.to_string()} onchange={on_prefetch} />
                }
                <label for="poison" title={text(Key::QueuePoisonHelp)}>{ text(Key::QueuePoison) }</label>
                <input id="poison" type="text" placeholder={text(Key::QueuePoisonPlaceholder)} value={poison_text} onchange={on_poison} disabled={!queue_modes} />
                <label for="poison-fails" title={poison_fails_title.to_string()}>{ text(Key::QueuePoisonFails) }</label>
                <select id="poison-fails" onchange={on_fails} disabled={!queue_modes}>
                    <option value="crash" selected={props.queue.poison_fails == PoisonFails::Crash}>{ text(Key::QueueCrashConsumer) }</option>
                    <option value="reject" selected={props.queue.poison_fails == PoisonFails::Reject}>{ text(reject) }</option>
                    <option value="nack" selected={props.queue.poison_fails == PoisonFails::Nack}>{ text(nack) }</option>
                </select>
                if !kafka {
                    <label for="delivery-limit" title={text(Key::QueueDeliveryLimitHelp)}>{ text(Key::QueueDeliveryLimit) }</label>
                    <input id="delivery-limit" type="number" min="0" max="1000" value={props.queue.delivery_limit.to_string()} onchange={on_limit} />
                }
            </div>
            <p class="checks">
                <span class="field">
                    <input id="dlq" type="checkbox" checked={props.queue.dead_letter_queue} onchange={on_dlq} />
                    if kafka {
                        <label for="dlq" title={text(Key::QueueDltHelp)}>{ text(Key::QueueDlt) }</label>
                    } else {
                        <label for="dlq" title="x-dead-letter-exchange">{ text(Key::QueueDlq) }</label>
                    }
                </span>
                if !kafka {
                    <span class="field">
                        <input id="auto-ack" type="checkbox" checked={props.queue.auto_ack} onchange={on_auto_ack} disabled={!queue_modes} />
                        <label for="auto-ack" title={text(Key::QueueAutoAckHelp)}>{ text(Key::QueueAutoAck) }</label>
                    </span>
                }
            </p>
            if props.queue.dead_letter_queue && queue_modes && !kafka {
                <button class="small" onclick={on_replay} title={text(Key::QueueReplayHelp)}>{ text(Key::QueueReplay) }</button>
            }
            if !queue_modes {
                <p class="hint">{ text(Key::QueueTransactionalHint) }</p>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poison_lists_read_in_any_reasonable_form() {
        assert_eq!(parse_poison("m7, m3 3"), Ok(vec![3, 7]));
        assert_eq!(parse_poison(""), Ok(vec![]));
        assert!(parse_poison("m0").is_err());
        assert!(parse_poison("mx").is_err());
    }
}
