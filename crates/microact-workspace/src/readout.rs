//! How times and sizes read in the page (clock, bytes, time left): readouts, not file formats.

/// `m:ss.mmm`, or `h:mm:ss.mmm` from an hour on.
pub fn clock(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "–:––.–––".to_string();
    }
    let millis = (seconds * 1000.0).round() as u64;
    let (h, m, s, ms) = (
        millis / 3_600_000,
        millis / 60_000 % 60,
        millis / 1000 % 60,
        millis % 1000,
    );
    if h > 0 {
        format!("{h}:{m:02}:{s:02}.{ms:03}")
    } else {
        format!("{m}:{s:02}.{ms:03}")
    }
}

/// Whole seconds as `m:ss` (a time left); negative reads as none.
pub fn seconds_left(seconds: f64) -> String {
    let s = if seconds.is_finite() {
        seconds.max(0.0).round() as u64
    } else {
        0
    };
    format!("{}:{:02}", s / 60, s % 60)
}

/// Bytes in the largest unit that keeps a number ≥ 1 (decimal units, as file managers show).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut value = n as f64;
    let mut unit = "B";
    for u in UNITS {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = u;
    }
    format!("{value:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_left_reads_minutes_and_seconds() {
        assert_eq!(seconds_left(75.4), "1:15");
        assert_eq!(seconds_left(-3.0), "0:00");
        assert_eq!(seconds_left(f64::INFINITY), "0:00");
    }

    #[test]
    fn clock_formats() {
        assert_eq!(clock(0.0), "0:00.000");
        assert_eq!(clock(7.7), "0:07.700");
        assert_eq!(clock(61.0005), "1:01.001");
        assert_eq!(clock(3723.25), "1:02:03.250");
        assert_eq!(clock(f64::NAN), "–:––.–––");
    }

    #[test]
    fn bytes_format() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1500), "1.5 kB");
        assert_eq!(bytes(2_030_000), "2.0 MB");
    }
}
