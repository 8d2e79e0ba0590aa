//! Running the real `tepat` binary from the integration tests: one place that isolates it from the
//! developer's environment, so no test reads a stray `TEPAT_*` setting.

// Each file in tests/ is its own crate and uses only some of these helpers.
#![allow(dead_code)]

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The binary, run in `dir`, with every `TEPAT_*` variable of the test's environment removed and
/// warnings only in its log.
pub fn tepat(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tepat"));
    cmd.current_dir(dir);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("TEPAT_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("TEPAT_LOG", "warn");
    cmd
}

/// As [`tepat`], logging at `info`: for tests that check what the log says, or that it leaks nothing.
pub fn verbose(dir: &Path) -> Command {
    let mut cmd = tepat(dir);
    cmd.env("TEPAT_LOG", "info");
    cmd
}

/// Runs `tepat ARGS` in `dir`.
pub fn output(dir: &Path, args: &[&str]) -> Output {
    run(tepat(dir).args(args))
}

/// Runs `cmd` with `stdin` piped in.
pub fn output_with_stdin(cmd: &mut Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Standard output, then standard error.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the binary runs")
}

/// Runs `cmd`, asserts it succeeded (showing all it printed if not), and returns its standard output.
pub fn succeeds(cmd: &mut Command) -> String {
    let o = run(cmd);
    // The arguments only: `cmd`'s Debug would print its environment, which may hold keys.
    let args: Vec<_> = cmd.get_args().collect();
    assert!(o.status.success(), "tepat {args:?}: {}", text(&o));
    stdout(&o)
}

/// Runs `tepat ARGS` in `dir`, asserts it succeeded, and returns its standard output.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    succeeds(tepat(dir).args(args))
}

/// As [`ok`], returning standard output and standard error together.
pub fn ok_text(dir: &Path, args: &[&str]) -> String {
    let o = output(dir, args);
    assert!(o.status.success(), "tepat {args:?}: {}", text(&o));
    text(&o)
}

/// Asserts failure with exactly one line on stderr that starts with `error:`, and returns that line.
pub fn error_line(o: &Output) -> String {
    assert!(!o.status.success(), "expected failure: {}", text(o));
    let err = stderr(o);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(
        lines.len(),
        1,
        "one error line expected, stderr was:\n{err}"
    );
    lines[0].to_owned()
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
