//! "In real systems": for the mode on screen, the Kafka and RabbitMQ settings that give
//! it, a short client sketch in Python and Rust for each, and what the simulator leaves
//! out. The text is static: it describes the real systems, not this run, so it shows no
//! count (every count on the page comes from the ledger). It lives in a catalogue file
//! (static/text/en/real-systems.txt) fetched when the panel first shows: the first view
//! draws the run without waiting for it.

use mqlab_sim::Mode;
use yew::prelude::*;

use crate::lazy::{self, Loaded, Part};
use crate::words::current as words_now;
use mqlab_text::settings::Key;
use mqlab_text::{Catalogue, Words};

/// What the panel maps to the real systems: the run's settings that change it. The page
/// hands them to the analysis module, which shows the panel, as one short text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RealSystemsSettings {
    pub mode: Mode,
    pub txn_size: u32,
    pub replicated: bool,
    pub many_consumers: bool,
}

impl RealSystemsSettings {
    /// `mode,size,replicated,many` with flags as 0 or 1, e.g. `idempotent,1,0,1`.
    pub fn to_args(self) -> String {
        format!(
            "{},{},{},{}",
            self.mode.as_str(),
            self.txn_size,
            u8::from(self.replicated),
            u8::from(self.many_consumers)
        )
    }

    /// Reads `to_args`'s text; anything it cannot read is the default at-least-once queue.
    pub fn from_args(text: &str) -> RealSystemsSettings {
        let mut parts = text.split(',');
        let mode = parts
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(Mode::AtLeastOnce);
        let txn_size = parts.next().and_then(|n| n.parse().ok()).unwrap_or(1);
        let mut flag = || parts.next() == Some("1");
        let replicated = flag();
        let many_consumers = flag();
        RealSystemsSettings {
            mode,
            txn_size,
            replicated,
            many_consumers,
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct RealSystemsProps {
    pub mode: Mode,
    /// Messages per transaction (per batch outside transactional mode).
    #[prop_or(1)]
    pub txn_size: u32,
    /// The queue is replicated over several brokers: the replication settings are
    /// mapped too.
    #[prop_or_default]
    pub replicated: bool,
    /// Several consumers, or Kafka consumer groups: the consumer settings are mapped.
    #[prop_or_default]
    pub many_consumers: bool,
}

/// A mode's name, as the core's `Mode::label` gives it in English.
fn mode_name(mode: Mode) -> Key {
    match mode {
        Mode::AtMostOnce => Key::RealModeAtMostOnce,
        Mode::AtLeastOnce => Key::RealModeAtLeastOnce,
        Mode::Idempotent => Key::RealModeIdempotent,
        Mode::Transactional => Key::RealModeTransactional,
    }
}

/// The catalogue key of what the simulator leaves out in a mode.
fn abstracted_key(mode: Mode) -> &'static str {
    match mode {
        Mode::Transactional => "transactional.abstracted",
        _ => "queue.abstracted",
    }
}

#[component]
pub fn RealSystems(props: &RealSystemsProps) -> Html {
    let words = words_now();
    let words = &*words;
    let mode = props.mode;
    let (loaded, retry) = lazy::use_part(Part::RealSystems);
    let batch_note = if props.txn_size > 1 {
        let key = if mode == Mode::Transactional {
            Key::RealTransactionSize
        } else {
            Key::RealBatchSize
        };
        words.fill(key, &[("size", props.txn_size.into())])
    } else {
        String::new()
    };
    let body = match &loaded {
        Loaded::Ready(text) => html! { <>
            { panel_body(words, text, mode) }
            if props.replicated { { replication_body(words, text) } }
            if props.many_consumers { { consumers_body(words, text) } }
        </> },
        other => lazy::status(Part::RealSystems, other, &retry),
    };
    html! {
        <section class="panel real-systems" aria-label={words.get(Key::RealTitle)} aria-busy={(loaded == Loaded::Loading).to_string()}>
            <div class="panel-header">
                <h2>{ words.get(Key::RealTitle) }</h2>
                <span class="hint">{ words.fill(Key::RealWith, &[("mode", words.get(mode_name(mode)).into())]) }</span>
            </div>
            if !batch_note.is_empty() {
                <p class="hint">{ batch_note }</p>
            }
            { body }
        </section>
    }
}

fn settings_table(text: &Catalogue, caption: &str, key: &str) -> Html {
    html! {
        <table class="real-settings">
            <caption>{ caption.to_string() }</caption>
            <tbody>
                { for text.pairs(key).into_iter().map(|(name, value)| html! {
                    <tr><th scope="row"><code>{ name.to_string() }</code></th><td>{ value.to_string() }</td></tr>
                }) }
            </tbody>
        </table>
    }
}

/// The replicated queue: each setting by Kafka's name and the quorum queue's nearest
/// equivalent, and where the two differ.
fn replication_body(words: &Words, text: &Catalogue) -> Html {
    html! {
        <>
            <h3>{ words.get(Key::RealReplication) }</h3>
            <div class="real-columns">
                { settings_table(text, "Kafka", "replication.kafka") }
                { settings_table(text, words.get(Key::RealQuorumQueue), "replication.rabbitmq") }
            </div>
            <h3>{ words.get(Key::RealDiffer) }</h3>
            <ul class="abstracted">
                { for text.lines("replication.differences").into_iter().map(|line| html! { <li>{ line.to_string() }</li> }) }
            </ul>
        </>
    }
}

/// Many consumers: Kafka's consumer settings and RabbitMQ's, and where they differ.
fn consumers_body(words: &Words, text: &Catalogue) -> Html {
    html! {
        <>
            <h3>{ words.get(Key::RealManyConsumers) }</h3>
            <div class="real-columns">
                { settings_table(text, words.get(Key::RealKafkaGroups), "consumers.kafka") }
                { settings_table(text, words.get(Key::RealRabbitmqCompeting), "consumers.rabbitmq") }
            </div>
            <h3>{ words.get(Key::RealDiffer) }</h3>
            <ul class="abstracted">
                { for text.lines("consumers.differences").into_iter().map(|line| html! { <li>{ line.to_string() }</li> }) }
            </ul>
        </>
    }
}

/// The panel's tables, sketches and list, read from its catalogue.
fn panel_body(words: &Words, text: &Catalogue, mode: Mode) -> Html {
    let slug = mode.as_str();
    let table = |caption: &str, key: String| settings_table(text, caption, &key);
    html! {
        <>
            <div class="real-columns">
                { table("Kafka", format!("{slug}.kafka")) }
                { table("RabbitMQ", format!("{slug}.rabbitmq")) }
            </div>
            <details>
                <summary>{ words.get(Key::RealPython) }</summary>
                <pre><code>{ text.text(&format!("{slug}.python")) }</code></pre>
            </details>
            <details>
                <summary>{ words.get(Key::RealRust) }</summary>
                <pre><code>{ text.text(&format!("{slug}.rust")) }</code></pre>
            </details>
            <h3>{ words.get(Key::RealAbstracted) }</h3>
            <ul class="abstracted">
                { for text.lines(abstracted_key(mode)).into_iter().map(|line| html! { <li>{ line.to_string() }</li> }) }
            </ul>
        </>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_settings_survive_their_text() {
        use super::RealSystemsSettings;
        let settings = RealSystemsSettings {
            mode: mqlab_sim::Mode::Idempotent,
            txn_size: 3,
            replicated: true,
            many_consumers: false,
        };
        assert_eq!(
            RealSystemsSettings::from_args(&settings.to_args()),
            settings
        );
        assert_eq!(
            RealSystemsSettings::from_args("nonsense").mode,
            mqlab_sim::Mode::AtLeastOnce
        );
    }

    use super::*;

    const FILE: &str = include_str!("../../static/text/en/real-systems.txt");

    #[test]
    fn every_mode_names_the_kafka_and_rabbitmq_settings_the_issue_lists() {
        let text = Catalogue::parse(FILE).expect("the real-systems catalogue is well formed");
        for mode in Mode::ALL {
            let slug = mode.as_str();
            let kafka: Vec<&str> = text
                .pairs(&format!("{slug}.kafka"))
                .into_iter()
                .map(|(name, _)| name)
                .collect();
            for name in [
                "acks",
                "retries",
                "enable.idempotence",
                "max.in.flight.requests.per.connection",
                "transactional.id",
                "isolation.level",
                "offsets",
            ] {
                assert!(kafka.contains(&name), "{mode:?} lacks {name}");
            }
            let rabbit: Vec<&str> = text
                .pairs(&format!("{slug}.rabbitmq"))
                .into_iter()
                .map(|(name, _)| name)
                .collect();
            for name in [
                "publisher confirms",
                "acks",
                "redelivered flag",
                "prefetch",
                "queue type",
                "consumer-side deduplication",
            ] {
                assert!(rabbit.contains(&name), "{mode:?} lacks {name}");
            }
            for (name, value) in text
                .pairs(&format!("{slug}.kafka"))
                .into_iter()
                .chain(text.pairs(&format!("{slug}.rabbitmq")))
            {
                assert!(!value.is_empty(), "{mode:?}: {name} has no value");
            }
            for sketch in ["python", "rust"] {
                let key = format!("{slug}.{sketch}");
                assert!(
                    text.get(&key).is_some_and(|code| code.lines().count() >= 3),
                    "{key}"
                );
            }
            assert!(text.lines(abstracted_key(mode)).len() >= 3, "{mode:?}");
        }
    }

    #[test]
    fn the_mode_names_are_the_cores() {
        let english = Words::english();
        for mode in Mode::ALL {
            assert_eq!(english.get(mode_name(mode)), mode.label());
        }
    }

    #[test]
    fn the_consumer_settings_name_what_kafka_and_rabbitmq_call_them() {
        let text = Catalogue::parse(FILE).expect("the real-systems catalogue is well formed");
        let names = |key: &str| -> Vec<String> {
            text.pairs(key)
                .into_iter()
                .map(|(name, value)| {
                    assert!(!value.is_empty(), "{key}: {name} has no value");
                    name.to_string()
                })
                .collect()
        };
        let kafka = names("consumers.kafka");
        for name in [
            "enable.auto.commit",
            "auto.commit.interval.ms",
            "session.timeout.ms",
            "commitSync()",
            "ConsumerRebalanceListener",
            "DefaultErrorHandler",
            "dead-letter topic",
        ] {
            assert!(kafka.iter().any(|n| n == name), "Kafka lacks {name}");
        }
        let rabbit = names("consumers.rabbitmq");
        for name in [
            "basic.qos",
            "basic.ack",
            "basic.nack / basic.reject",
            "redelivered",
            "x-delivery-limit",
            "x-dead-letter-exchange",
            "single active consumer",
        ] {
            assert!(rabbit.iter().any(|n| n == name), "RabbitMQ lacks {name}");
        }
        assert!(text.lines("consumers.differences").len() >= 3);
        // The file's comments between entries are no entry's text.
        for key in [
            "queue.abstracted",
            "transactional.abstracted",
            "replication.differences",
        ] {
            assert!(
                text.lines(key).iter().all(|line| !line.starts_with('#')),
                "{key}"
            );
        }
    }

    #[test]
    fn each_replication_setting_has_its_kafka_name_and_a_quorum_queue_equivalent() {
        let text = Catalogue::parse(FILE).expect("the real-systems catalogue is well formed");
        let kafka: Vec<&str> = text
            .pairs("replication.kafka")
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        for name in [
            "acks",
            "min.insync.replicas",
            "unclean.leader.election.enable",
            "replica.lag.time.max.ms",
            "leader epochs",
        ] {
            assert!(kafka.contains(&name), "replication lacks {name}");
        }
        let rabbit = text.pairs("replication.rabbitmq");
        for name in kafka {
            assert!(
                rabbit
                    .iter()
                    .any(|(n, value)| *n == name && !value.is_empty()),
                "the quorum queue lacks {name}"
            );
        }
        let min_isr = text
            .pairs("replication.kafka")
            .into_iter()
            .find(|(name, _)| *name == "min.insync.replicas")
            .map(|(_, value)| value);
        assert!(min_isr.is_some_and(|v| v.contains("Kafka 3.7 and later")));
        assert!(text.lines("replication.differences").len() >= 3);
    }
}
