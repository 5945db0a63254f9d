-- Storing a fetched profile in one round trip: a visitor waits for it on
-- every cache miss, and as separate statements it took six (begin, setting,
-- two deletes, the upsert, commit).
--
-- The row takes the username from any other row first (someone renamed,
-- someone else took the name), a remembered "no such user" is forgotten, and
-- the commit does not wait for the disk: a cache row lost to a crash is
-- simply fetched again. set_config(..., true) lasts until the end of the
-- transaction, the caller's single statement, so it covers its commit.
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
            fetched_at = excluded.fetched_at, refresh_failed_at = null
    returning fetched_at into stored_at;
    delete from profile_misses where username_key = lower(p_username);
    return stored_at;
end
$$;
