//! What the benchmark prints: a row per scenario (the median of its runs, with their spread
//! when it ran more than once), and in the data-scale mode each scenario at every directory
//! size side by side.

use crate::load::Stats;

/// One measurement of one scenario.
pub struct Row {
    pub name: String,
    /// Users the directory was seeded with (0: only what the benchmark made itself).
    pub users: u64,
    pub stats: Stats,
    pub cpu_per_op_ms: f64,
    /// The load generator's own CPU per operation: the share of the machine the server did not get.
    pub load_cpu_per_op_ms: f64,
    /// Store operations per operation (directory, ephemeral), from the server's own metrics.
    pub round_trips: (f64, f64),
    /// The server's resident memory after the run, MiB.
    pub rss_mib: f64,
}

/// The runs of one scenario at one size, in the order they first appear.
fn groups(rows: &[Row]) -> Vec<(&str, u64, Vec<&Row>)> {
    let mut out: Vec<(&str, u64, Vec<&Row>)> = Vec::new();
    for r in rows {
        match out.iter_mut().find(|(name, users, _)| *name == r.name && *users == r.users) {
            Some((_, _, runs)) => runs.push(r),
            None => out.push((&r.name, r.users, vec![r])),
        }
    }
    out
}

/// The median, and the lowest and highest, of a figure over runs.
pub struct Spread {
    pub median: f64,
    pub low: f64,
    pub high: f64,
}

fn spread(runs: &[&Row], figure: impl Fn(&Row) -> f64) -> Spread {
    Spread::of(runs.iter().map(|r| figure(r)).collect())
}

impl Spread {
    /// Of `values`, in any order; all zero when there are none.
    pub fn of(mut values: Vec<f64>) -> Spread {
        values.sort_by(f64::total_cmp);
        let median = values.get(values.len() / 2).copied().unwrap_or(0.0);
        Spread { median, low: values.first().copied().unwrap_or(0.0), high: values.last().copied().unwrap_or(0.0) }
    }

    fn show(&self, decimals: usize) -> String {
        if self.low == self.high {
            format!("{:.*}", decimals, self.median)
        } else {
            format!("{:.*} ({:.*}–{:.*})", decimals, self.median, decimals, self.low, decimals, self.high)
        }
    }
}

pub fn print_table(rows: &[Row]) {
    println!(
        "{:<64} {:>22} {:>8} {:>22} {:>7} {:>10} {:>10} {:>6} {:>6}",
        "scenario", "ops/s", "p50 ms", "p99 ms", "errors", "CPU ms/op", "load ms/op", "dir", "eph"
    );
    for (name, users, runs) in groups(rows) {
        let name = if users == 0 { name.to_string() } else { format!("{name} [{}]", size(users)) };
        println!(
            "{:<64} {:>22} {:>8.2} {:>22} {:>7} {:>10.3} {:>10.3} {:>6.1} {:>6.1}",
            name,
            spread(&runs, |r| r.stats.rate()).show(0),
            spread(&runs, |r| r.stats.percentile_ms(0.50)).median,
            spread(&runs, |r| r.stats.percentile_ms(0.99)).show(2),
            runs.iter().map(|r| r.stats.errors).sum::<u64>(),
            spread(&runs, |r| r.cpu_per_op_ms).median,
            spread(&runs, |r| r.load_cpu_per_op_ms).median,
            spread(&runs, |r| r.round_trips.0).median,
            spread(&runs, |r| r.round_trips.1).median,
        );
    }
    println!("(median of the runs, lowest–highest in brackets; dir, eph: directory and ephemeral store");
    println!(" operations per operation, from the server's metrics)");
}

/// `1k`, `1M`: a directory size as the tables say it.
pub fn size(users: u64) -> String {
    match users {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// Every scenario measured at the smallest and the largest size: rates, p99 and CPU side by
/// side, and how the largest compares.
pub fn print_scale(rows: &[Row], small: u64, large: u64) {
    let (s, l) = (size(small), size(large));
    println!(
        "{:<62} {:>20} {:>18} {:>20} {:>18} {:>7} {:>7} {:>7} {:>13}",
        "scenario",
        format!("{s} ops/s"),
        format!("{s} p99 ms"),
        format!("{l} ops/s"),
        format!("{l} p99 ms"),
        "rate ×",
        "p99 ×",
        "CPU ×",
        "RSS MiB"
    );
    let all = groups(rows);
    for (name, _, at_small) in all.iter().filter(|(_, users, _)| *users == small) {
        let Some((_, _, at_large)) = all.iter().find(|(n, u, _)| n == name && *u == large) else { continue };
        let rate = (spread(at_small, |r| r.stats.rate()), spread(at_large, |r| r.stats.rate()));
        let p99 =
            (spread(at_small, |r| r.stats.percentile_ms(0.99)), spread(at_large, |r| r.stats.percentile_ms(0.99)));
        let cpu = (spread(at_small, |r| r.cpu_per_op_ms), spread(at_large, |r| r.cpu_per_op_ms));
        println!(
            "{:<62} {:>20} {:>18} {:>20} {:>18} {:>7.2} {:>7.2} {:>7.2} {:>13}",
            name,
            rate.0.show(0),
            p99.0.show(1),
            rate.1.show(0),
            p99.1.show(1),
            rate.1.median / rate.0.median.max(1e-9),
            p99.1.median / p99.0.median.max(1e-9),
            cpu.1.median / cpu.0.median.max(1e-9),
            format!("{:.0} / {:.0}", spread(at_small, |r| r.rss_mib).median, spread(at_large, |r| r.rss_mib).median),
        );
    }
    println!("(×: the {l} median over the {s} median; median of the runs, lowest–highest in brackets)");
}
