//! Poison messages on a RabbitMQ quorum queue (4.0–4.2): a message that fails every
//! consumer, the delivery limit that stops it coming back, the dead-letter queue that
//! keeps it, and automatic acks that lose it.

mod common;

use common::*;
use mqlab_sim::{Mode, PoisonFails, Scenario, ScenarioError, Sim, Verdict};

/// `messages` messages at-least-once with two consumers, m3 poison.
fn poisoned(messages: u32, fails: PoisonFails, limit: u32, dlq: bool) -> Scenario {
    let mut scenario = scenario(Mode::AtLeastOnce, &[]);
    scenario.messages = messages;
    scenario.topology.consumers = 2;
    scenario.queue.poison = vec![3];
    scenario.queue.poison_fails = fails;
    scenario.queue.delivery_limit = limit;
    scenario.queue.dead_letter_queue = dlq;
    scenario
}

fn record(sim: &Sim, message: u32) -> &mqlab_sim::MessageRecord {
    &sim.ledger().messages()[message as usize - 1]
}

#[test]
fn a_rejected_poison_message_comes_back_until_the_delivery_limit_then_is_dead_lettered() {
    for limit in [1, 3, 20] {
        let sim = run_to_quiet(&poisoned(6, PoisonFails::Reject, limit, true));
        let m3 = record(&sim, 3);
        assert_eq!(m3.verdict, Verdict::DeadLettered, "limit {limit}");
        assert_eq!(m3.applied, 0);
        // Delivered once, then returned `limit` times and delivered again each time;
        // the next return is one too many.
        assert_eq!(m3.redelivered, limit, "limit {limit}");
        assert!(!m3.rejected, "it reached the limit; it was not nacked");
        let summary = sim.summary();
        assert_eq!(summary.dead_lettered, 1);
        assert_eq!((summary.lost, summary.dropped), (0, 0));
        for message in [1, 2, 4, 5, 6] {
            assert_eq!(
                record(&sim, message).applied,
                1,
                "m{message}, limit {limit}"
            );
        }
    }
}

#[test]
fn without_a_dead_letter_queue_the_broker_drops_it() {
    let sim = run_to_quiet(&poisoned(6, PoisonFails::Reject, 2, false));
    assert_eq!(verdict(&sim, 3), Verdict::Dropped);
    assert_eq!(sim.summary().dropped, 1);
    let explanation = sim
        .ledger()
        .anomalies()
        .into_iter()
        .find(|a| a.message.0 == 3)
        .expect("explained")
        .explanation;
    assert!(
        explanation.contains("delivery limit") && explanation.contains("dropped"),
        "{explanation}"
    );
}

#[test]
fn a_nack_without_requeue_dead_letters_at_once() {
    let sim = run_to_quiet(&poisoned(6, PoisonFails::Nack, 20, true));
    let m3 = record(&sim, 3);
    assert_eq!(m3.verdict, Verdict::DeadLettered);
    assert_eq!(m3.redelivered, 0);
    assert!(m3.rejected);
}

#[test]
fn a_poison_message_that_crashes_its_consumers_is_dead_lettered_after_the_limit() {
    let mut scenario = poisoned(6, PoisonFails::Crash, 3, true);
    scenario.timing.restart_after_ticks = Some(10);
    let sim = run_to_quiet(&scenario);
    assert_eq!(verdict(&sim, 3), Verdict::DeadLettered);
    let summary = sim.summary();
    assert_eq!(summary.lost, 0, "{summary:?}");
    // Every crash closed a connection: whatever that consumer held unacked came back.
    assert!(summary.redelivered >= 3, "{summary:?}");
}

#[test]
fn with_a_large_prefetch_healthy_messages_reach_the_limit_with_the_poison_one() {
    // One consumer that holds four deliveries: each crash on m1 returns all four.
    let mut greedy = scenario(Mode::AtLeastOnce, &[]);
    greedy.messages = 6;
    greedy.queue.poison = vec![1];
    greedy.queue.delivery_limit = 2;
    greedy.queue.dead_letter_queue = true;
    greedy.timing.delivery_window = 4;
    greedy.timing.restart_after_ticks = Some(10);
    let sim = run_to_quiet(&greedy);
    let healthy_gone = (2..=6)
        .filter(|m| verdict(&sim, *m) == Verdict::DeadLettered)
        .count();
    assert!(healthy_gone >= 1, "{:?}", sim.summary());
    // With a prefetch of one, only the poison message is ever returned.
    let mut careful = greedy.clone();
    careful.timing.delivery_window = 1;
    let sim = run_to_quiet(&careful);
    assert_eq!(verdict(&sim, 1), Verdict::DeadLettered);
    for message in 2..=6 {
        assert_eq!(record(&sim, message).applied, 1, "m{message}");
    }
}

#[test]
fn with_automatic_acks_a_poison_message_is_lost() {
    for fails in PoisonFails::ALL {
        let mut scenario = poisoned(6, fails, 20, true);
        scenario.queue.auto_ack = true;
        let sim = run_to_quiet(&scenario);
        assert_eq!(verdict(&sim, 3), Verdict::Lost, "{fails:?}");
        assert_eq!(sim.summary().dead_lettered, 0);
    }
}

#[test]
fn without_a_delivery_limit_a_rejected_poison_message_loops() {
    let mut sim = Sim::new(&poisoned(4, PoisonFails::Reject, 0, true)).unwrap();
    sim.run_until_quiet(5_000);
    assert!(!sim.is_quiet(), "a reject loop never ends");
    assert_eq!(verdict(&sim, 3), Verdict::Pending);
    assert!(record(&sim, 3).redelivered > 100);
}

#[test]
fn poison_settings_out_of_range_are_refused_naming_the_field() {
    let mut beyond = poisoned(5, PoisonFails::Crash, 20, false);
    beyond.queue.poison = vec![9];
    assert!(matches!(
        Sim::new(&beyond).unwrap_err(),
        ScenarioError::OutOfRange { field, .. } if field == "queue.poison[0]"
    ));
    let mut unsorted = poisoned(5, PoisonFails::Crash, 20, false);
    unsorted.queue.poison = vec![4, 2];
    assert!(Sim::new(&unsorted).is_err());
    let mut limit = poisoned(5, PoisonFails::Crash, 20, false);
    limit.queue.delivery_limit = 1_000_000;
    assert!(matches!(
        Sim::new(&limit).unwrap_err(),
        ScenarioError::OutOfRange { field, .. } if field == "queue.delivery_limit"
    ));
    let mut transactional = poisoned(5, PoisonFails::Crash, 20, false);
    transactional.mode = Mode::Transactional;
    transactional.topology.consumers = 1;
    assert!(matches!(
        Sim::new(&transactional).unwrap_err(),
        ScenarioError::Unsupported { field, .. } if field == "queue.poison"
    ));
}

#[test]
fn the_queue_settings_travel_in_links_and_files() {
    let scenario = poisoned(6, PoisonFails::Reject, 3, true);
    let run = mqlab_sim::SharedRun::new(scenario.clone());
    let link = run.to_link();
    assert!(link.starts_with("v3."), "{link}");
    assert_eq!(
        mqlab_sim::SharedRun::from_link(&link).unwrap().scenario,
        scenario
    );
    let default_link = mqlab_sim::SharedRun::new(Scenario::default()).to_link();
    assert!(default_link.starts_with("v1."), "{default_link}");
}

#[test]
fn replaying_the_dead_letter_queue_puts_its_messages_back_in_the_queue() {
    // m3 is rejected once too often and dead-lettered; replayed, it comes back with a
    // fresh delivery count and fails again, as a poison message does.
    let mut sim = Sim::new(&poisoned(4, PoisonFails::Reject, 1, true)).unwrap();
    sim.run_until_quiet(100_000);
    assert_eq!(verdict(&sim, 3), Verdict::DeadLettered);
    let delivered = record(&sim, 3).delivered;
    sim.apply(mqlab_sim::Command::ReplayDeadLetters).unwrap();
    assert_eq!(verdict(&sim, 3), Verdict::Pending, "back in the queue");
    sim.run_until_quiet(100_000);
    assert_eq!(verdict(&sim, 3), Verdict::DeadLettered);
    assert_eq!(record(&sim, 3).delivered, delivered + 2);
    // Nothing left to replay until it is dead-lettered again, and no replay without a
    // dead-letter queue.
    let mut empty = Sim::new(&poisoned(4, PoisonFails::Reject, 1, true)).unwrap();
    assert_eq!(
        empty.apply(mqlab_sim::Command::ReplayDeadLetters),
        Err(mqlab_sim::CommandError::NothingToReplay)
    );
    let mut none = Sim::new(&poisoned(4, PoisonFails::Reject, 1, false)).unwrap();
    assert_eq!(
        none.apply(mqlab_sim::Command::ReplayDeadLetters),
        Err(mqlab_sim::CommandError::NoDeadLetterQueue)
    );
}
