//! Concurrent clients: each runs one kind of statement in a loop on its own connection and logs
//! every statement's start time and latency, so any time window can be cut out afterwards.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mysql::{Conn, Opts};
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::stats::Latency;
use super::{sql, BenchError};

/// One statement a client runs: gets the connection, the client's random generator and the
/// client's index; returns the rows it wrote.
pub type Op = Arc<dyn Fn(&mut Conn, &mut StdRng, usize) -> Result<u64, mysql::Error> + Send + Sync>;

/// One statement's timing.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Start, microseconds after the clients' epoch.
    pub start_us: u64,
    /// Latency, microseconds.
    pub lat_us: u64,
    /// Rows written.
    pub rows: u64,
}

impl Sample {
    /// End, microseconds after the epoch.
    pub fn end_us(&self) -> u64 {
        self.start_us + self.lat_us
    }
}

/// What one client did.
#[derive(Debug, Default)]
struct ClientLog {
    samples: Vec<Sample>,
    errors: u64,
    first_error: Option<String>,
}

/// Running clients; [`Clients::stop`] ends them and returns their log.
pub struct Clients {
    epoch: Instant,
    stop: Arc<AtomicBool>,
    handles: Vec<JoinHandle<ClientLog>>,
}

/// The statements of every client.
#[derive(Debug)]
pub struct Log {
    /// Time zero of `Sample::start_us`.
    pub epoch: Instant,
    /// Every successful statement, in no particular order.
    pub samples: Vec<Sample>,
    /// Failed statements.
    pub errors: u64,
    /// The first failure's message.
    pub first_error: Option<String>,
}

/// Throughput and latency of the statements that ended inside a window.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Window {
    /// Statements per second.
    pub statements_per_s: f64,
    /// Rows written per second.
    pub rows_per_s: f64,
    /// Latency of those statements.
    pub latency: Latency,
}

impl Clients {
    /// Opens `n` connections, then starts one thread per connection running `op` until stopped.
    pub fn start(opts: &Opts, n: usize, seed: u64, op: Op) -> Result<Clients, BenchError> {
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n {
            conns.push(sql(Conn::new(opts.clone()), "connecting a client")?);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let barrier = Arc::new(Barrier::new(n + 1));
        let epoch = Instant::now();
        let mut handles = Vec::with_capacity(n);
        for (i, mut conn) in conns.into_iter().enumerate() {
            let stop = Arc::clone(&stop);
            let barrier = Arc::clone(&barrier);
            let op = Arc::clone(&op);
            let seed = seed.wrapping_mul(1_000_003).wrapping_add(i as u64);
            handles.push(std::thread::spawn(move || {
                let mut rng = StdRng::seed_from_u64(seed);
                let mut log = ClientLog {
                    samples: Vec::with_capacity(16 * 1024),
                    ..Default::default()
                };
                barrier.wait();
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    let r = op(&mut conn, &mut rng, i);
                    let lat = t.elapsed();
                    match r {
                        Ok(rows) => log.samples.push(Sample {
                            start_us: micros(t.saturating_duration_since(epoch)),
                            lat_us: micros(lat),
                            rows,
                        }),
                        Err(e) => {
                            log.errors += 1;
                            if log.first_error.is_none() {
                                log.first_error = Some(e.to_string());
                            }
                            std::thread::sleep(Duration::from_millis(1));
                        }
                    }
                }
                log
            }));
        }
        barrier.wait();
        Ok(Clients {
            epoch,
            stop,
            handles,
        })
    }

    /// Time zero of the samples.
    pub fn epoch(&self) -> Instant {
        self.epoch
    }

    /// Stops every client (after its current statement) and collects the log.
    pub fn stop(self) -> Result<Log, BenchError> {
        self.stop.store(true, Ordering::Relaxed);
        let mut log = Log {
            epoch: self.epoch,
            samples: Vec::new(),
            errors: 0,
            first_error: None,
        };
        for h in self.handles {
            let c = h
                .join()
                .map_err(|_| BenchError::Workload("a client thread panicked".into()))?;
            log.samples.extend(c.samples);
            log.errors += c.errors;
            if log.first_error.is_none() {
                log.first_error = c.first_error;
            }
        }
        Ok(log)
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl Log {
    /// Microseconds from the epoch to `t` (0 before it).
    pub fn at(&self, t: Instant) -> u64 {
        micros(t.saturating_duration_since(self.epoch))
    }

    /// Throughput and latency of the statements that ended in `[from, to)`.
    pub fn window(&self, from: Instant, to: Instant) -> Window {
        let (a, b) = (self.at(from), self.at(to));
        let secs = (b.saturating_sub(a) as f64 / 1e6).max(1e-9);
        let inside: Vec<&Sample> = self
            .samples
            .iter()
            .filter(|s| s.end_us() >= a && s.end_us() < b)
            .collect();
        let rows: u64 = inside.iter().map(|s| s.rows).sum();
        Window {
            statements_per_s: inside.len() as f64 / secs,
            rows_per_s: rows as f64 / secs,
            latency: Latency::of_micros(inside.iter().map(|s| s.lat_us).collect()),
        }
    }

    /// Latency of the statements that were running at some moment of `[from, to]`.
    pub fn overlapping(&self, from: Instant, to: Instant) -> Latency {
        let (a, b) = (self.at(from), self.at(to));
        Latency::of_micros(
            self.samples
                .iter()
                .filter(|s| s.start_us <= b && s.end_us() >= a)
                .map(|s| s.lat_us)
                .collect(),
        )
    }

    /// Fails when no statement succeeded but some failed (a broken workload, not a slow one).
    pub fn check(&self, what: &str) -> Result<(), BenchError> {
        if self.samples.is_empty() && self.errors > 0 {
            return Err(BenchError::Workload(format!(
                "{what}: every statement failed ({} errors), first: {}",
                self.errors,
                self.first_error.as_deref().unwrap_or("?")
            )));
        }
        Ok(())
    }
}

/// Runs `clients` clients for `warmup + duration` and returns the figures of the measured part.
pub fn measure(
    opts: &Opts,
    clients: usize,
    seed: u64,
    op: Op,
    warmup: Duration,
    duration: Duration,
) -> Result<(Window, u64), BenchError> {
    let running = Clients::start(opts, clients, seed, op)?;
    std::thread::sleep(warmup);
    let from = Instant::now();
    std::thread::sleep(duration);
    let to = Instant::now();
    let log = running.stop()?;
    log.check("workload")?;
    Ok((log.window(from, to), log.errors))
}
