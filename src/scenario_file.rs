//! Export and import of the JSON scenario file (`mqlab_sim::ScenarioFile`), as the
//! analysis module does them for the page's share bar. The page hands over and gets back
//! runs as their links, so that it needs neither the file format's code nor its JSON
//! library: the first view downloads neither (docs/first-load.md).

use mqlab_sim::{ScenarioFile, SharedRun};
use mqlab_text::files::Key;
use mqlab_text::Words;

/// A scenario file that was read and checked: the run it describes, as a link, and the
/// notice the page shows when it opens it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// The run, as its link (`SharedRun::to_link`).
    pub link: String,
    /// What the page tells the learner once the run is open.
    pub notice: String,
}

/// A scenario file written for a download: its name and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    /// `mqlab-<mode>-seed<seed>-step<step>.json`.
    pub name: String,
    /// The JSON text.
    pub text: String,
}

/// The scenario file of the run in `run_link`, at the link's step, with the run's trace
/// hash and, when `with_trace`, its trace, and the name it is saved under. The run is
/// rebuilt from its link, as the page rebuilds it, so the file is the one the page's own
/// run gives. A link that cannot be rebuilt gives the reason in `words`.
pub fn export(run_link: &str, with_trace: bool, words: &Words) -> Result<Exported, String> {
    let run = SharedRun::run_from_link(run_link).map_err(|error| error.describe_in(words))?;
    let name = format!(
        "mqlab-{}-seed{}-step{}.json",
        run.scenario().mode.as_str(),
        run.scenario().seed,
        run.step_index()
    );
    Ok(Exported {
        name,
        text: ScenarioFile::from_run(&run, with_trace).to_json(),
    })
}

/// Reads a scenario file, rebuilds its run and checks it against the file's trace and
/// trace hash by simulating it again, as "Import" always has. A file that cannot be
/// imported gives the reason in `words` (`FileError`'s).
pub fn import(text: &str, words: &Words) -> Result<Imported, String> {
    let (file, run) = ScenarioFile::import(text).map_err(|error| error.describe_in(words))?;
    let checked = if file.trace.is_some() || file.trace_hash.is_some() {
        words.get(Key::FileChecked)
    } else {
        ""
    };
    Ok(Imported {
        link: SharedRun::from_run(&run).to_link(),
        notice: words.fill(Key::FileImported, &[("checked", checked.into())]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqlab_sim::{Command, CrashPoint, Mode, Run, Scenario};

    fn runs() -> Vec<Run> {
        let mut runs = Vec::new();
        for mode in [Mode::AtMostOnce, Mode::AtLeastOnce, Mode::Transactional] {
            let scenario = Scenario {
                mode,
                seed: 7,
                ..Scenario::default()
            };
            let mut run = Run::new(&scenario).expect("the default scenario runs");
            run.seek(5);
            run.apply(Command::CrashAt {
                point: CrashPoint::ConsumerAfterApply,
                message: Some(2),
                instance: 0,
            })
            .expect("a crash point of the consumer can be armed");
            run.seek(30);
            runs.push(run);
        }
        let mut stepped_back = Run::new(&Scenario::default()).expect("the default scenario runs");
        stepped_back.seek(40);
        stepped_back.seek(12);
        runs.push(stepped_back);
        runs
    }

    #[test]
    fn export_through_the_link_writes_the_file_of_the_pages_run() {
        for run in runs() {
            let link = SharedRun::from_run(&run).to_link();
            for with_trace in [false, true] {
                let exported =
                    export(&link, with_trace, &Words::english()).expect("the link rebuilds");
                assert_eq!(
                    exported.text,
                    ScenarioFile::from_run(&run, with_trace).to_json()
                );
                assert_eq!(
                    exported.name,
                    format!(
                        "mqlab-{}-seed{}-step{}.json",
                        run.scenario().mode.as_str(),
                        run.scenario().seed,
                        run.step_index()
                    )
                );
            }
        }
    }

    #[test]
    fn import_gives_the_link_of_the_run_the_file_describes() {
        for run in runs() {
            for with_trace in [false, true] {
                let text = ScenarioFile::from_run(&run, with_trace).to_json();
                let imported = import(&text, &Words::english()).expect("an exported file imports");
                let (_, expected) = ScenarioFile::import(&text).expect("an exported file imports");
                assert_eq!(imported.link, SharedRun::from_run(&expected).to_link());
                let reopened = SharedRun::run_from_link(&imported.link).expect("the link opens");
                assert_eq!(reopened.sim().trace_hash(), run.sim().trace_hash());
                assert_eq!(reopened.step_index(), run.step_index());
                assert_eq!(
                    imported.notice,
                    "Imported the scenario file. Its trace was re-simulated and matches."
                );
            }
        }
    }

    #[test]
    fn a_file_without_a_trace_or_its_hash_imports_with_the_plain_notice() {
        let run = Run::new(&Scenario::default()).expect("the default scenario runs");
        let mut file = ScenarioFile::from_run(&run, false);
        file.trace_hash = None;
        let imported =
            import(&file.to_json(), &Words::english()).expect("an exported file imports");
        assert_eq!(imported.notice, "Imported the scenario file.");
    }

    #[test]
    fn a_bad_file_gives_the_reason_and_no_run() {
        for text in [
            "{",
            "[]",
            "{\"format\": \"mqlab-scenario\", \"version\": 1}",
            "",
        ] {
            let reason = import(text, &Words::english()).expect_err("a bad file is refused");
            assert!(!reason.is_empty(), "{text:?} is refused with a reason");
        }
    }

    #[test]
    fn a_bad_link_gives_the_reason_and_no_file() {
        assert!(export("not a link", false, &Words::english()).is_err());
    }
}
