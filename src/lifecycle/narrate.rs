//! Words for the lifecycle's events: the one renderer the CLI, the TUI and the demo share, so
//! a step of a create, resume or rebuild reads the same in each. Front ends add only their
//! layout (a bar, a gauge, an indent, a capital letter) and their own remedies (a flag, a key):
//! nothing here names either.

use super::{Event, Progress};

/// A duration given in ms: `0.4 ms`, `14 ms`, `2.3 s` (a brief lock is worth its decimal).
pub fn ms(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.1} ms")
    } else if value < 1000.0 {
        format!("{value:.0} ms")
    } else {
        format!("{:.1} s", value / 1000.0)
    }
}

/// `950`, `12.3k`, `4.1M`.
pub fn count(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.1}M", n / 1e6)
    } else if n >= 1e4 {
        format!("{:.1}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

/// The backfill's rate: `2000 rows/s`, `12.3k rows/s`.
pub fn rate(rows_per_sec: f64) -> String {
    format!("{} rows/s", count(rows_per_sec))
}

/// Time left, never `0 s` (under a second is said so): `ETA <1 s`, `ETA 42 s`, `ETA 3:05`,
/// `ETA 1:02:03`.
pub fn eta(secs: f64) -> String {
    let s = if secs.is_finite() {
        secs.max(0.0).round() as u64
    } else {
        0
    };
    match s {
        _ if secs < 1.0 => "ETA <1 s".to_string(),
        0..60 => format!("ETA {s} s"),
        60..3600 => format!("ETA {}:{:02}", s / 60, s % 60),
        _ => format!("ETA {}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60),
    }
}

/// The chunk size: `chunk 500`.
pub fn chunk(rows: u64) -> String {
    format!("chunk {rows}")
}

/// What a progress report says after its rows: the rate, the time left (only while rows are
/// left and read: an ETA without them means nothing) and the chunk size, joined by ` · `.
pub fn progress_detail(p: &Progress, paused: bool) -> String {
    let mut parts = vec![rate(p.rate)];
    if !paused && p.rate > 0.0 && p.rows_done < p.rows_total {
        parts.push(eta(p.eta_secs));
    }
    parts.push(chunk(p.chunk_size));
    parts.join(" · ")
}

/// How a finished backfill went: `1200 rows backfilled in 2.0 s; writes were paused for 3.1 ms`.
pub fn finished(rows: u64, secs: f64, lock_ms: f64) -> String {
    format!(
        "{rows} rows backfilled in {secs:.1} s; writes were paused for {}",
        ms(lock_ms)
    )
}

/// One sentence for `event`, lower case and without a full stop (see [`sentence`]); `None`
/// for what a front end shows otherwise (progress in a bar or gauge) or not at all
/// (checkpoints).
pub fn event(event: &Event) -> Option<String> {
    let text = match event {
        Event::Prepared { statements } => format!(
            "creating {} objects: state tables and view first, outside any lock",
            statements.len()
        ),
        Event::LockRetry { attempt } => format!(
            "lock attempt {attempt} timed out (a long transaction holds the table); retrying"
        ),
        Event::Locked { lock_ms, wait_ms } => format!(
            "triggers are live: writes were paused for {} (after waiting {} for the lock)",
            ms(*lock_ms),
            ms(*wait_ms)
        ),
        Event::Progress(_) | Event::Checkpoint { .. } => return None,
        Event::Resumed {
            regions_done,
            regions,
            rows_done,
        } => format!(
            "continuing from the last checkpoint: {regions_done} of {regions} regions ({rows_done} rows) already committed"
        ),
        Event::Finalized { lock_ms, wait_ms } => format!(
            "backfill complete, triggers finalized: writes were paused for {} (after waiting {} for the lock)",
            ms(*lock_ms),
            ms(*wait_ms)
        ),
        Event::Throttled { variable, value } => {
            format!("backfill paused: the server is loaded ({variable} = {value}); waiting")
        }
        Event::LeftAlone { object, reason } => {
            format!("left alone {object}, not LightningTables': {reason}")
        }
        Event::Done { rows, seconds } => format!("backfilled {rows} rows in {seconds:.1} s"),
    };
    Some(text)
}

/// `text` as a sentence on its own: a capital first letter and a full stop.
pub fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_plainly() {
        assert_eq!(ms(0.44), "0.4 ms");
        assert_eq!(ms(14.2), "14 ms");
        assert_eq!(ms(2345.0), "2.3 s");
        assert_eq!(rate(2000.0), "2000 rows/s");
        assert_eq!(rate(12_345.0), "12.3k rows/s");
        assert_eq!(eta(0.4), "ETA <1 s");
        assert_eq!(eta(42.0), "ETA 42 s");
        assert_eq!(eta(185.0), "ETA 3:05");
        assert_eq!(eta(3723.0), "ETA 1:02:03");
    }

    #[test]
    fn events_read_the_same_everywhere_and_name_no_front_end() {
        let e = Event::Locked {
            lock_ms: 3.12,
            wait_ms: 120.0,
        };
        let text = event(&e).unwrap_or_default();
        assert_eq!(
            text,
            "triggers are live: writes were paused for 3.1 ms (after waiting 120 ms for the lock)"
        );
        assert!(sentence(&text).starts_with("Triggers are live") && sentence(&text).ends_with('.'));
        let throttled = Event::Throttled {
            variable: "Threads_running".into(),
            value: 80,
        };
        assert!(!event(&throttled).unwrap_or_default().contains("--"));
        assert_eq!(
            event(&Event::Checkpoint {
                regions_done: 1,
                regions: 4
            }),
            None
        );
    }
}
