//! Errors in other words: every refusal of a link, a scenario file or a setting is told
//! in Chinese as it is in English, the English exactly as the command line prints it, the
//! Chinese without an English sentence left in it.

use mqlab_sim::share::{seal, seal_version};
use mqlab_sim::{
    Acks, CommitStrategy, CrashPoint, LinkId, Mode, NodeId, Pause, PoisonFails, Ratio, Scenario,
    ScenarioFile, SharedRun, TimedFault,
};
use mqlab_text::{Lang, Words};

fn chinese() -> Words {
    Words::embedded(Lang::ZhCn)
}

/// The runs of two or more plain English words (letters only, between spaces) outside
/// quotes: English the translation left. Identifiers (`kafka.groups`, `at-most-once`,
/// `key=value`), names in a list (`crash, restart`) and single names (`Kafka`, `tick`)
/// stay in Chinese messages as they are, and are not runs of plain words.
fn english_left(text: &str) -> Vec<String> {
    let mut outside = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                outside.push(' ');
            }
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None => outside.push(c),
        }
    }
    let mut runs = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    for token in outside.split(' ') {
        if !token.is_empty() && token.chars().all(|c| c.is_ascii_alphabetic()) {
            run.push(token);
            continue;
        }
        if run.len() >= 2 {
            runs.push(run.join(" "));
        }
        run.clear();
    }
    if run.len() >= 2 {
        runs.push(run.join(" "));
    }
    // The product's name is a name.
    runs.retain(|run| run != "MQ Lab");
    runs
}

/// Checks one message: the English told in words is the error's `Display`, and the
/// Chinese is another text with no English left.
fn check(english: String, display: String, chinese: String) {
    assert_eq!(
        english, display,
        "the English words are the printed message"
    );
    assert_ne!(chinese, english, "{english} is told in Chinese");
    let left = english_left(&chinese);
    assert!(
        left.is_empty(),
        "{chinese}: English left {left:?} (from: {english})"
    );
}

#[test]
fn every_kind_of_bad_link_is_told_in_chinese() {
    let zh = chinese();
    let en = Words::english();
    let links = [
        String::new(),
        "hello".to_string(),
        seal_version(99, "mode=idempotent"),
        format!("v1.{}~00000000", "a".repeat(9 << 20)),
        "v1.mode=idempotent&messages=5&seed=1".to_string(),
        "v1.mode=idempotent&messages=5&seed=1~00000000".to_string(),
        seal("mode=idempotent&messages=5&seed=1&oops"),
        seal("mode=idempotent&messages=5&seed=1&colour=red"),
        seal("mode=idempotent&messages=5&seed=1&seed=2"),
        seal("mode=idempotent&messages=5"),
        seal("mode=idempotent&seed=5"),
        seal("mode=idempotent&messages=5&seed=x"),
        seal("mode=sometimes&messages=5&seed=1"),
        seal("mode=idempotent&messages=5&seed=1&loss=5%"),
        seal("mode=idempotent&messages=5&seed=1&latency=5"),
        seal("mode=idempotent&messages=5&seed=1&link=producer"),
        seal("mode=idempotent&messages=5&seed=1&link=producer:moon,2-5,0/1,0/1,0/1"),
        seal("mode=idempotent&messages=5&seed=1&link=broker:broker,2-5,0/1,0/1,0/1"),
        seal("mode=idempotent&messages=5&seed=1&restart_after=soon"),
        seal("mode=idempotent&messages=5&seed=1&sequence_check=maybe"),
        seal("mode=idempotent&messages=5&seed=1&poison=3"),
        seal("mode=idempotent&messages=5&seed=1&poison_fails=explode"),
        seal("mode=idempotent&messages=5&seed=1&cmd=3@crash,moon"),
        seal("mode=idempotent&messages=5&seed=1&cmd=3@dance"),
        seal("mode=idempotent&messages=5&seed=1&cmd=3@crash"),
        seal("mode=idempotent&messages=5&seed=1&cmd=x@crash,broker"),
        seal("mode=idempotent&messages=5&seed=1&cmd=3"),
        seal("mode=idempotent&messages=5&seed=1&cmd=3@crash_at,consumer.nowhere,m1"),
        seal("mode=idempotent&messages=5&seed=1&cmd=3@drop_next,producer:broker,shout"),
        seal("mode=idempotent&messages=5&seed=1&cmd=3@drop_matching,producer:broker,*,q,1"),
        seal("mode=idempotent&messages=5&seed=1&cmd=3@delay_next,producer:broker,later"),
        seal("mode=idempotent&messages=5&seed=1&cmd=3@drop_matching,producer:broker,*,m1,x"),
        seal("mode=idempotent&messages=5&seed=1&cmd=3@set_loss,half"),
        seal("mode=idempotent&messages=5&seed=1&fault=crash_at,consumer.after_apply,m1,x"),
        seal("mode=transactional&messages=5&seed=1&protocol=zab"),
        seal("mode=transactional&messages=5&seed=1&isolation=read_committed"),
        seal("mode=transactional&messages=5&seed=1&protocol=kafka&isolation=dirty"),
        seal("mode=transactional&messages=5&seed=1&protocol=kafka&pause=producer@9..3"),
        seal("mode=transactional&messages=5&seed=1&protocol=kafka&pause=moon@1..3"),
        seal("mode=transactional&messages=5&seed=1&protocol=kafka&pause=producer@1..never"),
        seal("mode=idempotent&messages=5&seed=1&protocol=kafka"),
        seal("mode=transactional&messages=5&seed=1&protocol=kafka&loss=1/2"),
        seal(&format!(
            "mode=idempotent&messages=5&seed=1&{}",
            vec!["fault=crash,broker"; 1025].join("&")
        )),
        seal("mode=idempotent&messages=0&seed=1"),
        seal("mode=idempotent&messages=5&seed=1&latency=9-2"),
        seal("mode=idempotent&messages=5&seed=1&loss=3/2"),
        seal("mode=idempotent&messages=5&seed=1&cmd=900@crash,broker&step=3"),
        seal("mode=idempotent&messages=5&seed=1&cmd=5@crash,broker&cmd=3@crash,broker"),
        seal("mode=idempotent&messages=5&seed=1&cmd=3@crash,coordinator"),
        seal_version(4, "mode=transactional&messages=5&seed=1&brokers=3"),
        seal_version(4, "mode=idempotent&messages=5&seed=1&brokers=3&at=soon"),
        seal_version(
            4,
            "mode=idempotent&messages=5&seed=1&brokers=3&at=4:crash:moon",
        ),
        seal_version(4, "mode=idempotent&messages=5&seed=1&brokers=3&at=a/b@1..2"),
        seal_version(
            4,
            "mode=idempotent&messages=5&seed=1&brokers=3&at=broker/broker@1..2",
        ),
        seal_version(
            4,
            "mode=idempotent&messages=5&seed=1&brokers=3&at=broker/broker-2@5..2",
        ),
        seal_version(4, "mode=idempotent&messages=5&seed=1&brokers=3&acks=2"),
        seal_version(4, "mode=idempotent&messages=5&seed=1&brokers=3&min_isr=9"),
        seal_version(5, "mode=idempotent&messages=5&seed=1&style=mqtt"),
        seal_version(
            5,
            "mode=idempotent&messages=5&seed=1&style=kafka&commit=never",
        ),
        seal_version(5, "mode=transactional&messages=5&seed=1&style=kafka"),
        seal_version(
            5,
            "mode=idempotent&messages=5&seed=1&style=kafka&auto_ack=on",
        ),
    ];
    let mut kinds = std::collections::BTreeSet::new();
    for link in &links {
        let Err(error) = SharedRun::run_from_link(link) else {
            panic!("{link} should be refused");
        };
        kinds.insert(format!("{error:?}").chars().take(24).collect::<String>());
        check(
            error.describe_in(&en),
            error.to_string(),
            error.describe_in(&zh),
        );
    }
    assert!(
        kinds.len() > 30,
        "the links above refuse in many ways: {kinds:?}"
    );
}

#[test]
fn every_kind_of_bad_file_is_told_in_chinese() {
    let zh = chinese();
    let en = Words::english();
    let run = mqlab_sim::Run::new(&Scenario::default()).expect("the default scenario runs");
    let good = ScenarioFile::from_run(&run, true).to_json();
    let files = [
        "{".to_string(),
        "[]".to_string(),
        "{\"format\": \"mqlab-scenario\"}".to_string(),
        "{\"format\": \"mqlab-scenario\", \"version\": 99}".to_string(),
        "{\"format\": \"mqlab-scenario\", \"version\": \"one\"}".to_string(),
        good.replacen("\"seed\":", "\"colour\": 1, \"seed\":", 1),
        good.replacen("\"mode\": \"at-least-once\"", "\"mode\": \"sometimes\"", 1),
        good.replacen("\"messages\": 5", "\"messages\": -5", 1),
        good.replacen("\"messages\": 5", "\"messages\": 0", 1),
        good.replacen("\"seed\": 1", "\"seed\": [1]", 1),
        good.replacen("\"seed\": 1", "\"seed\": {}", 1),
        good.replacen("\"seed\": 1", "\"seed\": \"a long text that the message shortens for the reader\"", 1),
        good.replacen("\"trace_hash\": \"", "\"trace_hash\": \"0", 1),
        good.replacen("\"mode\": \"at-least-once\"", "\"mode\": \"at-most-once\"", 1),
        "x".repeat(5 << 20),
        "{\"format\": \"mqlab-scenario\", \"version\": 1, \"mode\": \"idempotent\", \"messages\": 3, \"seed\": 1, \"topology\": {}}".to_string(),
        "{\"format\": \"mqlab-scenario\", \"version\": 5, \"mode\": \"idempotent\", \"messages\": 3, \"seed\": 1, \"commands\": [{\"step\": 1, \"command\": \"dance\"}]}".to_string(),
        "{\"format\": \"mqlab-scenario\", \"version\": 5, \"mode\": \"idempotent\", \"messages\": 3, \"seed\": 1, \"commands\": [{\"step\": 1, \"command\": \"crash\", \"node\": \"moon\"}]}".to_string(),
        "{\"format\": \"mqlab-scenario\", \"version\": 5, \"mode\": \"idempotent\", \"messages\": 3, \"seed\": 1, \"commands\": [{\"step\": 1, \"command\": \"heal\", \"link\": \"broker->broker\"}]}".to_string(),
        "{\"format\": \"mqlab-scenario\", \"version\": 5, \"mode\": \"idempotent\", \"messages\": 3, \"seed\": 1, \"queue\": {\"poison_fails\": \"explode\"}}".to_string(),
        "{\"format\": \"mqlab-scenario\", \"version\": 5, \"mode\": \"transactional\", \"messages\": 3, \"seed\": 1, \"kafka_transactions\": {}}".to_string(),
        "{\"format\": \"mqlab-scenario\", \"version\": 6, \"mode\": \"transactional\", \"messages\": 3, \"seed\": 1, \"kafka_transactions\": {\"isolation\": \"dirty\"}}".to_string(),
        "{\"format\": \"mqlab-scenario\", \"version\": 6, \"mode\": \"transactional\", \"messages\": 3, \"seed\": 1, \"kafka_transactions\": {\"pauses\": [\"producer@1..never\"]}}".to_string(),
        "{\"format\": \"mqlab-scenario\", \"version\": 6, \"mode\": \"at-least-once\", \"messages\": 3, \"seed\": 1, \"kafka_transactions\": {}}".to_string(),
    ];
    let mut refused = 0;
    for text in &files {
        let Err(error) = ScenarioFile::import(text) else {
            continue;
        };
        refused += 1;
        check(
            error.describe_in(&en),
            error.to_string(),
            error.describe_in(&zh),
        );
    }
    assert!(
        refused >= files.len() - 2,
        "{refused} of {} files refused",
        files.len()
    );
}

#[test]
fn unreadable_names_ratios_links_and_timed_faults_are_told_in_chinese() {
    let zh = chinese();
    let en = Words::english();
    let sentences = [
        "sometimes".parse::<Mode>().unwrap_err().sentence(),
        "moon".parse::<NodeId>().unwrap_err().sentence(),
        CrashPoint::parse_at("consumer.nowhere")
            .unwrap_err()
            .sentence(),
        "2".parse::<Acks>().unwrap_err().sentence(),
        "never".parse::<CommitStrategy>().unwrap_err().sentence(),
        "explode".parse::<PoisonFails>().unwrap_err().sentence(),
        "half".parse::<Ratio>().unwrap_err().sentence(),
        "producer".parse::<LinkId>().unwrap_err().sentence(),
        "broker->broker".parse::<LinkId>().unwrap_err().sentence(),
        TimedFault::parse_at("soon").unwrap_err().0,
        TimedFault::parse_partition("a/b").unwrap_err().0,
        Pause::parse("producer").unwrap_err().0,
        Pause::parse("@1..2").unwrap_err().0,
        Pause::parse("moon@1..2").unwrap_err().0,
        Pause::parse("producer@1..").unwrap_err().0,
        Pause::parse("producer@5..5").unwrap_err().0,
        Pause::parse("producer@5..999999999999").unwrap_err().0,
    ];
    for sentence in sentences {
        check(
            sentence.told_in(&en),
            sentence.to_string(),
            sentence.told_in(&zh),
        );
    }
}
