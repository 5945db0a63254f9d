//! Numbers, dates and links as a visitor of each language expects them.

use chrono::{DateTime, Datelike, Utc};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use locales::Arg;

use crate::i18n::Lang;

/// A count in full with thousands grouped (`12,345`), as English, Korean
/// and Japanese all write it.
pub fn full_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Compact counts in the language's units (its file's `compact-units`):
/// `1.3K`, `12.8K`, `4.5M` in English; `1.3천`, `1.3만`, `1.2억` in Korean,
/// which groups by ten thousands; `1.3万` in Japanese, which writes
/// thousands in full. One decimal below a hundred, none above.
pub fn compact_count(n: u64, lang: Lang) -> String {
    // Three digits need no decimal; round the value itself, not a rounded
    // copy (123.46 is 123, not 124).
    fn rounded(value: f64) -> f64 {
        if value >= 99.95 {
            value.round()
        } else {
            (value * 10.0).round() / 10.0
        }
    }
    let units = lang.compact_units();
    let Some(mut i) = units.iter().rposition(|&(_, power)| n >= 10u64.pow(power)) else {
        return full_count(n);
    };
    // A value that rounds up to the next unit is written in that unit
    // (999,950 is 1M, not 1000K).
    while let Some(&(_, next)) = units.get(i + 1) {
        let (_, power) = units[i];
        if rounded(n as f64 / 10f64.powi(power as i32)) < 10f64.powi((next - power) as i32) {
            break;
        }
        i += 1;
    }
    let (unit, power) = units[i];
    let value = rounded(n as f64 / 10f64.powi(power as i32));
    if value.fract() == 0.0 {
        format!("{}{unit}", value as u64)
    } else {
        format!("{value:.1}{unit}")
    }
}

/// "3 hours ago" / "3시간 전" / "3時間前".
pub fn time_ago(then: DateTime<Utc>, now: DateTime<Utc>, lang: Lang) -> String {
    let secs = now.signed_duration_since(then).num_seconds().max(0);
    let (n, id) = match secs {
        0..=59 => return lang.word("just-now").to_owned(),
        60..=3_599 => (secs / 60, "minutes-ago"),
        3_600..=86_399 => (secs / 3_600, "hours-ago"),
        _ => (secs / 86_400, "days-ago"),
    };
    lang.format(id, &[("n", Arg::from(n))])
}

/// "February 2021" / "2021년 2월" / "2021年2月".
pub fn month_year(date: DateTime<Utc>, lang: Lang) -> String {
    let month = date.month();
    lang.format(
        "month-year",
        &[
            ("month", Arg::from(month)),
            ("month_name", Arg::from(lang.format("month-name", &[("month", Arg::from(month))]))),
            ("year", Arg::from(date.year().to_string())),
        ],
    )
}

/// Everything but RFC 3986's unreserved characters is encoded.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Percent-encodes a string for use as one query-string value.
pub fn query_value(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// Our image proxy's address for an upstream image; `None` when the URL is
/// not http(s) (so `javascript:` and `data:` never reach a page).
pub fn proxied_image(url: &str) -> Option<String> {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        .then(|| format!("/img?src={}", query_value(url.trim())))
}

#[cfg(test)]
mod tests {
    #[test]
    fn full_counts_group_thousands() {
        assert_eq!(super::full_count(0), "0");
        assert_eq!(super::full_count(999), "999");
        assert_eq!(super::full_count(1000), "1,000");
        assert_eq!(super::full_count(25121), "25,121");
        assert_eq!(super::full_count(1234567), "1,234,567");
    }

    use super::*;
    use chrono::TimeZone;

    #[test]
    fn compact_counts_in_every_language() {
        let cases = [
            (0, "0", "0", "0"),
            (999, "999", "999", "999"),
            (1_000, "1K", "1천", "1,000"),
            (1_284, "1.3K", "1.3천", "1,284"),
            (9_999, "10K", "1만", "9,999"),
            (12_840, "12.8K", "1.3만", "1.3万"),
            (999_950, "1M", "100만", "100万"),
            (999_999, "1M", "100만", "100万"),
            (4_520_000, "4.5M", "452만", "452万"),
            (99_999_999, "100M", "1억", "1億"),
            (123_456_789, "123M", "1.2억", "1.2億"),
            (2_000_000_000, "2B", "20억", "20億"),
        ];
        for (n, en, ko, ja) in cases {
            assert_eq!(compact_count(n, Lang::En), en, "{n}");
            assert_eq!(compact_count(n, Lang::Ko), ko, "{n}");
            assert_eq!(compact_count(n, Lang::Ja), ja, "{n}");
        }
    }

    #[test]
    fn relative_times() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let ago = |secs| now - chrono::Duration::seconds(secs);
        assert_eq!(time_ago(ago(10), now, Lang::En), "just now");
        assert_eq!(time_ago(ago(60), now, Lang::En), "1 minute ago");
        assert_eq!(time_ago(ago(3 * 3600 + 5), now, Lang::En), "3 hours ago");
        assert_eq!(time_ago(ago(3 * 3600), now, Lang::Ko), "3시간 전");
        assert_eq!(time_ago(ago(2 * 86400), now, Lang::Ko), "2일 전");
        assert_eq!(time_ago(ago(2 * 86400), now, Lang::Ja), "2日前");
        assert_eq!(time_ago(ago(86400), now, Lang::En), "1 day ago");
        assert_eq!(time_ago(ago(30), now, Lang::Ja), "たった今");
        assert_eq!(time_ago(now + chrono::Duration::seconds(30), now, Lang::En), "just now");
    }

    #[test]
    fn months() {
        let d = Utc.with_ymd_and_hms(2021, 2, 3, 17, 42, 9).unwrap();
        assert_eq!(month_year(d, Lang::En), "February 2021");
        assert_eq!(month_year(d, Lang::Ko), "2021년 2월");
        assert_eq!(month_year(d, Lang::Ja), "2021年2月");
    }

    #[test]
    fn only_http_images_are_proxied() {
        assert_eq!(
            proxied_image("https://x.s3.amazonaws.com:443/1_a?b=c&d").as_deref(),
            Some("/img?src=https%3A%2F%2Fx.s3.amazonaws.com%3A443%2F1_a%3Fb%3Dc%26d")
        );
        assert_eq!(proxied_image("javascript:alert(1)"), None);
        assert_eq!(proxied_image(" data:image/png;base64,xx"), None);
        assert_eq!(proxied_image("JaVaScRiPt:alert(1)"), None);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn percent_decode(s: &str) -> Vec<u8> {
            let bytes = s.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%' {
                    out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            out
        }

        proptest! {
            #[test]
            fn query_values_are_plain_and_decode_to_the_input(value in any::<String>()) {
                let encoded = query_value(&value);
                prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
                prop_assert_eq!(percent_decode(&encoded), value.as_bytes());
            }

            #[test]
            fn only_web_urls_become_proxied_images(url in prop_oneof![any::<String>(), "(https?|HTTPS?|javascript|data|ftp)://?[ -~]{0,40}"]) {
                match proxied_image(&url) {
                    Some(src) => {
                        let lower = url.trim().to_ascii_lowercase();
                        prop_assert!(lower.starts_with("http://") || lower.starts_with("https://"));
                        let value = src.strip_prefix("/img?src=").expect("our proxy");
                        prop_assert_eq!(percent_decode(value), url.trim().as_bytes());
                    }
                    None => {
                        let lower = url.trim().to_ascii_lowercase();
                        prop_assert!(!(lower.starts_with("http://") || lower.starts_with("https://")));
                    }
                }
            }
        }
    }
}
