//! The simulator's people and clubs: the documented fixtures exactly, a few
//! hostile and odd-shaped accounts, and a seeded crowd of synthetic people.
//! Every person is invented.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::rng::{hash, Rng};

/// Where a photo lives. Real photos are files on the simulator's avatar
/// host; `Raw` lets hostile accounts carry any string at all.
#[derive(Clone, Debug)]
pub enum Photo {
    File(String),
    Raw(String),
}

/// Which generation of the profile object the upstream sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Mid-2021: with `url`, `invited_by_club`, payments, events, bio links.
    Mid2021,
    /// Early 2021: none of the keys added from March 2021 on.
    Early2021,
}

#[derive(Clone, Debug)]
pub struct Person {
    pub user_id: u64,
    pub name: Option<String>,
    pub username: String,
    pub photo: Option<Photo>,
    pub bio: Option<String>,
    pub twitter: Option<String>,
    pub instagram: Option<String>,
    pub num_followers: u64,
    pub num_following: u64,
    pub time_created: String,
    /// Index of the person who nominated this one.
    pub invited_by: Option<usize>,
    pub invited_by_club: Option<usize>,
    /// Indices into [`Dataset::clubs`].
    pub clubs: Vec<usize>,
    /// Indices of people shown as mutual follows.
    pub mutual_follows: Vec<usize>,
    pub last_active_minutes: Option<u64>,
    pub url: Option<String>,
    pub shape: Shape,
    /// Removed through the people admin. Kept in place, so that indices
    /// into [`Dataset::people`] stay valid, but found nowhere.
    pub deleted: bool,
}

#[derive(Clone, Debug)]
pub struct Club {
    pub club_id: u64,
    pub name: String,
    pub description: Option<String>,
    pub photo: Option<Photo>,
    pub num_members: u64,
    pub num_followers: u64,
    pub enable_private: bool,
    pub is_follow_allowed: bool,
    pub is_membership_private: bool,
    pub is_community: bool,
    pub rules: Vec<(String, String)>,
    pub url: Option<String>,
}

pub struct Dataset {
    pub people: Vec<Person>,
    pub clubs: Vec<Club>,
    /// Living people only, by lower-case username.
    by_username: HashMap<String, usize>,
    /// Living people only.
    by_id: HashMap<u64, usize>,
    /// People the seed made; added people come after them.
    generated: usize,
    /// Where the synthetic crowd starts (fixtures and special accounts come
    /// before it): the people drift changes.
    crowd_from: usize,
    /// The id the next added person gets: above every id so far.
    next_id: u64,
}

/// Why the people admin refused a change.
#[derive(Debug, PartialEq, Eq)]
pub enum PeopleError {
    NotFound(String),
    Taken(String),
    Invalid(String),
}

impl std::fmt::Display for PeopleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PeopleError::NotFound(username) => write!(f, "no person has the username {username:?}"),
            PeopleError::Taken(username) => write!(f, "the username {username:?} is taken"),
            PeopleError::Invalid(why) => f.write_str(why),
        }
    }
}

/// The keys `update` knows.
const UPDATABLE: &str =
    "name, bio, twitter, instagram, photo_url, num_followers, num_following, username, clubs, invited_by";

/// The host real avatars lived on; fixture photo URLs are rewritten from it
/// to the simulator's own avatar route.
const UPSTREAM_PHOTO_HOST: &str = "https://clubhouseprod.s3.amazonaws.com:443/";

const THUMBNAIL: &str = "_thumbnail_250x250";

impl Dataset {
    /// `people` is the total, fixtures and special accounts included.
    pub fn generate(seed: u64, people: usize) -> Dataset {
        let mut builder = Builder { rng: Rng::new(seed), people: Vec::new(), clubs: Vec::new() };
        builder.fixture_people();
        builder.club_pool(320);
        builder.special_people();
        let crowd_from = builder.people.len();
        builder.crowd(people);
        let by_username =
            builder.people.iter().enumerate().map(|(i, p)| (p.username.to_ascii_lowercase(), i)).collect();
        let by_id = builder.people.iter().enumerate().map(|(i, p)| (p.user_id, i)).collect();
        let next_id = builder.people.iter().map(|p| p.user_id).max().unwrap_or(910000000) + 1;
        let generated = builder.people.len();
        Dataset { people: builder.people, clubs: builder.clubs, by_username, by_id, generated, crowd_from, next_id }
    }

    /// See `Simulator::delete_person`.
    pub fn delete(&mut self, username: &str) -> bool {
        let key = username.trim_start_matches('@').to_ascii_lowercase();
        let Some(index) = self.by_username.remove(&key) else { return false };
        let person = &mut self.people[index];
        person.deleted = true;
        self.by_id.remove(&person.user_id);
        true
    }

    /// See `Simulator::add_person`; `now` is the sign-up time.
    pub fn add(&mut self, username: &str, now: &chrono::DateTime<chrono::Utc>) -> Result<u64, PeopleError> {
        check_username(username)?;
        if self.by_username.contains_key(&username.to_ascii_lowercase()) {
            return Err(PeopleError::Taken(username.to_owned()));
        }
        let user_id = self.next_id;
        self.next_id += 1;
        let name = username
            .split(['.', '_'])
            .filter(|word| !word.is_empty())
            .map(|word| {
                let mut chars = word.chars();
                chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(" ");
        let person = Person {
            user_id,
            name: Some(if name.is_empty() { username.to_owned() } else { name }),
            username: username.to_owned(),
            photo: Some(Photo::File(format!("{user_id}_{}", Rng::new(hash(username) ^ user_id).uuid()))),
            bio: None,
            twitter: None,
            instagram: None,
            num_followers: 0,
            num_following: 0,
            time_created: now.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string(),
            invited_by: None,
            invited_by_club: None,
            clubs: Vec::new(),
            mutual_follows: Vec::new(),
            last_active_minutes: Some(0),
            url: None,
            shape: Shape::Mid2021,
            deleted: false,
        };
        self.by_username.insert(username.to_ascii_lowercase(), self.people.len());
        self.by_id.insert(user_id, self.people.len());
        self.people.push(person);
        Ok(user_id)
    }

    /// See `Simulator::update_person`. `avatars` is the avatar host's URL
    /// with its trailing `/`, to recognise the simulator's own photo URLs.
    pub fn update(&mut self, username: &str, changes: &Value, avatars: &str) -> Result<(), PeopleError> {
        let key = username.trim_start_matches('@').to_ascii_lowercase();
        let Some(&index) = self.by_username.get(&key) else { return Err(PeopleError::NotFound(username.to_owned())) };
        let Some(changes) = changes.as_object() else {
            return Err(PeopleError::Invalid("the changes must be a JSON object".into()));
        };
        // Everything is checked before anything changes.
        let text = |key: &str, value: &Value| match value {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            _ => Err(PeopleError::Invalid(format!("{key} must be a string or null"))),
        };
        let count = |key: &str, value: &Value| {
            value.as_u64().ok_or_else(|| PeopleError::Invalid(format!("{key} must be a whole number of 0 or more")))
        };
        let mut person = self.people[index].clone();
        let mut rename = None;
        for (key, value) in changes {
            match key.as_str() {
                "name" => person.name = text(key, value)?,
                "bio" => person.bio = text(key, value)?,
                "twitter" => person.twitter = text(key, value)?,
                "instagram" => person.instagram = text(key, value)?,
                "photo_url" => person.photo = text(key, value)?.map(|url| photo_from_url(url, avatars)),
                "num_followers" => person.num_followers = count(key, value)?,
                "num_following" => person.num_following = count(key, value)?,
                "clubs" => {
                    let ids = value
                        .as_array()
                        .ok_or_else(|| PeopleError::Invalid("clubs must be a list of club ids".into()))?;
                    let mut clubs = Vec::with_capacity(ids.len());
                    for id in ids {
                        let id =
                            id.as_u64().ok_or_else(|| PeopleError::Invalid("a club id is a whole number".into()))?;
                        let club = self.clubs.iter().position(|c| c.club_id == id);
                        clubs.push(club.ok_or_else(|| PeopleError::Invalid(format!("no club has the id {id}")))?);
                    }
                    person.clubs = clubs;
                }
                "invited_by" => {
                    person.invited_by = match value {
                        Value::Null => None,
                        Value::String(name) => match self.by_username.get(&name.to_ascii_lowercase()) {
                            Some(&i) if i != index => Some(i),
                            Some(_) => return Err(PeopleError::Invalid("no one nominates themselves".into())),
                            None => return Err(PeopleError::NotFound(name.clone())),
                        },
                        _ => return Err(PeopleError::Invalid("invited_by must be a username or null".into())),
                    }
                }
                "username" => {
                    let Some(new) = value.as_str() else {
                        return Err(PeopleError::Invalid("username must be a string".into()));
                    };
                    check_username(new)?;
                    let holder = self.by_username.get(&new.to_ascii_lowercase());
                    if holder.is_some_and(|&i| i != index) {
                        return Err(PeopleError::Taken(new.to_owned()));
                    }
                    rename = Some(new.to_owned());
                }
                other => {
                    return Err(PeopleError::Invalid(format!("unknown key {other:?}; the keys are {UPDATABLE}")));
                }
            }
        }
        if let Some(new) = rename {
            // A profile URL made from the old username follows the rename.
            let old_url = format!("https://www.joinclubhouse.com/@{}", person.username);
            if person.url.as_deref() == Some(old_url.as_str()) {
                person.url = None;
            }
            self.by_username.remove(&person.username.to_ascii_lowercase());
            self.by_username.insert(new.to_ascii_lowercase(), index);
            person.username = new;
        }
        self.people[index] = person;
        Ok(())
    }

    /// One step of drift: a few of the crowd gain (or now and then lose)
    /// followers, fewer change whom they follow, and about one in twenty of
    /// those adds to their bio. Fixtures never drift. Returns how many
    /// people changed.
    pub fn drift(&mut self, rng: &mut Rng) -> usize {
        const BIO_NEWS: &[&str] = &[
            "Now hosting weekly rooms.",
            "New podcast out!",
            "매주 수요일 방 열어요.",
            "Open to collaborations.",
            "Back after a break.",
        ];
        let crowd = self.crowd_from..self.generated;
        if crowd.is_empty() {
            return 0;
        }
        let changes = (crowd.len() / 100).max(1);
        let mut changed = 0;
        for _ in 0..changes {
            let index = crowd.start + rng.below(crowd.len() as u64) as usize;
            let person = &mut self.people[index];
            if person.deleted {
                continue;
            }
            let step = rng.below(person.num_followers / 50 + 3);
            person.num_followers = if rng.chance(0.2) {
                person.num_followers.saturating_sub(step / 3)
            } else {
                person.num_followers + step
            };
            if rng.chance(0.1) {
                person.num_following += rng.below(3);
            }
            if rng.chance(0.05) {
                let news = *rng.pick(BIO_NEWS);
                let bio = person.bio.take().unwrap_or_default();
                person.bio = Some(if bio.is_empty() { news.to_owned() } else { format!("{bio}\n{news}") });
            }
            changed += 1;
        }
        changed
    }

    pub fn by_username(&self, username: &str) -> Option<&Person> {
        self.by_username.get(&username.to_ascii_lowercase()).map(|&i| &self.people[i])
    }

    pub fn by_id(&self, user_id: u64) -> Option<&Person> {
        self.by_id.get(&user_id).map(|&i| &self.people[i])
    }

    /// Fuzzy search as the upstream does it: the query is a case-insensitive
    /// substring of the username or the name. An exact username comes first.
    pub fn search(&self, query: &str) -> Vec<&Person> {
        let query = query.trim().to_lowercase();
        let query = query.strip_prefix('@').unwrap_or(&query);
        let mut hits: Vec<&Person> = self
            .people
            .iter()
            .filter(|p| !p.deleted)
            .filter(|p| {
                p.username.to_lowercase().contains(query)
                    || p.name.as_deref().is_some_and(|n| n.to_lowercase().contains(query))
            })
            .collect();
        hits.sort_by_key(|p| (p.username.to_lowercase() != query, p.user_id));
        hits
    }

    /// The people following `person`: a deterministic, duplicate-free
    /// selection of everyone else, as many as the count allows.
    pub fn followers(&self, person: &Person) -> Vec<&Person> {
        self.relations(person, person.num_followers, 1)
    }

    pub fn following(&self, person: &Person) -> Vec<&Person> {
        self.relations(person, person.num_following, 2)
    }

    /// Drawn from the generated people, deleted ones included and then
    /// left out, so that adding or deleting someone leaves everyone else's
    /// lists as they were.
    fn relations(&self, person: &Person, count: u64, salt: u64) -> Vec<&Person> {
        let others: Vec<&Person> =
            self.people[..self.generated].iter().filter(|p| p.user_id != person.user_id).collect();
        let n = others.len() as u64;
        if n == 0 {
            return Vec::new();
        }
        let start = crate::rng::mix(person.user_id ^ salt) % n;
        // A stride coprime with n visits every other person once.
        let mut stride = (crate::rng::mix(person.user_id + salt) % n) | 1;
        while gcd(stride, n) != 1 {
            stride += 2;
        }
        (0..count.min(n)).map(|k| others[((start + k * stride) % n) as usize]).filter(|p| !p.deleted).collect()
    }

    /// `user_profile` as `get_profile` sends it to another account.
    pub fn profile_json(&self, person: &Person, avatars: &str) -> Value {
        let mut profile = Map::new();
        profile.insert("user_id".into(), json!(person.user_id));
        profile.insert("name".into(), json!(person.name));
        profile.insert("displayname".into(), Value::Null);
        profile.insert("photo_url".into(), photo_url(person.photo.as_ref(), avatars, false));
        profile.insert("username".into(), json!(person.username));
        profile.insert("bio".into(), json!(person.bio));
        profile.insert("twitter".into(), json!(person.twitter));
        profile.insert("instagram".into(), json!(person.instagram));
        profile.insert("num_followers".into(), json!(person.num_followers));
        profile.insert("num_following".into(), json!(person.num_following));
        profile.insert("time_created".into(), json!(person.time_created));
        profile.insert("follows_me".into(), json!(false));
        profile.insert("is_blocked_by_network".into(), json!(false));
        let mutual: Vec<Value> = person
            .mutual_follows
            .iter()
            .map(|&i| &self.people[i])
            .filter(|p| !p.deleted)
            .map(|p| self.basic_user(p, avatars))
            .collect();
        profile.insert("mutual_follows_count".into(), json!(mutual.len()));
        profile.insert("mutual_follows".into(), Value::Array(mutual));
        if person.shape == Shape::Mid2021 {
            profile.insert("upcoming_events".into(), json!([]));
        }
        profile.insert("notification_type".into(), Value::Null);
        let inviter =
            person.invited_by.map(|i| &self.people[i]).filter(|p| !p.deleted).map(|p| self.basic_user(p, avatars));
        profile.insert("invited_by_user_profile".into(), inviter.unwrap_or(Value::Null));
        if person.shape == Shape::Mid2021 {
            let club = person.invited_by_club.map(|i| self.club_json(&self.clubs[i], avatars));
            profile.insert("invited_by_club".into(), club.unwrap_or(Value::Null));
        }
        let clubs: Vec<Value> = person.clubs.iter().map(|&i| self.club_json(&self.clubs[i], avatars)).collect();
        profile.insert("clubs".into(), Value::Array(clubs));
        if person.shape == Shape::Mid2021 {
            let url =
                person.url.clone().unwrap_or_else(|| format!("https://www.joinclubhouse.com/@{}", person.username));
            profile.insert("url".into(), json!(url));
            profile.insert("can_receive_direct_payment".into(), json!(false));
            profile.insert("direct_payment_fee_rate".into(), json!(0.029));
            profile.insert("direct_payment_fee_fixed".into(), json!(0.3));
            profile.insert("bio_links".into(), json!([]));
        }
        Value::Object(profile)
    }

    /// A person in a nominator card or mutual-follows list (thumbnail photo).
    fn basic_user(&self, person: &Person, avatars: &str) -> Value {
        json!({
            "user_id": person.user_id,
            "name": person.name,
            "photo_url": photo_url(person.photo.as_ref(), avatars, true),
            "username": person.username,
        })
    }

    /// A `search_users` entry: the id as a string and the full bio.
    pub fn search_entry(&self, person: &Person, avatars: &str) -> Value {
        json!({
            "user_id": person.user_id.to_string(),
            "name": person.name,
            "username": person.username,
            "photo_url": photo_url(person.photo.as_ref(), avatars, true),
            "bio": person.bio,
        })
    }

    /// A followers/following entry: numeric id, truncated bio.
    pub fn list_entry(&self, person: &Person, avatars: &str, with_last_active: bool) -> Value {
        let mut entry = json!({
            "user_id": person.user_id,
            "name": person.name,
            "photo_url": photo_url(person.photo.as_ref(), avatars, true),
            "username": person.username,
            "bio": person.bio.as_deref().map(truncate_bio),
            "twitter": person.twitter,
        });
        if with_last_active {
            entry["last_active_minutes"] = json!(person.last_active_minutes);
        }
        entry
    }

    pub fn club_json(&self, club: &Club, avatars: &str) -> Value {
        let rules: Vec<Value> =
            club.rules.iter().map(|(title, desc)| json!({ "desc": desc, "title": title })).collect();
        json!({
            "club_id": club.club_id,
            "name": club.name,
            "description": club.description,
            "photo_url": photo_url(club.photo.as_ref(), avatars, false),
            "num_members": club.num_members,
            "num_followers": club.num_followers,
            "enable_private": club.enable_private,
            "is_follow_allowed": club.is_follow_allowed,
            "is_membership_private": club.is_membership_private,
            "is_community": club.is_community,
            "rules": rules,
            "url": club.url,
            "num_online": 0,
        })
    }
}

/// Usernames as Clubhouse allows them: letters, digits, `_` and `.`.
fn check_username(username: &str) -> Result<(), PeopleError> {
    let fits = (1..=30).contains(&username.len())
        && username.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.');
    if fits {
        return Ok(());
    }
    Err(PeopleError::Invalid(format!("the username {username:?} is not 1 to 30 letters, digits, '_' or '.'")))
}

/// A photo set through the admin: the simulator's own avatars (a key or a
/// URL of its avatar host) are served by it; anything else is sent as it is.
fn photo_from_url(url: String, avatars: &str) -> Photo {
    let key = url.strip_prefix(avatars).unwrap_or(&url);
    if crate::avatars::is_photo_key(key) {
        // Stored without the thumbnail suffix, as generated photos are.
        Photo::File(key.trim_end_matches(THUMBNAIL).to_owned())
    } else {
        Photo::Raw(url)
    }
}

/// Lists other than search cut bios at about 80 characters with "…".
fn truncate_bio(bio: &str) -> String {
    const LIMIT: usize = 80;
    if bio.chars().count() <= LIMIT {
        return bio.to_owned();
    }
    let cut: String = bio.chars().take(LIMIT - 1).collect();
    format!("{}…", cut.trim_end())
}

fn photo_url(photo: Option<&Photo>, avatars: &str, thumbnail: bool) -> Value {
    match photo {
        None => Value::Null,
        Some(Photo::Raw(raw)) => json!(raw),
        Some(Photo::File(file)) if thumbnail && !file.ends_with(THUMBNAIL) => {
            json!(format!("{avatars}/{file}{THUMBNAIL}"))
        }
        Some(Photo::File(file)) => json!(format!("{avatars}/{file}")),
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The photo file name in a fixture URL, e.g. `910000001_0f1e…`.
fn fixture_photo(url: &str) -> Option<Photo> {
    url.strip_prefix(UPSTREAM_PHOTO_HOST).map(|file| Photo::File(file.to_owned()))
}

struct Builder {
    rng: Rng,
    people: Vec<Person>,
    clubs: Vec<Club>,
}

const FIXTURE_PROFILE: &str = include_str!("../fixtures/get_profile.other_user.json");
const FIXTURE_SEARCH: &str = include_str!("../fixtures/search_users.json");
const FIXTURE_FOLLOWERS: &str = include_str!("../fixtures/get_followers.page1.json");

impl Builder {
    fn index_of(&self, user_id: u64) -> usize {
        self.people.iter().position(|p| p.user_id == user_id).expect("fixture person exists")
    }

    fn blank(&mut self, user_id: u64, username: &str, name: Option<&str>) -> Person {
        Person {
            user_id,
            name: name.map(str::to_owned),
            username: username.to_owned(),
            photo: Some(Photo::File(format!("{user_id}_{}", self.rng.uuid()))),
            bio: None,
            twitter: None,
            instagram: None,
            num_followers: self.rng.log_uniform(5000),
            num_following: self.rng.log_uniform(800),
            time_created: self.time_created(),
            invited_by: None,
            invited_by_club: None,
            clubs: Vec::new(),
            mutual_follows: Vec::new(),
            last_active_minutes: None,
            url: None,
            shape: Shape::Mid2021,
            deleted: false,
        }
    }

    /// The people of the reference fixtures, with exactly their fields.
    fn fixture_people(&mut self) {
        let profile: Value = serde_json::from_str(FIXTURE_PROFILE).expect("fixture JSON");
        let profile = &profile["user_profile"];
        let search: Value = serde_json::from_str(FIXTURE_SEARCH).expect("fixture JSON");
        let followers: Value = serde_json::from_str(FIXTURE_FOLLOWERS).expect("fixture JSON");
        let text = |v: &Value| v.as_str().map(str::to_owned);

        let inviter = &profile["invited_by_user_profile"];
        let mut twren = self.blank(910000042, "twren", inviter["name"].as_str());
        twren.photo = text(&inviter["photo_url"]).and_then(|u| fixture_photo(&u.replace(THUMBNAIL, "")));
        twren.bio = Some("Keeps the lamp lit. Radio rooms on Sundays.\n(Fictional person — test fixture)".into());
        self.people.push(twren);

        let mut odessa = self.blank(910000001, "odessa.finch", profile["name"].as_str());
        odessa.photo = text(&profile["photo_url"]).and_then(|u| fixture_photo(&u));
        odessa.bio = text(&profile["bio"]);
        odessa.twitter = text(&profile["twitter"]);
        odessa.instagram = text(&profile["instagram"]);
        odessa.num_followers = profile["num_followers"].as_u64().unwrap_or_default();
        odessa.num_following = profile["num_following"].as_u64().unwrap_or_default();
        odessa.time_created = text(&profile["time_created"]).unwrap_or_default();
        odessa.invited_by = Some(self.index_of(910000042));
        odessa.url = text(&profile["url"]);
        self.people.push(odessa);

        // Search and followers fixtures: the other invented people.
        let listed =
            search["users"].as_array().into_iter().flatten().chain(followers["users"].as_array().into_iter().flatten());
        for user in listed.collect::<Vec<_>>() {
            let id = match &user["user_id"] {
                Value::String(s) => s.parse().unwrap_or_default(),
                other => other.as_u64().unwrap_or_default(),
            };
            let username = user["username"].as_str().unwrap_or_default();
            if self.people.iter().any(|p| p.user_id == id) {
                continue;
            }
            let mut person = self.blank(id, username, user["name"].as_str());
            person.photo = text(&user["photo_url"]).and_then(|u| fixture_photo(&u.replace(THUMBNAIL, "")));
            person.bio = text(&user["bio"]).filter(|b| !b.ends_with('…'));
            person.last_active_minutes = user["last_active_minutes"].as_u64();
            person.invited_by = Some(self.index_of(910000001));
            self.people.push(person);
        }
        // Bram's fixture bio is a truncated one; give him the whole of it.
        let bram = self.index_of(910000233);
        self.people[bram].bio = Some(
            "Sound engineer by day, tide-table collector by night. Fictional person used as a test fixture.".into(),
        );
        let odessa = self.index_of(910000001);
        self.people[odessa].mutual_follows = vec![bram];

        // Odessa's one club, exactly as the fixture has it.
        let club = &profile["clubs"][0];
        let rules = club["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| (text(&r["title"]).unwrap_or_default(), text(&r["desc"]).unwrap_or_default()))
            .collect();
        self.clubs.push(Club {
            club_id: club["club_id"].as_u64().unwrap_or_default(),
            name: text(&club["name"]).unwrap_or_default(),
            description: text(&club["description"]),
            photo: text(&club["photo_url"]).and_then(|u| fixture_photo(&u)),
            num_members: club["num_members"].as_u64().unwrap_or_default(),
            num_followers: club["num_followers"].as_u64().unwrap_or_default(),
            enable_private: club["enable_private"].as_bool().unwrap_or_default(),
            is_follow_allowed: club["is_follow_allowed"].as_bool().unwrap_or_default(),
            is_membership_private: club["is_membership_private"].as_bool().unwrap_or_default(),
            is_community: club["is_community"].as_bool().unwrap_or_default(),
            rules,
            url: text(&club["url"]),
        });
        self.people[odessa].clubs = vec![0];
    }

    fn club_pool(&mut self, size: usize) {
        const ADJECTIVES: &[&str] = &[
            "Night", "Morning", "Quiet", "Loud", "Curious", "Slow", "Late", "Open", "Hidden", "Tiny", "Grand",
            "Northern", "Southern", "Midnight", "Sunday", "Rainy",
        ];
        const NOUNS: &[&str] = &[
            "Owls",
            "Builders",
            "Readers",
            "Founders",
            "Gardeners",
            "Jazz Lovers",
            "Coders",
            "Poets",
            "Runners",
            "Designers",
            "Bakers",
            "Astronomers",
            "Investors",
            "Gamers",
            "Climbers",
            "Film Buffs",
            "Linguists",
            "Cyclists",
            "Sailors",
            "Potters",
        ];
        const KOREAN: &[&str] = &[
            "서울 재즈 클럽",
            "새벽 독서 모임",
            "판교 개발자들",
            "주말 등산회",
            "제주 서핑 클럽",
            "한강 러닝 크루",
            "보드게임 연구소",
            "사진 산책",
            "커피 로스터스",
            "영화 수다방",
        ];
        while self.clubs.len() < size {
            let i = self.clubs.len();
            let club_id = 920000100 + i as u64;
            let name = if self.rng.chance(0.25) {
                format!("{} {}", self.rng.pick(KOREAN), i)
            } else {
                format!("{} {} {}", self.rng.pick(ADJECTIVES), self.rng.pick(NOUNS), i)
            };
            let slug: String = name
                .to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join("-")
                .chars()
                .filter(|c| c.is_ascii())
                .collect();
            let photo =
                self.rng.chance(0.85).then(|| Photo::File(format!("club_{club_id}_{}{THUMBNAIL}", self.rng.uuid())));
            let description = match self.rng.below(3) {
                0 => None,
                1 => Some(String::new()),
                _ => Some(format!(
                    "A synthetic club for tests. Rooms every {}.",
                    self.rng.pick(&["week", "day", "month"])
                )),
            };
            let rules = (0..self.rng.below(3)).map(|r| (format!("Rule {}", r + 1), "Be kind.".to_owned())).collect();
            self.clubs.push(Club {
                club_id,
                name,
                description,
                photo,
                num_members: self.rng.log_uniform(200_000),
                num_followers: self.rng.log_uniform(1_000_000),
                enable_private: self.rng.chance(0.3),
                is_follow_allowed: self.rng.chance(0.9),
                is_membership_private: self.rng.chance(0.2),
                is_community: self.rng.chance(0.1),
                rules,
                url: Some(format!("https://www.joinclubhouse.com/club/{slug}")),
            });
        }
    }

    /// Accounts that exercise escaping and tolerant parsing.
    fn special_people(&mut self) {
        let odessa = self.index_of(910000001);
        let add = |b: &mut Builder, person: Person| {
            let mut person = person;
            if person.invited_by.is_none() && person.username != "no.nominator" && person.username != "null.fields" {
                person.invited_by = Some(odessa);
            }
            b.people.push(person);
        };

        let mut title = self.blank(910009001, "xss.title", Some("</title><script>alert(1)</script>"));
        title.bio = Some("My name closes your <title>. </head><body onload=alert(2)>".into());
        title.twitter = Some("</title><script>alert(1)</script>".into());
        add(self, title);

        let mut attr = self.blank(910009002, "xss.attr", Some("\"><img src=x onerror=alert(1)>"));
        attr.bio = Some(
            "Quote breaker \"><img src=x onerror=alert(1)>\n<script>alert(2)</script>\n' onmouseover='alert(3)".into(),
        );
        attr.twitter = Some("\"><svg onload=alert(3)>".into());
        attr.instagram = Some("\" onmouseover=\"alert(4)".into());
        attr.invited_by = Some(self.people.len() - 1);
        add(self, attr);

        let mut link = self.blank(910009003, "xss.link", Some("Link <b>Bold</b> Tester"));
        link.bio = Some(
            "Visit javascript:alert(5) or https://example.com/\"><script>alert(6)</script> and data:text/html,<script>alert(7)</script>\n@xss.title says hi"
                .into(),
        );
        link.photo = Some(Photo::Raw("javascript:alert(8)".into()));
        link.url = Some("javascript:alert(9)".into());
        link.twitter = Some("javascript:alert(10)".into());
        let club = self.clubs.len();
        self.clubs.push(Club {
            club_id: 920099001,
            name: "<b>Bold</b> <script>alert(11)</script> Club".into(),
            description: Some("\"><img src=x onerror=alert(1)>".into()),
            photo: Some(Photo::Raw("javascript:alert(12)".into())),
            num_members: 3,
            num_followers: 5,
            enable_private: false,
            is_follow_allowed: true,
            is_membership_private: false,
            is_community: false,
            rules: Vec::new(),
            url: Some("javascript:alert(13)".into()),
        });
        link.clubs = vec![club];
        add(self, link);

        let mut many = self.blank(910009004, "many.clubs", Some("Club Collector"));
        many.bio = Some("In every club there is. (Synthetic test account.)".into());
        many.clubs = (1..=250).collect();
        add(self, many);

        let mut orphan = self.blank(910009005, "no.nominator", Some("Early Bird"));
        orphan.bio = Some("Joined before nominations existed.".into());
        add(self, orphan);

        let mut nulls = self.blank(910009006, "null.fields", None);
        nulls.photo = None;
        add(self, nulls);

        let mut early = self.blank(910009007, "early.shape", Some("Early Shape"));
        early.shape = Shape::Early2021;
        early.bio = Some("A profile from January 2021, before url and payments.".into());
        add(self, early);

        let mut long = self.blank(910009008, "long.bio", Some("Loquacious Lee 말많은 리"));
        long.bio = Some(
            (1..=30)
                .map(|i| format!("Paragraph {i}: a long bio line with https://example.com/p/{i} and @odessa.finch. 한국어 문장도 있습니다. 🌊"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        long.num_followers = 4_812_345;
        long.num_following = 0;
        add(self, long);
    }

    /// The seeded crowd, up to `total` people in all.
    fn crowd(&mut self, total: usize) {
        const SURNAMES: &[(&str, &str)] = &[
            ("김", "kim"),
            ("이", "lee"),
            ("박", "park"),
            ("최", "choi"),
            ("정", "jung"),
            ("강", "kang"),
            ("조", "cho"),
            ("윤", "yoon"),
            ("장", "jang"),
            ("임", "lim"),
            ("한", "han"),
            ("오", "oh"),
            ("서", "seo"),
            ("신", "shin"),
            ("권", "kwon"),
            ("황", "hwang"),
            ("안", "ahn"),
            ("송", "song"),
            ("류", "ryu"),
            ("홍", "hong"),
        ];
        const GIVEN: &[(&str, &str)] = &[
            ("민준", "minjun"),
            ("서연", "seoyeon"),
            ("지우", "jiwoo"),
            ("하은", "haeun"),
            ("도윤", "doyun"),
            ("서준", "seojun"),
            ("지민", "jimin"),
            ("수아", "sua"),
            ("예준", "yejun"),
            ("하준", "hajun"),
            ("지호", "jiho"),
            ("유나", "yuna"),
            ("채원", "chaewon"),
            ("시우", "siwoo"),
            ("윤서", "yunseo"),
            ("은우", "eunwoo"),
            ("다은", "daeun"),
            ("현우", "hyunwoo"),
            ("소윤", "soyun"),
            ("지안", "jian"),
        ];
        const FIRST: &[&str] = &[
            "Ada", "Bruno", "Clara", "Dmitri", "Elena", "Felix", "Greta", "Hugo", "Iris", "Jonah", "Kira", "Leo",
            "Maren", "Nico", "Opal", "Pia", "Quinn", "Rafe", "Sage", "Theo", "Una", "Vera", "Wes", "Yara", "Zane",
        ];
        const LAST: &[&str] = &[
            "Ashdown",
            "Brightwater",
            "Calloway",
            "Dunmore",
            "Everly",
            "Fairbanks",
            "Galloway",
            "Hartwell",
            "Ingram",
            "Jessup",
            "Kestrel",
            "Lockwood",
            "Merriweather",
            "Northcott",
            "Oakhurst",
            "Pembroke",
            "Quill",
            "Ravensworth",
            "Sterling",
            "Thistlewood",
            "Underhill",
            "Vane",
            "Whitlock",
            "Yardley",
        ];
        const EMOJI: &[&str] = &["🎧", "🌊", "🚀", "🌱", "☕", "🎹", "📚", "🔥", "✨", "🐈"];
        const BIOS: &[&str] = &[
            "Product designer. Coffee, cats and clean typography.",
            "스타트업에서 일하고 있어요. 매주 목요일 밤 방을 엽니다.",
            "Investor in small teams. Listening more than talking.",
            "음악 만드는 사람 🎹 협업 문의는 DM",
            "Rooms about books, mostly science fiction.",
            "개발자 / 러너 / 가끔 작가",
            "Just here to listen 👂",
            "Host of a weekly room on language learning. 영어와 한국어로 이야기해요.",
        ];

        let mut taken: std::collections::HashSet<String> =
            self.people.iter().map(|p| p.username.to_ascii_lowercase()).collect();
        let mut n = 0u64;
        while self.people.len() < total {
            n += 1;
            let user_id = 910010000 + n;
            let (name, base) = match self.rng.below(100) {
                0..=39 => {
                    let (s, sr) = *self.rng.pick(SURNAMES);
                    let (g, gr) = *self.rng.pick(GIVEN);
                    (Some(format!("{s}{g}")), format!("{gr}.{sr}"))
                }
                40..=74 => {
                    let first = *self.rng.pick(FIRST);
                    let last = *self.rng.pick(LAST);
                    (Some(format!("{first} {last}")), format!("{}_{}", first.to_lowercase(), last.to_lowercase()))
                }
                75..=84 => {
                    let (s, sr) = *self.rng.pick(SURNAMES);
                    let (g, gr) = *self.rng.pick(GIVEN);
                    let roman =
                        format!("{}{} {}{}", &gr[..1].to_uppercase(), &gr[1..], &sr[..1].to_uppercase(), &sr[1..]);
                    (Some(format!("{roman} {s}{g}")), format!("{sr}{gr}"))
                }
                85..=94 => {
                    let first = *self.rng.pick(FIRST);
                    let emoji = *self.rng.pick(EMOJI);
                    (Some(format!("{emoji} {first}")), first.to_lowercase())
                }
                95..=97 => (Some(String::new()), "user".to_owned()),
                _ => (None, "new".to_owned()),
            };
            let mut username = if self.rng.chance(0.5) { format!("{base}{}", n % 1000) } else { base };
            username.truncate(24);
            while !taken.insert(username.to_ascii_lowercase()) {
                username = format!("{}{}", &username[..username.len().min(20)], self.rng.below(10_000));
            }
            let mut person = self.blank(user_id, &username, name.as_deref());
            person.bio = match self.rng.below(100) {
                0..=5 => None,
                6..=20 => Some(String::new()),
                21..=70 => Some(self.rng.pick(BIOS).to_string()),
                71..=92 => {
                    let other_index = self.rng.below(self.people.len() as u64) as usize;
                    let other = self.people[other_index].username.clone();
                    Some(format!(
                        "{}\n\nMy site: https://example.com/{username}\nSay hi to @{other}",
                        self.rng.pick(BIOS)
                    ))
                }
                _ => Some((0..12).map(|_| *self.rng.pick(BIOS)).collect::<Vec<_>>().join("\n")),
            };
            if self.rng.chance(0.05) {
                person.photo = None;
            }
            if self.rng.chance(0.5) {
                person.twitter = Some(username.replace('.', "_"));
            }
            if self.rng.chance(0.4) {
                person.instagram = Some(username.clone());
            }
            person.num_followers = self.rng.log_uniform(5_000_000);
            person.num_following = self.rng.log_uniform(7_500);
            person.last_active_minutes = self.rng.chance(0.7).then(|| self.rng.below(100_000));
            // Nominators come from earlier people, so the chains end.
            person.invited_by = self.rng.chance(0.92).then(|| self.rng.below(self.people.len() as u64) as usize);
            if self.rng.chance(0.05) {
                person.invited_by_club = Some(1 + self.rng.below(self.clubs.len() as u64 - 2) as usize);
            }
            let club_count = if self.rng.chance(0.4) { 0 } else { 1 + self.rng.below(6) };
            let mut clubs: Vec<usize> =
                (0..club_count).map(|_| 1 + self.rng.below(self.clubs.len() as u64 - 2) as usize).collect();
            clubs.sort_unstable();
            clubs.dedup();
            person.clubs = clubs;
            if self.rng.chance(0.03) {
                person.shape = Shape::Early2021;
            }
            self.people.push(person);
        }
        // The seed decides which crowd member is in hundreds of clubs too.
        if let Some(last) = self.people.last_mut().filter(|p| p.user_id > 910010000) {
            last.clubs = (1..=120).collect();
        }
    }

    /// A sign-up time between the beta and mid-2021, with microseconds.
    fn time_created(&mut self) -> String {
        const FROM: i64 = 1_584_403_200; // 2020-03-17
        const TO: i64 = 1_627_689_600; // 2021-07-31
        let secs = FROM + self.rng.below((TO - FROM) as u64) as i64;
        let micros = self.rng.below(1_000_000) as u32;
        chrono::DateTime::from_timestamp(secs, micros * 1000)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string())
            .unwrap_or_default()
    }
}

/// A stable number for an avatar file name, so the same name always draws
/// the same picture.
pub fn photo_seed(file: &str) -> u64 {
    hash(file.trim_end_matches(THUMBNAIL))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_people_are_exact() {
        let data = Dataset::generate(42, 100);
        let odessa = data.by_username("Odessa.Finch").unwrap();
        assert_eq!(odessa.user_id, 910000001);
        assert_eq!((odessa.num_followers, odessa.num_following), (1284, 311));
        assert_eq!(data.people[odessa.invited_by.unwrap()].username, "twren");
        assert_eq!(data.clubs[odessa.clubs[0]].name, "Lighthouse Keepers Society");
        for (id, username) in
            [(910000233, "bram.oy"), (910000417, "odessamk"), (910003550, "finch.o"), (910000588, "ilseq")]
        {
            assert_eq!(data.by_id(id).unwrap().username, username);
        }
    }

    #[test]
    fn the_crowd_is_deterministic_varied_and_unique() {
        let a = Dataset::generate(42, 3000);
        let b = Dataset::generate(42, 3000);
        let c = Dataset::generate(43, 3000);
        assert_eq!(a.people.len(), 3000);
        let names = |d: &Dataset| d.people.iter().map(|p| p.username.clone()).collect::<Vec<_>>();
        assert_eq!(names(&a), names(&b));
        assert_ne!(names(&a), names(&c));
        let mut unique: Vec<String> = names(&a).iter().map(|n| n.to_lowercase()).collect();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 3000, "usernames are unique, case-insensitively");
        for p in &a.people {
            if !p.username.starts_with("xss") {
                assert!(
                    p.username.len() <= 30
                        && p.username.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
                );
            }
            if let Some(i) = p.invited_by {
                assert!(a.people[i].user_id != p.user_id);
            }
        }
        let hangul = a
            .people
            .iter()
            .filter(|p| p.name.as_deref().is_some_and(|n| n.chars().any(|c| ('가'..='힣').contains(&c))));
        assert!(hangul.count() > 500);
        assert!(a.people.iter().any(|p| p.bio.as_deref() == Some("")));
        assert!(a.people.iter().any(|p| p.bio.is_none()));
        assert!(a.people.iter().any(|p| p.bio.as_deref().is_some_and(|b| b.len() > 400)));
        assert!(a.people.iter().any(|p| p.num_followers > 1_000_000));
        assert!(a.people.iter().filter(|p| p.clubs.len() >= 100).count() >= 2);
    }

    #[test]
    fn relations_are_distinct_and_bounded() {
        let data = Dataset::generate(42, 300);
        let odessa = data.by_username("odessa.finch").unwrap();
        let followers = data.followers(odessa);
        assert_eq!(followers.len(), 299, "capped by the people there are");
        let mut ids: Vec<u64> = followers.iter().map(|p| p.user_id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 299);
        assert!(!ids.contains(&odessa.user_id));
    }

    fn now() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    const AVATARS: &str = "http://sim/avatars/";

    #[test]
    fn a_deleted_person_is_found_nowhere() {
        let mut data = Dataset::generate(42, 300);
        let bram = data.by_username("bram.oy").unwrap().user_id;
        let odessa = data.by_username("odessa.finch").unwrap();
        assert_eq!(data.profile_json(odessa, "a")["mutual_follows_count"], 1);
        let followers_before: Vec<u64> = data.followers(odessa).iter().map(|p| p.user_id).collect();
        assert!(followers_before.contains(&bram));

        assert!(data.delete("@Bram.Oy"));
        assert!(!data.delete("bram.oy"), "already gone");
        assert!(data.by_username("bram.oy").is_none());
        assert!(data.by_id(bram).is_none());
        assert!(data.search("bram").iter().all(|p| p.user_id != bram));
        let odessa = data.by_username("odessa.finch").unwrap();
        assert_eq!(data.profile_json(odessa, "a")["mutual_follows"], json!([]));
        let followers_after: Vec<u64> = data.followers(odessa).iter().map(|p| p.user_id).collect();
        let expected: Vec<u64> = followers_before.into_iter().filter(|&id| id != bram).collect();
        assert_eq!(followers_after, expected, "the others stay where they were");
        // The username is free again, the id is not given again.
        let again = data.add("bram.oy", &now()).unwrap();
        assert!(again > bram);
    }

    #[test]
    fn an_added_person_has_a_new_id_and_is_found() {
        let mut data = Dataset::generate(42, 300);
        let highest = data.people.iter().map(|p| p.user_id).max().unwrap();
        let odessa_followers: Vec<u64> =
            data.followers(data.by_id(910000001).unwrap()).iter().map(|p| p.user_id).collect();
        let id = data.add("new.person_1", &now()).unwrap();
        assert_eq!(id, highest + 1);
        assert_eq!(data.add("another.one", &now()).unwrap(), highest + 2);
        let person = data.by_username("NEW.person_1").unwrap();
        assert_eq!(person.user_id, id);
        assert_eq!(person.name.as_deref(), Some("New Person 1"));
        assert_eq!((person.num_followers, person.num_following), (0, 0));
        assert!(data.followers(person).is_empty());
        let profile = data.profile_json(person, "http://sim/avatars");
        assert_eq!(profile["time_created"], "2023-11-14T22:13:20.000000+00:00");
        assert!(profile["photo_url"].as_str().unwrap().starts_with(&format!("http://sim/avatars/{id}_")));
        assert_eq!(data.by_id(id).unwrap().username, "new.person_1");
        assert_eq!(data.search("new.person_1")[0].user_id, id);
        let after: Vec<u64> = data.followers(data.by_id(910000001).unwrap()).iter().map(|p| p.user_id).collect();
        assert_eq!(after, odessa_followers, "an added person leaves the others' lists alone");

        assert_eq!(data.add("Odessa.Finch", &now()), Err(PeopleError::Taken("Odessa.Finch".into())));
        for bad in ["", "has space", "@odessa", "x".repeat(31).as_str(), "슬기"] {
            assert!(matches!(data.add(bad, &now()), Err(PeopleError::Invalid(_))), "{bad:?}");
        }
    }

    #[test]
    fn updates_show_in_the_profile_and_a_rename_moves_the_username() {
        let mut data = Dataset::generate(42, 300);
        let changes = json!({
            "bio": "A new bio",
            "name": null,
            "photo_url": null,
            "num_followers": 7,
            "num_following": 3,
            "twitter": "tw",
            "instagram": null,
        });
        data.update("twren", &changes, AVATARS).unwrap();
        let profile = data.profile_json(data.by_username("twren").unwrap(), "http://sim/avatars");
        for key in ["bio", "name", "photo_url", "num_followers", "num_following", "twitter", "instagram"] {
            assert_eq!(profile[key], changes[key], "{key}");
        }

        data.update("twren", &json!({ "photo_url": "https://elsewhere.example/p.png" }), AVATARS).unwrap();
        let twren = data.by_username("twren").unwrap();
        assert_eq!(data.profile_json(twren, "http://sim/avatars")["photo_url"], "https://elsewhere.example/p.png");
        let own = "http://sim/avatars/910000042_00000000-0000-4000-8000-000000000001_thumbnail_250x250";
        data.update("twren", &json!({ "photo_url": own }), AVATARS).unwrap();
        let twren = data.by_username("twren").unwrap();
        assert_eq!(
            data.profile_json(twren, "http://other/avatars")["photo_url"],
            "http://other/avatars/910000042_00000000-0000-4000-8000-000000000001",
            "the simulator's own photos follow its address"
        );

        let odessa = data.by_username("odessa.finch").unwrap().user_id;
        data.update("odessa.finch", &json!({ "username": "odessa.renamed" }), AVATARS).unwrap();
        assert!(data.by_username("odessa.finch").is_none());
        let renamed = data.by_username("odessa.renamed").unwrap();
        assert_eq!(renamed.user_id, odessa);
        assert_eq!(data.by_id(odessa).unwrap().username, "odessa.renamed");
        assert_eq!(data.profile_json(renamed, "a")["url"], "https://www.joinclubhouse.com/@odessa.renamed");
        data.update("odessa.renamed", &json!({ "username": "Odessa.Renamed" }), AVATARS).unwrap();
        assert_eq!(data.by_id(odessa).unwrap().username, "Odessa.Renamed", "a change of case is no clash");

        let refused = [
            (json!({ "bio": "kept", "nickname": "x" }), "\"nickname\""),
            (json!({ "num_followers": -1 }), "num_followers"),
            (json!({ "bio": 5 }), "bio"),
            (json!({ "username": "twren" }), "taken"),
            (json!({ "username": "bad name" }), "bad name"),
            (json!(["bio"]), "JSON object"),
        ];
        for (changes, named) in refused {
            let error = data.update("Odessa.Renamed", &changes, AVATARS).unwrap_err().to_string();
            assert!(error.contains(named), "{changes}: {error}");
        }
        assert_ne!(data.by_id(odessa).unwrap().bio.as_deref(), Some("kept"), "nothing changes on an error");
        assert_eq!(data.update("nobody.here", &json!({}), AVATARS), Err(PeopleError::NotFound("nobody.here".into())));
    }

    #[test]
    fn clubs_and_nominators_change_too() {
        let mut data = Dataset::generate(42, 300);
        let club = data.clubs[3].club_id;
        data.update("twren", &json!({ "clubs": [club], "invited_by": "odessa.finch" }), AVATARS).unwrap();
        let profile = data.profile_json(data.by_username("twren").unwrap(), "a");
        assert_eq!(profile["clubs"].as_array().unwrap().len(), 1);
        assert_eq!(profile["clubs"][0]["club_id"], club);
        assert_eq!(profile["invited_by_user_profile"]["username"], "odessa.finch");
        data.update("twren", &json!({ "clubs": [], "invited_by": null }), AVATARS).unwrap();
        let profile = data.profile_json(data.by_username("twren").unwrap(), "a");
        assert_eq!(profile["clubs"], json!([]));
        assert!(profile["invited_by_user_profile"].is_null());
        for (changes, named) in [
            (json!({ "clubs": [1] }), "no club"),
            (json!({ "clubs": "x" }), "list"),
            (json!({ "invited_by": "twren" }), "themselves"),
            (json!({ "invited_by": "nobody.here" }), "nobody.here"),
        ] {
            let error = data.update("twren", &changes, AVATARS).unwrap_err().to_string();
            assert!(error.contains(named), "{changes}: {error}");
        }
    }

    #[test]
    fn drift_changes_only_the_crowd_and_repeats_with_the_seed() {
        let run = |seed| {
            let mut data = Dataset::generate(42, 1000);
            let before: Vec<(u64, Option<String>)> =
                data.people.iter().map(|p| (p.num_followers, p.bio.clone())).collect();
            let mut rng = Rng::new(seed);
            let mut changed = 0;
            for _ in 0..50 {
                changed += data.drift(&mut rng);
            }
            let moved: Vec<usize> = (0..data.people.len())
                .filter(|&i| (data.people[i].num_followers, data.people[i].bio.clone()) != before[i])
                .collect();
            (changed, moved, data.crowd_from)
        };
        let (changed, moved, crowd_from) = run(7);
        assert!(changed > 0 && !moved.is_empty());
        assert!(moved.iter().all(|&i| i >= crowd_from), "fixtures never drift");
        assert_eq!(run(7).1, moved, "the same seed drifts the same way");
    }

    #[test]
    fn list_bios_are_truncated() {
        assert_eq!(truncate_bio("short"), "short");
        let long = "x".repeat(200);
        let cut = truncate_bio(&long);
        assert_eq!(cut.chars().count(), 80);
        assert!(cut.ends_with('…'));
    }
}
