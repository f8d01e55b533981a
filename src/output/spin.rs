//! Progress on stderr: a spinner is drawn only for a person (stderr a terminal, not `--json`,
//! not `-q`); everywhere else every call is a no-op, so logs and pipes get no carriage returns.

use super::{Output, prompt_text};

/// A spinner line on stderr, the only way a command shows progress. It is drawn only for a
/// person: stderr a terminal, not `--json`, not `-q`; otherwise every call is a no-op, so a
/// build log or a pipe never gets carriage returns. Its text is sanitized and redacted like
/// every other line.
pub struct Spinner(Option<indicatif::ProgressBar>);

impl Output {
    /// A spinner showing `message`, ticking on its own until [`Spinner::finish`] or drop.
    pub fn spinner(&self, message: &str) -> Spinner {
        let s = self.spinner_stepped();
        s.set_message(message);
        if let Some(bar) = &s.0 {
            bar.enable_steady_tick(std::time::Duration::from_millis(80));
        }
        s
    }

    /// A spinner that moves only when [`Spinner::tick`] is called (for a loop that polls).
    pub fn spinner_stepped(&self) -> Spinner {
        let drawn = self.stderr_tty && !self.json && !self.detail.quiet();
        Spinner(drawn.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar
        }))
    }

    /// Run `f` with a spinner showing `message` (drawn only for a person, as [`Output::spinner`]).
    pub fn spin<T>(&self, message: &str, f: impl FnOnce() -> T) -> T {
        let bar = self.spinner(message);
        let out = f();
        bar.finish();
        out
    }
}

impl Spinner {
    /// Replace the text after the spinner.
    pub fn set_message(&self, text: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(prompt_text(text));
        }
    }

    /// Advance a [`Output::spinner_stepped`] spinner by one frame.
    pub fn tick(&self) {
        if let Some(bar) = &self.0 {
            bar.tick();
        }
    }

    /// Remove the spinner line.
    pub fn finish(self) {}
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_spinner_and_no_prompt_without_a_terminal() {
        let mut out = Output::plain();
        assert!(out.spinner("working").0.is_none());
        out.stderr_tty = true;
        out.json = true;
        assert!(
            out.spinner("working").0.is_none(),
            "JSON mode draws nothing"
        );
        assert_eq!(out.confirm("go on?", true).expect("no io"), None);
    }
}
