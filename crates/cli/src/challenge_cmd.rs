//! `mqlab-cli challenge`: the Challenges view's checks from the command line. Lists the
//! challenges, checks a run (a scenario file as the simulator exports it, or a run link as
//! the address bar holds it) against one, judges a prediction, and writes a challenge's
//! start or worked solution as a scenario file that the simulator imports.

use std::process::ExitCode;

use mqlab_sim::challenges::{self, Challenge, Kind, Measured, Task, Verdict};
use mqlab_sim::{ScenarioFile, SharedRun, Sim, SimOptions};
use mqlab_text::{Lang, Words};
use serde_json::{json, Value};

const USAGE: &str = "usage: mqlab-cli challenge --list [--lang LANG]
       mqlab-cli challenge SLUG (--scenario FILE | --link LINK | --answer N) [--lang LANG]
       mqlab-cli challenge SLUG (--write-start FILE | --write-solution FILE)
  --list                 one JSON line per challenge: slug, kind, mode, title
  --scenario FILE        check the run of a scenario file (the simulator's \"Export\"): its
                         scenario, its faults and the commands at their steps, run to the end
  --link LINK            check the run of a run link (the part of the address after '#',
                         from 'v1.' on)
  --answer N             a prediction: answer N (from 1) of a \"predict\" challenge
  --write-start FILE     write the challenge's start as a scenario file
  --write-solution FILE  write its worked solution as a scenario file
  --lang LANG            en | zh-CN: the language of the title and the findings (default en)
prints one JSON line: challenge, kind, solved, findings (sentences; empty when solved), and
the run's exactly_once, lost, duplicated, redelivered, reordered (applied after a later
message), acked_lost (lost after the producer was told it was written),
refused (writes the leader refused), blocked_ticks and wire_messages (messages sent over
the network); a \"fix it\" challenge adds best_wire_messages, and a prediction adds answers
(whether each holds). Exit status 0 when solved, 1 when not, 2 for bad input.";

fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("mqlab-cli challenge: {message} (mqlab-cli challenge --help)");
    ExitCode::from(2)
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::FindFault => "find-fault",
        Kind::FixIt => "fix-it",
        Kind::Predict => "predict",
    }
}

fn counts(measured: &Measured) -> Value {
    let s = &measured.summary;
    json!({
        "exactly_once": s.exactly_once,
        "lost": s.lost,
        "duplicated": s.duplicated,
        "redelivered": s.redelivered,
        "reordered": s.reordered_per_key,
        "acked_lost": s.acked_lost,
        "refused": s.producer_errors,
        "blocked_ticks": s.blocked_ticks,
        "wire_messages": measured.wire,
    })
}

fn print(mut line: Value, extra: Value) {
    if let (Some(line), Some(extra)) = (line.as_object_mut(), extra.as_object()) {
        line.extend(extra.clone());
    }
    println!("{line}");
}

/// What the learner gave to check.
enum Given {
    Run(Box<SharedRun>),
    Answer(usize),
    WriteStart(String),
    WriteSolution(String),
}

pub fn main(args: &[String]) -> ExitCode {
    let mut lang = Lang::En;
    let mut list = false;
    let mut slug = None;
    let mut given = None;
    let mut index = 0;
    while index < args.len() {
        let arg = args[index].as_str();
        let mut value = |flag: &str| -> Result<String, ExitCode> {
            index += 1;
            args.get(index)
                .cloned()
                .ok_or_else(|| usage_error(format!("{flag} needs a value")))
        };
        let next = match arg {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--list" => {
                list = true;
                None
            }
            "--lang" => {
                let text = match value("--lang") {
                    Ok(text) => text,
                    Err(code) => return code,
                };
                match Lang::from_tag(&text) {
                    Some(chosen) => lang = chosen,
                    None => return usage_error(format!("--lang: unknown language '{text}'")),
                }
                None
            }
            "--scenario" => {
                let path = match value("--scenario") {
                    Ok(path) => path,
                    Err(code) => return code,
                };
                let text = match std::fs::read_to_string(&path) {
                    Ok(text) => text,
                    Err(error) => {
                        return usage_error(format!("--scenario: cannot read {path}: {error}"))
                    }
                };
                match ScenarioFile::parse(&text) {
                    Ok(file) => Some(Given::Run(Box::new(file.run))),
                    Err(error) => return usage_error(format!("--scenario: {path}: {error}")),
                }
            }
            "--link" => {
                let link = match value("--link") {
                    Ok(link) => link,
                    Err(code) => return code,
                };
                match SharedRun::from_link(link.trim_start_matches('#')) {
                    Ok(run) => Some(Given::Run(Box::new(run))),
                    Err(error) => return usage_error(format!("--link: {error}")),
                }
            }
            "--answer" => {
                let text = match value("--answer") {
                    Ok(text) => text,
                    Err(code) => return code,
                };
                match text.parse::<usize>() {
                    Ok(number) if number >= 1 => Some(Given::Answer(number - 1)),
                    _ => return usage_error(format!("--answer: a number from 1, not '{text}'")),
                }
            }
            "--write-start" => match value("--write-start") {
                Ok(path) => Some(Given::WriteStart(path)),
                Err(code) => return code,
            },
            "--write-solution" => match value("--write-solution") {
                Ok(path) => Some(Given::WriteSolution(path)),
                Err(code) => return code,
            },
            flag if flag.starts_with('-') => return usage_error(format!("unknown flag '{flag}'")),
            name => {
                if slug.is_some() {
                    return usage_error(format!("one challenge at a time, not also '{name}'"));
                }
                slug = Some(name.to_string());
                None
            }
        };
        if let Some(next) = next {
            if given.is_some() {
                return usage_error(
                    "give one of --scenario, --link, --answer, --write-start, --write-solution",
                );
            }
            given = Some(next);
        }
        index += 1;
    }
    let words = Words::embedded(lang);
    if list {
        for challenge in challenges::all() {
            println!(
                "{}",
                json!({
                    "challenge": challenge.id,
                    "kind": kind_name(challenge.kind()),
                    "mode": challenge.start.mode.as_str(),
                    "title": words.get(challenge.texts.title),
                })
            );
        }
        return ExitCode::SUCCESS;
    }
    let Some(slug) = slug else {
        return usage_error("name a challenge (mqlab-cli challenge --list lists them)");
    };
    let Some(challenge) = challenges::find(&slug) else {
        return usage_error(format!(
            "no challenge '{slug}' (mqlab-cli challenge --list lists them)"
        ));
    };
    match given {
        None => usage_error("give --scenario, --link, --answer, --write-start or --write-solution"),
        Some(Given::WriteStart(path)) => write_run(&challenge.start_run(), &path),
        Some(Given::WriteSolution(path)) => write_run(&challenge.solution_run(), &path),
        Some(Given::Answer(answer)) => judge(&challenge, answer, &words),
        Some(Given::Run(run)) => check(&challenge, &run, &words),
    }
}

fn write_run(run: &SharedRun, path: &str) -> ExitCode {
    // The file describes the run at its first step.
    let sim = match Sim::with_options(&run.scenario, SimOptions::default()) {
        Ok(sim) => sim,
        Err(error) => return usage_error(error),
    };
    let text = ScenarioFile::from_sim(run, &sim, false).to_json();
    match std::fs::write(path, text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => usage_error(format!("cannot write {path}: {error}")),
    }
}

fn judge(challenge: &Challenge, answer: usize, words: &Words) -> ExitCode {
    let Task::Predict(question) = &challenge.task else {
        return usage_error(format!(
            "'{}' is not a prediction: check a run with --scenario or --link",
            challenge.id
        ));
    };
    if answer >= question.choices.len() {
        return usage_error(format!(
            "--answer: '{}' has answers 1 to {}",
            challenge.id,
            question.choices.len()
        ));
    }
    let Some((measured, outcome)) = challenge.judge() else {
        return usage_error(format!("the run of '{}' cannot be made", challenge.id));
    };
    let solved = outcome.get(answer).copied().unwrap_or(false);
    print(
        json!({
            "challenge": challenge.id,
            "kind": kind_name(challenge.kind()),
            "solved": solved,
            "findings": Vec::<String>::new(),
            "answers": outcome,
            "why": words.get(challenge.texts.why),
        }),
        counts(&measured),
    );
    if solved {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn check(challenge: &Challenge, run: &SharedRun, words: &Words) -> ExitCode {
    if matches!(challenge.task, Task::Predict(_)) {
        return usage_error(format!(
            "'{}' is a prediction: give --answer N",
            challenge.id
        ));
    }
    let verdict: Verdict = challenge.check(run);
    let findings: Vec<String> = verdict
        .findings
        .iter()
        .map(|finding| {
            finding.describe_in(words, verdict.baseline_blocked, verdict.measured.as_ref())
        })
        .collect();
    let mut extra = verdict.measured.as_ref().map_or(json!({}), counts);
    let best = verdict
        .best_wire
        .or_else(|| challenge.best().map(|(_, wire)| wire));
    if let (Some(extra), Some(best)) = (extra.as_object_mut(), best) {
        extra.insert("best_wire_messages".into(), json!(best));
    }
    print(
        json!({
            "challenge": challenge.id,
            "kind": kind_name(challenge.kind()),
            "solved": verdict.solved(),
            "findings": findings,
        }),
        extra,
    );
    if verdict.solved() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
