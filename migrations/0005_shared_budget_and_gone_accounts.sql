-- One upstream budget per Clubhouse account, shared by every replica: the
-- GCRA schedule (the theoretical arrival time of the next call) and any
-- pause live in one row per account, booked with one atomic statement, so
-- two or ten replicas together keep the configured rate, and a pause one
-- replica sets after a 429, "high usage" or a refused token holds for all.
-- Labels are user ids: nothing secret is stored here.
create table upstream_accounts (
    label        text primary key,
    tat          timestamptz not null default now(),
    paused_until timestamptz,
    -- 'rate_limited', 'failing' or 'unauthorized:<status>'
    pause_reason text
);

-- Set when Clubhouse says the person behind a cached copy no longer
-- exists. The copy's content is wiped then; the row remembers that the
-- name is gone so repeats cost no upstream call for a while.
alter table profile_cache add column gone_at timestamptz;

drop trigger profile_cache_changed on profile_cache;
create trigger profile_cache_changed
    after insert or delete or update of username, name, profile, fetched_at, refresh_failed_at, gone_at
    on profile_cache
    for each row execute function notify_profile_changed();

-- A new copy of a person clears a gone mark (the account came back, or the
-- name went to someone new, whose row replaces this one).
create or replace function store_fetched_profile(
    p_user_id bigint,
    p_username text,
    p_name text,
    p_profile jsonb
) returns timestamptz
language plpgsql
as $$
declare
    stored_at timestamptz;
begin
    perform set_config('synchronous_commit', 'off', true);
    delete from profile_cache where lower(username) = lower(p_username) and user_id <> p_user_id;
    insert into profile_cache (user_id, username, name, profile, fetched_at)
    values (p_user_id, p_username, p_name, p_profile, now())
    on conflict (user_id) do update
        set username = excluded.username, name = excluded.name, profile = excluded.profile,
            fetched_at = excluded.fetched_at, refresh_failed_at = null, gone_at = null
    returning fetched_at into stored_at;
    delete from profile_misses where username_key = lower(p_username);
    return stored_at;
end
$$;
