//! Medians and latency percentiles.

use serde::Serialize;

/// The median of `values` (the mean of the two middle values for an even count), `None` when
/// empty. NaNs are ignored.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The `p`-th percentile (0..=100, nearest rank) of `sorted`, `None` when empty.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let i = rank.clamp(1, sorted.len()) - 1;
    sorted.get(i).copied()
}

/// Latency figures of a set of statements, in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Latency {
    /// Statements.
    pub n: usize,
    /// Median, ms.
    pub p50_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Maximum, ms.
    pub max_ms: f64,
}

impl Latency {
    /// Figures of latencies given in microseconds (any order).
    pub fn of_micros(mut micros: Vec<u64>) -> Latency {
        micros.sort_unstable();
        let ms = |v: Option<u64>| v.map(|x| x as f64 / 1000.0).unwrap_or(0.0);
        Latency {
            n: micros.len(),
            p50_ms: ms(percentile(&micros, 50.0)),
            p99_ms: ms(percentile(&micros, 99.0)),
            max_ms: ms(micros.last().copied()),
        }
    }

    /// Per-field medians over rounds (`n` summed).
    pub fn median_of(rounds: &[Latency]) -> Latency {
        let pick = |f: fn(&Latency) -> f64| {
            median(&rounds.iter().map(f).collect::<Vec<_>>()).unwrap_or(0.0)
        };
        Latency {
            n: rounds.iter().map(|l| l.n).sum(),
            p50_ms: pick(|l| l.p50_ms),
            p99_ms: pick(|l| l.p99_ms),
            max_ms: pick(|l| l.max_ms),
        }
    }

    /// The worst (largest) value of each field over rounds (`n` summed).
    pub fn worst_of(rounds: &[Latency]) -> Latency {
        let max = |f: fn(&Latency) -> f64| rounds.iter().map(f).fold(0.0, f64::max);
        Latency {
            n: rounds.iter().map(|l| l.n).sum(),
            p50_ms: max(|l| l.p50_ms),
            p99_ms: max(|l| l.p99_ms),
            max_ms: max(|l| l.max_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_percentiles() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&[], 50.0), None);
        let l = Latency::of_micros(vec![2000, 1000, 3000]);
        assert_eq!((l.n, l.p50_ms, l.max_ms), (3, 2.0, 3.0));
    }
}
