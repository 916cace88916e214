//! Every bound in one place. "Put a limit on everything": each queue and list in the
//! simulation has a fixed upper bound, and going over it is either a typed error or a
//! drop recorded in the trace, never unbounded growth.

/// The most producers a topology may have.
pub const MAX_PRODUCERS: u16 = 3;
/// The most broker nodes a topology may have (a queue replicated over several brokers
/// is checked against `MAX_REPLICAS`).
pub const MAX_BROKERS: u16 = 7;
/// The most replicas of a replicated queue: broker nodes holding it.
pub const MAX_REPLICAS: u16 = 5;
/// The most consumers a topology may have.
pub const MAX_CONSUMERS: u16 = 8;
/// The most messages a scenario may have.
pub const MAX_MESSAGES: u32 = 100_000;
/// The longest link latency or planned delay, in ticks.
pub const MAX_LATENCY_TICKS: u64 = 1_000_000;
/// The longest extra delay a command may add, in ticks.
pub const MAX_DELAY_TICKS: u64 = 1_000_000;
/// The longest timeout or downtime, in ticks.
pub const MAX_TIMEOUT_TICKS: u64 = 10_000_000;
/// The most planned faults in a scenario.
pub const MAX_PLANNED_FAULTS: u32 = 1_024;
/// The most one-shot faults (crash points and link faults) waiting at once.
pub const MAX_ARMED_FAULTS: u32 = 256;
/// The largest producer window (unconfirmed publishes) and broker prefetch.
pub const MAX_WINDOW: u32 = 1_024;
/// The most envelopes in flight on all links together. A send beyond it is dropped and
/// the drop is recorded in the trace as an overflow.
pub const MAX_IN_FLIGHT: u32 = 65_536;
/// The most entries in the broker's log, counting duplicates. A publish beyond it is
/// refused (and not confirmed), which the trace records.
pub const MAX_BROKER_ENTRIES_PER_MESSAGE: u32 = 16;
/// The most records each node's displayed disk log keeps: the latest ones. The durable
/// state itself is held in fields; beyond this the display log counts what it drops.
pub const MAX_LOG_RECORDS: u32 = 1 << 12;
/// The most trace events recorded. Beyond it recording stops (the hash continues) and
/// `Sim::trace_truncated` says so, so a run left playing for a whole lecture keeps a flat
/// memory in the browser (the soak figures of `scripts/bench` include a full trace).
pub const MAX_TRACE_EVENTS: u32 = 1 << 18;
/// The most transactions the coordinator may begin in one run.
pub const MAX_TRANSACTIONS: u32 = 1 << 22;
/// The most prepared (in-doubt) transactions one participant may hold; a prepare beyond
/// it is answered with a no vote.
pub const MAX_PREPARED_PER_PARTICIPANT: u32 = 8;
/// The most messages in one transaction (or, outside transactional mode, one batch).
pub const MAX_TXN_SIZE: u32 = 64;
/// The most commands a run may record.
pub const MAX_COMMANDS: u32 = 100_000;
/// How many disk-log and memory lines a snapshot shows per node (the most recent).
pub const SNAPSHOT_LINES: u32 = 64;

/// The largest delivery limit a queue may have.
pub const MAX_DELIVERY_LIMIT: u32 = 1_000;

/// A quorum queue's delivery limit unless set (RabbitMQ 4.0 and later).
pub const DEFAULT_DELIVERY_LIMIT: u32 = 20;

/// The most partitions of a consumer groups topic (Kafka style).
pub const MAX_PARTITIONS: u16 = 8;
/// The most consumer groups reading the topic (Kafka style).
pub const MAX_GROUPS: u16 = 3;
/// The most members in one consumer group (Kafka style).
pub const MAX_GROUP_MEMBERS: u16 = 6;
/// The most key values the producer's messages take (Kafka style).
pub const MAX_KEYS: u32 = 64;
/// How many delivery attempts a consumer's error handler makes on a failing record
/// before it gives up on it, unless set: Spring for Apache Kafka's `DefaultErrorHandler`
/// (`FixedBackOff(0, 9)`: the first attempt and nine retries).
pub const DEFAULT_KAFKA_ATTEMPTS: u32 = 10;

/// A view of a log (a replica's, a partition's, a queue's ready messages) shows at most
/// this many records: the latest.
pub const SNAPSHOT_LOG_RECORDS: usize = 10;
