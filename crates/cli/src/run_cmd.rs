//! `mqlab-cli run`: runs one scenario and prints the ledger summary as a JSON line
//! (optionally preceded by the trace, one JSON object per line).

use std::fmt;
use std::process::ExitCode;

use mqlab_sim::kafka_txn::KafkaTxnWorld;
use mqlab_sim::limits::{
    DEFAULT_KAFKA_ATTEMPTS, MAX_CONSUMERS, MAX_GROUPS, MAX_GROUP_MEMBERS, MAX_KEYS, MAX_PARTITIONS,
    MAX_WINDOW,
};
use mqlab_sim::outbox::{
    two_phase_commit_report, Costs, InboxAck, OutboxSettings, OutboxWorld, Pattern, RelayMarks,
    TimedOutboxFault,
};
use mqlab_sim::{
    Acks, Command, CommitStrategy, CrashPoint, FileError, Isolation, KafkaConfig,
    KafkaTransactions, LinkId, MessageKind, Mode, NodeId, Pause, PoisonFails, Ratio, Scenario,
    ScenarioFile, SharedRun, Sim, SimOptions, Summary, TimedFault, TxnProtocol,
};
use mqlab_text::narration::Key;
use mqlab_text::{Lang, Words};
use serde::Serialize;
use std::sync::Arc;

const USAGE: &str = "usage: mqlab-cli run [flags]
  --mode MODE            at-most-once | at-least-once | idempotent | transactional
  --messages N           how many messages (m1..mN)
  --seed S               the PRNG seed (u64)
  --producers N          how many producers (1..3, default 1); message mK belongs to producer
                         ((K-1) mod N)+1, named producer, producer-2, producer-3
  --consumers N          how many consumers (1..8, default 1); they take turns on the one queue,
                         named consumer, consumer-2, ...; with --style kafka, the members of each
                         group (1..6)
  --crash POINT[:mK]     crash at a named point, for message K or the first to reach it (repeatable);
                         a point of a numbered node is written like consumer-2.after_apply
  --drop LINK:KIND:mK    drop the first KIND message about mK on LINK, e.g. broker->producer:confirm:m2
                         or broker->consumer-2:deliver:m4 (repeatable)
  --loss PCT             random loss on every link, in percent (e.g. 5 or 2.5) or as a ratio (1/20)
  --duplicate PCT        random duplication on every link
  --crash-rate RATIO     probability per step that a random node crashes (e.g. 1/1000)
  --restart-after TICKS  downtime before a crashed node restarts, or 'never'
  --txn-size K           messages per transaction (transactional) or per batch (other modes), 1..64;
                         the summary counts txn_committed, txn_aborted and txn_partial
  --transform            consume-transform-produce (transactional mode): each consume transaction
                         also appends the input's output oK to an output queue on the broker; the
                         summary counts outputs, outputs_duplicated and outputs_out_of_step
  --protocol xa|kafka    transactional mode's protocol: xa (the default) is two-phase commit over the
                         producer DB and the broker; kafka is Kafka transactions (KIP-98): a
                         transactional.id with an epoch, AddPartitionsToTxn, records held
                         uncommitted at the partition leaders, EndTxn, the transaction
                         coordinator's PREPARE_COMMIT/PREPARE_ABORT, markers and COMPLETE. The
                         producer writes m1..mN in transactions of --txn-size records to a topic of
                         two partitions (mK to p((K-1) mod 2)); the consumer reads them
  --isolation LEVEL      read_committed (default) | read_uncommitted: the consumer's isolation.level
                         (--protocol kafka)
  --pause NODE@FROM..TO  NODE takes no steps from tick FROM to tick TO, then resumes as if nothing
                         happened (repeatable; --protocol kafka), e.g. producer@5..80
  --zombie               a second producer instance, producer-2, with the same transactional.id
                         starts at the first tick of producer's first pause, or at tick 5 (--protocol
                         kafka): its InitProducerId bumps the epoch and fences the first
  --external-effect      the producer is a consume-transform-produce loop (as with --transform) that
                         also calls an external system for each input record, outside the
                         transaction (--protocol kafka)
  --style rabbitmq       the consumer side is a RabbitMQ quorum queue (4.0-4.2): competing consumers,
                         prefetch, acks, requeue, delivery limit, dead-lettering (the default)
  --style kafka          the consumer side is Kafka consumer groups on a partitioned topic, as the
                         classic group protocol runs them (group.protocol=classic, the default
                         of Kafka 3.x and 4.x: eager rebalance, range assignment). Member j of
                         group g is consumer number (g-1)*C+j: with --groups 2 --consumers 3,
                         group 2 is consumer-4, consumer-5, consumer-6. The members' connections
                         to the broker are reliable: --loss and --duplicate apply to the
                         producer's links, and --drop and --partition are refused on theirs
  --groups G             consumer groups reading the topic, each on its own (kafka, 1..3, default 1)
  --partitions P         partitions of the topic (kafka, 1..8, default 1); order is kept per
                         partition only
  --keys K               key values of the messages (kafka, 1..64, default 16): mK has key
                         k((K-1) mod keys+1), and its partition is murmur2(key) mod P, as Kafka's
                         default partitioner computes it
  --commit WHEN          before | after | auto (kafka): commitSync before or after processing each
                         record, or enable.auto.commit (default after; before in at-most-once)
  --auto-commit-ticks T  auto.commit.interval.ms in ticks (kafka, default 5)
  --session-timeout-ticks T  session.timeout.ms in ticks: a crashed member is declared dead and
                         its partitions reassigned this long after its last heartbeat (kafka,
                         default 45)
  --prefetch N           unacked deliveries per consumer (basic.qos), 1..1024, or 0 for no limit
                         (default 4; rabbitmq style only)
  --auto-ack             automatic acks: the broker forgets each message as it delivers it
                         (rabbitmq style only)
  --poison mK            message K fails every consumer that processes it (repeatable)
  --poison-fails HOW     crash (default) | reject (basic.reject, requeue) | nack (no requeue)
  --delivery-limit N     a message returned to the queue more than N times is dead-lettered, or
                         dropped without --dlq (default 20; 0 = no limit, as RabbitMQ 3.13).
                         With --style kafka: the consumer's error handler tries a record that
                         throws N times, then publishes it to the dead-letter topic (--dlq) or
                         logs and skips it (default 10, Spring's DefaultErrorHandler; 0 = no
                         error handler: the partition is blocked at the record). A Kafka broker
                         has no delivery limit; --poison-fails crash kills the consumer, which no
                         error handler survives, and nack is an exception marked not retryable
  --dlq                  a dead-letter queue is configured (x-dead-letter-exchange); with --style
                         kafka, a dead-letter topic (Spring's DeadLetterPublishingRecoverer)
  --replicas R           how many brokers hold the queue (1..5, default 1): `broker` is the first
                         replica and the initial leader, followers are broker-2..broker-R, and a
                         controller elects leaders (Kafka 3.7+ replication: leader epochs, in-sync set)
  --acks 0|1|all         when the leader confirms a write (default: 0 for at-most-once, all otherwise)
  --min-isr K            min.insync.replicas (1..R, default 1)
  --unclean-election     a replica outside the in-sync set may become leader
  --truncate-to-hw       a returning replica truncates to its high watermark (Kafka before KIP-101)
                         instead of the leader-epoch boundary
  --partition A/B@FROM..TO  cut the links between nodes A and B, both directions, from tick FROM to
                         tick TO (repeatable), e.g. broker/controller@10..60
  --at TICK:crash:NODE   crash NODE at tick TICK; also TICK:restart:NODE (repeatable)
  --scenario FILE        start from a scenario file (docs/scenario-format.md): its scenario, its
                         commands at their steps, and its step; when the file has a trace_hash
                         or trace, the run is checked against it (exit status 3 if it differs).
                         Flags override its fields, and then nothing is checked
  --write-scenario FILE  write the run as a scenario file, with the step reached and its trace hash
  --until-quiet          run until every node is up and nothing is in flight, even past the
                         file's step: a node left down (--restart-after never) is restarted once
                         the run goes quiet. Without it the run stops when nothing is scheduled
  --max-steps N          stop after N steps even if not quiet (default 10000000)
  --trace                print every trace event as a JSON line before the summary
  --lang LANG            en | zh-CN: the language of the trace's narration and of the summary's
                         anomalies (default en); the counts and the trace hash do not change
  --pattern PATTERN      the dual-write world (docs/outbox.md): how a service keeps its database
                         and the broker in step. commit-first (commit the row, then publish),
                         publish-first (publish, then commit), outbox (row and outbox row in one
                         local transaction; a relay polls the outbox table and publishes),
                         outbox-inbox (the outbox, and a consumer with an inbox table),
                         offsets-with-output (the outbox, and a consumer that stores its log
                         offset with its output, no acks), 2pc (transactional mode, for
                         reference). A pattern other than 2pc runs its own world: nodes service,
                         relay, broker, consumer; --mode is refused with it (2pc takes only
                         --mode transactional, which it implies), and so are the flags of the
                         delivery modes' world (--producers, --consumers, --style, --replicas,
                         link faults, scenario files...). It takes --messages, --seed, --crash,
                         --at TICK:crash|restart:NODE, --crash-rate, --restart-after,
                         --max-steps, --trace and --lang
  --relay-marks WHEN     before-confirm | after-confirm (default): when the relay marks an outbox
                         row sent (outbox, outbox-inbox, offsets-with-output only)
  --inbox-ack WHEN       before-commit | after-commit (default): when the consumer with an inbox
                         acks, relative to its transaction's commit (outbox-inbox only)
crash points: producer.before_send producer.after_send producer.after_confirm broker.after_append
  broker.after_fsync broker.after_deliver consumer.after_receive consumer.after_apply consumer.after_ack
  (with --style kafka: consumer.after_commit, the consumer has committed the offset past mK, instead
  of consumer.after_ack)
  coordinator.after_prepare_sent coordinator.after_votes coordinator.after_decision_logged
  coordinator.mid_broadcast participant.before_vote participant.after_vote_yes participant.after_commit
  with --protocol kafka: producer.after_send (inside a transaction) producer.before_end_txn
  coordinator.after_prepare_commit_logged coordinator.mid_markers (the marker written to the first
  partition only)
  with --replicas above 1: broker.after_append (the leader appended mK), broker.after_confirm (the
  leader sent the confirm for mK), broker-N.after_fetch (follower N appended mK and sent its next
  fetch, before it learns the new high watermark)
with --style kafka every message is judged once per group; the summary's counters add up the
  groups', and groups lists each group's; reordered counts messages applied after a later message
  of any key, reordered_per_key only after one of their own key (the anomaly); blocked counts
  poison records a group cannot get past and the records behind them
the summary counts acked_lost (lost after the producer was told the write succeeded; also in lost),
  producer_errors (\"not enough replicas\"), leader_changes and unavailable_ticks; and, with
  --protocol kafka, aborted_visible (records of aborted transactions the consumer applied), fenced
  (requests refused with PRODUCER_FENCED), lso_blocked_ticks (ticks a read_committed consumer
  waited at the last stable offset) and external_duplicated (input records the external system
  saw more than once); with --transform or --external-effect, outputs and outputs_duplicated
  count the committed output records
crash points with --pattern: service.after_db_commit (every pattern but 2pc), service.after_publish
  (commit-first, publish-first), relay.after_publish and relay.after_mark (outbox, outbox-inbox,
  offsets-with-output), consumer.after_inbox_commit (outbox-inbox), consumer.after_ack (every pattern
  whose consumer acks: all but offsets-with-output and 2pc); a point of another pattern is refused.
  2pc takes transactional mode's points
with --pattern the summary adds state_without_event (row committed, event never at the broker; also
  in lost), event_without_state (a ghost: event at the broker, row never committed),
  broker_duplicates (events appended more than once), external_duplicated (external system called
  more than once), lost (row committed, never applied) and duplicated (applied more than once);
  events lists each event's verdict, and costs what the pattern cost (messages, round trips and disk
  writes per event, blocked ticks, latency from the row's commit to the consumer's application)";

/// A command-line problem, printed on stderr with exit status 2.
#[derive(Debug)]
struct UsageError(String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The parsed flags.
struct Options {
    scenario: Scenario,
    commands: Vec<Command>,
    max_steps: u64,
    trace: bool,
    /// The language of the narration and of the anomalies.
    lang: Lang,
    /// The scenario file, if any: its recorded commands, step and trace to check.
    file: Option<ScenarioFile>,
    /// True when a flag changed the file's scenario, so its trace no longer applies.
    overridden: bool,
    until_quiet: bool,
    write_scenario: Option<String>,
    /// `--pattern`, `--relay-marks`, `--inbox-ack`.
    pattern: Option<Pattern>,
    relay_marks: Option<RelayMarks>,
    inbox_ack: Option<InboxAck>,
    /// `--mode`, as given.
    mode_given: Option<Mode>,
    /// The `--at` faults as written: their nodes depend on the world.
    at: Vec<String>,
    /// The flags of the delivery modes' world that were given (refused with a pattern).
    world_flags: Vec<String>,
}

/// The flags of Kafka transactions, checked together once every flag is read: they
/// need transactional mode and `--protocol kafka`.
#[derive(Default)]
struct ProtocolFlags {
    protocol: Option<TxnProtocol>,
    isolation: Option<Isolation>,
    pauses: Vec<Pause>,
    zombie: bool,
    external_effect: bool,
}

/// Applies the protocol flags to the scenario, or says which flag does not fit.
fn apply_protocol(flags: ProtocolFlags, scenario: &mut Scenario) -> Result<(), UsageError> {
    if let Some(protocol) = flags.protocol {
        if scenario.mode != Mode::Transactional {
            return Err(UsageError(format!(
                "--protocol {} needs --mode transactional: the protocol is how transactional \
                 mode makes its transactions (the mode is {})",
                protocol.as_str(),
                scenario.mode.as_str()
            )));
        }
        match protocol {
            TxnProtocol::Xa => scenario.kafka_transactions = None,
            TxnProtocol::Kafka => {
                scenario
                    .kafka_transactions
                    .get_or_insert_with(KafkaTransactions::default);
            }
        }
    }
    let Some(k) = scenario.kafka_transactions.as_mut() else {
        let kafka_only = [
            ("--zombie", flags.zombie),
            ("--isolation", flags.isolation.is_some()),
            ("--pause", !flags.pauses.is_empty()),
            ("--external-effect", flags.external_effect),
        ];
        if let Some((flag, _)) = kafka_only.iter().find(|(_, given)| *given) {
            return Err(UsageError(format!(
                "{flag} needs --mode transactional --protocol kafka: it is a setting of Kafka \
                 transactions"
            )));
        }
        return Ok(());
    };
    if scenario.mode != Mode::Transactional {
        return Err(UsageError(format!(
            "the scenario's Kafka transactions need --mode transactional (the mode is {})",
            scenario.mode.as_str()
        )));
    }
    if let Some(isolation) = flags.isolation {
        k.isolation = isolation;
    }
    k.zombie |= flags.zombie;
    k.external_effect |= flags.external_effect;
    k.pauses.extend(flags.pauses);
    let nodes = k.nodes();
    for pause in &k.pauses {
        if !nodes.contains(&pause.node) {
            return Err(UsageError(format!(
                "--pause: '{pause}' names no node of this world (its nodes: {})",
                nodes
                    .iter()
                    .map(|n| n.name().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    Ok(())
}

/// The consumer-side flags, checked together once every flag is read: which of them
/// apply depends on the style.
#[derive(Default)]
struct StyleFlags {
    style: Option<String>,
    consumers: Option<u16>,
    groups: Option<u16>,
    partitions: Option<u16>,
    keys: Option<u32>,
    commit: Option<CommitStrategy>,
    auto_commit_ticks: Option<u64>,
    session_timeout_ticks: Option<u64>,
    prefetch: bool,
    auto_ack: bool,
    delivery_limit: Option<u32>,
}

/// Applies the consumer-side flags to the scenario, or says which flag does not fit.
fn apply_style(flags: StyleFlags, scenario: &mut Scenario) -> Result<(), UsageError> {
    let kafka = match flags.style.as_deref() {
        Some("kafka") => true,
        Some(_) => false,
        None => scenario.kafka.is_some(),
    };
    if !kafka {
        let kafka_only = [
            ("--groups", flags.groups.is_some()),
            ("--partitions", flags.partitions.is_some()),
            ("--keys", flags.keys.is_some()),
            ("--auto-commit-ticks", flags.auto_commit_ticks.is_some()),
            (
                "--session-timeout-ticks",
                flags.session_timeout_ticks.is_some(),
            ),
        ];
        if flags.commit.is_some() {
            return Err(UsageError(
                "--commit needs --style kafka: a RabbitMQ queue's consumers ack each delivery, \
                 they have no offsets to commit"
                    .to_string(),
            ));
        }
        if let Some((flag, _)) = kafka_only.iter().find(|(_, given)| *given) {
            return Err(UsageError(format!(
                "{flag} needs --style kafka: consumer groups, partitions and keys belong to Kafka \
                 style (the RabbitMQ style has one queue and competing consumers)"
            )));
        }
        scenario.kafka = None;
        if let Some(consumers) = flags.consumers {
            scenario.topology.consumers = consumers;
        }
        if let Some(limit) = flags.delivery_limit {
            scenario.queue.delivery_limit = limit;
        }
        return Ok(());
    }
    if flags.prefetch {
        return Err(UsageError(
            "--prefetch is RabbitMQ's basic.qos; a Kafka consumer fetches one partition at a \
             time from its position (use --style rabbitmq)"
                .to_string(),
        ));
    }
    if flags.auto_ack {
        return Err(UsageError(
            "--auto-ack is RabbitMQ's; a Kafka consumer commits offsets (--commit before, after \
             or auto)"
                .to_string(),
        ));
    }
    if scenario.topology.brokers > 1 {
        return Err(UsageError(format!(
            "--replicas {} with --style kafka: the replicated broker holds a single partition's \
             log, and consumer groups read a topic of partitions on one broker; use --replicas 1",
            scenario.topology.brokers
        )));
    }
    if scenario.mode == Mode::Transactional {
        return Err(UsageError(
            "--style kafka runs in the at-most-once, at-least-once and idempotent modes; \
             transactional mode moves messages through one queue in 2PC transactions"
                .to_string(),
        ));
    }
    let before = scenario.kafka.clone();
    let old_members = before
        .as_ref()
        .map(|k| k.members(scenario.topology.consumers));
    let mut k = before.unwrap_or_else(|| KafkaConfig {
        commit: if scenario.mode == Mode::AtMostOnce {
            CommitStrategy::Before
        } else {
            CommitStrategy::After
        },
        ..KafkaConfig::default()
    });
    let check = |flag: &str, value: u64, max: u64| {
        if value == 0 || value > max {
            Err(UsageError(format!(
                "{flag}: must be between 1 and {max} (got {value})"
            )))
        } else {
            Ok(())
        }
    };
    if let Some(groups) = flags.groups {
        check("--groups", groups.into(), MAX_GROUPS.into())?;
        k.groups = groups;
    }
    if let Some(partitions) = flags.partitions {
        check("--partitions", partitions.into(), MAX_PARTITIONS.into())?;
        k.partitions = partitions;
    }
    if let Some(keys) = flags.keys {
        check("--keys", keys.into(), MAX_KEYS.into())?;
        k.keys = keys;
    }
    if let Some(commit) = flags.commit {
        k.commit = commit;
    }
    if let Some(ticks) = flags.auto_commit_ticks {
        k.auto_commit_ticks = ticks;
    }
    if let Some(ticks) = flags.session_timeout_ticks {
        k.session_timeout_ticks = ticks;
    }
    if let Some(limit) = flags.delivery_limit {
        k.max_attempts = limit;
    } else if old_members.is_none() {
        k.max_attempts = DEFAULT_KAFKA_ATTEMPTS;
    }
    let members = flags
        .consumers
        .or(old_members)
        .unwrap_or(scenario.topology.consumers);
    if members == 0 || members > MAX_GROUP_MEMBERS {
        return Err(UsageError(format!(
            "--consumers: a consumer group has 1 to {MAX_GROUP_MEMBERS} members (got {members}); \
             without --style kafka up to {MAX_CONSUMERS} consumers share one queue"
        )));
    }
    scenario.topology.consumers = members * k.groups;
    scenario.kafka = Some(k);
    Ok(())
}

#[derive(Serialize)]
struct Output<'a> {
    /// `--pattern 2pc`: the pattern this transactional run stands for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pattern: Option<&'a str>,
    mode: &'a str,
    seed: u64,
    #[serde(flatten)]
    summary: &'a Summary,
    anomalies: Vec<String>,
    /// Per-transaction (or per-batch) verdicts, e.g. "t1 m1–m3 aborted"; absent when the
    /// run has none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    transactions: Vec<String>,
    /// Per consumer group, its counters: with competing consumers on one queue, the
    /// consumers form one group.
    groups: Vec<GroupOut>,
    /// Per consumer, its name and how many side effects it applied.
    consumers: Vec<ConsumerOut>,
    /// `--pattern 2pc`: what the pattern cost, as the dual-write world counts it.
    #[serde(skip_serializing_if = "Option::is_none")]
    costs: Option<Costs>,
}

/// The summary line of a run of the dual-write world (`--pattern`).
#[derive(Serialize)]
struct PatternOutput<'a> {
    pattern: &'a str,
    /// With an outbox: when the relay marks a row sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    relay_marks: Option<&'a str>,
    /// With an inbox: when the consumer acks.
    #[serde(skip_serializing_if = "Option::is_none")]
    inbox_ack: Option<&'a str>,
    seed: u64,
    #[serde(flatten)]
    summary: &'a Summary,
    anomalies: Vec<String>,
    /// Each event's verdict, e.g. "m2 state_without_event".
    events: Vec<String>,
    costs: Costs,
}

/// Runs a pattern of the dual-write world and prints its trace (with `--trace`) and its
/// summary line.
fn run_pattern(options: &Options, mut settings: OutboxSettings) -> ExitCode {
    for text in &options.at {
        match TimedOutboxFault::parse(text) {
            Ok(fault) => settings.timed.push(fault),
            Err(error) => {
                eprintln!("mqlab-cli run: --at: {error}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let mut world = match OutboxWorld::new(&options.scenario, &settings, options.trace) {
        Ok(world) => world,
        Err(error) => {
            eprintln!("mqlab-cli run: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    world.run_until_quiet(options.max_steps);
    let words = Words::embedded(options.lang);
    if options.trace {
        for event in world.trace() {
            let mut event = event.clone();
            event.narration = event.text(&words);
            match serde_json::to_string(&event) {
                Ok(line) => println!("{line}"),
                Err(error) => {
                    eprintln!("mqlab-cli run: cannot write the trace: {error}");
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    let pattern = settings.pattern;
    let summary = world.summary();
    let output = PatternOutput {
        pattern: pattern.as_str(),
        relay_marks: pattern
            .has_outbox()
            .then(|| settings.relay_marks().as_str()),
        inbox_ack: pattern.has_inbox().then(|| settings.inbox_ack().as_str()),
        seed: options.scenario.seed,
        summary: &summary,
        anomalies: world.anomalies(&words),
        events: world
            .events()
            .iter()
            .map(|e| format!("m{} {}", e.message, e.verdict.as_str()))
            .collect(),
        costs: world.costs(),
    };
    match serde_json::to_string(&output) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("mqlab-cli run: cannot write the summary: {error}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Serialize)]
struct GroupOut {
    exactly_once: u32,
    lost: u32,
    duplicated: u32,
}

#[derive(Serialize)]
struct ConsumerOut {
    name: String,
    applied: u32,
}

fn value<'a>(args: &'a [String], index: &mut usize, flag: &str) -> Result<&'a str, UsageError> {
    *index += 1;
    args.get(*index)
        .map(String::as_str)
        .ok_or_else(|| UsageError(format!("{flag} needs a value")))
}

fn parse_message(text: &str, flag: &str) -> Result<u32, UsageError> {
    let digits = text.strip_prefix('m').unwrap_or(text);
    match digits.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(UsageError(format!(
            "{flag}: '{text}' is not a message id such as m3"
        ))),
    }
}

fn parse_ratio(text: &str, flag: &str) -> Result<Ratio, UsageError> {
    text.parse::<Ratio>()
        .map_err(|e| UsageError(format!("{flag}: {e}")))
}

fn parse(args: &[String]) -> Result<Option<Options>, UsageError> {
    // The scenario file is read first so that the other flags override it, whatever
    // their order on the command line. It is read by the same decoder as the page's
    // "Import", so both accept exactly the same files with the same messages.
    let mut file = None;
    let mut index = 0;
    while index < args.len() {
        if args[index] == "--scenario" {
            let path = value(args, &mut index, "--scenario")?;
            let text = std::fs::read_to_string(path)
                .map_err(|e| UsageError(format!("--scenario: cannot read {path}: {e}")))?;
            file = Some(
                ScenarioFile::parse(&text)
                    .map_err(|e| UsageError(format!("--scenario: {path}: {e}")))?,
            );
        }
        index += 1;
    }
    let mut options = Options {
        scenario: file
            .as_ref()
            .map_or_else(Scenario::default, |f| f.run.scenario.clone()),
        commands: Vec::new(),
        max_steps: 10_000_000,
        trace: false,
        lang: Lang::En,
        file,
        overridden: false,
        until_quiet: false,
        write_scenario: None,
        pattern: None,
        relay_marks: None,
        inbox_ack: None,
        mode_given: None,
        at: Vec::new(),
        world_flags: Vec::new(),
    };
    let mut style = StyleFlags::default();
    let mut protocol = ProtocolFlags::default();
    let mut index = 0;
    while index < args.len() {
        let flag = args[index].as_str();
        let overrides = matches!(
            flag,
            "--mode"
                | "--messages"
                | "--seed"
                | "--producers"
                | "--consumers"
                | "--crash"
                | "--drop"
                | "--loss"
                | "--duplicate"
                | "--crash-rate"
                | "--restart-after"
                | "--txn-size"
                | "--transform"
                | "--style"
                | "--prefetch"
                | "--auto-ack"
                | "--poison"
                | "--poison-fails"
                | "--delivery-limit"
                | "--dlq"
                | "--replicas"
                | "--acks"
                | "--min-isr"
                | "--unclean-election"
                | "--truncate-to-hw"
                | "--partition"
                | "--at"
                | "--groups"
                | "--partitions"
                | "--keys"
                | "--commit"
                | "--auto-commit-ticks"
                | "--session-timeout-ticks"
                | "--protocol"
                | "--isolation"
                | "--pause"
                | "--zombie"
                | "--external-effect"
        );
        options.overridden |= overrides;
        let delivery_world_only = overrides
            && !matches!(
                flag,
                "--mode"
                    | "--messages"
                    | "--seed"
                    | "--crash"
                    | "--crash-rate"
                    | "--restart-after"
                    | "--at"
            )
            || matches!(flag, "--scenario" | "--write-scenario");
        if delivery_world_only && !options.world_flags.iter().any(|f| f == flag) {
            options.world_flags.push(flag.to_string());
        }
        match flag {
            "-h" | "--help" => return Ok(None),
            "--scenario" => index += 1,
            "--write-scenario" => {
                options.write_scenario = Some(value(args, &mut index, flag)?.to_string());
            }
            "--mode" => {
                let text = value(args, &mut index, flag)?;
                options.scenario.mode = text
                    .parse::<Mode>()
                    .map_err(|e| UsageError(format!("--mode: {e}")))?;
                options.mode_given = Some(options.scenario.mode);
            }
            "--messages" => {
                let text = value(args, &mut index, flag)?;
                options.scenario.messages = text.parse().map_err(|_| {
                    UsageError(format!("--messages: '{text}' is not a whole number"))
                })?;
            }
            "--seed" => {
                let text = value(args, &mut index, flag)?;
                options.scenario.seed = text
                    .parse()
                    .map_err(|_| UsageError(format!("--seed: '{text}' is not a u64")))?;
            }
            "--producers" | "--consumers" => {
                let text = value(args, &mut index, flag)?;
                let count: u16 = text
                    .parse()
                    .map_err(|_| UsageError(format!("{flag}: '{text}' is not a whole number")))?;
                if flag == "--producers" {
                    options.scenario.topology.producers = count;
                } else {
                    style.consumers = Some(count);
                }
            }
            "--crash" => {
                let text = value(args, &mut index, flag)?;
                let (point, message) = match text.split_once(':') {
                    Some((point, message)) => (point, Some(parse_message(message, flag)?)),
                    None => (text, None),
                };
                let (point, instance) =
                    CrashPoint::parse_at(point).map_err(|e| UsageError(format!("--crash: {e}")))?;
                options.commands.push(Command::CrashAt {
                    point,
                    message,
                    instance,
                });
            }
            "--drop" => {
                let text = value(args, &mut index, flag)?;
                let mut parts = text.rsplitn(3, ':');
                let (Some(message), Some(kind), Some(link)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    return Err(UsageError(format!(
                        "--drop: '{text}' must be LINK:KIND:mK, e.g. broker->producer:confirm:m2"
                    )));
                };
                let link = link
                    .parse::<LinkId>()
                    .map_err(|e| UsageError(format!("--drop: {e}")))?;
                let kind = kind
                    .parse::<MessageKind>()
                    .map_err(|e| UsageError(format!("--drop: {e}")))?;
                let message = parse_message(message, flag)?;
                options.commands.push(Command::DropMatching {
                    link,
                    kind: Some(kind),
                    message: Some(message),
                    nth: 1,
                });
            }
            "--loss" => {
                options.scenario.network.global.loss =
                    parse_ratio(value(args, &mut index, flag)?, flag)?;
            }
            "--duplicate" => {
                options.scenario.network.global.duplicate =
                    parse_ratio(value(args, &mut index, flag)?, flag)?;
            }
            "--crash-rate" => {
                options.scenario.random_crash = parse_ratio(value(args, &mut index, flag)?, flag)?;
            }
            "--restart-after" => {
                let text = value(args, &mut index, flag)?;
                options.scenario.timing.restart_after_ticks = if text == "never" {
                    None
                } else {
                    Some(text.parse().map_err(|_| {
                        UsageError(format!(
                            "--restart-after: '{text}' is not a number of ticks or 'never'"
                        ))
                    })?)
                };
            }
            "--txn-size" => {
                let text = value(args, &mut index, flag)?;
                options.scenario.transaction.size = text.parse().map_err(|_| {
                    UsageError(format!("--txn-size: '{text}' is not a whole number"))
                })?;
            }
            "--transform" => options.scenario.transaction.transform = true,
            "--protocol" => {
                let text = value(args, &mut index, flag)?;
                protocol.protocol = Some(text.parse::<TxnProtocol>().map_err(|_| {
                    UsageError(format!(
                        "--protocol: '{text}' is not a transaction protocol (xa or kafka)"
                    ))
                })?);
            }
            "--isolation" => {
                let text = value(args, &mut index, flag)?;
                protocol.isolation = Some(text.parse::<Isolation>().map_err(|_| {
                    UsageError(format!(
                        "--isolation: '{text}' is not an isolation level (read_committed or \
                         read_uncommitted)"
                    ))
                })?);
            }
            "--pause" => {
                let text = value(args, &mut index, flag)?;
                protocol
                    .pauses
                    .push(Pause::parse(text).map_err(|e| UsageError(format!("--pause: {e}")))?);
            }
            "--zombie" => protocol.zombie = true,
            "--external-effect" => protocol.external_effect = true,
            "--style" => {
                let text = value(args, &mut index, flag)?;
                if text != "rabbitmq" && text != "kafka" {
                    return Err(UsageError(format!(
                        "--style: '{text}' is not a consumer style (kafka or rabbitmq)"
                    )));
                }
                style.style = Some(text.to_string());
            }
            "--groups" | "--partitions" => {
                let text = value(args, &mut index, flag)?;
                let count: u16 = text
                    .parse()
                    .map_err(|_| UsageError(format!("{flag}: '{text}' is not a whole number")))?;
                if flag == "--groups" {
                    style.groups = Some(count);
                } else {
                    style.partitions = Some(count);
                }
            }
            "--keys" => {
                let text = value(args, &mut index, flag)?;
                style.keys =
                    Some(text.parse().map_err(|_| {
                        UsageError(format!("--keys: '{text}' is not a whole number"))
                    })?);
            }
            "--commit" => {
                let text = value(args, &mut index, flag)?;
                style.commit = Some(
                    text.parse::<CommitStrategy>()
                        .map_err(|e| UsageError(format!("--commit: {e}")))?,
                );
            }
            "--auto-commit-ticks" | "--session-timeout-ticks" => {
                let text = value(args, &mut index, flag)?;
                let ticks: u64 = text.parse().map_err(|_| {
                    UsageError(format!("{flag}: '{text}' is not a number of ticks"))
                })?;
                if ticks == 0 {
                    return Err(UsageError(format!("{flag}: must be at least 1 tick")));
                }
                if flag == "--auto-commit-ticks" {
                    style.auto_commit_ticks = Some(ticks);
                } else {
                    style.session_timeout_ticks = Some(ticks);
                }
            }
            "--prefetch" => {
                let text = value(args, &mut index, flag)?;
                let prefetch: u32 = text.parse().map_err(|_| {
                    UsageError(format!("--prefetch: '{text}' is not a whole number"))
                })?;
                // 0 is RabbitMQ's "no limit": as many as the broker may keep outstanding.
                options.scenario.timing.delivery_window =
                    if prefetch == 0 { MAX_WINDOW } else { prefetch };
                style.prefetch = true;
            }
            "--auto-ack" => {
                options.scenario.queue.auto_ack = true;
                style.auto_ack = true;
            }
            "--poison" => {
                let message = parse_message(value(args, &mut index, flag)?, flag)?;
                let poison = &mut options.scenario.queue.poison;
                if let Err(at) = poison.binary_search(&message) {
                    poison.insert(at, message);
                }
            }
            "--poison-fails" => {
                let text = value(args, &mut index, flag)?;
                options.scenario.queue.poison_fails = text
                    .parse::<PoisonFails>()
                    .map_err(|e| UsageError(format!("--poison-fails: {e}")))?;
            }
            "--delivery-limit" => {
                let text = value(args, &mut index, flag)?;
                style.delivery_limit = Some(text.parse().map_err(|_| {
                    UsageError(format!("--delivery-limit: '{text}' is not a whole number"))
                })?);
            }
            "--dlq" => options.scenario.queue.dead_letter_queue = true,
            "--replicas" => {
                let text = value(args, &mut index, flag)?;
                options.scenario.topology.brokers = text.parse().map_err(|_| {
                    UsageError(format!("--replicas: '{text}' is not a whole number"))
                })?;
            }
            "--acks" => {
                let text = value(args, &mut index, flag)?;
                options.scenario.replication.acks = Some(
                    text.parse::<Acks>()
                        .map_err(|e| UsageError(format!("--acks: {e}")))?,
                );
            }
            "--min-isr" => {
                let text = value(args, &mut index, flag)?;
                options.scenario.replication.min_insync_replicas = text.parse().map_err(|_| {
                    UsageError(format!("--min-isr: '{text}' is not a whole number"))
                })?;
            }
            "--unclean-election" => options.scenario.replication.unclean_election = true,
            "--truncate-to-hw" => {
                options.scenario.replication.truncate_to_high_watermark = true;
            }
            "--partition" => {
                let text = value(args, &mut index, flag)?;
                let fault = TimedFault::parse_partition(text)
                    .map_err(|e| UsageError(format!("--partition: {e}")))?;
                options.scenario.timed_faults.push(fault);
            }
            "--at" => options.at.push(value(args, &mut index, flag)?.to_string()),
            "--pattern" => {
                let text = value(args, &mut index, flag)?;
                options.pattern = Some(
                    text.parse::<Pattern>()
                        .map_err(|e| UsageError(format!("--pattern: {e}")))?,
                );
            }
            "--relay-marks" => {
                let text = value(args, &mut index, flag)?;
                options.relay_marks = Some(
                    text.parse::<RelayMarks>()
                        .map_err(|e| UsageError(format!("--relay-marks: {e}")))?,
                );
            }
            "--inbox-ack" => {
                let text = value(args, &mut index, flag)?;
                options.inbox_ack = Some(
                    text.parse::<InboxAck>()
                        .map_err(|e| UsageError(format!("--inbox-ack: {e}")))?,
                );
            }
            "--until-quiet" => options.until_quiet = true,
            "--max-steps" => {
                let text = value(args, &mut index, flag)?;
                options.max_steps = text.parse().map_err(|_| {
                    UsageError(format!("--max-steps: '{text}' is not a whole number"))
                })?;
            }
            "--trace" => options.trace = true,
            "--lang" => {
                let text = value(args, &mut index, flag)?;
                options.lang = Lang::from_tag(text).ok_or_else(|| {
                    UsageError(format!(
                        "--lang: '{text}' is not a language MQ Lab speaks (en or zh-CN)"
                    ))
                })?;
            }
            other => return Err(UsageError(format!("unknown flag '{other}'"))),
        }
        index += 1;
    }
    check_pattern(&mut options)?;
    if options.pattern.is_none_or(|p| p == Pattern::TwoPhaseCommit) {
        for text in &options.at {
            let fault = TimedFault::parse_at(text).map_err(|e| UsageError(format!("--at: {e}")))?;
            options.scenario.timed_faults.push(fault);
        }
    }
    apply_style(style, &mut options.scenario)?;
    apply_protocol(protocol, &mut options.scenario)?;
    if options.pattern == Some(Pattern::TwoPhaseCommit)
        && options.scenario.kafka_transactions.is_some()
    {
        return Err(UsageError(
            "--protocol kafka with --pattern 2pc: 2pc is transactional mode's XA protocol, a \
             coordinator over the service's database and the broker; Kafka transactions are the \
             other protocol (--mode transactional --protocol kafka), and cannot take in a database"
                .to_string(),
        ));
    }
    // Commands from flags become planned faults armed from the start, so that the
    // scenario printed or exported reproduces the run on its own.
    for command in options.commands.drain(..) {
        options.scenario = options.scenario.clone().with_fault(command);
    }
    Ok(Some(options))
}

/// Checks `--pattern` against the other flags: `--relay-marks` and `--inbox-ack` need a
/// pattern (the core checks that it is the right one), a pattern other than 2pc runs its
/// own world and refuses `--mode` and the delivery modes' flags, and 2pc is transactional
/// mode.
fn check_pattern(options: &mut Options) -> Result<(), UsageError> {
    let Some(pattern) = options.pattern else {
        if options.relay_marks.is_some() {
            return Err(UsageError(
                "--relay-marks needs --pattern outbox, outbox-inbox or offsets-with-output: only \
                 they have an outbox table and a relay"
                    .to_string(),
            ));
        }
        if options.inbox_ack.is_some() {
            return Err(UsageError(
                "--inbox-ack needs --pattern outbox-inbox: only its consumer has an inbox table"
                    .to_string(),
            ));
        }
        if let Some(point) = options.commands.iter().find_map(|c| match c {
            Command::CrashAt { point, .. } if point.outbox_only() => Some(*point),
            _ => None,
        }) {
            return Err(UsageError(format!(
                "--crash: {point} is a crash point of the dual-write world: use it with --pattern \
                 (see the crash points with --pattern below)"
            )));
        }
        return Ok(());
    };
    if pattern == Pattern::TwoPhaseCommit {
        if let Some(mode) = options.mode_given.filter(|m| *m != Mode::Transactional) {
            return Err(UsageError(format!(
                "--mode {} with --pattern 2pc: 2pc is transactional mode (leave --mode out, or \
                 give --mode transactional)",
                mode.as_str()
            )));
        }
        options.scenario.mode = Mode::Transactional;
        return Ok(());
    }
    if options.mode_given.is_some() {
        return Err(UsageError(format!(
            "--mode with --pattern {}: a pattern other than 2pc runs the dual-write world of its \
             own, which has no delivery mode (leave --mode out; --pattern 2pc runs transactional \
             mode)",
            pattern.as_str()
        )));
    }
    if let Some(flag) = options.world_flags.first() {
        return Err(UsageError(format!(
            "{flag} does not apply with --pattern {}: the dual-write world has one service, one \
             relay, one broker and one consumer on reliable connections (it takes --messages, \
             --seed, --crash, --at, --crash-rate, --restart-after, --max-steps, --trace and \
             --lang)",
            pattern.as_str()
        )));
    }
    Ok(())
}

/// The run to simulate: the file's commands and step on the (possibly overridden)
/// scenario, and what the file says it produces, unless a flag changed the run.
fn shared_file(options: &Options) -> ScenarioFile {
    let file = options.file.as_ref();
    let check = !options.overridden && !options.until_quiet;
    ScenarioFile {
        run: SharedRun {
            scenario: options.scenario.clone(),
            commands: file.map(|f| f.run.commands.clone()).unwrap_or_default(),
            step: file
                .and_then(|f| f.run.step)
                .filter(|_| !options.until_quiet),
        },
        trace_hash: file.and_then(|f| f.trace_hash).filter(|_| check),
        trace: file.and_then(|f| f.trace.clone()).filter(|_| check),
    }
}

/// `--until-quiet` after the run went quiet: a node still down (one that never restarts
/// by itself) gets a restart command, recorded in the trace like any command, and the
/// run goes on, until every node is up and nothing is in flight, or `max_steps` more
/// steps were taken.
fn restart_nodes_left_down(sim: &mut Sim, max_steps: u64) {
    let mut remaining = max_steps;
    while sim.is_quiet() && remaining > 0 {
        let down: Vec<NodeId> = sim
            .scenario()
            .nodes()
            .into_iter()
            .filter(|&node| !sim.is_up(node))
            .collect();
        if down.is_empty() {
            return;
        }
        for node in down {
            // The node is down and nothing is scheduled, so the restart cannot be refused.
            let restarted = sim.apply(Command::Restart(node));
            debug_assert!(restarted.is_ok(), "{restarted:?}");
        }
        remaining -= sim.run_until_quiet(remaining);
    }
}

/// Runs `mqlab-cli run` with the arguments after "run".
pub fn main(args: &[String]) -> ExitCode {
    let options = match parse(args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("mqlab-cli run: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut two_pc = false;
    if let Some(pattern) = options.pattern {
        let settings = OutboxSettings {
            relay_marks: options.relay_marks,
            inbox_ack: options.inbox_ack,
            ..OutboxSettings::new(pattern)
        };
        if pattern != Pattern::TwoPhaseCommit {
            return run_pattern(&options, settings);
        }
        if let Err(error) = settings.check(&options.scenario) {
            eprintln!("mqlab-cli run: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
        two_pc = true;
    }
    let file = shared_file(&options);
    if options.scenario.kafka_transactions.is_some() {
        return run_kafka_transactions(&options, &file);
    }
    let sim_options = SimOptions {
        // 2pc's costs are counted from the trace.
        record_trace: options.trace || two_pc,
    };
    let mut sim = match file.to_sim(sim_options, options.max_steps) {
        Ok(sim) => sim,
        Err(error @ (FileError::TraceHashMismatch { .. } | FileError::TraceMismatch { .. })) => {
            eprintln!("mqlab-cli run: the run differs from the scenario file: {error}");
            return ExitCode::from(3);
        }
        Err(error) => {
            eprintln!("mqlab-cli run: invalid scenario: {error}");
            return ExitCode::from(2);
        }
    };
    if options.until_quiet {
        let taken = sim.step_index();
        restart_nodes_left_down(&mut sim, options.max_steps.saturating_sub(taken));
    }
    if let Some(path) = &options.write_scenario {
        let text = ScenarioFile::from_sim(&file.run, &sim, false).to_json();
        if let Err(error) = std::fs::write(path, text + "\n") {
            eprintln!("mqlab-cli run: --write-scenario: cannot write {path}: {error}");
            return ExitCode::FAILURE;
        }
    }
    let words = Arc::new(Words::embedded(options.lang));
    if options.lang != Lang::En {
        sim.set_words(Arc::clone(&words));
    }
    if options.trace {
        for event in sim.trace() {
            let mut event = event.clone();
            event.narration = sim.tell(&event);
            match serde_json::to_string(&event) {
                Ok(line) => println!("{line}"),
                Err(error) => {
                    eprintln!("mqlab-cli run: cannot write the trace: {error}");
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    let (summary, costs) = if two_pc {
        let (summary, costs) = two_phase_commit_report(&sim);
        (summary, Some(costs))
    } else {
        (sim.summary(), None)
    };
    let output = Output {
        pattern: two_pc.then_some("2pc"),
        costs,
        mode: options.scenario.mode.as_str(),
        seed: options.scenario.seed,
        summary: &summary,
        anomalies: {
            let ledgers = sim.group_ledgers();
            let several = ledgers.len() > 1;
            ledgers
                .iter()
                .enumerate()
                .flat_map(|(group, ledger)| {
                    let words = &words;
                    ledger.anomalies_in(words).into_iter().map(move |a| {
                        if several {
                            words.fill(
                                Key::AnomalyInGroup,
                                &[
                                    ("group", (group + 1).into()),
                                    ("text", a.explanation.into()),
                                ],
                            )
                        } else {
                            a.explanation
                        }
                    })
                })
                .collect()
        },
        transactions: sim
            .ledger()
            .transactions()
            .iter()
            .map(|t| format!("{} {} {}", t.name(), t.messages_text(), t.verdict.as_str()))
            .collect(),
        groups: sim
            .group_ledgers()
            .iter()
            .map(|ledger| {
                let group = ledger.summary();
                GroupOut {
                    exactly_once: group.exactly_once,
                    lost: group.lost,
                    duplicated: group.duplicated,
                }
            })
            .collect(),
        consumers: sim
            .applied_by_consumer()
            .into_iter()
            .enumerate()
            .map(|(instance, applied)| ConsumerOut {
                name: NodeId::new(mqlab_sim::RoleKind::Consumer, instance as u8)
                    .name()
                    .to_string(),
                applied,
            })
            .collect(),
    };
    match serde_json::to_string(&output) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("mqlab-cli run: cannot write the summary: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a scenario of Kafka transactions in its own world and prints its trace and
/// summary the way the other runs print theirs.
fn run_kafka_transactions(options: &Options, file: &ScenarioFile) -> ExitCode {
    let mut world = match KafkaTxnWorld::new(&options.scenario, options.trace) {
        Ok(world) => world,
        Err(error) => {
            eprintln!("mqlab-cli run: invalid scenario: {error}");
            return ExitCode::from(2);
        }
    };
    world.run_until_quiet(options.max_steps);
    if let Some(expected) = file.trace_hash {
        if expected != world.trace_hash() {
            eprintln!(
                "mqlab-cli run: the run differs from the scenario file: the trace hash is {:016x}, the file says {expected:016x}",
                world.trace_hash()
            );
            return ExitCode::from(3);
        }
    }
    if let Some(path) = &options.write_scenario {
        let written = ScenarioFile {
            run: SharedRun {
                scenario: options.scenario.clone(),
                commands: Vec::new(),
                step: None,
            },
            trace_hash: Some(world.trace_hash()),
            trace: None,
        };
        if let Err(error) = std::fs::write(path, written.to_json() + "\n") {
            eprintln!("mqlab-cli run: --write-scenario: cannot write {path}: {error}");
            return ExitCode::FAILURE;
        }
    }
    let words = Words::embedded(options.lang);
    if options.trace {
        for event in world.trace() {
            let mut line = match serde_json::to_value(event) {
                Ok(line) => line,
                Err(error) => {
                    eprintln!("mqlab-cli run: cannot write the trace: {error}");
                    return ExitCode::FAILURE;
                }
            };
            if let Some(object) = line.as_object_mut() {
                object.insert("text".to_string(), event.text(&words).into());
            }
            println!("{line}");
        }
    }
    let summary = world.summary();
    let output = Output {
        mode: options.scenario.mode.as_str(),
        seed: options.scenario.seed,
        summary: &summary,
        anomalies: world.anomalies(&words),
        transactions: world
            .transaction_log()
            .into_iter()
            .filter_map(|(txn, state, _)| match state {
                "COMPLETE_COMMIT" => Some(format!("t{txn} committed")),
                "COMPLETE_ABORT" => Some(format!("t{txn} aborted")),
                _ => None,
            })
            .collect(),
        groups: vec![GroupOut {
            exactly_once: summary.exactly_once,
            lost: summary.lost,
            duplicated: summary.duplicated,
        }],
        consumers: vec![ConsumerOut {
            name: NodeId::CONSUMER.name().to_string(),
            applied: world.applied_count(),
        }],
        pattern: None,
        costs: None,
    };
    match serde_json::to_string(&output) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("mqlab-cli run: cannot write the summary: {error}");
            ExitCode::FAILURE
        }
    }
}
