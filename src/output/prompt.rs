//! Questions on the terminal, the one place prompts are made (dialoguer): their look follows
//! the colour policy, every text shown is redacted and sanitized like any printed line, and
//! where nothing can be asked (no terminal, `--json`) nothing is: the caller gets `None` and
//! says which flag answers instead.

use std::io;

use dialoguer::console::{Key, Term};
use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};

use super::{Output, prompt_text};

impl Output {
    /// dialoguer's look: coloured when output is.
    fn theme(&self) -> Box<dyn Theme> {
        if self.color {
            Box::new(ColorfulTheme::default())
        } else {
            Box::new(SimpleTheme)
        }
    }

    /// Questions can be asked: stdin and stdout are a terminal and stdout is not JSON.
    pub fn can_ask(&self) -> bool {
        self.interactive && !self.json
    }

    /// Ask a yes/no question on the terminal; `Ok(None)` when there is no terminal to ask on
    /// (not interactive, or `--json`): the caller says which flag answers instead.
    pub fn confirm(&self, question: &str, default: bool) -> io::Result<Option<bool>> {
        if !self.can_ask() {
            return Ok(None);
        }
        dialoguer::Confirm::with_theme(self.theme().as_ref())
            .with_prompt(prompt_text(question))
            .default(default)
            .interact()
            .map(Some)
            .map_err(|dialoguer::Error::IO(e)| e)
    }

    /// Ask for one line of text, asking again while `check` says why an answer cannot be taken;
    /// `Ok(None)` when there is no terminal to ask on.
    pub fn input(
        &self,
        question: &str,
        mut check: impl FnMut(&str) -> Option<String>,
    ) -> io::Result<Option<String>> {
        if !self.can_ask() {
            return Ok(None);
        }
        dialoguer::Input::<String>::with_theme(self.theme().as_ref())
            .with_prompt(prompt_text(question))
            .validate_with(|input: &String| -> Result<(), String> {
                check(input).map_or(Ok(()), |why| Err(prompt_text(&why)))
            })
            .interact_text()
            .map(Some)
            .map_err(|dialoguer::Error::IO(e)| e)
    }

    /// A session of questions on stderr where Esc answers "cancel" (the setup wizard's);
    /// `None` unless stdin, stdout and stderr are terminals and stdout is not JSON.
    pub fn prompter(&self) -> Option<Prompter> {
        (self.can_ask() && self.stderr_tty).then(|| Prompter {
            term: Term::stderr(),
            theme: self.theme(),
        })
    }
}

/// Questions on stderr where every answer may be `None`: the user pressed Esc. Ctrl-C read as
/// a key makes the terminal library raise SIGINT and return [`io::ErrorKind::Interrupted`].
pub struct Prompter {
    term: Term,
    theme: Box<dyn Theme>,
}

impl Prompter {
    /// Pick one of `items` with the arrow keys.
    pub fn select(
        &self,
        prompt: &str,
        items: &[String],
        default: usize,
    ) -> io::Result<Option<usize>> {
        let items: Vec<String> = items.iter().map(|i| prompt_text(i)).collect();
        dialoguer::Select::with_theme(self.theme.as_ref())
            .with_prompt(prompt_text(prompt))
            .items(&items)
            .default(default)
            .interact_on_opt(&self.term)
            .map_err(|dialoguer::Error::IO(e)| e)
    }

    /// Yes or no.
    pub fn confirm(&self, prompt: &str, default: bool) -> io::Result<Option<bool>> {
        dialoguer::Confirm::with_theme(self.theme.as_ref())
            .with_prompt(prompt_text(prompt))
            .default(default)
            .interact_on_opt(&self.term)
            .map_err(|dialoguer::Error::IO(e)| e)
    }

    /// One line of text where Esc cancels (dialoguer's `Input` ignores Esc); an empty answer
    /// takes `default`. With `mask`, the line is redrawn on every key through it, so a password
    /// typed into a URL never shows, not even while it is typed.
    pub fn line(
        &self,
        prompt: &str,
        default: Option<&str>,
        mask: Option<&dyn Fn(&str) -> String>,
    ) -> io::Result<Option<String>> {
        let term = &self.term;
        let prompt = prompt_text(prompt);
        let mut shown = String::new();
        let _ = self.theme.format_input_prompt(
            &mut shown,
            &prompt,
            default.map(prompt_text).as_deref(),
        );
        term.write_str(&shown)?;
        term.flush()?;
        let echo = |buf: &str| match mask {
            Some(m) => prompt_text(&m(buf)),
            None => prompt_text(buf),
        };
        let mut buf = String::new();
        loop {
            match term.read_key()? {
                Key::Enter => {
                    if buf.is_empty() {
                        buf = default.unwrap_or_default().to_string();
                    }
                    // Replace the prompt by the answer the way dialoguer does (passwords masked).
                    let mut done = String::new();
                    let _ =
                        self.theme
                            .format_input_prompt_selection(&mut done, &prompt, &echo(&buf));
                    term.clear_line()?;
                    term.write_line(&done)?;
                    return Ok(Some(buf));
                }
                Key::Escape => {
                    term.write_line("")?;
                    return Ok(None);
                }
                Key::Backspace if mask.is_some() => {
                    buf.pop();
                    term.clear_line()?;
                    term.write_str(&format!("{shown}{}", echo(&buf)))?;
                }
                Key::Backspace if !buf.is_empty() => {
                    buf.pop();
                    term.clear_chars(1)?;
                }
                Key::Char(c) if !c.is_control() && mask.is_some() => {
                    buf.push(c);
                    term.clear_line()?;
                    term.write_str(&format!("{shown}{}", echo(&buf)))?;
                }
                Key::Char(c) if !c.is_control() => {
                    buf.push(c);
                    term.write_str(&prompt_text(c.encode_utf8(&mut [0; 4])))?;
                }
                _ => {}
            }
            term.flush()?;
        }
    }
}

/// Show the cursor again on stderr (a prompt hides it; an interrupted one leaves it hidden).
pub fn show_cursor() {
    let _ = Term::stderr().show_cursor();
}
