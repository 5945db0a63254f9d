//! The history page's and the feeds' words, in each language. Apart from
//! `i18n::Text` because only the server renders them: the browser's
//! islands never need these strings, so they stay out of the WASM bundle.

use chrono::{DateTime, Datelike, Timelike, Utc};
use services::history::{Change, PersonRef};

use crate::i18n::Lang;

pub struct HistoryText {
    pub history: &'static str,
    pub history_of: &'static str,
    pub history_description: &'static str,
    pub back_to_profile: &'static str,
    pub followers_over_time: &'static str,
    pub following_over_time: &'static str,
    pub growth: &'static str,
    pub days: &'static str,
    pub not_enough_history: &'static str,
    pub one_sample: &'static str,
    pub no_samples: &'static str,
    pub numbers_as_table: &'static str,
    pub date: &'static str,
    pub changes: &'static str,
    pub one_version: &'static str,
    pub no_changes_since: &'static str,
    pub older_changes: &'static str,
    pub newer_changes: &'static str,
    pub feed: &'static str,
    pub none: &'static str,
    pub name: &'static str,
    pub username: &'static str,
    pub photo: &'static str,
    pub photo_old: &'static str,
    pub photo_new: &'static str,
    pub bio: &'static str,
    pub twitter: &'static str,
    pub instagram: &'static str,
    pub club_joined: &'static str,
    pub club_left: &'static str,
    pub nominator: &'static str,
    pub added: &'static str,
    pub removed: &'static str,
    pub feed_title: &'static str,
    pub feed_of_many: &'static str,
    pub changed: &'static str,
}

static EN: HistoryText = HistoryText {
    history: "History",
    history_of: "History of",
    history_description: "Followers over time and every change inssa saw to",
    back_to_profile: "Back to the profile",
    followers_over_time: "Followers over time",
    following_over_time: "Following over time",
    growth: "Change",
    days: "days",
    not_enough_history: "not yet known",
    one_sample: "inssa has counted this profile's followers once so far; the chart starts with the next count.",
    no_samples: "inssa has not counted this profile's followers yet.",
    numbers_as_table: "The numbers as a table",
    date: "Date",
    changes: "Changes",
    one_version: "inssa has seen one version of this profile so far: changes appear here as they happen.",
    no_changes_since: "No changes since inssa first saw this profile on",
    older_changes: "Older changes",
    newer_changes: "Newer changes",
    feed: "Atom feed of changes",
    none: "(none)",
    name: "Name",
    username: "Username",
    photo: "Photo",
    photo_old: "Old photo",
    photo_new: "New photo",
    bio: "Bio",
    twitter: "Twitter",
    instagram: "Instagram",
    club_joined: "Joined the club",
    club_left: "Left the club",
    nominator: "Nominated by",
    added: "added",
    removed: "removed",
    feed_title: "Changes to",
    feed_of_many: "Changes to Clubhouse profiles",
    changed: "changed",
};

static KO: HistoryText = HistoryText {
    history: "기록",
    history_of: "기록:",
    history_description: "팔로워 추이와 inssa가 본 모든 변경 사항:",
    back_to_profile: "프로필로 돌아가기",
    followers_over_time: "팔로워 추이",
    following_over_time: "팔로잉 추이",
    growth: "변화",
    days: "일",
    not_enough_history: "아직 알 수 없음",
    one_sample: "inssa가 이 프로필의 팔로워를 아직 한 번만 셌습니다. 다음에 세면 차트가 시작됩니다.",
    no_samples: "inssa가 이 프로필의 팔로워를 아직 세지 않았습니다.",
    numbers_as_table: "표로 보기",
    date: "날짜",
    changes: "변경 사항",
    one_version: "inssa가 이 프로필의 버전을 아직 하나만 보았습니다. 바뀌면 여기에 표시됩니다.",
    no_changes_since: "inssa가 처음 본 뒤로 변경 사항이 없습니다. 처음 본 날:",
    older_changes: "이전 변경 사항",
    newer_changes: "최근 변경 사항",
    feed: "변경 사항 Atom 피드",
    none: "(없음)",
    name: "이름",
    username: "사용자 이름",
    photo: "사진",
    photo_old: "이전 사진",
    photo_new: "새 사진",
    bio: "소개",
    twitter: "트위터",
    instagram: "인스타그램",
    club_joined: "클럽 가입",
    club_left: "클럽 탈퇴",
    nominator: "초대한 사람",
    added: "추가",
    removed: "삭제",
    feed_title: "변경 사항:",
    feed_of_many: "클럽하우스 프로필 변경 사항",
    changed: "변경",
};

impl Lang {
    pub fn history_text(self) -> &'static HistoryText {
        match self {
            Lang::En => &EN,
            Lang::Ko => &KO,
        }
    }
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// "Dec 1, 2026" / "2026년 12월 1일".
pub fn date(at: DateTime<Utc>, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{} {}, {}", MONTHS[at.month0() as usize], at.day(), at.year()),
        Lang::Ko => format!("{}년 {}월 {}일", at.year(), at.month(), at.day()),
    }
}

/// "Dec 1" / "12월 1일", for chart axes.
pub fn short_date(at: DateTime<Utc>, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{} {}", MONTHS[at.month0() as usize], at.day()),
        Lang::Ko => format!("{}월 {}일", at.month(), at.day()),
    }
}

/// "Dec 1, 2026, 13:05 UTC" / "2026년 12월 1일 13:05 UTC".
pub fn date_time(at: DateTime<Utc>, lang: Lang) -> String {
    let sep = if lang == Lang::En { ", " } else { " " };
    format!("{}{sep}{:02}:{:02} UTC", date(at, lang), at.hour(), at.minute())
}

/// Whole counts with separators: "12,345" / "12,345".
pub fn full_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A change of a count: "+1,204 (+3.2%)", "−12 (−0.5%)", "0".
pub fn growth(from: u64, to: u64) -> String {
    let diff = to as i128 - from as i128;
    let sign = match diff.signum() {
        1 => "+",
        -1 => "−",
        _ => "",
    };
    let amount = full_count(diff.unsigned_abs() as u64);
    if from == 0 || diff == 0 {
        return format!("{sign}{amount}");
    }
    let percent = diff.unsigned_abs() as f64 * 100.0 / from as f64;
    format!("{sign}{amount} ({sign}{percent:.1}%)")
}

/// The label of a change's field.
pub fn field_label(change: &Change, lang: Lang) -> &'static str {
    let t = lang.history_text();
    match change {
        Change::Name { .. } => t.name,
        Change::Username { .. } => t.username,
        Change::Photo { .. } => t.photo,
        Change::Bio { .. } => t.bio,
        Change::Twitter { .. } => t.twitter,
        Change::Instagram { .. } => t.instagram,
        Change::ClubJoined { .. } => t.club_joined,
        Change::ClubLeft { .. } => t.club_left,
        Change::Nominator { .. } => t.nominator,
    }
}

fn person(p: &Option<PersonRef>) -> Option<String> {
    let p = p.as_ref()?;
    match (p.name.as_deref().map(str::trim).filter(|n| !n.is_empty()), p.username.as_deref()) {
        (Some(name), Some(username)) => Some(format!("{name} (@{username})")),
        (None, Some(username)) => Some(format!("@{username}")),
        (Some(name), None) => Some(name.to_owned()),
        (None, None) => None,
    }
}

/// A change in words, for feeds: "Bio: “old” → “new”". Plain text; the
/// feed's writer escapes it.
pub fn describe(change: &Change, lang: Lang) -> String {
    let t = lang.history_text();
    let label = field_label(change, lang);
    let quoted = |v: &Option<String>| v.as_deref().map(|v| format!("“{v}”")).unwrap_or_else(|| t.none.to_owned());
    match change {
        Change::Name { old, new }
        | Change::Username { old, new }
        | Change::Photo { old, new }
        | Change::Bio { old, new, .. }
        | Change::Twitter { old, new }
        | Change::Instagram { old, new } => format!("{label}: {} → {}", quoted(old), quoted(new)),
        Change::ClubJoined { name, club_id } | Change::ClubLeft { name, club_id } => {
            format!("{label}: {}", name.as_deref().map(|n| format!("“{n}”")).unwrap_or_else(|| format!("#{club_id}")))
        }
        Change::Nominator { old, new } => {
            format!("{label}: {} → {}", quoted(&person(old)), quoted(&person(new)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_has_a_sign_and_a_percentage() {
        assert_eq!(growth(1000, 1032), "+32 (+3.2%)");
        assert_eq!(growth(2000, 1990), "−10 (−0.5%)");
        assert_eq!(growth(5, 5), "0");
        assert_eq!(growth(0, 1_234_567), "+1,234,567");
        assert_eq!(full_count(999), "999");
        assert_eq!(full_count(1000), "1,000");
    }

    #[test]
    fn dates_read_as_each_language_writes_them() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T13:05:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(date(at, Lang::En), "Dec 1, 2026");
        assert_eq!(date(at, Lang::Ko), "2026년 12월 1일");
        assert_eq!(date_time(at, Lang::En), "Dec 1, 2026, 13:05 UTC");
        assert_eq!(short_date(at, Lang::Ko), "12월 1일");
    }

    #[test]
    fn a_change_reads_as_a_sentence() {
        let change = Change::Bio { old: Some("a".into()), new: None, diff: vec![] };
        assert_eq!(describe(&change, Lang::En), "Bio: “a” → (none)");
        let change = Change::ClubJoined { club_id: "7".into(), name: None };
        assert_eq!(describe(&change, Lang::Ko), "클럽 가입: #7");
    }
}
