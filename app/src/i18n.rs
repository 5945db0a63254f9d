//! The pages' words in Korean and English: labels, messages and titles are
//! looked up here by language rather than written into the views. Names
//! (inssa, Clubhouse) and what comes from the upstream are not translated.

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
    pub just_now: &'static str,
    pub followers: &'static str,
    pub following: &'static str,
    pub joined: &'static str,
    pub nominated_by: &'static str,
    pub clubs: &'static str,
    pub members: &'static str,
    pub open_in_clubhouse: &'static str,
    pub updated: &'static str,
    pub refreshing: &'static str,
    pub upstream_failing: &'static str,
    pub profile_not_found_title: &'static str,
    pub profile_not_found_body: &'static str,
    pub profile_gone_title: &'static str,
    pub profile_gone_body: &'static str,
    pub unavailable_title: &'static str,
    pub unavailable_body: &'static str,
    pub search_title: &'static str,
    pub search_results_for: &'static str,
    pub no_results: &'static str,
    pub search_cache_only: &'static str,
    pub search_throttled: &'static str,
    pub recently_viewed: &'static str,
    pub profile_of: &'static str,
    pub no_bio: &'static str,
    pub retry: &'static str,
    pub waitlist_button: &'static str,
    pub waitlist_title: &'static str,
    pub waitlist_intro: &'static str,
    pub waitlist_email: &'static str,
    pub waitlist_username: &'static str,
    pub waitlist_consent: &'static str,
    pub waitlist_submit: &'static str,
    pub waitlist_close: &'static str,
    pub waitlist_done_title: &'static str,
    pub waitlist_done_body: &'static str,
    pub waitlist_leave: &'static str,
    pub waitlist_confirm_title: &'static str,
    pub waitlist_confirm_body: &'static str,
    pub waitlist_confirm_button: &'static str,
    pub waitlist_confirmed_title: &'static str,
    pub waitlist_confirmed_body: &'static str,
    pub waitlist_link_not_valid: &'static str,
    pub waitlist_leave_confirm: &'static str,
    pub waitlist_left_title: &'static str,
    pub waitlist_left_body: &'static str,
    pub waitlist_fix_fields: &'static str,
    pub waitlist_rate_limited: &'static str,
    pub waitlist_bad_request: &'static str,
    pub waitlist_unavailable: &'static str,
    pub waitlist_email_required: &'static str,
    pub waitlist_email_too_long: &'static str,
    pub waitlist_email_invalid: &'static str,
    pub waitlist_username_invalid: &'static str,
    pub waitlist_consent_required: &'static str,
    pub waitlist_honeypot: &'static str,
    pub skip_to_content: &'static str,
    pub about_link: &'static str,
    pub about_title: &'static str,
    pub about_description: &'static str,
    pub about_what_heading: &'static str,
    pub about_what_body: &'static str,
    pub about_stored_heading: &'static str,
    pub about_profiles: &'static str,
    pub about_history: &'static str,
    pub about_waitlist: &'static str,
    pub about_logs: &'static str,
    pub about_removal_heading: &'static str,
    pub about_removal_body: &'static str,
    pub about_status_heading: &'static str,
    pub upstream_ok: &'static str,
    pub upstream_limited: &'static str,
    pub upstream_refused: &'static str,
    pub upstream_no_calls: &'static str,
    pub about_version: &'static str,
    pub search_description: &'static str,
    pub search_count: &'static str,
    pub search_pages_label: &'static str,
    pub search_page: &'static str,
    pub search_previous: &'static str,
    pub search_next: &'static str,
    pub waitlist_description: &'static str,
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
    just_now: "just now",
    followers: "followers",
    following: "following",
    joined: "Joined",
    nominated_by: "Nominated by",
    clubs: "Clubs",
    members: "members",
    open_in_clubhouse: "Open in Clubhouse",
    updated: "Updated",
    refreshing: "refreshing now",
    upstream_failing: "Clubhouse is not answering right now; this is the last copy we have.",
    profile_not_found_title: "No such Clubhouse user",
    profile_not_found_body: "Clubhouse has nobody with this username. Check the spelling or search for the person.",
    profile_gone_title: "This account is gone",
    profile_gone_body: "The Clubhouse account that used this username no longer exists, so inssa shows nothing of it.",
    unavailable_title: "Clubhouse is not answering",
    unavailable_body:
        "We could not reach Clubhouse and have no saved copy of this profile yet. Please try again in a minute.",
    search_title: "Search",
    search_results_for: "Results for",
    no_results: "Nobody found.",
    search_cache_only: "Clubhouse search is unavailable right now; these results come from profiles we have seen.",
    search_throttled: "You have searched a lot in a short time. Please wait a minute and search again.",
    recently_viewed: "Recently viewed",
    profile_of: "'s Clubhouse profile",
    no_bio: "This person has not written a bio.",
    retry: "Try again",
    waitlist_button: "Join the waitlist",
    waitlist_title: "Join the waitlist",
    waitlist_intro: "We are building something new for Clubhouse people. Leave your email and we will tell you first.",
    waitlist_email: "Email",
    waitlist_username: "Clubhouse username (optional)",
    waitlist_consent: "I agree to be emailed about inssa's next product.",
    waitlist_submit: "Join",
    waitlist_close: "Close",
    waitlist_done_title: "Check your inbox",
    waitlist_done_body: "We have sent a mail to that address. Open the link in it to confirm your place on the list. Nothing there? Look in the spam folder; the mail can take a few minutes.",
    waitlist_leave: "Leave the waitlist",
    waitlist_confirm_title: "Confirm your address",
    waitlist_confirm_body: "One click puts this address on the waitlist.",
    waitlist_confirm_button: "Confirm my address",
    waitlist_confirmed_title: "You're on the list",
    waitlist_confirmed_body: "Thanks, your address is confirmed. We will write when there is news; every mail has a link to leave the list.",
    waitlist_link_not_valid: "This link no longer works: the signup expired or was removed. You can sign up again.",
    waitlist_leave_confirm: "Remove my address from the waitlist for good.",
    waitlist_left_title: "You have left the waitlist",
    waitlist_left_body: "If that link was valid, your address is no longer stored.",
    waitlist_fix_fields: "Please fix the marked fields.",
    waitlist_rate_limited: "Too many signups from your network. Please try again in a few minutes.",
    waitlist_bad_request: "Something went wrong with the form. Please reload the page and try again.",
    waitlist_unavailable: "We could not save that right now. Please try again in a minute.",
    waitlist_email_required: "Please enter your email address.",
    waitlist_email_too_long: "That address is too long.",
    waitlist_email_invalid: "That does not look like an email address.",
    waitlist_username_invalid: "A Clubhouse username has only letters, digits, '_' and '.'.",
    waitlist_consent_required: "Please tick the box to agree.",
    waitlist_honeypot: "Leave this empty",
    skip_to_content: "Skip to content",
    about_link: "About inssa and your data",
    about_title: "About inssa",
    about_description: "What inssa is, what it stores and for how long, how to have your data removed, and whether Clubhouse is answering right now.",
    about_what_heading: "What inssa is",
    about_what_body: "inssa shows public Clubhouse profiles as fast web pages you can link to and share, with how each profile changed over time. It is not affiliated with Clubhouse and reads the same public profile data the Clubhouse app shows.",
    about_stored_heading: "What is stored, and for how long",
    about_profiles: "Profiles: a copy of each public profile someone looked up here, refreshed while people view it, and deleted (but for its id and name) when Clubhouse says the account no longer exists.",
    about_history: "History: earlier versions of a profile and its follower counts, kept for {days} days; the newest version always stays.",
    about_waitlist: "Waitlist: your email address, language and the username you gave, if any. An unconfirmed signup is deleted after {hours} hours; a confirmed one stays until you leave through the link in any of our mails, which deletes it at once.",
    about_logs: "Logs: each request's path, status, timing and a request id, and errors; no addresses, cookies or tokens. They are kept by the operator's log system, not by inssa.",
    about_removal_heading: "Having your data removed",
    about_removal_body: "To have your profile's copy and history removed, write to this address with your Clubhouse username:",
    about_status_heading: "Clubhouse right now",
    upstream_ok: "Clubhouse is answering: new profiles and searches work normally.",
    upstream_limited: "Clubhouse is asking us to slow down: profiles seen before are shown from our copy, new ones may take a while.",
    upstream_refused: "Clubhouse is refusing our requests: only profiles seen before can be shown, from our copy.",
    upstream_no_calls: "No request to Clubhouse has been made since this server started.",
    about_version: "Running version",
    search_description: "Find Clubhouse people by name or username, and open their profiles on inssa.",
    search_count: "{count} people found",
    search_pages_label: "Result pages",
    search_page: "Page {page}",
    search_previous: "Previous page",
    search_next: "Next page",
    waitlist_description: "Join the waitlist for what the inssa team builds next: we mail you once it is ready, and only then.",
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
    just_now: "방금",
    followers: "팔로워",
    following: "팔로잉",
    joined: "가입",
    nominated_by: "초대한 사람",
    clubs: "클럽",
    members: "멤버",
    open_in_clubhouse: "클럽하우스에서 열기",
    updated: "업데이트:",
    refreshing: "새로 고치는 중",
    upstream_failing: "지금 클럽하우스가 응답하지 않습니다. 마지막으로 받아 둔 정보입니다.",
    profile_not_found_title: "그런 클럽하우스 사용자가 없습니다",
    profile_not_found_body: "이 아이디를 쓰는 클럽하우스 사용자가 없습니다. 철자를 확인하거나 검색해 보세요.",
    profile_gone_title: "사라진 계정입니다",
    profile_gone_body: "이 아이디를 쓰던 클럽하우스 계정이 더 이상 없어서 inssa에서도 아무것도 보여 주지 않습니다.",
    unavailable_title: "클럽하우스가 응답하지 않습니다",
    unavailable_body:
        "클럽하우스에 연결할 수 없고 이 프로필의 저장된 정보도 아직 없습니다. 잠시 후 다시 시도해 주세요.",
    search_title: "검색",
    search_results_for: "검색 결과:",
    no_results: "찾은 사람이 없습니다.",
    search_cache_only: "지금은 클럽하우스 검색을 쓸 수 없어, 저장된 프로필에서 찾은 결과입니다.",
    search_throttled: "짧은 시간에 검색을 너무 많이 했습니다. 1분쯤 뒤에 다시 검색해 주세요.",
    recently_viewed: "최근 본 프로필",
    profile_of: "님의 클럽하우스 프로필",
    no_bio: "아직 소개가 없습니다.",
    retry: "다시 시도",
    waitlist_button: "대기자 명단 등록",
    waitlist_title: "대기자 명단에 등록하기",
    waitlist_intro: "클럽하우스 사람들을 위한 새로운 것을 만들고 있습니다. 이메일을 남기시면 가장 먼저 알려 드릴게요.",
    waitlist_email: "이메일",
    waitlist_username: "클럽하우스 아이디 (선택)",
    waitlist_consent: "inssa의 다음 제품 소식을 이메일로 받는 데 동의합니다.",
    waitlist_submit: "등록",
    waitlist_close: "닫기",
    waitlist_done_title: "메일함을 확인해 주세요",
    waitlist_done_body: "그 주소로 메일을 보냈습니다. 메일의 링크를 열어 등록을 확인해 주세요. 메일이 없다면 스팸함을 확인해 주세요. 도착까지 몇 분 걸릴 수 있습니다.",
    waitlist_leave: "대기자 명단에서 빠지기",
    waitlist_confirm_title: "주소를 확인해 주세요",
    waitlist_confirm_body: "한 번 누르면 이 주소가 대기자 명단에 올라갑니다.",
    waitlist_confirm_button: "주소 확인하기",
    waitlist_confirmed_title: "등록되었습니다",
    waitlist_confirmed_body: "감사합니다. 주소가 확인되었습니다. 소식이 생기면 연락드릴게요. 모든 메일에 명단에서 빠지는 링크가 있습니다.",
    waitlist_link_not_valid: "이 링크는 더 이상 쓸 수 없습니다. 등록이 만료되었거나 삭제되었습니다. 다시 등록할 수 있습니다.",
    waitlist_leave_confirm: "제 주소를 대기자 명단에서 영구히 삭제합니다.",
    waitlist_left_title: "대기자 명단에서 빠졌습니다",
    waitlist_left_body: "링크가 유효했다면 주소는 더 이상 저장되어 있지 않습니다.",
    waitlist_fix_fields: "표시된 항목을 고쳐 주세요.",
    waitlist_rate_limited: "이 네트워크에서 등록이 너무 많습니다. 몇 분 뒤에 다시 시도해 주세요.",
    waitlist_bad_request: "양식 처리에 문제가 있었습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
    waitlist_unavailable: "지금은 저장할 수 없습니다. 잠시 후 다시 시도해 주세요.",
    waitlist_email_required: "이메일 주소를 입력해 주세요.",
    waitlist_email_too_long: "주소가 너무 깁니다.",
    waitlist_email_invalid: "이메일 주소 형식이 아닙니다.",
    waitlist_username_invalid: "클럽하우스 아이디는 영문자, 숫자, '_', '.'만 쓸 수 있습니다.",
    waitlist_consent_required: "동의 상자를 체크해 주세요.",
    waitlist_honeypot: "비워 두세요",
    skip_to_content: "본문으로 건너뛰기",
    about_link: "inssa 소개와 개인정보",
    about_title: "inssa 소개",
    about_description: "inssa가 무엇인지, 무엇을 얼마나 오래 보관하는지, 내 정보를 지우는 방법, 지금 클럽하우스가 응답하는지 알려 드립니다.",
    about_what_heading: "inssa는",
    about_what_body: "inssa는 공개된 클럽하우스 프로필을 빠르고 공유하기 쉬운 웹 페이지로 보여 주고, 프로필이 어떻게 바뀌어 왔는지도 보여 줍니다. 클럽하우스와 관련이 없으며, 클럽하우스 앱이 보여 주는 것과 같은 공개 프로필 정보를 읽습니다.",
    about_stored_heading: "보관하는 정보와 기간",
    about_profiles: "프로필: 누군가 이곳에서 찾아본 공개 프로필의 사본입니다. 사람들이 보는 동안 새로 고치며, 클럽하우스에서 계정이 없어지면 아이디와 이름만 남기고 지웁니다.",
    about_history: "기록: 프로필의 이전 버전과 팔로워 수로, {days}일 동안 보관합니다. 가장 최근 버전은 항상 남습니다.",
    about_waitlist: "대기자 명단: 이메일 주소, 언어, 적어 준 사용자 이름입니다. 확인하지 않은 신청은 {hours}시간 뒤에 지우고, 확인한 신청은 메일에 있는 링크로 나갈 때까지 보관하며 나가면 바로 지웁니다.",
    about_logs: "로그: 요청마다 경로, 상태, 걸린 시간, 요청 번호와 오류를 남깁니다. IP 주소, 쿠키, 토큰은 남기지 않습니다. 로그는 inssa가 아니라 운영자의 로그 시스템이 보관합니다.",
    about_removal_heading: "내 정보 지우기",
    about_removal_body: "내 프로필 사본과 기록을 지우려면 클럽하우스 사용자 이름을 적어 이 주소로 메일을 보내 주세요:",
    about_status_heading: "지금 클럽하우스는",
    upstream_ok: "클럽하우스가 응답하고 있습니다. 새 프로필과 검색이 정상적으로 됩니다.",
    upstream_limited: "클럽하우스가 요청을 줄이라고 합니다. 전에 본 프로필은 사본으로 보여 드리고, 새 프로필은 시간이 걸릴 수 있습니다.",
    upstream_refused: "클럽하우스가 요청을 거절하고 있습니다. 전에 본 프로필만 사본으로 보여 드릴 수 있습니다.",
    upstream_no_calls: "이 서버가 시작한 뒤로 아직 클럽하우스에 요청하지 않았습니다.",
    about_version: "실행 중인 버전",
    search_description: "이름이나 사용자 이름으로 클럽하우스 사람을 찾아 inssa에서 프로필을 열어 보세요.",
    search_count: "{count}명을 찾았습니다",
    search_pages_label: "검색 결과 페이지",
    search_page: "{page}페이지",
    search_previous: "이전 페이지",
    search_next: "다음 페이지",
    waitlist_description: "inssa 팀이 다음에 만드는 것의 대기자 명단에 올려 드립니다. 준비되면 그때 한 번만 메일을 보내 드립니다.",
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
