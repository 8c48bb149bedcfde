//! Timestamp and Duration: conversions to and from `std::time`, and the text forms the
//! JSON mapping uses (RFC 3339 with a `Z`, and `"1.5s"`), through `Display`/`FromStr`.

use core::fmt;
use core::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{Duration, Timestamp};

const NANOS_PER_SECOND: i64 = 1_000_000_000;
/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range protobuf allows.
const MIN_TIMESTAMP_SECONDS: i64 = -62_135_596_800;
const MAX_TIMESTAMP_SECONDS: i64 = 253_402_300_799;
/// About 10,000 years, the range protobuf allows.
const MAX_DURATION_SECONDS: i64 = 315_576_000_000;

/// A Timestamp out of protobuf's range (years 1 to 9999, nanos in 0..1e9), or text
/// that is not RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError(String);

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid Timestamp: {}", self.0)
    }
}
impl std::error::Error for TimestampError {}

/// A Duration out of protobuf's range (±315,576,000,000 s, nanos of the seconds' sign),
/// or text that is not `<seconds>[.<fraction>]s`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError(String);

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid Duration: {}", self.0)
    }
}
impl std::error::Error for DurationError {}

impl Timestamp {
    /// Whether seconds and nanos are in protobuf's range.
    pub fn check(&self) -> Result<(), TimestampError> {
        if !(MIN_TIMESTAMP_SECONDS..=MAX_TIMESTAMP_SECONDS).contains(&self.seconds) {
            return Err(TimestampError(format!(
                "seconds {} outside years 1 to 9999",
                self.seconds
            )));
        }
        if !(0..NANOS_PER_SECOND as i32).contains(&self.nanos) {
            return Err(TimestampError(format!(
                "nanos {} outside 0..1e9",
                self.nanos
            )));
        }
        Ok(())
    }
}

impl From<SystemTime> for Timestamp {
    fn from(time: SystemTime) -> Self {
        let (seconds, nanos) = match time.duration_since(UNIX_EPOCH) {
            Ok(d) => (d.as_secs() as i64, d.subsec_nanos() as i32),
            Err(before) => {
                let d = before.duration();
                let (s, n) = (-(d.as_secs() as i64), d.subsec_nanos() as i32);
                if n == 0 {
                    (s, 0)
                } else {
                    (s - 1, NANOS_PER_SECOND as i32 - n)
                }
            }
        };
        Timestamp {
            seconds,
            nanos,
            ..Default::default()
        }
    }
}

impl TryFrom<Timestamp> for SystemTime {
    type Error = TimestampError;
    fn try_from(t: Timestamp) -> Result<Self, TimestampError> {
        t.check()?;
        let nanos = std::time::Duration::from_nanos(t.nanos as u64);
        let time = if t.seconds >= 0 {
            UNIX_EPOCH.checked_add(std::time::Duration::from_secs(t.seconds as u64))
        } else {
            UNIX_EPOCH.checked_sub(std::time::Duration::from_secs(t.seconds.unsigned_abs()))
        };
        time.and_then(|time| time.checked_add(nanos))
            .ok_or_else(|| TimestampError("not representable as SystemTime".to_owned()))
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) to days since 1970-01-01.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Nanoseconds as `.fff`, `.ffffff` or `.fffffffff` (the fewest of those that are
/// exact), or nothing for zero: the canonical JSON fraction.
fn write_fraction(f: &mut fmt::Formatter<'_>, nanos: u32) -> fmt::Result {
    if nanos == 0 {
        Ok(())
    } else if nanos % 1_000_000 == 0 {
        write!(f, ".{:03}", nanos / 1_000_000)
    } else if nanos % 1000 == 0 {
        write!(f, ".{:06}", nanos / 1000)
    } else {
        write!(f, ".{nanos:09}")
    }
}

/// RFC 3339 in UTC (`1972-01-01T10:00:20.021Z`), as the JSON mapping writes it. Out of
/// range values are written all the same; [`Timestamp::check`] tells them apart.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.seconds.div_euclid(86_400);
        let secs = self.seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )?;
        write_fraction(f, self.nanos as u32)?;
        f.write_str("Z")
    }
}

/// A fixed number of ASCII digits.
fn digits(text: &[u8], len: usize) -> Option<(u32, &[u8])> {
    if text.len() < len || !text[..len].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = text[..len]
        .iter()
        .fold(0u32, |v, d| v * 10 + u32::from(d - b'0'));
    Some((value, &text[len..]))
}

/// `.` and 1 to 9 digits, as nanoseconds; no dot means zero.
fn fraction(text: &[u8]) -> Option<(u32, &[u8])> {
    let Some(rest) = text.strip_prefix(b".") else {
        return Some((0, text));
    };
    let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if len == 0 || len > 9 {
        return None;
    }
    let (value, rest) = digits(rest, len)?;
    Some((value * 10u32.pow(9 - len as u32), rest))
}

fn expect(text: &[u8], byte: u8) -> Option<&[u8]> {
    text.strip_prefix(&[byte])
}

impl FromStr for Timestamp {
    type Err = TimestampError;
    /// RFC 3339: `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)`, `T` and `Z` in upper case.
    fn from_str(text: &str) -> Result<Self, TimestampError> {
        let bad = || {
            TimestampError(format!(
                "{text:?} is not RFC 3339 (like 1972-01-01T10:00:20.021Z)"
            ))
        };
        let parse = || -> Option<Timestamp> {
            let b = text.as_bytes();
            let (year, b) = digits(b, 4)?;
            let (month, b) = digits(expect(b, b'-')?, 2)?;
            let (day, b) = digits(expect(b, b'-')?, 2)?;
            let (hour, b) = digits(expect(b, b'T')?, 2)?;
            let (minute, b) = digits(expect(b, b':')?, 2)?;
            let (second, b) = digits(expect(b, b':')?, 2)?;
            let (nanos, b) = fraction(b)?;
            let offset = match b {
                b"Z" => 0,
                [sign @ (b'+' | b'-'), rest @ ..] => {
                    let (h, rest) = digits(rest, 2)?;
                    let (m, rest) = digits(expect(rest, b':')?, 2)?;
                    if !rest.is_empty() || h > 23 || m > 59 {
                        return None;
                    }
                    let minutes = i64::from(h * 60 + m);
                    if *sign == b'+' {
                        minutes
                    } else {
                        -minutes
                    }
                }
                _ => return None,
            };
            let days_in_month = match month {
                1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
                4 | 6 | 9 | 11 => 30,
                2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
                2 => 28,
                _ => return None,
            };
            if day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
                return None;
            }
            let days = days_from_civil(i64::from(year), month, day);
            let seconds =
                days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset * 60;
            Some(Timestamp {
                seconds,
                nanos: nanos as i32,
                ..Default::default()
            })
        };
        let t = parse().ok_or_else(bad)?;
        t.check()?;
        Ok(t)
    }
}

impl Duration {
    /// Whether seconds and nanos are in protobuf's range and agree in sign.
    pub fn check(&self) -> Result<(), DurationError> {
        if !(-MAX_DURATION_SECONDS..=MAX_DURATION_SECONDS).contains(&self.seconds) {
            return Err(DurationError(format!(
                "seconds {} beyond ±{MAX_DURATION_SECONDS}",
                self.seconds
            )));
        }
        let nanos_ok = self.nanos.unsigned_abs() < NANOS_PER_SECOND as u32
            && (self.seconds == 0 || self.nanos == 0 || (self.seconds < 0) == (self.nanos < 0));
        if !nanos_ok {
            return Err(DurationError(format!(
                "nanos {} do not fit seconds {}",
                self.nanos, self.seconds
            )));
        }
        Ok(())
    }
}

impl TryFrom<std::time::Duration> for Duration {
    type Error = DurationError;
    fn try_from(d: std::time::Duration) -> Result<Self, DurationError> {
        let duration = Duration {
            seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            nanos: d.subsec_nanos() as i32,
            ..Default::default()
        };
        duration.check()?;
        Ok(duration)
    }
}

impl TryFrom<Duration> for std::time::Duration {
    type Error = DurationError;
    /// Fails for negative and out-of-range durations.
    fn try_from(d: Duration) -> Result<Self, DurationError> {
        d.check()?;
        if d.seconds < 0 || d.nanos < 0 {
            return Err(DurationError(format!("{d} is negative")));
        }
        Ok(std::time::Duration::new(d.seconds as u64, d.nanos as u32))
    }
}

/// `<seconds>[.<fraction>]s` (`1.5s`, `-0.010s`), as the JSON mapping writes it.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.seconds < 0 || self.nanos < 0 {
            f.write_str("-")?;
        }
        write!(f, "{}", self.seconds.unsigned_abs())?;
        write_fraction(f, self.nanos.unsigned_abs())?;
        f.write_str("s")
    }
}

impl FromStr for Duration {
    type Err = DurationError;
    fn from_str(text: &str) -> Result<Self, DurationError> {
        let bad = || {
            DurationError(format!(
                "{text:?} is not <seconds>[.<fraction>]s (like 1.5s)"
            ))
        };
        let b = text.as_bytes().strip_suffix(b"s").ok_or_else(bad)?;
        let (negative, b) = match b.strip_prefix(b"-") {
            Some(rest) => (true, rest),
            None => (false, b),
        };
        let len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 || len > 12 {
            return Err(bad());
        }
        let seconds: i64 = text[usize::from(negative)..usize::from(negative) + len]
            .parse()
            .map_err(|_| bad())?;
        let (nanos, rest) = fraction(&b[len..]).ok_or_else(bad)?;
        if !rest.is_empty() {
            return Err(bad());
        }
        let sign = if negative { -1 } else { 1 };
        let d = Duration {
            seconds: sign * seconds,
            nanos: sign as i32 * nanos as i32,
            ..Default::default()
        };
        d.check()?;
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(seconds: i64, nanos: i32) -> Timestamp {
        Timestamp {
            seconds,
            nanos,
            ..Default::default()
        }
    }

    #[test]
    fn timestamps_round_trip_through_rfc3339() {
        for (t, text) in [
            (ts(0, 0), "1970-01-01T00:00:00Z"),
            (ts(0, 10_000_000), "1970-01-01T00:00:00.010Z"),
            (ts(63_108_020, 21_000), "1972-01-01T10:00:20.000021Z"),
            (ts(-1, 1), "1969-12-31T23:59:59.000000001Z"),
            (ts(MIN_TIMESTAMP_SECONDS, 0), "0001-01-01T00:00:00Z"),
            (
                ts(MAX_TIMESTAMP_SECONDS, 999_999_999),
                "9999-12-31T23:59:59.999999999Z",
            ),
            (ts(951_782_400, 0), "2000-02-29T00:00:00Z"),
        ] {
            assert_eq!(t.to_string(), text);
            assert_eq!(text.parse::<Timestamp>().unwrap(), t, "{text}");
        }
        assert_eq!(
            "1970-01-01T08:00:00+08:00".parse::<Timestamp>().unwrap(),
            ts(0, 0)
        );
        assert_eq!(
            "1969-12-31T16:00:00-08:00".parse::<Timestamp>().unwrap(),
            ts(0, 0)
        );
        for bad in [
            "1970-01-01t00:00:00Z",
            "1970-01-01T00:00:00z",
            "1970-01-01T00:00:00",
            "1970-02-30T00:00:00Z",
            "1970-01-01T00:00:00.1234567890Z",
            "10000-01-01T00:00:00Z",
            "0000-12-31T23:59:59Z",
        ] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
        }
    }

    #[test]
    fn system_time_conversions() {
        let before = UNIX_EPOCH - std::time::Duration::new(1, 250_000_000);
        let t = Timestamp::from(before);
        assert_eq!(t, ts(-2, 750_000_000));
        assert_eq!(SystemTime::try_from(t).unwrap(), before);
        assert!(SystemTime::try_from(ts(0, -1)).is_err());
    }

    #[test]
    fn durations_round_trip_through_text() {
        let d = |seconds, nanos| Duration {
            seconds,
            nanos,
            ..Default::default()
        };
        for (value, text) in [
            (d(1, 500_000_000), "1.500s"),
            (d(0, -10_000_000), "-0.010s"),
            (d(-3, -1), "-3.000000001s"),
            (d(0, 0), "0s"),
            (d(MAX_DURATION_SECONDS, 0), "315576000000s"),
        ] {
            assert_eq!(value.to_string(), text);
            assert_eq!(text.parse::<Duration>().unwrap(), value, "{text}");
        }
        for bad in [
            "1",
            "1.s",
            "315576000001s",
            "-315576000001s",
            "1.0000000001s",
            "+1s",
            " 1s",
        ] {
            assert!(bad.parse::<Duration>().is_err(), "{bad}");
        }
        assert_eq!(
            std::time::Duration::try_from(d(2, 5)).unwrap(),
            std::time::Duration::new(2, 5)
        );
        assert!(std::time::Duration::try_from(d(-2, 0)).is_err());
        assert_eq!(
            Duration::try_from(std::time::Duration::from_millis(1500)).unwrap(),
            d(1, 500_000_000)
        );
    }
}
