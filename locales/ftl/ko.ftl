# inssa's words in Korean. Every language is one file like this one, with
# the same messages (a test compares them); see locales/src/lib.rs.

## The language itself

language-name = 한국어
og-locale = ko_KR

## Numbers and dates

# Korean groups large numbers by ten thousands (만, 억).
compact-units = 천:3 만:4 억:8
minutes-ago = { $n }분 전
hours-ago = { $n }시간 전
days-ago = { $n }일 전
month-name = { $month }월
month-short = { $month }월
month-year = { $year }년 { $month }월
date = { $year }년 { $month }월 { $day }일
short-date = { $month }월 { $day }일
date-time = { $date } { $time } UTC

## Every page

site-name = inssa
# The service, as its name is written in this language.
clubhouse = 클럽하우스
tagline = 클럽하우스 프로필을 빠르게 보고 공유하세요.
home-title = inssa: 클럽하우스 프로필 찾기
home-description = 클럽하우스 사람을 찾아 프로필을 열어 보세요: 소개, 팔로워, 클럽, 초대한 사람까지.
search-label = 클럽하우스 사람 검색
search-placeholder = 이름 또는 @아이디
search-button = 검색
not-found-title = 페이지를 찾을 수 없습니다
not-found-body = 이 주소에는 아무것도 없습니다.
back-home = 홈으로 돌아가기
theme-label = 테마
theme-light = 라이트
theme-dark = 다크
theme-system = 시스템
language-label = 언어
footer-note = inssa는 클럽하우스와 관련이 없습니다.
just-now = 방금
followers = 팔로워
following = 팔로잉
joined = 가입
nominated-by = 초대한 사람
clubs = 클럽
members = 멤버
open-in-clubhouse = 클럽하우스에서 열기
updated = 업데이트:
refreshing = 새로 고치는 중
upstream-failing = 지금 클럽하우스가 응답하지 않습니다. 마지막으로 받아 둔 정보입니다.
profile-not-found-title = 그런 클럽하우스 사용자가 없습니다
profile-not-found-body = 이 아이디를 쓰는 클럽하우스 사용자가 없습니다. 철자를 확인하거나 검색해 보세요.
profile-gone-title = 사라진 계정입니다
profile-gone-body = 이 아이디를 쓰던 클럽하우스 계정이 더 이상 없어서 inssa에서도 아무것도 보여 주지 않습니다.
unavailable-title = 클럽하우스가 응답하지 않습니다
unavailable-body = 클럽하우스에 연결할 수 없고 이 프로필의 저장된 정보도 아직 없습니다. 잠시 후 다시 시도해 주세요.
search-title = 검색
search-results-for = 검색 결과:
no-results = 찾은 사람이 없습니다.
search-cache-only = 지금은 클럽하우스 검색을 쓸 수 없어, 저장된 프로필에서 찾은 결과입니다.
search-throttled = 짧은 시간에 검색을 너무 많이 했습니다. 1분쯤 뒤에 다시 검색해 주세요.
recently-viewed = 최근 본 프로필
profile-of = 님의 클럽하우스 프로필
no-bio = 아직 소개가 없습니다.
retry = 다시 시도
waitlist-button = 대기자 명단 등록
waitlist-title = 대기자 명단에 등록하기
waitlist-intro = 클럽하우스 사람들을 위한 새로운 것을 만들고 있습니다. 이메일을 남기시면 가장 먼저 알려 드릴게요.
waitlist-email = 이메일
waitlist-username = 클럽하우스 아이디 (선택)
waitlist-consent = inssa의 다음 제품 소식을 이메일로 받는 데 동의합니다.
waitlist-submit = 등록
waitlist-close = 닫기
waitlist-done-title = 메일함을 확인해 주세요
waitlist-done-body = 그 주소로 메일을 보냈습니다. 메일의 링크를 열어 등록을 확인해 주세요. 메일이 없다면 스팸함을 확인해 주세요. 도착까지 몇 분 걸릴 수 있습니다.
waitlist-leave = 대기자 명단에서 빠지기
waitlist-confirm-title = 주소를 확인해 주세요
waitlist-confirm-body = 한 번 누르면 이 주소가 대기자 명단에 올라갑니다.
waitlist-confirm-button = 주소 확인하기
waitlist-confirmed-title = 등록되었습니다
waitlist-confirmed-body = 감사합니다. 주소가 확인되었습니다. 소식이 생기면 연락드릴게요. 모든 메일에 명단에서 빠지는 링크가 있습니다.
waitlist-link-not-valid = 이 링크는 더 이상 쓸 수 없습니다. 등록이 만료되었거나 삭제되었습니다. 다시 등록할 수 있습니다.
waitlist-leave-confirm = 제 주소를 대기자 명단에서 영구히 삭제합니다.
waitlist-left-title = 대기자 명단에서 빠졌습니다
waitlist-left-body = 링크가 유효했다면 주소는 더 이상 저장되어 있지 않습니다.
waitlist-fix-fields = 표시된 항목을 고쳐 주세요.
waitlist-rate-limited = 이 네트워크에서 등록이 너무 많습니다. 몇 분 뒤에 다시 시도해 주세요.
waitlist-bad-request = 양식 처리에 문제가 있었습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.
waitlist-unavailable = 지금은 저장할 수 없습니다. 잠시 후 다시 시도해 주세요.
waitlist-email-required = 이메일 주소를 입력해 주세요.
waitlist-email-too-long = 주소가 너무 깁니다.
waitlist-email-invalid = 이메일 주소 형식이 아닙니다.
waitlist-username-invalid = 클럽하우스 아이디는 영문자, 숫자, '_', '.'만 쓸 수 있습니다.
waitlist-consent-required = 동의 상자를 체크해 주세요.
waitlist-honeypot = 비워 두세요
skip-to-content = 본문으로 건너뛰기
about-link = inssa 소개와 개인정보
about-title = inssa 소개
about-description = inssa가 무엇인지, 무엇을 얼마나 오래 보관하는지, 내 정보를 지우는 방법, 지금 클럽하우스가 응답하는지 알려 드립니다.
about-what-heading = inssa는
about-what-body = inssa는 공개된 클럽하우스 프로필을 빠르고 공유하기 쉬운 웹 페이지로 보여 주고, 프로필이 어떻게 바뀌어 왔는지도 보여 줍니다. 클럽하우스와 관련이 없으며, 클럽하우스 앱이 보여 주는 것과 같은 공개 프로필 정보를 읽습니다.
about-stored-heading = 보관하는 정보와 기간
about-profiles = 프로필: 누군가 이곳에서 찾아본 공개 프로필의 사본입니다. 사람들이 보는 동안 새로 고치며, 클럽하우스에서 계정이 없어지면 아이디와 이름만 남기고 지웁니다.
about-history = 기록: 프로필의 이전 버전과 팔로워 수로, { $days }일 동안 보관합니다. 가장 최근 버전은 항상 남습니다.
about-waitlist = 대기자 명단: 이메일 주소, 언어, 적어 준 사용자 이름입니다. 확인하지 않은 신청은 { $hours }시간 뒤에 지우고, 확인한 신청은 메일에 있는 링크로 나갈 때까지 보관하며 나가면 바로 지웁니다.
about-logs = 로그: 요청마다 경로, 상태, 걸린 시간, 요청 번호와 오류를 남깁니다. IP 주소, 쿠키, 토큰은 남기지 않습니다. 로그는 inssa가 아니라 운영자의 로그 시스템이 보관합니다.
about-removal-heading = 내 정보 지우기
about-removal-body = 내 프로필 사본과 기록을 지우려면 클럽하우스 사용자 이름을 적어 이 주소로 메일을 보내 주세요:
about-status-heading = 지금 클럽하우스는
upstream-ok = 클럽하우스가 응답하고 있습니다. 새 프로필과 검색이 정상적으로 됩니다.
upstream-limited = 클럽하우스가 요청을 줄이라고 합니다. 전에 본 프로필은 사본으로 보여 드리고, 새 프로필은 시간이 걸릴 수 있습니다.
upstream-refused = 클럽하우스가 요청을 거절하고 있습니다. 전에 본 프로필만 사본으로 보여 드릴 수 있습니다.
upstream-no-calls = 이 서버가 시작한 뒤로 아직 클럽하우스에 요청하지 않았습니다.
about-version = 실행 중인 버전
search-description = 이름이나 사용자 이름으로 클럽하우스 사람을 찾아 inssa에서 프로필을 열어 보세요.
search-count = { $count }명을 찾았습니다
search-pages-label = 검색 결과 페이지
search-page = { $page }페이지
search-previous = 이전 페이지
search-next = 다음 페이지
waitlist-description = inssa 팀이 다음에 만드는 것의 대기자 명단에 올려 드립니다. 준비되면 그때 한 번만 메일을 보내 드립니다.

## The history page and the feeds

history-title = 기록
history-of = 기록:
history-description = 팔로워 추이와 inssa가 본 모든 변경 사항:
history-back-to-profile = 프로필로 돌아가기
history-followers-over-time = 팔로워 추이
history-following-over-time = 팔로잉 추이
history-growth = 변화
history-days = 일
history-not-enough-history = 아직 알 수 없음
history-one-sample = inssa가 이 프로필의 팔로워를 아직 한 번만 셌습니다. 다음에 세면 차트가 시작됩니다.
history-no-samples = inssa가 이 프로필의 팔로워를 아직 세지 않았습니다.
history-numbers-as-table = 표로 보기
history-date = 날짜
history-changes = 변경 사항
history-one-version = inssa가 이 프로필의 버전을 아직 하나만 보았습니다. 바뀌면 여기에 표시됩니다.
history-no-changes-since = inssa가 처음 본 뒤로 변경 사항이 없습니다. 처음 본 날:
history-older-changes = 이전 변경 사항
history-newer-changes = 최근 변경 사항
history-feed = 변경 사항 Atom 피드
history-none = (없음)
history-name = 이름
history-username = 사용자 이름
history-photo = 사진
history-photo-old = 이전 사진
history-photo-new = 새 사진
history-bio = 소개
history-twitter = 트위터
history-instagram = 인스타그램
history-club-joined = 클럽 가입
history-club-left = 클럽 탈퇴
history-nominator = 초대한 사람
history-added = 추가
history-removed = 삭제
history-feed-title = 변경 사항:
history-feed-of-many = 클럽하우스 프로필 변경 사항
history-changed = 변경

## Sharing: the share box, cards and embeds

share-title = 공유
share-link = 이 프로필 링크
share-embed = 내 사이트에 넣기
share-embed-hint = 카드를 넣을 곳에 이 HTML을 붙여 넣으세요.
share-card = 공유 카드 (PNG, 1200×630)
share-view-on-inssa = inssa에서 보기
share-on-inssa = · inssa

## The waitlist's mails

mail-confirm-subject = inssa 대기자 명단 등록을 확인해 주세요
mail-listed-subject = 이미 inssa 대기자 명단에 있습니다
mail-greeting = 안녕하세요,
mail-confirm-asked = { $email }{ $who } 주소를 inssa 대기자 명단에 등록하라는 요청이 있었습니다.
mail-as-user = { " " }(클럽하우스 @{ $username })
mail-confirm-button = 주소 확인하기
mail-confirm-ignore = 본인이 아니라면 이 메일을 무시하세요. 확인되지 않은 등록은 { $days }일 후에 삭제됩니다.
mail-listed-body = { $email } 주소를 inssa 대기자 명단에 등록하라는 요청이 있었습니다. 이미 명단에 있으며 바뀐 것은 없습니다.
mail-remove-lead = 지금이나 나중에 명단에서 빼려면:
mail-remove-button = 대기자 명단에서 나가기
mail-signature = inssa
