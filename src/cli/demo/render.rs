//! How `lightning demo` shows the story: each [`DemoEvent`] becomes text
//! (step headings, measured figures, indicatif bars on a terminal) or one
//! JSON line with `--json`.
//!
//! Text goes to stdout; bars and the lifecycle's own notes go to stderr, as
//! for `lightning create` (whose [`ProgressView`] renders the backfills).

use indicatif::{ProgressBar, ProgressStyle};
use std::time::Duration;

use crate::cli::output::{paint, Colour};
use crate::cli::progress::{json_line, ms, Mode, ProgressView};
use crate::demo::compare::{Comparison, Latency};
use crate::demo::runner::{DemoEvent, DemoOutcome, ServerInfo, SummaryValidation, SUMMARIES};
use crate::demo::workload::{Tuning, WorkloadCounters};
use crate::lifecycle::narrate;
use crate::lifecycle::Event;

/// Width explanations are wrapped to (fits an 80-column recording).
const WRAP: usize = 74;
/// Indent of everything under a step heading.
const INDENT: &str = "      ";

/// User-visible texts of this module.
mod msg {
    pub const LOAD_BAR: &str = "{spinner} [{wide_bar}] {pos}/{len} transactions {msg}";
    pub const SPINNER: &str = "{spinner} {msg}";
    pub const COMPARING: &str = "reading both, in one snapshot…";
}

/// Renders the demo's events in one [`Mode`].
pub struct View {
    mode: Mode,
    colours: bool,
    /// The loading bar, while loading.
    load_bar: Option<ProgressBar>,
    /// The summary being created.
    creating: Option<String>,
    /// The running backfill's bar (from its first chunk on).
    backfill: Option<ProgressView>,
    /// A spinner with a changing message (writes, comparisons).
    spinner: Option<ProgressBar>,
    /// Baseline timings so far.
    baseline: Vec<f64>,
    /// Columns to wrap text to.
    width: usize,
    /// The comparison table's header is printed.
    compare_header: bool,
}

impl View {
    /// A view in `mode`; `colours` paints text for a terminal.
    pub fn new(mode: Mode, colours: bool) -> View {
        View {
            mode,
            colours,
            load_bar: None,
            creating: None,
            backfill: None,
            spinner: None,
            baseline: Vec::new(),
            width: terminal_width(),
            compare_header: false,
        }
    }

    /// Prints a note on stderr without garbling a bar (thread-safe, for Ctrl-C).
    pub fn notifier(&self) -> impl Fn(&str) + Send + 'static {
        |text: &str| eprintln!("{text}")
    }

    /// Prints one line of text (above any bar).
    pub fn line(&self, text: &str) {
        match self.active_bar() {
            // The bar draws on stderr; printing through it keeps both intact.
            Some(bar) => bar.suspend(|| println!("{text}")),
            None => println!("{text}"),
        }
    }

    fn active_bar(&self) -> Option<&ProgressBar> {
        self.load_bar.as_ref().or(self.spinner.as_ref())
    }

    /// Prints `text` under the step heading after `mark`, wrapped to the
    /// terminal with a hanging indent.
    fn marked(&self, mark: &str, text: &str) {
        let lines = wrap(text, self.width.saturating_sub(INDENT.len() + 3).max(20));
        for (i, line) in lines.iter().enumerate() {
            let lead = if i == 0 { mark } else { " " };
            self.line(&format!("{INDENT}{lead} {line}"));
        }
    }

    fn ok(&self, text: &str) {
        self.marked(&paint("✓", Colour::Green, self.colours), text);
    }

    fn bad(&self, text: &str) {
        self.marked(&paint("✗", Colour::Red, self.colours), text);
    }

    /// Prints a command or query, wrapped, dimmed.
    fn code(&self, text: &str) {
        for line in wrap(text, self.width.saturating_sub(INDENT.len() + 3).max(20)) {
            self.line(&format!(
                "{INDENT}  {}",
                paint(&line, Colour::Bold, self.colours)
            ));
        }
    }

    /// Handles one event.
    pub fn on_event(&mut self, event: DemoEvent) {
        if self.mode == Mode::Json {
            json_line(&event);
            return;
        }
        match event {
            DemoEvent::Step {
                number,
                total,
                step,
            } => {
                self.clear_bars();
                println!();
                let heading = format!("[{number}/{total}] {}", step.title);
                println!("{}", paint(&heading, Colour::Bold, self.colours));
                for line in wrap(
                    step.explanation,
                    WRAP.min(self.width.saturating_sub(INDENT.len() + 1)),
                ) {
                    println!("{INDENT}{}", paint(&line, Colour::Dim, self.colours));
                }
            }
            DemoEvent::Server(info) => self.server(&info),
            DemoEvent::Loading(p) => {
                if self.mode == Mode::Bar {
                    let bar = self.load_bar.get_or_insert_with(|| bar(msg::LOAD_BAR));
                    bar.set_length(p.rows_total);
                    bar.set_position(p.rows_done);
                    bar.set_message(format!("{:.1} s", p.elapsed_secs));
                }
            }
            DemoEvent::Loaded(load) => {
                self.clear_bars();
                let rate = load.transactions as f64 / load.secs.max(0.001);
                self.ok(&format!(
                    "{} transactions for {} users in {:.1} s ({}/s, indexes included)",
                    thousands(load.transactions),
                    thousands(load.users),
                    load.secs,
                    thousands(rate as u64)
                ));
            }
            DemoEvent::WritesStarted { writers, tuning } => {
                self.ok(&writes_started(writers, &tuning));
            }
            DemoEvent::Baseline { ms: took, rows } => {
                if self.baseline.is_empty() {
                    self.code(SUMMARIES[0].1);
                }
                self.baseline.push(took);
                self.ok(&format!(
                    "run {}: {} for {} rows",
                    self.baseline.len(),
                    ms(took),
                    thousands(rows as u64)
                ));
            }
            DemoEvent::Backfill { summary, detail } => {
                if self.creating.as_deref() != Some(summary.as_str()) {
                    self.clear_bars();
                    if let Some((_, query, _)) = SUMMARIES.iter().find(|(n, ..)| *n == summary) {
                        self.code(&format!("lightning create {summary} --query \"{query}\""));
                    }
                    self.creating = Some(summary);
                }
                self.backfill_event(detail);
            }
            DemoEvent::Created { summary, .. } => {
                self.clear_bars();
                self.ok(&format!("{summary} is ready"));
            }
            DemoEvent::Writes(c) => self.spin(&format!("{} so far", committed(&c))),
            DemoEvent::Compared { summary, .. } => {
                self.spin(&format!("{summary}: {}", msg::COMPARING));
            }
            DemoEvent::Comparison {
                summary,
                comparison,
            } => {
                self.clear_bars();
                self.comparison(&summary, &comparison);
            }
            DemoEvent::WritesStopped(c) => {
                self.clear_bars();
                self.ok(&format!(
                    "writers stopped: {}; {} conflicts rolled back, {} errors; slowest write {}",
                    committed(&c),
                    c.conflicts,
                    c.errors,
                    ms(c.max_write_ms)
                ));
            }
            DemoEvent::Validated(v) => self.validated(&v),
            DemoEvent::Result(outcome) => self.outcome(&outcome),
        }
    }

    /// The lifecycle's own notes, indented like the rest of the story; the
    /// bar (or the plain progress lines) is [`ProgressView`]'s.
    fn backfill_event(&mut self, detail: Event) {
        if matches!(detail, Event::Done { .. }) {
            if let Some(mut view) = self.backfill.take() {
                view.finish();
            }
        }
        let text = narrate::event(&detail);
        let retry = matches!(detail, Event::LockRetry { .. });
        let told = matches!(
            detail,
            Event::Prepared { .. }
                | Event::Locked { .. }
                | Event::Finalized { .. }
                | Event::Done { .. }
        );
        match text {
            Some(text) if retry => self.bad(&text),
            Some(text) if told => self.ok(&text),
            // Progress and throttling: the bar appears with the first chunk,
            // so the lines above are printed before it exists.
            _ => {
                let mode = self.mode;
                self.backfill
                    .get_or_insert_with(|| ProgressView::new(mode))
                    .on_event(detail);
            }
        }
    }

    fn server(&self, info: &ServerInfo) {
        if info.private {
            self.ok(&format!(
                "MariaDB {} running as pid {}, port {}",
                info.version,
                info.pid.map_or_else(|| "?".to_string(), |p| p.to_string()),
                info.port.map_or_else(|| "?".to_string(), |p| p.to_string()),
            ));
        } else {
            self.ok(&format!(
                "using the server given with --url (MariaDB {}); the demo works in database {}",
                info.version,
                crate::demo::DEMO_DATABASE
            ));
        }
    }

    fn comparison(&mut self, summary: &str, c: &Comparison) {
        if !self.compare_header {
            self.compare_header = true;
            let header = format!(
                "{INDENT}{:<16}{:>10}{:>10}{:>9}{:>9}",
                "", "query", "summary", "faster", "rows"
            );
            self.line(&paint(&header, Colour::Dim, self.colours));
        }
        let verdict = if c.matches {
            paint("✓ same rows", Colour::Green, self.colours)
        } else {
            paint("✗ DIFFERENT rows", Colour::Red, self.colours)
        };
        self.line(&format!(
            "{INDENT}{summary:<16}{:>10}{:>10}{:>9}{:>9}  {verdict}",
            ms_precise(c.original.median_ms),
            ms_precise(c.summary.median_ms),
            format!("{:.0}×", c.speedup),
            thousands(c.summary_rows as u64),
        ));
        let note = format!(
            "{INDENT}{:<16}median of {} runs; query {}, summary {}",
            "",
            c.original.samples,
            spread(&c.original),
            spread(&c.summary)
        );
        self.line(&paint(&note, Colour::Dim, self.colours));
    }

    fn validated(&self, v: &SummaryValidation) {
        if v.exact {
            self.ok(&format!(
                "{}: exact, {} groups checked, none differs",
                v.summary,
                thousands(v.groups)
            ));
        } else {
            self.bad(&format!(
                "{}: NOT exact, {} of {} groups differ",
                v.summary,
                thousands(v.differing_groups),
                thousands(v.groups)
            ));
        }
        for problem in &v.problems {
            self.bad(problem);
        }
    }

    /// Shows a spinner with `text` on a terminal (nothing otherwise).
    fn spin(&mut self, text: &str) {
        if self.mode != Mode::Bar {
            return;
        }
        let spinner = self.spinner.get_or_insert_with(|| bar(msg::SPINNER));
        spinner.set_message(text.to_string());
    }

    fn clear_bars(&mut self) {
        for bar in [self.load_bar.take(), self.spinner.take()]
            .into_iter()
            .flatten()
        {
            bar.finish_and_clear();
        }
        if let Some(mut view) = self.backfill.take() {
            view.finish();
        }
    }

    /// Prints the closing verdict.
    fn outcome(&mut self, outcome: &DemoOutcome) {
        self.clear_bars();
        println!();
        let verdict = if outcome.exact {
            paint("exact", Colour::Green, self.colours)
        } else {
            paint("NOT exact", Colour::Red, self.colours)
        };
        println!(
            "Result: {verdict}, with {} writes going on all along ({} errors).",
            thousands(outcome.writes.total()),
            outcome.writes.errors
        );
        for s in &outcome.summaries {
            let c = &s.comparison;
            println!(
                "  {:<16}{} instead of {} ({:.0}× faster); writers paused {} to create it",
                s.name,
                ms_precise(c.summary.median_ms),
                ms_precise(c.original.median_ms),
                c.speedup,
                ms(s.created.lock.lock_ms)
            );
        }
    }

    /// Removes any bar (before printing something else or exiting).
    pub fn finish(&mut self) {
        self.clear_bars();
    }
}

impl Drop for View {
    fn drop(&mut self) {
        self.clear_bars();
    }
}

/// Columns of the terminal on stdout; 100 when it is not one.
fn terminal_width() -> usize {
    use std::io::IsTerminal;
    let fallback = 100;
    if !std::io::stdout().is_terminal() {
        return fallback;
    }
    crossterm::terminal::size().map_or(fallback, |(w, _)| usize::from(w).clamp(40, 120))
}

fn bar(template: &str) -> ProgressBar {
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn writes_started(writers: usize, tuning: &Tuning) -> String {
    let m = tuning.mix;
    let total = f64::from((m.insert + m.update + m.moves + m.delete).max(1));
    let pct = |n: u32| (f64::from(n) * 100.0 / total).round();
    format!(
        "{writers} connections, {} writes/s: {}% inserts, {}% updates, {}% moves, {}% deletes",
        tuning.ops_per_sec,
        pct(m.insert),
        pct(m.update),
        pct(m.moves),
        pct(m.delete)
    )
}

fn committed(c: &WorkloadCounters) -> String {
    format!(
        "{} writes committed ({} inserts, {} updates, {} moves, {} deletes)",
        thousands(c.total()),
        thousands(c.inserts),
        thousands(c.updates),
        thousands(c.moves),
        thousands(c.deletes)
    )
}

/// `min–max` of a latency.
fn spread(l: &Latency) -> String {
    format!("{}–{}", ms_precise(l.min_ms), ms_precise(l.max_ms))
}

/// Milliseconds with a decimal below 10 ms, where summaries answer.
pub fn ms_precise(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.1} ms")
    } else {
        ms(value)
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Greedy word wrap to `width` columns.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(ms_precise(2.345), "2.3 ms");
        assert_eq!(ms_precise(412.4), "412 ms");
    }

    #[test]
    fn wrapping_keeps_words_and_width() {
        let lines = wrap("aaa bbb ccc ddd", 7);
        assert_eq!(lines, vec!["aaa bbb", "ccc ddd"]);
        assert_eq!(wrap("", 10), Vec::<String>::new());
        assert_eq!(wrap("longerthanwidth x", 5), vec!["longerthanwidth", "x"]);
    }
}
