//! Numbers, dates and links as a visitor of each language expects them.

use chrono::{DateTime, Datelike, Utc};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::i18n::Lang;

/// Compact counts: `1.3K`, `12.8K`, `4.5M` in English; `1.3천`, `1.3만`,
/// `450만`, `1.2억` in Korean (which groups by ten thousands).
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

pub fn compact_count(n: u64, lang: Lang) -> String {
    fn one_decimal(value: f64, unit: &str) -> String {
        // Three digits need no decimal; round the value itself, not a
        // rounded copy (123.46 is 123, not 124).
        if value >= 99.95 {
            return format!("{}{unit}", value.round() as u64);
        }
        let rounded = (value * 10.0).round() / 10.0;
        if rounded.fract() == 0.0 {
            format!("{}{unit}", rounded as u64)
        } else {
            format!("{rounded:.1}{unit}")
        }
    }
    let n_f = n as f64;
    match lang {
        Lang::En => match n {
            0..=999 => n.to_string(),
            1_000..=999_949 => one_decimal(n_f / 1e3, "K"),
            999_950..=999_949_999 => one_decimal(n_f / 1e6, "M"),
            _ => one_decimal(n_f / 1e9, "B"),
        },
        Lang::Ko => match n {
            0..=999 => n.to_string(),
            1_000..=9_999 => one_decimal(n_f / 1e3, "천"),
            10_000..=99_994_999 => one_decimal(n_f / 1e4, "만"),
            _ => one_decimal(n_f / 1e8, "억"),
        },
    }
}

/// "3 hours ago" / "3시간 전".
pub fn time_ago(then: DateTime<Utc>, now: DateTime<Utc>, lang: Lang) -> String {
    let secs = now.signed_duration_since(then).num_seconds().max(0);
    let (n, unit) = match secs {
        0..=59 => return lang.text().just_now.to_owned(),
        60..=3_599 => (secs / 60, 0),
        3_600..=86_399 => (secs / 3_600, 1),
        _ => (secs / 86_400, 2),
    };
    match lang {
        Lang::En => {
            let word = ["minute", "hour", "day"][unit];
            format!("{n} {word}{} ago", if n == 1 { "" } else { "s" })
        }
        Lang::Ko => format!("{n}{} 전", ["분", "시간", "일"][unit]),
    }
}

/// "February 2021" / "2021년 2월".
pub fn month_year(date: DateTime<Utc>, lang: Lang) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    match lang {
        Lang::En => format!("{} {}", MONTHS[date.month0() as usize], date.year()),
        Lang::Ko => format!("{}년 {}월", date.year(), date.month()),
    }
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
    fn compact_counts_in_both_languages() {
        let cases = [
            (0, "0", "0"),
            (999, "999", "999"),
            (1_000, "1K", "1천"),
            (1_284, "1.3K", "1.3천"),
            (12_840, "12.8K", "1.3만"),
            (999_999, "1M", "100만"),
            (4_520_000, "4.5M", "452만"),
            (123_456_789, "123M", "1.2억"),
            (2_000_000_000, "2B", "20억"),
        ];
        for (n, en, ko) in cases {
            assert_eq!(compact_count(n, Lang::En), en, "{n}");
            assert_eq!(compact_count(n, Lang::Ko), ko, "{n}");
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
        assert_eq!(time_ago(now + chrono::Duration::seconds(30), now, Lang::En), "just now");
    }

    #[test]
    fn months() {
        let d = Utc.with_ymd_and_hms(2021, 2, 3, 17, 42, 9).unwrap();
        assert_eq!(month_year(d, Lang::En), "February 2021");
        assert_eq!(month_year(d, Lang::Ko), "2021년 2월");
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
