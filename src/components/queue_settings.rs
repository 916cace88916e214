//! The queue's consumer-side settings, as a RabbitMQ quorum queue has them: prefetch,
//! automatic acks, poison messages and how they fail, the delivery limit and the
//! dead-letter queue. Changing one starts the run again; a value the core refuses is
//! reported and the current run kept.

use mqlab_sim::limits::MAX_WINDOW;
use mqlab_sim::{Command, Mode, PoisonFails, QueueConfig};
use yew::prelude::*;

use crate::components::controls::event_value;
use crate::state::{LabAction, Notice};

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

/// Reads "m3 m7" or "3, 7" as message numbers, in increasing order, each once.
pub fn parse_poison(text: &str) -> Result<Vec<u32>, String> {
    let mut messages = Vec::new();
    for word in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        let digits = word.strip_prefix('m').unwrap_or(word);
        match digits.parse::<u32>() {
            Ok(message) if message >= 1 => messages.push(message),
            _ => return Err(format!("\"{word}\" is not a message such as m3")),
        }
    }
    messages.sort_unstable();
    messages.dedup();
    Ok(messages)
}

#[component]
pub fn QueueSettings(props: &QueueSettingsProps) -> Html {
    let set = |change: fn(&mut QueueConfig, &mut u32, String) -> Result<(), String>| {
        let dispatch = props.dispatch.clone();
        let (queue, prefetch) = (props.queue.clone(), props.prefetch);
        Callback::from(move |event: Event| {
            let (mut queue, mut prefetch) = (queue.clone(), prefetch);
            match change(&mut queue, &mut prefetch, event_value(&event)) {
                Ok(()) => dispatch.emit(LabAction::SetQueue { queue, prefetch }),
                Err(error) => dispatch.emit(LabAction::Notify(Notice::Error(format!(
                    "{error}. The current run is kept."
                )))),
            }
        })
    };
    let on_prefetch = set(|_, prefetch, text| {
        let value: u32 = text
            .trim()
            .parse()
            .map_err(|_| format!("The prefetch must be a whole number; \"{text}\" is not"))?;
        *prefetch = if value == 0 { MAX_WINDOW } else { value };
        Ok(())
    });
    let on_poison = set(|queue, _, text| {
        queue.poison = parse_poison(&text).map_err(|e| format!("Poison messages: {e}"))?;
        Ok(())
    });
    let on_fails = set(|queue, _, text| {
        queue.poison_fails = text.parse::<PoisonFails>().map_err(|e| e.to_string())?;
        Ok(())
    });
    let on_limit = set(|queue, _, text| {
        queue.delivery_limit = text
            .trim()
            .parse()
            .map_err(|_| format!("The delivery limit must be a whole number; \"{text}\" is not"))?;
        Ok(())
    });
    let on_dlq = set(|queue, _, _| {
        queue.dead_letter_queue = !queue.dead_letter_queue;
        Ok(())
    });
    let on_auto_ack = set(|queue, _, _| {
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
    let poison_fails_title = if kafka {
        "The consumer crashes, throws (retried), or throws a not-retryable exception"
    } else {
        "How a poison message fails: the consumer crashes, rejects it with requeue (basic.reject), or rejects it without (basic.nack, requeue=false)"
    };
    let (reject, nack) = if kafka {
        ("throw, retried", "throw, not retryable")
    } else {
        ("reject, requeue", "nack, no requeue")
    };
    html! {
        <section class="panel queue-settings" aria-label="Queue">
            <h2>{ if kafka { "Poison records" } else { "Queue" } }</h2>
            if kafka {
                <p class="hint">{ "A Kafka broker has no delivery limit: the consumer's error handler (Spring for Apache Kafka 3.3) decides." }</p>
            } else {
                <p class="hint">{ "A RabbitMQ quorum queue (4.0–4.2): every return to the queue counts toward the delivery limit." }</p>
            }
            <div class="grid">
                if !kafka {
                    <label for="prefetch" title="Unacked deliveries per consumer (basic.qos); 0 for no limit">{ "Prefetch" }</label>
                    <input id="prefetch" type="number" min="0" max="1024" value={props.prefetch.to_string()} onchange={on_prefetch} />
                }
                <label for="poison" title="Messages that fail every consumer that takes them, e.g. m3 m7">{ "Poison messages" }</label>
                <input id="poison" type="text" placeholder="e.g. m3" value={poison_text} onchange={on_poison} disabled={!queue_modes} />
                <label for="poison-fails" title={poison_fails_title}>{ "Poison fails by" }</label>
                <select id="poison-fails" onchange={on_fails} disabled={!queue_modes}>
                    <option value="crash" selected={props.queue.poison_fails == PoisonFails::Crash}>{ "crash consumer" }</option>
                    <option value="reject" selected={props.queue.poison_fails == PoisonFails::Reject}>{ reject }</option>
                    <option value="nack" selected={props.queue.poison_fails == PoisonFails::Nack}>{ nack }</option>
                </select>
                if !kafka {
                    <label for="delivery-limit" title="A message returned to the queue more times than this is dead-lettered, or dropped without a dead-letter queue; 0 for no limit">{ "Delivery limit" }</label>
                    <input id="delivery-limit" type="number" min="0" max="1000" value={props.queue.delivery_limit.to_string()} onchange={on_limit} />
                }
            </div>
            <p class="checks">
                <span class="field">
                    <input id="dlq" type="checkbox" checked={props.queue.dead_letter_queue} onchange={on_dlq} />
                    if kafka {
                        <label for="dlq" title="<topic>-dlt; without it the record is skipped">{ "Dead-letter topic" }</label>
                    } else {
                        <label for="dlq" title="x-dead-letter-exchange">{ "Dead-letter queue" }</label>
                    }
                </span>
                if !kafka {
                    <span class="field">
                        <input id="auto-ack" type="checkbox" checked={props.queue.auto_ack} onchange={on_auto_ack} disabled={!queue_modes} />
                        <label for="auto-ack" title="The broker forgets each message as it delivers it">{ "Automatic acks" }</label>
                    </span>
                }
            </p>
            if props.queue.dead_letter_queue && queue_modes && !kafka {
                <button class="small" onclick={on_replay} title="Move the dead-letter queue's messages back to the queue, at its tail, with a fresh delivery count">{ "↻ Replay dead letters" }</button>
            }
            if !queue_modes {
                <p class="hint">{ "In transactional mode the consumer's ack is part of its transaction: poison messages and automatic acks are for the queue modes." }</p>
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
