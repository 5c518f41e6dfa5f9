//! What a DBA may tune for a create, resume or rebuild — rows per chunk, time per chunk, the
//! load above which the backfill waits, the lock wait per attempt — with the bounds the CLI's
//! flags and the TUI's confirmation both check, and how they become [`CreateOptions`].

use super::{ChunkPolicy, CreateOptions};
use std::ops::RangeInclusive;
use std::time::Duration;

/// Longest lock wait per attempt, ms: from 10 ms to an hour (writers queue behind it).
pub const LOCK_WAIT_MS: RangeInclusive<u64> = 10..=3_600_000;
/// Time per adaptive chunk, ms: up to ten minutes.
pub const CHUNK_TIME_MS: RangeInclusive<u64> = 1..=600_000;
/// Rows per fixed chunk.
pub const CHUNK_ROWS: RangeInclusive<u64> = 1..=u64::MAX;

/// A tuning value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TuningError {
    /// The max-load is not `VARIABLE=N`.
    #[error("expected VARIABLE=N, e.g. Threads_running=50")]
    MaxLoadFormat,
    /// Not a whole number within the bounds.
    #[error("expected a whole number from {min} to {max}")]
    OutOfRange {
        /// Least value.
        min: u64,
        /// Greatest value.
        max: u64,
    },
}

/// Parses `Threads_running=50`: a status variable's name and the value above which the
/// backfill waits.
pub fn parse_max_load(text: &str) -> Result<(String, u64), TuningError> {
    let (var, n) = text.split_once('=').ok_or(TuningError::MaxLoadFormat)?;
    let var = var.trim();
    let valid = !var.is_empty() && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(TuningError::MaxLoadFormat);
    }
    let n = n
        .trim()
        .parse::<u64>()
        .map_err(|_| TuningError::MaxLoadFormat)?;
    Ok((var.to_string(), n))
}

/// Parses a whole number within `range`.
pub fn parse_in(text: &str, range: &RangeInclusive<u64>) -> Result<u64, TuningError> {
    let out_of_range = TuningError::OutOfRange {
        min: *range.start(),
        max: *range.end(),
    };
    let n = text
        .trim()
        .parse::<u64>()
        .map_err(|_| out_of_range.clone())?;
    if range.contains(&n) {
        Ok(n)
    } else {
        Err(out_of_range)
    }
}

/// The tuning of one operation; `None` keeps the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tuning {
    /// Rows per chunk (fixed chunks); wins over `chunk_time_ms`.
    pub chunk_rows: Option<u64>,
    /// Time per adaptive chunk, ms.
    pub chunk_time_ms: Option<u64>,
    /// Wait while this global status variable is above the value.
    pub max_load: Option<(String, u64)>,
    /// Longest lock wait per attempt, ms.
    pub lock_wait_ms: Option<u64>,
}

impl Tuning {
    /// `base` with this tuning applied.
    pub fn apply(&self, base: CreateOptions) -> CreateOptions {
        let chunk = match (self.chunk_rows, self.chunk_time_ms, base.chunk) {
            (Some(n), _, _) => ChunkPolicy::Fixed(n),
            (None, Some(t), ChunkPolicy::Adaptive { initial, .. }) => ChunkPolicy::Adaptive {
                target: Duration::from_millis(t),
                initial,
            },
            (None, Some(t), ChunkPolicy::Fixed(_)) => ChunkPolicy::Adaptive {
                target: Duration::from_millis(t),
                initial: 1000,
            },
            (None, None, chunk) => chunk,
        };
        CreateOptions {
            max_lock_wait: self
                .lock_wait_ms
                .map_or(base.max_lock_wait, Duration::from_millis),
            chunk,
            max_load: self.max_load.clone().or(base.max_load),
            ..base
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_against_their_bounds() {
        assert_eq!(parse_in("250", &LOCK_WAIT_MS), Ok(250));
        assert_eq!(
            parse_in("5", &LOCK_WAIT_MS),
            Err(TuningError::OutOfRange {
                min: 10,
                max: 3_600_000
            })
        );
        assert!(parse_in("fast", &CHUNK_TIME_MS).is_err());
        assert!(parse_in("0", &CHUNK_ROWS).is_err());
        assert_eq!(
            parse_max_load(" Threads_running = 50"),
            Ok(("Threads_running".into(), 50))
        );
        for bad in ["Threads_running", "=5", "a b=1", "x=-1"] {
            assert_eq!(
                parse_max_load(bad),
                Err(TuningError::MaxLoadFormat),
                "{bad}"
            );
        }
    }

    #[test]
    fn rows_per_chunk_win_over_time_per_chunk() {
        let defaults = CreateOptions::default();
        let t = Tuning {
            chunk_rows: Some(500),
            chunk_time_ms: Some(50),
            max_load: Some(("Threads_running".into(), 8)),
            lock_wait_ms: Some(300),
        };
        let o = t.apply(defaults.clone());
        assert_eq!(o.chunk, ChunkPolicy::Fixed(500));
        assert_eq!(o.max_lock_wait, Duration::from_millis(300));
        assert_eq!(o.max_load, Some(("Threads_running".into(), 8)));
        assert_eq!(o.lock_attempts, defaults.lock_attempts);
        let o = Tuning {
            chunk_time_ms: Some(50),
            ..Tuning::default()
        }
        .apply(defaults.clone());
        assert!(
            matches!(o.chunk, ChunkPolicy::Adaptive { target, .. } if target == Duration::from_millis(50))
        );
        assert_eq!(
            Tuning::default().apply(defaults.clone()).chunk,
            defaults.chunk
        );
    }
}
