-- Tells every replica when a cached profile changes, so each can keep a
-- profile (and its rendered pages) in memory for its whole freshness and
-- drop it the moment another replica, or an operator, writes a new copy.
-- The payload is '<user_id> <lower(username)> <fetched_at in microseconds>'
-- (0 for a deleted row): a replica that holds exactly that copy, because it
-- wrote it, keeps it. For a username change the old name is sent too. Writes that only record a view (viewed_at) stay quiet.
create function notify_profile_changed() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        perform pg_notify('profile_changed', new.user_id || ' ' || lower(new.username) || ' '
            || (extract(epoch from new.fetched_at) * 1000000)::bigint);
    else
        perform pg_notify('profile_changed', old.user_id || ' ' || lower(old.username) || ' '
            || case when tg_op = 'DELETE' then 0 else (extract(epoch from new.fetched_at) * 1000000)::bigint end);
        if tg_op = 'UPDATE' and lower(new.username) <> lower(old.username) then
            perform pg_notify('profile_changed', new.user_id || ' ' || lower(new.username) || ' '
            || (extract(epoch from new.fetched_at) * 1000000)::bigint);
        end if;
    end if;
    return null;
end;
$$;

create trigger profile_cache_changed
    after insert or delete or update of username, name, profile, fetched_at, refresh_failed_at
    on profile_cache
    for each row execute function notify_profile_changed();
