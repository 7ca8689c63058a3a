//! How figures are written in docs/benchmarks.md: the one place that rounds them.

use std::time::Duration;

use crate::results::CacheKind;

/// Milliseconds, to the microsecond: `0.167 ms`.
pub fn ms(v: f64) -> String {
    format!("{v:.3} ms")
}

/// A duration in whole milliseconds: `20 ms`.
pub fn millis(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

/// A ratio to two decimals: `0.61x`.
pub fn ratio(v: f64) -> String {
    format!("{v:.2}x")
}

/// A large ratio to one decimal: `457.2x`.
pub fn ratio_coarse(v: f64) -> String {
    format!("{v:.1}x")
}

/// A share (0..=1) as a whole percentage: `13%`.
pub fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// A rate as a whole number: `9711`.
pub fn whole(v: f64) -> String {
    format!("{v:.0}")
}

/// KiB (as /proc reports memory) in MB of 1024 KiB, to one decimal: `41.8 MB`.
pub fn kib_as_mb(kib: u64) -> String {
    format!("{:.1} MB", kib as f64 / 1024.0)
}

/// Bytes in MB of 10^6 bytes, to one decimal: `6.0 MB`.
pub fn bytes_as_mb(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// A count with thousands separated by commas: `10,000`.
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A figure rounded to a whole count with thousands separators: `65,012`; a figure that is
/// not a finite count of zero or more is written as is (`NaN`, `-3`).
pub fn whole_count(v: f64) -> String {
    let rounded = v.round();
    if (0.0..1e18).contains(&rounded) {
        count(rounded as usize)
    } else {
        format!("{rounded}")
    }
}

/// A duration in seconds, as short as exact: `0.3 s`, `1 s`.
pub fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

/// One figure per adapter: `0.167 ms (in-process) and 0.205 ms (Redis)`.
pub fn per_cache(figures: impl IntoIterator<Item = (CacheKind, String)>) -> String {
    let items: Vec<String> = figures
        .into_iter()
        .map(|(cache, figure)| format!("{figure} ({})", cache.label()))
        .collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// How many times something happened: `once`, `5 times`.
pub fn times(n: u64) -> String {
    if n == 1 {
        "once".to_owned()
    } else {
        format!("{n} times")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(200), "200");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(10_000), "10,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(whole_count(65_011.6), "65,012");
        assert_eq!(whole_count(0.2), "0");
        assert_eq!(whole_count(f64::NAN), "NaN");
        assert_eq!(whole_count(-3.0), "-3");
    }

    #[test]
    fn durations_are_as_short_as_exact() {
        assert_eq!(seconds(Duration::from_millis(300)), "0.3 s");
        assert_eq!(seconds(Duration::from_secs(1)), "1 s");
    }

    #[test]
    fn figures_per_adapter_read_as_a_list() {
        let one = per_cache([(CacheKind::Redis, "1 ms".to_owned())]);
        assert_eq!(one, "1 ms (Redis)");
        let two = per_cache(CacheKind::ALL.map(|c| (c, "2.02x".to_owned())));
        assert_eq!(two, "2.02x (in-process) and 2.02x (Redis)");
        assert_eq!(times(1), "once");
        assert_eq!(times(5), "5 times");
    }

    #[test]
    fn memory_units() {
        assert_eq!(kib_as_mb(42_803), "41.8 MB");
        assert_eq!(bytes_as_mb(6_012_345), "6.0 MB");
    }
}
