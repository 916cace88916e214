use std::process::ExitCode;

pub fn main(_args: &[String]) -> ExitCode {
    eprintln!("mqlab-cli: not built yet");
    ExitCode::from(2)
}
