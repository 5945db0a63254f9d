# inssa's words in English. Every language is one file like this one, with
# the same messages (a test compares them); see locales/src/lib.rs.

## The language itself

language-name = English
# Open Graph's locale for pages in this language.
og-locale = en_US

## Numbers and dates

# Compact counts: each unit with the power of ten it stands for, smallest
# first. Below the smallest, a count is written in full.
compact-units = K:3 M:6 B:9
minutes-ago = { $n ->
    [one] { $n } minute ago
   *[other] { $n } minutes ago
}
hours-ago = { $n ->
    [one] { $n } hour ago
   *[other] { $n } hours ago
}
days-ago = { $n ->
    [one] { $n } day ago
   *[other] { $n } days ago
}
month-name = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
}
month-short = { $month ->
    [1] Jan
    [2] Feb
    [3] Mar
    [4] Apr
    [5] May
    [6] Jun
    [7] Jul
    [8] Aug
    [9] Sep
    [10] Oct
    [11] Nov
   *[12] Dec
}
# "February 2021"
month-year = { $month_name } { $year }
# "Dec 1, 2026"
date = { $month_short } { $day }, { $year }
# "Dec 1", on chart axes
short-date = { $month_short } { $day }
# "Dec 1, 2026, 13:05 UTC"
date-time = { $date }, { $time } UTC

## Every page

site-name = inssa
# The service, as its name is written in this language.
clubhouse = Clubhouse
tagline = Clubhouse profiles, fast and shareable.
home-title = inssa: look up Clubhouse profiles
home-description = Search Clubhouse people and open their profiles: bio, followers, clubs and who nominated them.
search-label = Search Clubhouse people
search-placeholder = Name or @username
search-button = Search
not-found-title = Page not found
not-found-body = There is nothing at this address.
back-home = Back to the home page
theme-label = Theme
theme-light = Light
theme-dark = Dark
theme-system = System
language-label = Language
footer-note = inssa is not affiliated with Clubhouse.
just-now = just now
followers = followers
following = following
joined = Joined
nominated-by = Nominated by
clubs = Clubs
members = members
open-in-clubhouse = Open in Clubhouse
updated = Updated
refreshing = refreshing now
upstream-failing = Clubhouse is not answering right now; this is the last copy we have.
profile-not-found-title = No such Clubhouse user
profile-not-found-body = Clubhouse has nobody with this username. Check the spelling or search for the person.
profile-gone-title = This account is gone
profile-gone-body = The Clubhouse account that used this username no longer exists, so inssa shows nothing of it.
unavailable-title = Clubhouse is not answering
unavailable-body = We could not reach Clubhouse and have no saved copy of this profile yet. Please try again in a minute.
search-title = Search
search-results-for = Results for
no-results = Nobody found.
search-cache-only = Clubhouse search is unavailable right now; these results come from profiles we have seen.
search-throttled = You have searched a lot in a short time. Please wait a minute and search again.
recently-viewed = Recently viewed
profile-of = 's Clubhouse profile
no-bio = This person has not written a bio.
retry = Try again
waitlist-button = Join the waitlist
waitlist-title = Join the waitlist
waitlist-intro = We are building something new for Clubhouse people. Leave your email and we will tell you first.
waitlist-email = Email
waitlist-username = Clubhouse username (optional)
waitlist-consent = I agree to be emailed about inssa's next product.
waitlist-submit = Join
waitlist-close = Close
waitlist-done-title = Check your inbox
waitlist-done-body = We have sent a mail to that address. Open the link in it to confirm your place on the list. Nothing there? Look in the spam folder; the mail can take a few minutes.
waitlist-leave = Leave the waitlist
waitlist-confirm-title = Confirm your address
waitlist-confirm-body = One click puts this address on the waitlist.
waitlist-confirm-button = Confirm my address
waitlist-confirmed-title = You're on the list
waitlist-confirmed-body = Thanks, your address is confirmed. We will write when there is news; every mail has a link to leave the list.
waitlist-link-not-valid = This link no longer works: the signup expired or was removed. You can sign up again.
waitlist-leave-confirm = Remove my address from the waitlist for good.
waitlist-left-title = You have left the waitlist
waitlist-left-body = If that link was valid, your address is no longer stored.
waitlist-fix-fields = Please fix the marked fields.
waitlist-rate-limited = Too many signups from your network. Please try again in a few minutes.
waitlist-bad-request = Something went wrong with the form. Please reload the page and try again.
waitlist-unavailable = We could not save that right now. Please try again in a minute.
waitlist-email-required = Please enter your email address.
waitlist-email-too-long = That address is too long.
waitlist-email-invalid = That does not look like an email address.
waitlist-username-invalid = A Clubhouse username has only letters, digits, '_' and '.'.
waitlist-consent-required = Please tick the box to agree.
waitlist-honeypot = Leave this empty
skip-to-content = Skip to content
about-link = About inssa and your data
about-title = About inssa
about-description = What inssa is, what it stores and for how long, how to have your data removed, and whether Clubhouse is answering right now.
about-what-heading = What inssa is
about-what-body = inssa shows public Clubhouse profiles as fast web pages you can link to and share, with how each profile changed over time. It is not affiliated with Clubhouse and reads the same public profile data the Clubhouse app shows.
about-stored-heading = What is stored, and for how long
about-profiles = Profiles: a copy of each public profile someone looked up here, refreshed while people view it, and deleted (but for its id and name) when Clubhouse says the account no longer exists.
about-history = History: earlier versions of a profile and its follower counts, kept for { $days ->
    [one] { $days } day
   *[other] { $days } days
}; the newest version always stays.
about-waitlist = Waitlist: your email address, language and the username you gave, if any. An unconfirmed signup is deleted after { $hours } hours; a confirmed one stays until you leave through the link in any of our mails, which deletes it at once.
about-logs = Logs: each request's path, status, timing and a request id, and errors; no addresses, cookies or tokens. They are kept by the operator's log system, not by inssa.
about-removal-heading = Having your data removed
about-removal-body = To have your profile's copy and history removed, write to this address with your Clubhouse username:
about-status-heading = Clubhouse right now
upstream-ok = Clubhouse is answering: new profiles and searches work normally.
upstream-limited = Clubhouse is asking us to slow down: profiles seen before are shown from our copy, new ones may take a while.
upstream-refused = Clubhouse is refusing our requests: only profiles seen before can be shown, from our copy.
upstream-no-calls = No request to Clubhouse has been made since this server started.
about-version = Running version
search-description = Find Clubhouse people by name or username, and open their profiles on inssa.
search-count = { $n ->
    [one] { $count } person found
   *[other] { $count } people found
}
search-pages-label = Result pages
search-page = Page { $page }
search-previous = Previous page
search-next = Next page
waitlist-description = Join the waitlist for what the inssa team builds next: we mail you once it is ready, and only then.

## The history page and the feeds

history-title = History
history-of = History of
history-description = Followers over time and every change inssa saw to
history-back-to-profile = Back to the profile
history-followers-over-time = Followers over time
history-following-over-time = Following over time
history-growth = Change
history-days = days
history-not-enough-history = not yet known
history-one-sample = inssa has counted this profile's followers once so far; the chart starts with the next count.
history-no-samples = inssa has not counted this profile's followers yet.
history-numbers-as-table = The numbers as a table
history-date = Date
history-changes = Changes
history-one-version = inssa has seen one version of this profile so far: changes appear here as they happen.
history-no-changes-since = No changes since inssa first saw this profile on
history-older-changes = Older changes
history-newer-changes = Newer changes
history-feed = Atom feed of changes
history-none = (none)
history-name = Name
history-username = Username
history-photo = Photo
history-photo-old = Old photo
history-photo-new = New photo
history-bio = Bio
history-twitter = Twitter
history-instagram = Instagram
history-club-joined = Joined the club
history-club-left = Left the club
history-nominator = Nominated by
history-added = added
history-removed = removed
history-feed-title = Changes to
history-feed-of-many = Changes to Clubhouse profiles
history-changed = changed

## Sharing: the share box, cards and embeds

share-title = Share
share-link = Link to this profile
share-embed = Embed on your site
share-embed-hint = Paste this HTML where the card should appear.
share-card = Share card (PNG, 1200×630)
share-view-on-inssa = View on inssa
share-on-inssa = on inssa

## The waitlist's mails

mail-confirm-subject = Confirm your place on the inssa waitlist
mail-listed-subject = You are already on the inssa waitlist
mail-greeting = Hello,
mail-confirm-asked = Someone, hopefully you, asked to put { $email }{ $who } on the inssa waitlist.
mail-as-user = { " " }(Clubhouse @{ $username })
mail-confirm-button = Confirm my address
mail-confirm-ignore = Not you? Ignore this mail: an unconfirmed signup is deleted after { $days } days.
mail-listed-body = Someone asked to put { $email } on the inssa waitlist. It is already on it, and nothing has changed.
mail-remove-lead = To take the address off the list, now or later:
mail-remove-button = Leave the waitlist
mail-signature = inssa
