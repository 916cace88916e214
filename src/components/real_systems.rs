//! "In real systems": for the mode on screen, the Kafka and RabbitMQ settings that give
//! it, a short client sketch in Python and Rust for each, and what the simulator leaves
//! out. The text is static: it describes the real systems, not this run, so it shows no
//! count (every count on the page comes from the ledger).

use mqlab_sim::Mode;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RealSystemsProps {
    pub mode: Mode,
    /// Messages per transaction (per batch outside transactional mode).
    #[prop_or(1)]
    pub txn_size: u32,
}

/// One system's settings for a mode: (setting, value and why) pairs.
struct Settings {
    kafka: &'static [(&'static str, &'static str)],
    rabbitmq: &'static [(&'static str, &'static str)],
}

fn settings(mode: Mode) -> Settings {
    match mode {
        Mode::AtMostOnce => Settings {
            kafka: &[
                ("acks", "0 — the producer does not wait for the broker"),
                ("retries", "0 — a lost send is never sent again"),
                ("enable.idempotence", "false"),
                ("max.in.flight.requests.per.connection", "any; without retries nothing is reordered by a retry"),
                ("transactional.id", "not set"),
                ("isolation.level", "read_uncommitted (the default)"),
                ("offsets", "committed before processing (enable.auto.commit=true commits on a timer, which can run ahead of processing): a crash after the commit loses the message"),
            ],
            rabbitmq: &[
                ("publisher confirms", "off — basic.publish and forget"),
                ("acks", "automatic (auto_ack / no_ack): the broker forgets the message as it sends it"),
                ("redelivered flag", "never seen: nothing is redelivered"),
                ("prefetch", "irrelevant for safety; messages in flight when the consumer dies are gone"),
                ("queue type", "any; a classic non-durable queue loses messages on a broker restart too"),
                ("consumer-side deduplication", "not needed: nothing arrives twice"),
            ],
        },
        Mode::AtLeastOnce => Settings {
            kafka: &[
                ("acks", "all — the leader waits for the in-sync replicas"),
                ("retries", "> 0 (the default is effectively unlimited, bounded by delivery.timeout.ms)"),
                ("enable.idempotence", "false — so a retry after a lost ack writes a second copy"),
                ("max.in.flight.requests.per.connection", "1 keeps order; above 1 a retried batch can land after later ones"),
                ("transactional.id", "not set"),
                ("isolation.level", "read_uncommitted (the default)"),
                ("offsets", "enable.auto.commit=false; commit after processing: a crash between the side effect and the commit replays the message"),
            ],
            rabbitmq: &[
                ("publisher confirms", "on (confirm.select); republish what is not confirmed"),
                ("acks", "manual; basic.ack only after the side effect is done"),
                ("redelivered flag", "set on a message delivered before and not acked: a hint that it may be a duplicate"),
                ("prefetch", "basic.qos prefetch_count bounds the unacked deliveries (the delivery window)"),
                ("queue type", "durable, with persistent messages (delivery_mode 2); quorum queues replicate them"),
                ("consumer-side deduplication", "none — duplicates reach the side effect"),
            ],
        },
        Mode::Idempotent => Settings {
            kafka: &[
                ("acks", "all (required by idempotence)"),
                ("retries", "> 0 (required by idempotence)"),
                ("enable.idempotence", "true — producer id and per-partition sequence numbers; the broker drops duplicates and refuses gaps"),
                ("max.in.flight.requests.per.connection", "at most 5; the sequence numbers keep the order even with retries"),
                ("transactional.id", "not set"),
                ("isolation.level", "read_uncommitted is enough"),
                ("offsets", "store the consumed offset, or the message id, in the consumer's database in the same transaction as the side effect"),
            ],
            rabbitmq: &[
                ("publisher confirms", "on; republish what is not confirmed (RabbitMQ itself does not drop the duplicate publishes)"),
                ("acks", "manual, after the database transaction commits"),
                ("redelivered flag", "a hint only; the processed-ids table is what decides"),
                ("prefetch", "basic.qos prefetch_count, as in at-least-once"),
                ("queue type", "durable quorum queue, persistent messages"),
                ("consumer-side deduplication", "a processed-ids table keyed by message_id, written in the same database transaction as the side effect"),
            ],
        },
        Mode::Transactional => Settings {
            kafka: &[
                ("acks", "all (implied)"),
                ("retries", "> 0 (implied)"),
                ("enable.idempotence", "true (implied by transactional.id)"),
                ("max.in.flight.requests.per.connection", "at most 5 (as for idempotence)"),
                ("transactional.id", "set, stable per producer instance: begin, send k messages, commit or abort"),
                ("isolation.level", "read_committed on consumers: they see a transaction's messages only after its commit marker, and never an aborted one"),
                ("offsets", "consume-transform-produce: send_offsets_to_transaction puts the input offsets in the same transaction as the output"),
            ],
            rabbitmq: &[
                ("publisher confirms", "on; AMQP transactions (tx.select / tx.commit) exist but only group publishes and acks on one channel, are slow, and do not span a database"),
                ("acks", "manual, after the local database transaction commits"),
                ("redelivered flag", "a hint; recovery relies on deduplication"),
                ("prefetch", "basic.qos prefetch_count"),
                ("queue type", "durable quorum queue"),
                ("consumer-side deduplication", "required: RabbitMQ has no read-committed isolation or 2PC; use a transactional outbox on the producer side and a processed-ids table on the consumer side"),
            ],
        },
    }
}

/// Python sketches (pika for RabbitMQ, confluent-kafka for Kafka), written for this
/// page; each shows the lines that make the mode.
fn python_snippet(mode: Mode) -> &'static str {
    match mode {
        Mode::AtMostOnce => {
            r#"# RabbitMQ (pika): no confirms, ack on receipt
channel.basic_publish(exchange="", routing_key="orders", body=b"order 17 paid")
channel.basic_consume(queue="orders", on_message_callback=apply_order, auto_ack=True)

# Kafka (confluent-kafka): no acks, offsets committed on a timer
producer = Producer({"bootstrap.servers": "localhost:9092", "acks": "0", "retries": 0})
consumer = Consumer({"bootstrap.servers": "localhost:9092", "group.id": "billing",
                     "enable.auto.commit": True})"#
        }
        Mode::AtLeastOnce => {
            r#"# RabbitMQ (pika): confirms, durable messages, ack after applying
channel.confirm_delivery()
channel.basic_publish(exchange="", routing_key="orders", body=b"order 17 paid",
                      properties=pika.BasicProperties(delivery_mode=2, message_id="m17"))
channel.basic_qos(prefetch_count=4)
def on_message(ch, method, properties, body):
    apply_order(body)                          # side effect first ...
    ch.basic_ack(delivery_tag=method.delivery_tag)   # ... then the ack
channel.basic_consume(queue="orders", on_message_callback=on_message, auto_ack=False)

# Kafka (confluent-kafka): acks=all and retries; commit after processing
producer = Producer({"bootstrap.servers": "localhost:9092", "acks": "all",
                     "enable.idempotence": False})
consumer = Consumer({"bootstrap.servers": "localhost:9092", "group.id": "billing",
                     "enable.auto.commit": False})
msg = consumer.poll(1.0)
apply_order(msg.value())
consumer.commit(message=msg, asynchronous=False)"#
        }
        Mode::Idempotent => {
            r#"# Kafka (confluent-kafka): the broker drops duplicate publishes
producer = Producer({"bootstrap.servers": "localhost:9092", "enable.idempotence": True})

# Consumer side (either system): remember what was applied, atomically
def on_message(ch, method, properties, body):
    with db.transaction():
        if not db.seen(properties.message_id):      # processed-ids table
            apply_order(body)
            db.mark_seen(properties.message_id)
    ch.basic_ack(delivery_tag=method.delivery_tag)   # an ack lost here is harmless"#
        }
        Mode::Transactional => {
            r#"# Kafka (confluent-kafka): k messages, all or none
producer = Producer({"bootstrap.servers": "localhost:9092", "transactional.id": "orders-1"})
producer.init_transactions()
producer.begin_transaction()
try:
    for event in batch:                        # the k messages of one transaction
        producer.produce("orders", key=event.key, value=event.value)
    producer.commit_transaction()
except KafkaException:
    producer.abort_transaction()
consumer = Consumer({"bootstrap.servers": "localhost:9092", "group.id": "billing",
                     "isolation.level": "read_committed", "enable.auto.commit": False})"#
        }
    }
}

/// Rust sketches (lapin for RabbitMQ, rdkafka for Kafka), written for this page.
fn rust_snippet(mode: Mode) -> &'static str {
    match mode {
        Mode::AtMostOnce => {
            r#"// RabbitMQ (lapin): no confirm_select; the consumer acks on receipt
let options = BasicConsumeOptions { no_ack: true, ..Default::default() };
let consumer = channel.basic_consume("orders", "billing", options, FieldTable::default()).await?;

// Kafka (rdkafka)
let producer: FutureProducer = ClientConfig::new()
    .set("bootstrap.servers", "localhost:9092")
    .set("acks", "0")
    .create()?;"#
        }
        Mode::AtLeastOnce => {
            r#"// RabbitMQ (lapin): wait for the confirm, ack after applying
channel.confirm_select(ConfirmSelectOptions::default()).await?;
let props = BasicProperties::default().with_delivery_mode(2);
let confirm = channel
    .basic_publish("", "orders", BasicPublishOptions::default(), b"order 17 paid", props)
    .await?   // sent
    .await?;  // confirmed (or nacked)
assert!(confirm.is_ack());
channel.basic_qos(4, BasicQosOptions::default()).await?;
while let Some(delivery) = consumer.next().await {
    let delivery = delivery?;
    apply_order(&delivery.data)?;                       // side effect first
    delivery.ack(BasicAckOptions::default()).await?;   // then the ack
}

// Kafka (rdkafka): acks=all; commit the offset after processing
let consumer: BaseConsumer = ClientConfig::new()
    .set("group.id", "billing")
    .set("enable.auto.commit", "false")
    .create()?;
consumer.commit_message(&message, CommitMode::Sync)?;"#
        }
        Mode::Idempotent => {
            r#"// Kafka (rdkafka): producer id + sequence numbers
let producer: FutureProducer = ClientConfig::new()
    .set("bootstrap.servers", "localhost:9092")
    .set("enable.idempotence", "true")
    .create()?;

// Consumer side (lapin): dedupe by message id in the same DB transaction
let id = delivery.properties.message_id().clone();
let mut tx = db.begin()?;
if !tx.seen(&id)? { apply_order(&mut tx, &delivery.data)?; tx.mark_seen(&id)?; }
tx.commit()?;
delivery.ack(BasicAckOptions::default()).await?;"#
        }
        Mode::Transactional => {
            r#"// Kafka (rdkafka): k messages, all or none
let producer: BaseProducer = ClientConfig::new()
    .set("bootstrap.servers", "localhost:9092")
    .set("transactional.id", "orders-1")
    .create()?;
producer.init_transactions(Duration::from_secs(10))?;
producer.begin_transaction()?;
for event in &batch {
    producer.send(BaseRecord::to("orders").key(&event.key).payload(&event.value))
        .map_err(|(error, _record)| error)?;
}
producer.commit_transaction(Duration::from_secs(10))?;   // or abort_transaction
// consumers: .set("isolation.level", "read_committed")"#
        }
    }
}

/// What the simulator leaves out, per mode.
fn abstracted(mode: Mode) -> &'static [&'static str] {
    match mode {
        Mode::Transactional => &[
            "Kafka's transactions span Kafka partitions and consumer offsets, not an outside database; the simulator's producer DB and consumer DB as 2PC participants are the textbook protocol. In practice the database side uses a transactional outbox and an idempotent consumer.",
            "Kafka's transaction coordinator is a broker, replicated; aborted records stay in the log behind an abort marker, skipped by read_committed consumers. The simulator keeps prepared work out of the log until the commit.",
            "Timeouts such as transaction.timeout.ms, producer fencing by epoch, and replication are not simulated.",
        ],
        _ => &[
            "One broker and one partition or queue; up to three producers and eight consumers, the consumers taking turns on the queue: no replication, leader election, consumer groups or rebalancing.",
            "Each consumer here has a database of its own, so an idempotent consumer's processed-ids table is per consumer: a message redelivered to another consumer is applied there again. Competing consumers of one service usually share one database, whose inbox table would catch it.",
            "Time is in ticks, the network is a few probabilities, and an fsync is one event; real brokers batch, compress and replicate.",
            "Sequence numbers here are message numbers; Kafka keeps them per partition and producer epoch, and RabbitMQ has none for publishes.",
        ],
    }
}

#[component]
pub fn RealSystems(props: &RealSystemsProps) -> Html {
    let mode = props.mode;
    let s = settings(mode);
    let table = |caption: &str, rows: &'static [(&'static str, &'static str)]| {
        html! {
            <table class="real-settings">
                <caption>{ caption.to_string() }</caption>
                <tbody>
                    { for rows.iter().map(|(name, value)| html! {
                        <tr><th scope="row"><code>{ *name }</code></th><td>{ *value }</td></tr>
                    }) }
                </tbody>
            </table>
        }
    };
    let batch_note = if props.txn_size > 1 {
        if mode == Mode::Transactional {
            format!("Transaction size {}: one Kafka transaction carries {} records; consumers with read_committed see them all at its commit.", props.txn_size, props.txn_size)
        } else {
            format!("Transaction size {}: without a transaction, a batch of {} is {} separate publishes — a crash in the middle leaves part of it visible.", props.txn_size, props.txn_size, props.txn_size)
        }
    } else {
        String::new()
    };
    html! {
        <section class="panel real-systems" aria-label="In real systems">
            <div class="panel-header">
                <h2>{ "In real systems" }</h2>
                <span class="hint">{ format!("{} with Kafka and RabbitMQ", mode.label()) }</span>
            </div>
            if !batch_note.is_empty() {
                <p class="hint">{ batch_note }</p>
            }
            <div class="real-columns">
                { table("Kafka", s.kafka) }
                { table("RabbitMQ", s.rabbitmq) }
            </div>
            <details>
                <summary>{ "Client sketch: Python (pika, confluent-kafka)" }</summary>
                <pre><code>{ python_snippet(mode) }</code></pre>
            </details>
            <details>
                <summary>{ "Client sketch: Rust (lapin, rdkafka)" }</summary>
                <pre><code>{ rust_snippet(mode) }</code></pre>
            </details>
            <h3>{ "What the simulator abstracts away" }</h3>
            <ul class="abstracted">
                { for abstracted(mode).iter().map(|line| html! { <li>{ *line }</li> }) }
            </ul>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_names_the_kafka_and_rabbitmq_settings_the_issue_lists() {
        for mode in Mode::ALL {
            let s = settings(mode);
            let kafka: Vec<&str> = s.kafka.iter().map(|(name, _)| *name).collect();
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
            let rabbit: Vec<&str> = s.rabbitmq.iter().map(|(name, _)| *name).collect();
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
            assert!(!python_snippet(mode).is_empty() && !rust_snippet(mode).is_empty());
        }
    }
}
