//! Timestamps exactly as the AWS CLI v2 prints them, and back.
//!
//! The CLI v2 prints every timestamp as Python's `datetime.isoformat()` of the service's value in
//! UTC: `2026-11-26T05:47:40.417000+00:00`, six fractional digits, or none at all when the
//! microseconds are zero (`2026-11-26T05:47:40+00:00`). Services send timestamps either as epoch
//! seconds (Cognito's JSON: `1.764136060417E9`) or as ISO 8601 text (IAM's XML). Both are read
//! here without a float: the decimal text is scaled with integer arithmetic, so `.418` stays
//! `.418000` instead of becoming `.417999`.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Nanoseconds in a second.
const NANOS: i128 = 1_000_000_000;

/// An instant, to the nanosecond.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Reads epoch seconds written as a JSON number (`1764136060`, `1764136060.417`,
    /// `1.764136060417E9`) exactly.
    pub fn from_epoch_text(text: &str) -> Option<Self> {
        let text = text.trim();
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(at) => (&text[..at], text[at + 1..].parse::<i32>().ok()?),
            None => (text, 0),
        };
        let (negative, mantissa) = match mantissa.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if whole.is_empty() && fraction.is_empty()
            || !whole
                .bytes()
                .chain(fraction.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        // value = digits × 10^(exponent − fraction digits); in nanoseconds, shift by 9 more.
        let digits = format!("{whole}{fraction}");
        let digits = digits.trim_start_matches('0');
        let shift = exponent + 9 - i32::try_from(fraction.len()).ok()?;
        let mut nanos: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().ok()?
        };
        if shift >= 0 {
            nanos = nanos.checked_mul(10i128.checked_pow(u32::try_from(shift).ok()?)?)?;
        } else {
            let divisor = 10i128.checked_pow(u32::try_from(-shift).ok()?)?;
            nanos = round_half_even(nanos, divisor);
        }
        if negative {
            nanos = -nanos;
        }
        OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .map(Self)
    }

    /// Reads an RFC 3339 / ISO 8601 date-time with an offset (`2026-11-26T05:47:40.417Z`,
    /// `2026-11-26T05:47:40.417000+00:00`), as IAM sends and as this module prints.
    pub fn from_iso(text: &str) -> Option<Self> {
        OffsetDateTime::parse(text.trim(), &Rfc3339).ok().map(Self)
    }

    /// Reads whole epoch seconds.
    pub fn from_epoch_seconds(seconds: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp(seconds).ok().map(Self)
    }

    /// Nanoseconds since the epoch.
    fn nanos(self) -> i128 {
        self.0.unix_timestamp_nanos()
    }

    /// The instant rounded to microseconds, as the CLI does (Python's `datetime` keeps
    /// microseconds and rounds half to even).
    fn micros(self) -> i128 {
        round_half_even(self.nanos(), 1_000)
    }

    /// The AWS CLI v2 form: `2026-11-26T05:47:40.417000+00:00`.
    pub fn to_cli(self) -> String {
        let micros = self.micros();
        let seconds = micros.div_euclid(1_000_000);
        let fraction = micros.rem_euclid(1_000_000);
        let Ok(at) = OffsetDateTime::from_unix_timestamp(seconds as i64) else {
            return self.nanos().to_string();
        };
        let at = at.to_offset(UtcOffset::UTC);
        let mut text = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        );
        if fraction != 0 {
            text.push_str(&format!(".{fraction:06}"));
        }
        text.push_str("+00:00");
        text
    }

    /// Epoch seconds as a JSON number, exact: `1764136060.417`.
    pub fn to_epoch_text(self) -> String {
        let nanos = self.nanos();
        let seconds = nanos.div_euclid(NANOS);
        let fraction = nanos.rem_euclid(NANOS);
        if fraction == 0 {
            return seconds.to_string();
        }
        let digits = format!("{fraction:09}");
        format!("{seconds}.{}", digits.trim_end_matches('0'))
    }

    /// ISO 8601 in UTC with `Z`, as the query protocol sends it: `2026-11-26T05:47:40.417Z`.
    pub fn to_wire_iso(self) -> String {
        let text = self.to_cli();
        format!("{}Z", text.trim_end_matches("+00:00"))
    }
}

/// `value / divisor`, rounded to the nearest integer, ties to even.
fn round_half_even(value: i128, divisor: i128) -> i128 {
    let quotient = value.div_euclid(divisor);
    let remainder = value.rem_euclid(divisor);
    match (remainder * 2).cmp(&divisor) {
        std::cmp::Ordering::Less => quotient,
        std::cmp::Ordering::Greater => quotient + 1,
        std::cmp::Ordering::Equal => quotient + (quotient & 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(epoch: &str) -> String {
        Timestamp::from_epoch_text(epoch).unwrap().to_cli()
    }

    #[test]
    fn epoch_numbers_print_as_the_cli_does_to_the_microsecond() {
        assert_eq!(cli("1764136060.418"), "2025-11-26T05:47:40.418000+00:00");
        assert_eq!(cli("1.764136060418E9"), "2025-11-26T05:47:40.418000+00:00");
        assert_eq!(cli("1.764136060417e+9"), "2025-11-26T05:47:40.417000+00:00");
        assert_eq!(cli("1764136060"), "2025-11-26T05:47:40+00:00");
        assert_eq!(cli("1764136060.0"), "2025-11-26T05:47:40+00:00");
        assert_eq!(
            cli("1764136060.4171238"),
            "2025-11-26T05:47:40.417124+00:00"
        );
        assert_eq!(cli("1764136060.0000005"), "2025-11-26T05:47:40+00:00");
        assert_eq!(
            cli("1764136060.0000015"),
            "2025-11-26T05:47:40.000002+00:00"
        );
        assert_eq!(cli("0"), "1970-01-01T00:00:00+00:00");
        assert_eq!(cli("-1.5"), "1969-12-31T23:59:58.500000+00:00");
        for bad in ["", ".", "1e", "abc", "1.2.3", "1e99999"] {
            assert_eq!(Timestamp::from_epoch_text(bad), None, "{bad}");
        }
    }

    #[test]
    fn iso_text_round_trips_in_every_form() {
        for (text, cli) in [
            ("2026-11-26T05:47:40Z", "2026-11-26T05:47:40+00:00"),
            (
                "2026-11-26T05:47:40.417Z",
                "2026-11-26T05:47:40.417000+00:00",
            ),
            (
                "2026-11-26T05:47:40.417000+00:00",
                "2026-11-26T05:47:40.417000+00:00",
            ),
            (
                "2026-11-26T14:47:40.5+09:00",
                "2026-11-26T05:47:40.500000+00:00",
            ),
        ] {
            let t = Timestamp::from_iso(text).unwrap();
            assert_eq!(t.to_cli(), cli);
            assert_eq!(Timestamp::from_iso(&t.to_cli()), Some(t));
            assert_eq!(
                Timestamp::from_epoch_text(&t.to_epoch_text()),
                Some(t),
                "{text}"
            );
        }
        let t = Timestamp::from_iso("2026-11-26T05:47:40.417Z").unwrap();
        assert_eq!(t.to_epoch_text(), "1795672060.417");
        assert_eq!(t.to_wire_iso(), "2026-11-26T05:47:40.417000Z");
    }
}
