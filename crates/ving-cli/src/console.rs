//! The terminal: errors coloured as clap colours its own, and the progress line of
//! `--up`/`--down`.

use std::io::{IsTerminal, Write};

/// What the command may do on the terminal it runs on. The default (as [`run`](crate::run) uses it)
/// is plain text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Console {
    /// Colour errors as clap does (see [`wants_color`]).
    pub color: bool,
    /// Show the migration that `--up`/`--down` is running, with a spinner and the time
    /// so far, on standard output (a terminal).
    pub progress: bool,
}

impl Console {
    /// The process's own: colour when standard error is a terminal and `NO_COLOR` is not
    /// set; progress when standard output is a terminal.
    pub fn detect() -> Console {
        Console {
            color: wants_color(
                std::io::stderr().is_terminal(),
                std::env::var_os("NO_COLOR"),
            ),
            progress: std::io::stdout().is_terminal(),
        }
    }
}

/// Whether errors are coloured: on a terminal, unless `NO_COLOR` is set to something
/// (<https://no-color.org>), as clap decides for its own.
pub fn wants_color(stderr_is_terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

const RED_BOLD: &str = "\x1b[1m\x1b[31m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// A failure's text, coloured as clap colours errors: `error:` in bold red; in schema
/// problems (`file:line:col: 442 path: …`) the place in bold and the code in bold red.
pub(crate) fn paint(text: &str, color: bool) -> String {
    if !color {
        return text.to_owned();
    }
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            if let Some(rest) = line.strip_prefix("error:") {
                return format!("{RED_BOLD}error:{RESET}{rest}");
            }
            // `<place>: <3 digits> <rest>`
            let coded = line.match_indices(": ").find_map(|(at, _)| {
                let after = &line[at + 2..];
                let code = after.get(..3)?;
                (code.bytes().all(|b| b.is_ascii_digit()) && after[3..].starts_with(' '))
                    .then(|| (&line[..at], code, &after[3..]))
            });
            match coded {
                Some((place, code, rest)) => {
                    format!("{BOLD}{place}:{RESET} {RED_BOLD}{code}{RESET}{rest}")
                }
                None => line.to_owned(),
            }
        })
        .collect();
    lines.join("\n")
}

/// The migration `--up`/`--down` is running, shown on a terminal: a spinner, the tag and
/// the time so far, redrawn in place every 100 ms by a thread of its own and cleared
/// before each "applied …" line.
pub(crate) struct Progress {
    state: std::sync::Arc<std::sync::Mutex<ProgressState>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

struct ProgressState {
    running: Option<(String, std::time::Instant)>,
    sink: Box<dyn Write + Send>,
    verb: &'static str,
    frame: usize,
    shown: bool,
}

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR_LINE: &str = "\r\x1b[2K";

impl ProgressState {
    fn draw(&mut self) {
        if let Some((tag, started)) = &self.running {
            let line = format!(
                "{CLEAR_LINE}{} {} {tag}… {:.1} s",
                SPINNER[self.frame % SPINNER.len()],
                self.verb,
                started.elapsed().as_secs_f64()
            );
            self.frame += 1;
            let _ = self.sink.write_all(line.as_bytes());
            let _ = self.sink.flush();
            self.shown = true;
        }
    }

    fn clear(&mut self) {
        if self.shown {
            let _ = self.sink.write_all(CLEAR_LINE.as_bytes());
            let _ = self.sink.flush();
            self.shown = false;
        }
    }
}

impl Progress {
    pub(crate) fn start(sink: Box<dyn Write + Send>, verb: &'static str) -> Progress {
        let state = std::sync::Arc::new(std::sync::Mutex::new(ProgressState {
            running: None,
            sink,
            verb,
            frame: 0,
            shown: false,
        }));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let ticker = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    if let Ok(mut state) = state.lock() {
                        state.draw();
                    }
                }
            })
        };
        Progress {
            state,
            stop,
            ticker: Some(ticker),
        }
    }

    pub(crate) fn begin(&self, tag: &str) {
        if let Ok(mut state) = self.state.lock() {
            state.running = Some((tag.to_owned(), std::time::Instant::now()));
        }
    }

    pub(crate) fn end(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.running = None;
            state.clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(ticker) = self.ticker.take() {
            let _ = ticker.join();
        }
        self.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_coloured_like_clap_only_when_asked() {
        let text = "error: no such folder: x";
        assert_eq!(paint(text, false), text);
        assert_eq!(
            paint(text, true),
            "\x1b[1m\x1b[31merror:\x1b[0m no such folder: x"
        );
        assert_eq!(
            paint("W.toml:3:13: 442 W.tableName: bad\n1 error in 1 file", true),
            "\x1b[1mW.toml:3:13:\x1b[0m \x1b[1m\x1b[31m442\x1b[0m W.tableName: bad\n1 error in 1 file"
        );
        assert!(wants_color(true, None));
        assert!(wants_color(true, Some("".into())));
        assert!(!wants_color(true, Some("1".into())), "NO_COLOR");
        assert!(!wants_color(false, None), "not a terminal");
    }

    /// A sink the test can read while the spinner writes to it.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// While a migration runs the terminal shows it with a spinner and the time so far;
    /// the line is cleared when it finishes.
    #[test]
    fn progress_shows_the_running_migration_and_clears_it() {
        let sink = Shared::default();
        let progress = Progress::start(Box::new(sink.clone()), "applying");
        progress.begin("0001_slow");
        std::thread::sleep(std::time::Duration::from_millis(600));
        progress.end();
        let shown = String::from_utf8(sink.0.lock().expect("lock").clone()).expect("utf8");
        // Frames every 100 ms (the exact times depend on a busy machine's scheduler).
        assert!(
            shown.starts_with("\r\x1b[2K⠋ applying 0001_slow… 0."),
            "{shown:?}"
        );
        assert!(
            shown.contains("\r\x1b[2K⠙ applying 0001_slow… "),
            "{shown:?}"
        );
        assert!(shown.contains(" s\r\x1b[2K"), "{shown:?}");
        assert!(shown.ends_with(CLEAR_LINE), "{shown:?}");
        let before = sink.0.lock().expect("lock").len();
        std::thread::sleep(std::time::Duration::from_millis(250));
        assert_eq!(
            sink.0.lock().expect("lock").len(),
            before,
            "nothing drawn between migrations"
        );
        drop(progress);
    }
}
