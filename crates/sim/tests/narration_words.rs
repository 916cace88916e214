//! The narration in other words: a run told in Chinese is the same run, and the words
//! can change mid-run, the trace already recorded told again in them.

use std::sync::Arc;

use mqlab_sim::{
    Command, CrashPoint, LinkId, MessageKind, Mode, NodeId, Ratio, Run, Scenario, Sim,
};
use mqlab_text::{Lang, Words};

fn chinese() -> Arc<Words> {
    Arc::new(Words::embedded(Lang::ZhCn))
}

fn english() -> Arc<Words> {
    Arc::new(Words::english())
}

/// A run with every kind of narration: planned faults, loss, duplicates, random crashes.
fn scenario(mode: Mode) -> Scenario {
    let mut scenario = Scenario {
        mode,
        messages: 8,
        seed: 7,
        random_crash: Ratio::new(1, 60),
        ..Scenario::default()
    };
    scenario.network.global.loss = Ratio::new(1, 10);
    scenario.network.global.duplicate = Ratio::new(1, 20);
    scenario.with_fault(Command::CrashAt {
        point: CrashPoint::ConsumerAfterApply,
        message: Some(2),
        instance: 0,
    })
}

fn commands() -> Vec<(u64, Command)> {
    vec![
        (
            5,
            Command::DropNext {
                link: LinkId::new(NodeId::BROKER, NodeId::PRODUCER),
                kind: Some(MessageKind::Confirm),
            },
        ),
        (9, Command::Crash(NodeId::BROKER)),
        (14, Command::Restart(NodeId::BROKER)),
    ]
}

/// Runs to the end, applying `commands` before their steps; `switch` is called before
/// each step with the step index.
fn run(mode: Mode, mut switch: impl FnMut(&mut Sim, u64)) -> Sim {
    let mut sim = Sim::new(&scenario(mode)).unwrap();
    let commands = commands();
    for step in 0..5_000 {
        switch(&mut sim, step);
        for (at, command) in &commands {
            if *at == step {
                let _ = sim.apply(command.clone());
            }
        }
        if sim.step().is_none() {
            break;
        }
    }
    sim
}

fn narrations(sim: &Sim) -> Vec<String> {
    sim.trace().iter().map(|e| sim.tell(e)).collect()
}

#[test]
fn switching_to_chinese_and_back_mid_run_gives_the_english_run() {
    for mode in Mode::ALL {
        let straight = run(mode, |_, _| {});
        let mut switched = run(mode, |sim, step| match step {
            3 => sim.set_words(chinese()),
            12 => sim.set_words(english()),
            20 => sim.set_words(chinese()),
            _ => {}
        });
        assert_ne!(
            narrations(&straight),
            narrations(&switched),
            "{mode}: told in Chinese since step 20"
        );
        switched.set_words(english());
        assert_eq!(straight.trace(), switched.trace(), "{mode}");
        assert_eq!(narrations(&straight), narrations(&switched), "{mode}");
        assert_eq!(straight.trace_hash(), switched.trace_hash(), "{mode}");
        assert_eq!(straight.summary(), switched.summary(), "{mode}");
    }
}

#[test]
fn a_chinese_run_is_the_same_run() {
    for mode in Mode::ALL {
        let english = run(mode, |_, _| {});
        let chinese = run(mode, |sim, step| {
            if step == 0 {
                sim.set_words(chinese());
            }
        });
        assert_eq!(english.trace_hash(), chinese.trace_hash(), "{mode}");
        assert_eq!(english.summary(), chinese.summary(), "{mode}");
        assert_eq!(english.trace().len(), chinese.trace().len(), "{mode}");
        // Only the narration differs: the serialized entries without it are equal.
        let (told_english, told_chinese) =
            (english.told(english.trace()), chinese.told(chinese.trace()));
        for (a, b) in told_english.iter().zip(&told_chinese) {
            let mut a = a.clone();
            a.narration = b.narration.clone();
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                serde_json::to_string(b).unwrap()
            );
        }
        assert!(
            told_chinese.iter().all(|e| e
                .narration
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
            "{mode}: every sentence is Chinese"
        );
    }
}

#[test]
fn chinese_sentences() {
    let mut sim = Sim::new(&Scenario::default()).unwrap();
    sim.set_words(chinese());
    sim.apply(Command::CrashAt {
        point: CrashPoint::ConsumerAfterApply,
        message: Some(1),
        instance: 0,
    })
    .unwrap();
    sim.run_until_quiet(10_000);
    let trace = narrations(&sim);
    assert_eq!(
        trace[0],
        "已设置断点：consumer.after_apply，针对 m1。消费者把消息写入数据库之后、ack 之前崩溃（至多一次模式会先 ack 后处理）。"
    );
    assert_eq!(trace[1], "生产者向 Broker 发布 m1。");
    assert!(trace
        .iter()
        .any(|t| t == "Broker 把 m1 追加到内存中的日志；在 fsync 之前，它还不在磁盘上。"));
    assert!(trace.iter().any(|t| t
        == "消费者收到 m1 并处理了它，但还没有 ack。随后 consumer 崩溃（consumer.after_apply）。"));
    let anomalies = sim.ledger().anomalies_in(&chinese());
    let step = anomalies[0].cause_step.unwrap();
    assert_eq!(
        anomalies[0].explanation,
        format!("m1 被处理了两次：消费者处理了它、却在 ack 之前崩溃，所以 Broker 重新投递了它（第 {step} 步）。")
    );
    assert_eq!(
        sim.ledger().anomalies()[0].explanation,
        format!("m1 applied twice: the consumer crashed after applying it and before acking, so the broker redelivered it (step {step}).")
    );
}

#[test]
fn jumps_keep_the_chosen_words() {
    let mut run = Run::new(&scenario(Mode::AtLeastOnce)).unwrap();
    for _ in 0..40 {
        run.step();
    }
    let english: Vec<String> = run
        .sim()
        .told(run.sim().trace())
        .into_iter()
        .map(|e| e.narration)
        .collect();
    run.set_words(chinese());
    assert_eq!(run.step_index(), 40);
    run.seek(10);
    run.seek(40);
    let chinese_trace: Vec<String> = run
        .sim()
        .told(run.sim().trace())
        .into_iter()
        .map(|e| e.narration)
        .collect();
    assert_eq!(chinese_trace.len(), english.len());
    assert!(chinese_trace.iter().zip(&english).all(|(zh, en)| zh != en));
    run.set_words(Arc::new(Words::english()));
    let back: Vec<String> = run
        .sim()
        .told(run.sim().trace())
        .into_iter()
        .map(|e| e.narration)
        .collect();
    assert_eq!(back, english);
}

#[test]
fn comparisons_and_settings_in_chinese() {
    use mqlab_sim::compare::{compare, compare_in, DEFAULT_COMPARE_STEPS};
    let scenario = Scenario::default().with_fault(Command::CrashAt {
        point: CrashPoint::ConsumerAfterApply,
        message: Some(1),
        instance: 0,
    });
    let english = compare(&scenario, &[], DEFAULT_COMPARE_STEPS).unwrap();
    let in_chinese = compare_in(&scenario, &[], DEFAULT_COMPARE_STEPS, &chinese()).unwrap();
    assert_eq!(english.differences.len(), in_chinese.differences.len());
    assert!(!in_chinese.differences.is_empty());
    for (en, zh) in english.differences.iter().zip(&in_chinese.differences) {
        assert_eq!(en.verdicts, zh.verdicts);
        let id = en.message.to_string();
        assert!(
            en.sentence.starts_with(&format!("{id}: ")),
            "{}",
            en.sentence
        );
        assert!(
            zh.sentence.starts_with(&format!("{id}：")),
            "{}",
            zh.sentence
        );
        assert!(zh.sentence.ends_with('。'), "{}", zh.sentence);
    }
    let replication = mqlab_sim::Replication::default();
    assert_eq!(
        replication.describe_in_words(Mode::AtLeastOnce, &chinese()),
        "acks=all，min.insync.replicas=1，干净选举，领导者纪元"
    );
    assert_eq!(
        replication.describe_in(Mode::AtLeastOnce),
        "acks=all, min.insync.replicas=1, clean election, leader epochs"
    );
}

#[test]
fn the_state_panel_speaks_the_words_of_the_run() {
    let mut sim = Sim::new(&Scenario::default()).unwrap();
    sim.apply(Command::CrashAt {
        point: CrashPoint::ConsumerAfterApply,
        message: Some(3),
        instance: 0,
    })
    .unwrap();
    assert_eq!(
        sim.snapshot().breakpoints,
        vec!["consumer.after_apply for m3".to_string()]
    );
    sim.set_words(chinese());
    assert_eq!(
        sim.snapshot().breakpoints,
        vec!["consumer.after_apply，针对 m3".to_string()]
    );
}

#[test]
fn node_cards_speak_the_run_language() {
    let mut sim = Sim::new(&scenario(Mode::AtLeastOnce)).unwrap();
    for _ in 0..12 {
        sim.step();
    }
    let broker_lines = |sim: &Sim| {
        let snapshot = sim.snapshot();
        let broker = snapshot
            .nodes
            .iter()
            .find(|n| n.id == NodeId::BROKER)
            .expect("the broker's card");
        (broker.durable.clone(), broker.volatile.clone())
    };
    let (disk, _) = broker_lines(&sim);
    assert!(
        disk.iter().any(|line| line.starts_with("append ")),
        "{disk:?}"
    );
    sim.set_words(chinese());
    let (disk, memory) = broker_lines(&sim);
    assert!(
        disk.iter().any(|line| line.starts_with("追加 ")),
        "{disk:?}"
    );
    assert!(
        disk.iter()
            .chain(&memory)
            .all(|line| line.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
        "every line of the card is told in Chinese: {disk:?} {memory:?}"
    );
}
