//! `mqlab-cli lesson`: checks a lesson file (docs/lesson-format.md) as the page opens it —
//! every field, then the lesson's run — and prints what it holds and what its run makes
//! true.

use std::process::ExitCode;

use mqlab_sim::lesson_file::{self, LessonFile};
use mqlab_text::{Lang, Words};
use serde_json::json;

const USAGE: &str = "usage: mqlab-cli lesson FILE [--lang LANG]
       mqlab-cli lesson --link LINK [--lang LANG]
  FILE         a lesson file (JSON, \"format\": \"mqlab-lesson\"); - reads standard input
  --link LINK  a lesson link (the part of the address after '#', from 'lesson1.' on)
  --lang LANG  en | zh-CN: the language of the error message (default en)
prints one JSON line: id, chapter, lang (none for a lesson whose texts are in the
catalogue), title, choices, cues, checks, the run's steps, and which choices the run makes
true (choices_true, from 1) beside the one the author intended. Exit status 0 for a valid
lesson, 2 for an invalid one or bad input (the reason on standard error).";

fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("mqlab-cli lesson: {message} (mqlab-cli lesson --help)");
    ExitCode::from(2)
}

pub fn main(args: &[String]) -> ExitCode {
    let mut lang = Lang::En;
    let mut file = None;
    let mut link = None;
    let mut index = 0;
    while index < args.len() {
        let arg = args[index].as_str();
        match arg {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--lang" | "--link" => {
                index += 1;
                let Some(value) = args.get(index) else {
                    return usage_error(format!("{arg} needs a value"));
                };
                if arg == "--lang" {
                    match Lang::from_tag(value) {
                        Some(found) => lang = found,
                        None => return usage_error(format!("unknown language '{value}'")),
                    }
                } else {
                    link = Some(value.clone());
                }
            }
            _ if arg.starts_with("--") => return usage_error(format!("unknown flag '{arg}'")),
            _ if file.is_none() => file = Some(arg.to_string()),
            _ => return usage_error(format!("more than one file ('{arg}')")),
        }
        index += 1;
    }
    let words = Words::embedded(lang);
    let read = match (file, link) {
        (Some(path), None) => {
            let text = if path == "-" {
                let mut text = String::new();
                match std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
                    Ok(_) => Ok(text),
                    Err(error) => Err(error),
                }
            } else {
                std::fs::read_to_string(&path)
            };
            match text {
                Ok(text) => lesson_file::read(&text),
                Err(error) => return usage_error(format!("cannot read {path}: {error}")),
            }
        }
        (None, Some(link)) => lesson_file::read_link(&link),
        (Some(_), Some(_)) => return usage_error("give a file or --link, not both"),
        (None, None) => return usage_error("no lesson file given"),
    };
    match read {
        Ok(file) => {
            println!("{}", summary(&file));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("mqlab-cli lesson: {}", error.describe_in(&words));
            ExitCode::from(2)
        }
    }
}

fn summary(file: &LessonFile) -> serde_json::Value {
    let lesson = &file.lesson;
    let (steps, choices_true) = match lesson.run_to_end() {
        Ok(sim) => {
            let outcome = lesson.question.outcome(&sim.summary());
            let true_choices: Vec<usize> = outcome
                .iter()
                .enumerate()
                .filter(|(_, holds)| **holds)
                .map(|(index, _)| index + 1)
                .collect();
            (sim.step_index(), true_choices)
        }
        // `read` has run the lesson to its end already.
        Err(_) => (0, Vec::new()),
    };
    json!({
        "id": lesson.id,
        "chapter": lesson.chapter.slug(),
        "lang": file.lang().map(Lang::tag),
        "title": file.texts.as_ref().map(|texts| texts.title.as_str()),
        "choices": lesson.question.choices.len(),
        "cues": lesson.cues.len(),
        "checks": lesson.self_checks.len(),
        "steps": steps,
        "choices_true": choices_true,
        "intended": lesson.question.intended_choice + 1,
    })
}
