// SPDX-License-Identifier: GPL-2.0

//! What the benchmark tools share: command-line options, timing and the
//! one-line JSON result each run prints.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// Command-line options: positional arguments and `--name value` pairs.
pub struct Args {
    positional: Vec<String>,
    options: Vec<(String, String)>,
}

impl Args {
    /// Parses the process's arguments; `flags` are options without a value.
    pub fn parse(flags: &[&str]) -> Args {
        let mut positional = Vec::new();
        let mut options = Vec::new();
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            if let Some(name) = arg.strip_prefix("--") {
                let value = if flags.contains(&name) {
                    String::from("1")
                } else {
                    args.next()
                        .unwrap_or_else(|| fail(&format!("--{name} needs a value")))
                };
                options.push((name.to_string(), value));
            } else {
                positional.push(arg);
            }
        }
        Args {
            positional,
            options,
        }
    }

    /// The `i`th positional argument, or exits with `usage`.
    pub fn positional(&self, i: usize, usage: &str) -> &str {
        self.positional
            .get(i)
            .map(String::as_str)
            .unwrap_or_else(|| fail(usage))
    }

    /// The values of every `--name` given.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.options
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether `--name` was given.
    pub fn flag(&self, name: &str) -> bool {
        !self.all(name).is_empty()
    }

    /// The number given as `--name`, or `default`.
    pub fn number<T: std::str::FromStr>(&self, name: &str, default: T) -> T {
        match self.all(name).last() {
            None => default,
            Some(v) => v
                .parse()
                .unwrap_or_else(|_| fail(&format!("--{name}: not a number: {v}"))),
        }
    }
}

/// Prints `message` and exits with status 2.
pub fn fail(message: &str) -> ! {
    eprintln!("{}: {message}", program());
    std::process::exit(2)
}

fn program() -> String {
    std::env::args()
        .next()
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or("bench")
        .to_string()
}

/// A deadline `secs` seconds from now.
pub struct Deadline(Instant);

impl Deadline {
    pub fn after(secs: f64) -> Deadline {
        Deadline(Instant::now() + Duration::from_secs_f64(secs))
    }

    pub fn passed(&self) -> bool {
        Instant::now() >= self.0
    }
}

/// Latency samples in microseconds.
#[derive(Default)]
pub struct Latencies(Vec<f64>);

impl Latencies {
    pub fn record(&mut self, since: Instant) {
        self.0.push(since.elapsed().as_secs_f64() * 1e6);
    }

    pub fn merge(&mut self, other: Latencies) {
        self.0.extend(other.0);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The `p`th percentile (0 to 100), nearest rank.
    pub fn percentile(&mut self, p: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        self.0.sort_by(f64::total_cmp);
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1]
    }
}

/// One run's result, printed as one line of JSON: numbers and strings.
#[derive(Default)]
pub struct Report(String);

impl Report {
    pub fn num(mut self, key: &str, value: f64) -> Self {
        let value = if value.is_finite() { value } else { 0.0 };
        let _ = write!(self.0, "{}\"{key}\":{value:.3}", self.sep());
        self
    }

    pub fn int(mut self, key: &str, value: u64) -> Self {
        let _ = write!(self.0, "{}\"{key}\":{value}", self.sep());
        self
    }

    pub fn text(mut self, key: &str, value: &str) -> Self {
        let escaped: String = value
            .chars()
            .flat_map(|c| match c {
                '"' | '\\' => vec!['\\', c],
                c if c.is_control() => vec!['?'],
                c => vec![c],
            })
            .collect();
        let _ = write!(self.0, "{}\"{key}\":\"{escaped}\"", self.sep());
        self
    }

    fn sep(&self) -> &'static str {
        if self.0.is_empty() {
            ""
        } else {
            ","
        }
    }

    pub fn print(self) {
        println!("{{{}}}", self.0);
    }
}
