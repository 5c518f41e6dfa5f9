//! Showing a running create / resume / rebuild: lifecycle [`Event`]s become an
//! indicatif bar on a terminal, JSON lines with `--json`, or plain periodic
//! lines otherwise; and Ctrl-C becomes a clean [`Control::cancel`].
//!
//! Ctrl-C uses a plain signal handler (`sys::on_sigint`) that only sets a flag (the one
//! thing a handler may safely do); a watcher thread turns the flag into
//! `Control::cancel`, so the backfill stops between chunks with every chunk
//! either committed or not, and the summary stays resumable. A second Ctrl-C
//! exits at once (the server rolls back the open chunk when the connection
//! drops, so even that leaves a resumable summary).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::lifecycle::narrate;
use crate::lifecycle::{Control, Event, Progress};
use crate::sys;

/// User-visible texts of this module.
mod msg {
    pub const BAR: &str = "{spinner} [{wide_bar}] {pos}/{len} rows {percent:>3}% {msg}";
    pub const SPINNER: &str = "{spinner} {msg}";
    pub const PREPARING: &str = "waiting for the table lock…";
    pub const STARTING: &str = "starting the backfill…";
    pub const CANCELLING: &str =
        "cancelling after the current chunk… (press Ctrl-C again to quit at once)";
}

/// Exit status of a process killed by SIGINT, by shell convention.
const SIGINT_EXIT: i32 = 130;
/// Minimum time between two plain progress lines.
const LINE_EVERY: Duration = Duration::from_secs(2);
/// Minimum time between two "throttled" notes (the backfill re-checks every 250 ms).
const THROTTLE_EVERY: Duration = Duration::from_secs(5);

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// An indicatif bar on stderr.
    Bar,
    /// One JSON object per event on stdout.
    Json,
    /// A plain line on stderr now and then.
    Lines,
}

impl Mode {
    /// `--json` wins; otherwise a bar when stderr is a terminal.
    pub fn detect(json: bool) -> Mode {
        if json {
            Mode::Json
        } else if std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Lines
        }
    }
}

/// Renders the events of one operation.
pub struct ProgressView {
    mode: Mode,
    bar: Option<ProgressBar>,
    last_line: Option<Instant>,
    /// Rows reported by the last plain line (the backfill may report the end twice).
    last_rows: Option<u64>,
    last_throttle: Option<Instant>,
}

impl ProgressView {
    /// A view in `mode`; in bar mode a spinner shows until progress starts.
    pub fn new(mode: Mode) -> Self {
        let bar = (mode == Mode::Bar).then(|| {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template(msg::SPINNER) {
                bar.set_style(style);
            }
            bar.set_message(msg::PREPARING);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        ProgressView {
            mode,
            bar,
            last_line: None,
            last_rows: None,
            last_throttle: None,
        }
    }

    /// A thread-safe way to print a note without garbling the bar (used by
    /// the Ctrl-C watcher).
    pub fn notifier(&self) -> impl Fn(&str) + Send + 'static {
        let bar = self.bar.clone();
        let mode = self.mode;
        move |text: &str| match (&bar, mode) {
            (Some(bar), _) => bar.println(text),
            // JSON consumers read stdout; notes go to stderr so they never break it.
            _ => eprintln!("{text}"),
        }
    }

    /// Prints a note above the bar, or on stderr.
    pub fn note(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    /// Handles one event.
    pub fn on_event(&mut self, event: Event) {
        if self.mode == Mode::Json {
            if let Event::Throttled { .. } = event {
                if !self.throttle_due() {
                    return;
                }
            }
            json_line(&event);
            return;
        }
        if let Event::Progress(p) = &event {
            self.progress(p);
            return;
        }
        if matches!(event, Event::Throttled { .. }) && !self.throttle_due() {
            return;
        }
        if matches!(event, Event::Done { .. }) {
            if let Some(bar) = self.bar.take() {
                bar.finish_and_clear();
            }
        }
        if let Some(text) = narrate::event(&event) {
            self.note(&narrate::sentence(&text));
        }
        if matches!(event, Event::Locked { .. }) {
            if let Some(bar) = &self.bar {
                bar.set_message(msg::STARTING);
            }
        }
    }

    fn throttle_due(&mut self) -> bool {
        let due = self
            .last_throttle
            .is_none_or(|t| t.elapsed() >= THROTTLE_EVERY);
        if due {
            self.last_throttle = Some(Instant::now());
        }
        due
    }

    fn progress(&mut self, p: &Progress) {
        let detail = narrate::progress_detail(p, false);
        if let Some(bar) = &self.bar {
            if bar.length().is_none() {
                if let Ok(style) = ProgressStyle::with_template(msg::BAR) {
                    bar.set_style(style.progress_chars("=> "));
                }
            }
            bar.set_length(p.rows_total);
            bar.set_position(p.rows_done.min(p.rows_total));
            bar.set_message(detail);
            return;
        }
        if self.last_rows == Some(p.rows_done) {
            return;
        }
        let last = p.rows_done >= p.rows_total;
        let due = self.last_line.is_none_or(|t| t.elapsed() >= LINE_EVERY);
        if due || last {
            self.last_line = Some(Instant::now());
            self.last_rows = Some(p.rows_done);
            eprintln!(
                "backfill: {}/{} rows ({:.1}%), {detail}",
                p.rows_done, p.rows_total, p.percent
            );
        }
    }

    /// Removes the bar (call before printing the outcome, success or not).
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for ProgressView {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Prints `value` as one compact JSON line on stdout and flushes, so readers
/// see each event as it happens.
pub fn json_line<T: serde::Serialize>(value: &T) {
    let mut out = std::io::stdout().lock();
    // A closed stdout ends the process through SIGPIPE; other errors cannot be reported anywhere.
    if serde_json::to_writer(&mut out, value).is_ok() {
        let _ = writeln!(out);
        let _ = out.flush();
    }
}

/// Durations read the same in every front end.
pub use crate::lifecycle::narrate::ms;

/// Set by the SIGINT handler.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_signal: sys::RawSignal) {
    // Only async-signal-safe work here: an atomic swap and `_exit`.
    if INTERRUPTED.swap(true, Ordering::SeqCst) {
        sys::exit_now(SIGINT_EXIT);
    }
}

/// While alive, Ctrl-C cancels `control` instead of killing the process.
/// Dropping it restores the previous SIGINT disposition.
pub struct InterruptGuard {
    stop: Arc<AtomicBool>,
    watcher: Option<std::thread::JoinHandle<()>>,
    previous: sys::SigintDisposition,
}

/// Makes Ctrl-C call `control.cancel()` (and `notify` the user) until the
/// guard is dropped.
pub fn cancel_on_interrupt(
    control: &Control,
    notify: impl Fn(&str) + Send + 'static,
) -> InterruptGuard {
    INTERRUPTED.store(false, Ordering::SeqCst);
    let previous = sys::on_sigint(on_sigint);
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let stop = stop.clone();
        let control = control.clone();
        std::thread::Builder::new()
            .name("lightning-ctrl-c".into())
            .spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    if INTERRUPTED.load(Ordering::SeqCst) {
                        control.cancel();
                        notify(msg::CANCELLING);
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
            // Without the watcher Ctrl-C would do nothing at all: keep the default then.
            .ok()
    };
    if watcher.is_none() {
        sys::restore_sigint(previous);
    }
    InterruptGuard {
        stop,
        watcher,
        previous,
    }
}

impl InterruptGuard {
    /// Whether Ctrl-C was pressed while the guard was active.
    pub fn interrupted(&self) -> bool {
        INTERRUPTED.load(Ordering::SeqCst)
    }
}

impl Drop for InterruptGuard {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(w) = self.watcher.take() {
            let _ = w.join();
            sys::restore_sigint(self.previous);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigint_cancels_the_control() {
        let control = Control::new();
        let guard = cancel_on_interrupt(&control, |_| {});
        sys::raise_sigint();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !control.is_cancelled() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(control.is_cancelled());
        assert!(guard.interrupted());
    }
}
