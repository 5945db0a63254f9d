-- Profile history: what a person's profile looked like at every fetch.
--
-- A *version* is what a visitor sees of a profile, less the counts: names,
-- photo, bio, links, nominator, clubs (by id and name; a club's member
-- count moves all the time and is not a change of the person). A fetch
-- stores one only when that differs from the person's latest version, so
-- unchanged profiles cost nothing but a sample. A *sample* is the follower
-- and following counts at every fetch, changed or not: the chart.
--
-- Keyed by Clubhouse's user id, without a foreign key: a cache row can go
-- (its username taken by someone else) while its person's history stays,
-- to continue when the person is fetched again. The current copy stays in
-- profile_cache alone, so a page reads one row as before.
create table profile_versions (
    id      bigserial primary key,
    user_id bigint not null,
    -- the first fetch that saw this content
    seen_at timestamptz not null,
    content jsonb not null
);
create index profile_versions_by_person on profile_versions (user_id, seen_at desc, id desc);

create table profile_samples (
    user_id    bigint not null,
    sampled_at timestamptz not null,
    followers  bigint,
    following  bigint,
    primary key (user_id, sampled_at)
);
-- For retention, which deletes by age across everyone. BRIN: rows arrive
-- in time order, so a block range summary finds old rows, and it costs a
-- fetch almost nothing to keep up (a B-tree here was one more index write
-- per store).
create index profile_samples_by_age on profile_samples using brin (sampled_at);
create index profile_versions_by_age on profile_versions using brin (seen_at);

-- Who watches a profile, for the history scheduler: a visitor's views (the
-- minutes with a view, written at most once a minute) and a feed reader's
-- polls.
alter table profile_cache add column view_minutes integer not null default 0;
alter table profile_cache add column polled_at timestamptz;

-- The visible content of a sanitized profile, as a version stores it.
create function profile_version_content(p jsonb) returns jsonb
language sql immutable
as $$
    select jsonb_build_object(
        'username', p->'username',
        'name', p->'name',
        'displayname', p->'displayname',
        'photo_url', p->'photo_url',
        'bio', p->'bio',
        'twitter', p->'twitter',
        'instagram', p->'instagram',
        'invited_by', case when jsonb_typeof(p->'invited_by_user_profile') = 'object' then
            jsonb_build_object(
                'user_id', p->'invited_by_user_profile'->'user_id',
                'username', p->'invited_by_user_profile'->'username',
                'name', p->'invited_by_user_profile'->'name')
            end,
        'clubs', coalesce(
            (select jsonb_agg(jsonb_build_object('club_id', c->'club_id', 'name', c->'name')
                              order by (c->>'club_id'))
             from jsonb_array_elements(case when jsonb_typeof(p->'clubs') = 'array' then p->'clubs' else '[]' end) c),
            '[]'::jsonb))
$$;

-- A count as the profile type reads it: a number or a numeric string;
-- anything else is unknown.
create function profile_count(v jsonb) returns bigint
language sql immutable
as $$
    select case when (v #>> '{}') ~ '^\s*[0-9]{1,18}\s*$' then trim(v #>> '{}')::bigint end
$$;

-- Profiles cached before history existed start theirs with what is cached.
insert into profile_versions (user_id, seen_at, content)
select user_id, fetched_at, profile_version_content(profile) from profile_cache where gone_at is null;
insert into profile_samples (user_id, sampled_at, followers, following)
select user_id, fetched_at,
       profile_count(profile->'num_followers'),
       profile_count(profile->'num_following')
from profile_cache where gone_at is null
on conflict do nothing;

-- Storing a fetched profile, still in one round trip: the cache row as
-- before (0005), a sample, and a version when the content changed. Returns
-- when it was stored and whether that made a new version.
create function store_fetched_profile_with_history(
    p_user_id bigint,
    p_username text,
    p_name text,
    p_profile jsonb,
    out stored_at timestamptz,
    out changed boolean
)
language plpgsql
as $$
declare
    content jsonb := profile_version_content(p_profile);
    latest jsonb;
begin
    stored_at := store_fetched_profile(p_user_id, p_username, p_name, p_profile);
    select v.content into latest from profile_versions v
    where v.user_id = p_user_id order by v.seen_at desc, v.id desc limit 1;
    changed := latest is distinct from content;
    if changed then
        insert into profile_versions (user_id, seen_at, content) values (p_user_id, stored_at, content);
    end if;
    insert into profile_samples (user_id, sampled_at, followers, following)
    values (p_user_id, stored_at,
            profile_count(p_profile->'num_followers'),
            profile_count(p_profile->'num_following'))
    on conflict do nothing;
end
$$;
