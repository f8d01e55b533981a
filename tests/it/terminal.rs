//! Terminal escape injection (issue 13 item 5): control and bidi characters in go env values
//! reach text output only as visible escapes; colour (when asked for) is the only ESC sequence.

use crate::common;

use common::GoUser;

/// An OSC window-title sequence, a clear-screen, a right-to-left override, a carriage return.
const HOSTILE: &str = "evil.example\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}gro.\rx";

/// Raw control or bidi characters left in `text`, except SGR colour sequences when `colour`.
fn raw_controls(text: &str, colour: bool) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if colour && rest.starts_with("\u{1b}[") {
            let body = &rest[2..];
            let n = body
                .bytes()
                .take_while(|b| b.is_ascii_digit() || *b == b';')
                .count();
            if body.as_bytes().get(n) == Some(&b'm') {
                rest = &body[n + 1..];
                continue;
            }
        }
        if (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        {
            found.push(format!("{c:?}"));
        }
        rest = &rest[c.len_utf8()..];
    }
    found
}

fn assert_escaped(user: &GoUser, args: &[&str], colour: bool) {
    let run = user.godoctor(args);
    assert!(run.code().is_some_and(|c| c <= 2), "{run}");
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let raw = raw_controls(text, colour);
        assert!(raw.is_empty(), "raw {raw:?} on {name} of {args:?}:\n{run}");
    }
    assert!(
        run.stdout.contains("\\x1b]0;pwned") || run.stderr.contains("\\x1b]0;pwned"),
        "the value is still shown, escaped: {run}"
    );
}

#[test]
fn control_characters_in_values_are_escaped_in_text_output() {
    for in_file in [true, false] {
        let mut user = GoUser::new();
        if in_file {
            user.write_goenv(&format!("GOPRIVATE={HOSTILE}\n"));
        } else {
            user.set_env("GOPRIVATE", HOSTILE);
        }
        for colour in [false, true] {
            let c = if colour { "always" } else { "never" };
            assert_escaped(&user, &["--color", c, "env"], colour);
            assert_escaped(&user, &["--color", c, "check", "--offline"], colour);
            assert_escaped(&user, &["--color", c, "check", "-v", "--offline"], colour);
        }
        // JSON escapes control characters itself and stays parseable.
        let j = user.godoctor(&["env", "--json"]).json();
        assert_eq!(j["GOPRIVATE"]["value"], HOSTILE);
    }
}

/// Run `godoctor FLAGS ARGS` with stderr on a pseudo-terminal and stdout in a file: what the
/// terminal showed, and stdout.
fn stderr_on_a_terminal(user: &GoUser, flags: &[&str], args: &[&str]) -> (String, String) {
    let stdout = user.root().join("stdout");
    // sh puts stdout in a file; stderr stays on the pty.
    let mut cmd = common::pty::command(user, "sh");
    cmd.arg("-c")
        .arg("out=$1; shift; exec \"$@\" >\"$out\"")
        .arg("sh")
        .arg(&stdout)
        .arg(common::godoctor_bin())
        .args(flags)
        .args(args);
    let mut p = common::pty::spawn(cmd, false);
    let terminal = p.exp_eof().unwrap_or_default();
    let out = std::fs::read_to_string(&stdout).unwrap_or_default();
    (terminal, out)
}

/// A spinner frame (indicatif's braille dots) or a line redrawn with a carriage return.
fn drew_a_spinner(terminal: &str) -> bool {
    terminal
        .chars()
        .any(|c| ('\u{2800}'..='\u{28ff}').contains(&c))
        || terminal.replace("\r\n", "\n").contains('\r')
}

/// A spinner is for a person: stderr a terminal, stdout anywhere, no `--json`, no `-q`. With
/// stderr on a pseudo-terminal and stdout in a file, `port --wait-held` and `proxy test` of a
/// slow proxy draw their progress line; the same runs with `--json` or `-q` draw nothing there,
/// and stdout holds only JSON.
#[test]
fn a_spinner_draws_only_for_a_person_never_in_json_or_quiet_mode() {
    let user = GoUser::new().with_network_jail();
    let port = common::proxy::closed_port().to_string();
    let slow = common::proxy::GoProxy::builder()
        .module(common::modules::Module::new("example.com/hello", "v1.0.0"))
        .behaviour(common::proxy::Behaviour::SlowHeaders(
            std::time::Duration::from_millis(400),
        ))
        .start();
    let url = slow.url();
    let commands: [&[&str]; 2] = [
        &["port", &port, "--wait-held", "--timeout", "1s"],
        &[
            "proxy",
            "test",
            "--samples",
            "1",
            "--module",
            "example.com/hello@v1.0.0",
            &url,
        ],
    ];
    for args in commands {
        // The control: a person at a terminal sees the progress line.
        let (terminal, _) = stderr_on_a_terminal(&user, &[], args);
        assert!(
            drew_a_spinner(&terminal),
            "{args:?}: no spinner on the terminal: {terminal:?}"
        );
        for flags in [&["--json"][..], &["-q"][..]] {
            let (terminal, out) = stderr_on_a_terminal(&user, flags, args);
            assert!(
                !drew_a_spinner(&terminal),
                "{flags:?} {args:?} drew a spinner: {terminal:?}"
            );
            if flags == ["--json"] {
                let _: serde_json::Value = serde_json::from_str(&out).expect("stdout is JSON only");
            }
        }
    }
}
