//! Korean and English text. Every visible string lives here, so a page never
//! hard-codes one language.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Ko,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ko];

    /// The BCP 47 code used in `<html lang>`, cookies and query strings.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "ko" => Some(Lang::Ko),
            _ => None,
        }
    }

    /// Picks the visitor's language from an `Accept-Language` header: the
    /// supported language with the highest q-value, English when none matches.
    pub fn negotiate(accept_language: &str) -> Lang {
        let mut best: Option<(Lang, f32)> = None;
        for item in accept_language.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let primary = tag.split('-').next().unwrap_or("");
            let Some(lang) = Lang::from_code(primary) else { continue };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(_, bq)| q > bq) {
                best = Some((lang, q));
            }
        }
        best.map(|(lang, _)| lang).unwrap_or_default()
    }

    /// The name of the language in that language, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ko => "한국어",
        }
    }

    pub fn text(self) -> &'static Text {
        match self {
            Lang::En => &EN,
            Lang::Ko => &KO,
        }
    }
}

/// All user-facing strings of one language.
pub struct Text {
    pub site_name: &'static str,
    pub tagline: &'static str,
    pub home_title: &'static str,
    pub home_description: &'static str,
    pub search_label: &'static str,
    pub search_placeholder: &'static str,
    pub search_button: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub back_home: &'static str,
    pub theme_label: &'static str,
    pub theme_light: &'static str,
    pub theme_dark: &'static str,
    pub theme_system: &'static str,
    pub language_label: &'static str,
    pub footer_note: &'static str,
}

static EN: Text = Text {
    site_name: "inssa",
    tagline: "Clubhouse profiles, fast and shareable.",
    home_title: "inssa: look up Clubhouse profiles",
    home_description: "Search Clubhouse people and open their profiles: bio, followers, clubs and who nominated them.",
    search_label: "Search Clubhouse people",
    search_placeholder: "Name or @username",
    search_button: "Search",
    not_found_title: "Page not found",
    not_found_body: "There is nothing at this address.",
    back_home: "Back to the home page",
    theme_label: "Theme",
    theme_light: "Light",
    theme_dark: "Dark",
    theme_system: "System",
    language_label: "Language",
    footer_note: "inssa is not affiliated with Clubhouse.",
};

static KO: Text = Text {
    site_name: "inssa",
    tagline: "클럽하우스 프로필을 빠르게 보고 공유하세요.",
    home_title: "inssa: 클럽하우스 프로필 찾기",
    home_description: "클럽하우스 사람을 찾아 프로필을 열어 보세요: 소개, 팔로워, 클럽, 초대한 사람까지.",
    search_label: "클럽하우스 사람 검색",
    search_placeholder: "이름 또는 @아이디",
    search_button: "검색",
    not_found_title: "페이지를 찾을 수 없습니다",
    not_found_body: "이 주소에는 아무것도 없습니다.",
    back_home: "홈으로 돌아가기",
    theme_label: "테마",
    theme_light: "라이트",
    theme_dark: "다크",
    theme_system: "시스템",
    language_label: "언어",
    footer_note: "inssa는 클럽하우스와 관련이 없습니다.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_by_quality() {
        assert_eq!(Lang::negotiate("ko-KR,ko;q=0.9,en-US;q=0.8"), Lang::Ko);
        assert_eq!(Lang::negotiate("en-US,en;q=0.9,ko;q=0.8"), Lang::En);
        assert_eq!(Lang::negotiate("fr-FR, ko;q=0.5"), Lang::Ko);
        assert_eq!(Lang::negotiate("en;q=0.1, ko;q=0.7"), Lang::Ko);
    }

    #[test]
    fn falls_back_to_english() {
        assert_eq!(Lang::negotiate(""), Lang::En);
        assert_eq!(Lang::negotiate("fr, de;q=0.5"), Lang::En);
        assert_eq!(Lang::negotiate("ko;q=0"), Lang::En);
        assert_eq!(Lang::negotiate(";;;,,,q=x"), Lang::En);
    }
}
