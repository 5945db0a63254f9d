-- Profiles fetched from Clubhouse, sanitized, kept as jsonb.
-- Keyed by Clubhouse's user id; the username may change and is unique
-- regardless of case.
create table profile_cache (
    user_id      bigint primary key,
    username     text not null,
    profile      jsonb not null,
    fetched_at   timestamptz not null,
    -- last time a visitor asked for it: feeds "recently viewed"
    viewed_at    timestamptz not null default now()
);
create unique index profile_cache_username_key on profile_cache (lower(username));
create index profile_cache_viewed_at on profile_cache (viewed_at desc);

-- Usernames Clubhouse said do not exist, remembered for a while so that a
-- repeat costs no upstream call.
create table profile_misses (
    username_key text primary key,
    checked_at   timestamptz not null
);
