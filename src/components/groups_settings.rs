//! The consuming side's style and, in Kafka style, the consumer groups' settings as
//! the Java client names them: groups, members per group, partitions, keys, when
//! offsets are committed (`commitSync` before or after processing, or
//! `enable.auto.commit` every `auto.commit.interval.ms`), `session.timeout.ms`, and
//! how many attempts the error handler makes on a record that throws. Changing one
//! starts the run again; a value the core refuses is reported and the current run kept.

use mqlab_sim::{CommitStrategy, KafkaConfig, Mode};
use mqlab_text::settings::Key;
use mqlab_text::Words;
use yew::prelude::*;

use crate::components::controls::event_value;
use crate::state::{LabAction, Notice};
use crate::words::current as words_now;

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

/// A whole number, or why `text` is not one (`what` names the setting).
fn whole<T: std::str::FromStr>(words: &Words, text: &str, what: Key) -> Result<T, String> {
    text.trim().parse().map_err(|_| {
        words.fill(
            Key::SettingsWhole,
            &[("what", words.get(what).into()), ("text", text.into())],
        )
    })
}

/// A setting's new value: the config and the members per group, changed.
type Change = fn(&mut KafkaConfig, &mut u16, &str, &Words) -> Result<(), String>;

#[component]
pub fn GroupsSettings(props: &GroupsSettingsProps) -> Html {
    let words = words_now();
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
        let words = words.clone();
        Callback::from(move |event: Event| {
            let (mut kafka, mut members) = (kafka.clone(), members);
            match change(&mut kafka, &mut members, &event_value(&event), &words) {
                Ok(()) => dispatch.emit(LabAction::SetConsumers {
                    consumers: members.saturating_mul(kafka.groups),
                    kafka: Some(Box::new(kafka)),
                }),
                Err(error) => dispatch.emit(LabAction::Notify(Notice::Error(
                    words.fill(Key::SettingsRefused, &[("error", error.into())]),
                ))),
            }
        })
    };
    let on_groups = set(|k, _, text, words| {
        k.groups = whole(words, text, Key::GroupsSettingsGroupsWhat)?;
        Ok(())
    });
    let on_members = set(|_, members, text, words| {
        *members = whole(words, text, Key::GroupsSettingsMembersWhat)?;
        Ok(())
    });
    let on_partitions = set(|k, _, text, words| {
        k.partitions = whole(words, text, Key::GroupsSettingsPartitionsWhat)?;
        Ok(())
    });
    let on_keys = set(|k, _, text, words| {
        k.keys = whole(words, text, Key::GroupsSettingsKeysWhat)?;
        Ok(())
    });
    let on_commit = set(|k, _, text, words| {
        k.commit = text
            .parse::<CommitStrategy>()
            .map_err(|e| e.sentence().told_in(words))?;
        Ok(())
    });
    let on_auto_commit = set(|k, _, text, words| {
        k.auto_commit_ticks = whole(words, text, Key::GroupsSettingsAutoCommitWhat)?;
        Ok(())
    });
    let on_session = set(|k, _, text, words| {
        k.session_timeout_ticks = whole(words, text, Key::GroupsSettingsSessionWhat)?;
        Ok(())
    });
    let on_attempts = set(|k, _, text, words| {
        k.max_attempts = whole(words, text, Key::GroupsSettingsAttemptsWhat)?;
        Ok(())
    });
    let blocked = props.mode == Mode::Transactional || props.replicated;
    let style = html! {
        <p class="checks">
            <label for="consumer-style">{ format!("{} ", words.get(Key::GroupsSettingsStyle)) }</label>
            <select id="consumer-style" onchange={on_style} disabled={blocked && props.kafka.is_none()}>
                <option value="rabbitmq" selected={props.kafka.is_none()}>{ words.get(Key::GroupsSettingsRabbitmq) }</option>
                <option value="kafka" selected={props.kafka.is_some()}>{ words.get(Key::GroupsSettingsKafka) }</option>
            </select>
        </p>
    };
    let Some(k) = &props.kafka else {
        return html! {
            <section class="panel groups-settings" aria-label={words.get(Key::GroupsSettingsAria)}>
                <h2>{ words.get(Key::GroupsSettingsConsumers) }</h2>
                { style }
                if blocked {
                    <p class="hint">{ words.get(Key::GroupsSettingsBlocked) }</p>
                }
            </section>
        };
    };
    let members = k.members(props.consumers);
    let commit_label = |c: CommitStrategy| {
        words.get(match c {
            CommitStrategy::Before => Key::GroupsSettingsCommitBefore,
            CommitStrategy::After => Key::GroupsSettingsCommitAfter,
            CommitStrategy::Auto => Key::GroupsSettingsCommitAuto,
        })
    };
    let text = |key: Key| words.get(key).to_string();
    html! {
        <section class="panel groups-settings" aria-label={text(Key::GroupsSettingsAria)}>
            <h2>{ text(Key::GroupsSettingsTitle) }</h2>
            { style }
            <p class="hint">{ text(Key::GroupsSettingsProtocol) }</p>
            <div class="grid">
                <label for="groups" title={text(Key::GroupsSettingsGroupsHelp)}>{ text(Key::GroupsSettingsGroups) }</label>
                <input id="groups" type="number" min="1" max="3" value={k.groups.to_string()} onchange={on_groups} />
                <label for="members" title={text(Key::GroupsSettingsMembersHelp)}>{ text(Key::GroupsSettingsMembers) }</label>
                <input id="members" type="number" min="1" max="6" value={members.to_string()} onchange={on_members} />
                <label for="partitions" title={text(Key::GroupsSettingsPartitionsHelp)}>{ text(Key::GroupsSettingsPartitions) }</label>
                <input id="partitions" type="number" min="1" max="8" value={k.partitions.to_string()} onchange={on_partitions} />
                <label for="keys" title={text(Key::GroupsSettingsKeysHelp)}>{ text(Key::GroupsSettingsKeys) }</label>
                <input id="keys" type="number" min="1" max="64" value={k.keys.to_string()} onchange={on_keys} />
                <label for="commit">{ text(Key::GroupsSettingsCommit) }</label>
                <select id="commit" onchange={on_commit}>
                    { for CommitStrategy::ALL.iter().map(|c| html! { <option value={c.as_str()} selected={*c == k.commit}>{ commit_label(*c) }</option> }) }
                </select>
                <label for="auto-commit" title={text(Key::GroupsSettingsAutoCommitHelp)}>{ text(Key::GroupsSettingsAutoCommit) }</label>
                <input id="auto-commit" type="number" min="1" value={k.auto_commit_ticks.to_string()} onchange={on_auto_commit} disabled={k.commit != CommitStrategy::Auto} />
                <label for="session-timeout" title={text(Key::GroupsSettingsSessionHelp)}>{ text(Key::GroupsSettingsSession) }</label>
                <input id="session-timeout" type="number" min="1" value={k.session_timeout_ticks.to_string()} onchange={on_session} />
                <label for="attempts" title={text(Key::GroupsSettingsAttemptsHelp)}>{ text(Key::GroupsSettingsAttempts) }</label>
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
        let words = Words::english();
        assert_eq!(
            whole::<u16>(&words, "x", Key::GroupsSettingsGroupsWhat),
            Err("The number of groups must be a whole number; \"x\" is not".to_string())
        );
        assert_eq!(
            whole::<u16>(&words, " 2 ", Key::GroupsSettingsGroupsWhat),
            Ok(2)
        );
    }
}
