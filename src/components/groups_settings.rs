//! The consuming side's style and, in Kafka style, the consumer groups' settings as
//! the Java client names them: groups, members per group, partitions, keys, when
//! offsets are committed (`commitSync` before or after processing, or
//! `enable.auto.commit` every `auto.commit.interval.ms`), `session.timeout.ms`, and
//! how many attempts the error handler makes on a record that throws. Changing one
//! starts the run again; a value the core refuses is reported and the current run kept.

use mqlab_sim::{CommitStrategy, KafkaConfig, Mode};
use yew::prelude::*;

use crate::components::controls::event_value;
use crate::state::{LabAction, Notice};

#[derive(Properties, PartialEq)]
pub struct GroupsSettingsProps {
    pub mode: Mode,
    /// The consumer groups' settings (none: the RabbitMQ-style queue).
    pub kafka: Option<KafkaConfig>,
    /// Every consumer (with groups, the members of every group).
    pub consumers: u16,
    /// More than one broker: consumer groups need one.
    pub replicated: bool,
    pub dispatch: Callback<LabAction>,
}

/// The settings a switch to Kafka style starts from: one group with a member per
/// consumer (up to six) over three partitions, committing after processing.
fn kafka_defaults(consumers: u16) -> (KafkaConfig, u16) {
    let members = consumers.clamp(1, mqlab_sim::limits::MAX_GROUP_MEMBERS);
    (
        KafkaConfig {
            partitions: 3,
            ..KafkaConfig::default()
        },
        members,
    )
}

fn whole<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{what} must be a whole number; \"{text}\" is not"))
}

/// A setting's new value: the config and the members per group, changed.
type Change = fn(&mut KafkaConfig, &mut u16, &str) -> Result<(), String>;

#[component]
pub fn GroupsSettings(props: &GroupsSettingsProps) -> Html {
    let on_style = {
        let dispatch = props.dispatch.clone();
        let consumers = props.consumers;
        let current = props.kafka.clone();
        Callback::from(move |event: Event| {
            let kafka = event_value(&event) == "kafka";
            let action = match (kafka, &current) {
                (true, None) => {
                    let (config, members) = kafka_defaults(consumers);
                    LabAction::SetConsumers {
                        kafka: Some(Box::new(config)),
                        consumers: members,
                    }
                }
                (false, Some(_)) => LabAction::SetConsumers {
                    kafka: None,
                    consumers: consumers.min(mqlab_sim::limits::MAX_CONSUMERS),
                },
                _ => return,
            };
            dispatch.emit(action);
        })
    };
    let set = |change: Change| {
        let dispatch = props.dispatch.clone();
        let kafka = props.kafka.clone().unwrap_or_default();
        let members = kafka.members(props.consumers);
        Callback::from(move |event: Event| {
            let (mut kafka, mut members) = (kafka.clone(), members);
            match change(&mut kafka, &mut members, &event_value(&event)) {
                Ok(()) => dispatch.emit(LabAction::SetConsumers {
                    consumers: members.saturating_mul(kafka.groups),
                    kafka: Some(Box::new(kafka)),
                }),
                Err(error) => dispatch.emit(LabAction::Notify(Notice::Error(format!(
                    "{error}. The current run is kept."
                )))),
            }
        })
    };
    let on_groups = set(|k, _, text| {
        k.groups = whole(text, "The number of groups")?;
        Ok(())
    });
    let on_members = set(|_, members, text| {
        *members = whole(text, "The members of a group")?;
        Ok(())
    });
    let on_partitions = set(|k, _, text| {
        k.partitions = whole(text, "The number of partitions")?;
        Ok(())
    });
    let on_keys = set(|k, _, text| {
        k.keys = whole(text, "The number of keys")?;
        Ok(())
    });
    let on_commit = set(|k, _, text| {
        k.commit = text.parse::<CommitStrategy>().map_err(|e| e.to_string())?;
        Ok(())
    });
    let on_auto_commit = set(|k, _, text| {
        k.auto_commit_ticks = whole(text, "The auto-commit interval")?;
        Ok(())
    });
    let on_session = set(|k, _, text| {
        k.session_timeout_ticks = whole(text, "The session timeout")?;
        Ok(())
    });
    let on_attempts = set(|k, _, text| {
        k.max_attempts = whole(text, "The error handler's attempts")?;
        Ok(())
    });
    let blocked = props.mode == Mode::Transactional || props.replicated;
    let style = html! {
        <p class="checks">
            <label for="consumer-style">{ "Consumers as " }</label>
            <select id="consumer-style" onchange={on_style} disabled={blocked && props.kafka.is_none()}>
                <option value="rabbitmq" selected={props.kafka.is_none()}>{ "RabbitMQ: one queue, competing consumers" }</option>
                <option value="kafka" selected={props.kafka.is_some()}>{ "Kafka: consumer groups on partitions" }</option>
            </select>
        </p>
    };
    let Some(k) = &props.kafka else {
        return html! {
            <section class="panel groups-settings" aria-label="Consumer groups">
                <h2>{ "Consumers" }</h2>
                { style }
                if blocked {
                    <p class="hint">{ "Kafka groups need one broker and a non-transactional mode." }</p>
                }
            </section>
        };
    };
    let members = k.members(props.consumers);
    let commit_label = |c: CommitStrategy| match c {
        CommitStrategy::Before => "before processing (commitSync)",
        CommitStrategy::After => "after processing (commitSync)",
        CommitStrategy::Auto => "automatically (enable.auto.commit)",
    };
    html! {
        <section class="panel groups-settings" aria-label="Consumer groups">
            <h2>{ "Consumer groups" }</h2>
            { style }
            <p class="hint">{ "Kafka 3.x/4.x classic group protocol: eager rebalances, range assignor, one record per poll." }</p>
            <div class="grid">
                <label for="groups" title="Each group gets every message">{ "Groups" }</label>
                <input id="groups" type="number" min="1" max="3" value={k.groups.to_string()} onchange={on_groups} />
                <label for="members" title="Members beyond the partitions sit idle">{ "Members per group" }</label>
                <input id="members" type="number" min="1" max="6" value={members.to_string()} onchange={on_members} />
                <label for="partitions" title="Order is kept within a partition only">{ "Partitions" }</label>
                <input id="partitions" type="number" min="1" max="8" value={k.partitions.to_string()} onchange={on_partitions} />
                <label for="keys" title="mK has key ((K-1) mod keys)+1, partition murmur2(key) mod P">{ "Keys" }</label>
                <input id="keys" type="number" min="1" max="64" value={k.keys.to_string()} onchange={on_keys} />
                <label for="commit">{ "Commit offsets" }</label>
                <select id="commit" onchange={on_commit}>
                    { for CommitStrategy::ALL.iter().map(|c| html! { <option value={c.as_str()} selected={*c == k.commit}>{ commit_label(*c) }</option> }) }
                </select>
                <label for="auto-commit" title="auto.commit.interval.ms, in ticks">{ "Auto-commit every" }</label>
                <input id="auto-commit" type="number" min="1" value={k.auto_commit_ticks.to_string()} onchange={on_auto_commit} disabled={k.commit != CommitStrategy::Auto} />
                <label for="session-timeout" title="session.timeout.ms, in ticks">{ "Session timeout" }</label>
                <input id="session-timeout" type="number" min="1" value={k.session_timeout_ticks.to_string()} onchange={on_session} />
                <label for="attempts" title="Error handler tries per failing record (Spring: 10); 0: none, the partition stops">{ "Error handler attempts" }</label>
                <input id="attempts" type="number" min="0" max="1000" value={k.max_attempts.to_string()} onchange={on_attempts} />
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_switch_to_kafka_starts_from_a_group_the_size_of_the_consumers() {
        let (config, members) = kafka_defaults(8);
        assert_eq!(members, 6);
        assert_eq!((config.groups, config.partitions), (1, 3));
        assert_eq!(kafka_defaults(2).1, 2);
        assert!(whole::<u16>("x", "Groups").is_err());
        assert_eq!(whole::<u16>(" 2 ", "Groups"), Ok(2));
    }
}
