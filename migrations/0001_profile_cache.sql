-- Profiles fetched from Clubhouse, sanitized, kept as jsonb.
-- Keyed by Clubhouse's user id; the username may change, and is unique
-- regardless of case.
create extension if not exists pg_trgm;

create table profile_cache (
    user_id           bigint primary key,
    username          text not null,
    -- copied out of the profile for search
    name              text,
    profile           jsonb not null,
    fetched_at        timestamptz not null,
    -- set when a refresh of this (stale) copy failed; cleared by a success
    refresh_failed_at timestamptz,
    -- last time a visitor opened it: feeds "recently viewed"
    viewed_at         timestamptz not null default now()
);
create unique index profile_cache_username_key on profile_cache (lower(username));
create index profile_cache_viewed_at on profile_cache (viewed_at desc);
create index profile_cache_search on profile_cache
    using gin ((lower(username) || ' ' || lower(coalesce(name, ''))) gin_trgm_ops);

-- Usernames Clubhouse said do not exist, remembered for a while so that a
-- repeat costs no upstream call.
create table profile_misses (
    username_key text primary key,
    checked_at   timestamptz not null
);
