//! `mqlab-cli`: run MQ Lab scenarios and the 2PC protocol explorer, check challenges and
//! lesson files, from the command line.

mod challenge_cmd;
mod explore_cmd;
mod lesson_cmd;
mod run_cmd;

use std::process::ExitCode;

const USAGE: &str = "usage: mqlab-cli <run|explore-2pc|challenge|lesson> [flags]\n  mqlab-cli run --help\n  mqlab-cli explore-2pc --help\n  mqlab-cli challenge --help\n  mqlab-cli lesson --help";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => run_cmd::main(&args[1..]),
        Some("explore-2pc") => explore_cmd::main(&args[1..]),
        Some("challenge") => challenge_cmd::main(&args[1..]),
        Some("lesson") => lesson_cmd::main(&args[1..]),
        Some("-h") | Some("--help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("mqlab-cli: unknown command '{other}'\n{USAGE}");
            ExitCode::from(2)
        }
        None => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
