//! What the CLI's tests share: running `mqlab-cli run` as a user does.

use std::process::{Command, Output};

/// `mqlab-cli run` with these flags, and what it printed and returned.
pub fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mqlab-cli"))
        .arg("run")
        .args(args)
        .output()
        .expect("the CLI runs")
}
