-- Double opt-in for the waitlist: a signup is confirmed from a mailed link,
-- every mail carries a removal link that keeps working, and mails leave
-- through a transactional outbox (written in the signup's transaction,
-- sent by a worker with retries).

-- When the address was confirmed (null: not yet), and when a confirmation
-- was last asked for: an unconfirmed signup expires a set time after it.
alter table waitlist add column confirmed_at timestamptz;
alter table waitlist add column requested_at timestamptz not null default now();
create index waitlist_unconfirmed on waitlist (requested_at) where confirmed_at is null;

-- The links in mails: each token is stored only as its SHA-256 hash, and
-- goes with the signup it was mailed for.
create table waitlist_links (
    token_hash bytea primary key,
    signup_id  bigint not null references waitlist (id) on delete cascade,
    action     text not null check (action in ('confirm', 'remove')),
    created_at timestamptz not null default now()
);
create index waitlist_links_signup on waitlist_links (signup_id);

-- Removal tokens shown on the page before this change keep working.
insert into waitlist_links (token_hash, signup_id, action)
select removal_token_hash, id, 'remove' from waitlist;
alter table waitlist drop column removal_token_hash;

-- The outbox. A row holds its links' tokens in plain text only until the
-- mail is sent; then they are cleared. A removed signup takes its rows with
-- it (nothing of the address stays), and so does an expired one.
create table mail_outbox (
    id              bigserial primary key,
    signup_id       bigint not null references waitlist (id) on delete cascade,
    -- The address's key, for the mails-per-address-per-day limit.
    recipient_key   text not null,
    kind            text not null check (kind in ('confirm', 'already_listed')),
    lang            text not null,
    confirm_token   text,
    remove_token    text,
    status          text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
    attempts        integer not null default 0,
    -- Also the lease: a worker that claims a row moves this forward, so a
    -- worker that dies mid-send leaves the row to be sent again later.
    next_attempt_at timestamptz not null default now(),
    created_at      timestamptz not null default now(),
    sent_at         timestamptz
);
create index mail_outbox_due on mail_outbox (next_attempt_at) where status = 'pending';
create index mail_outbox_recipient on mail_outbox (recipient_key, created_at);

-- Signups per client per hour, shared by every replica.
create table waitlist_client_windows (
    client_key   text not null,
    window_start timestamptz not null,
    signups      integer not null,
    primary key (client_key, window_start)
);

-- Signups made before double opt-in were never confirmed: ask them once,
-- with a fresh expiry window, instead of letting them lapse unasked.
with legacy as (
    select id, email_key, lang,
           encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 'hex') as confirm_token,
           encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 'hex') as remove_token
    from waitlist
),
links as (
    insert into waitlist_links (token_hash, signup_id, action)
    select sha256(convert_to(confirm_token, 'UTF8')), id, 'confirm' from legacy
    union all
    select sha256(convert_to(remove_token, 'UTF8')), id, 'remove' from legacy
)
insert into mail_outbox (signup_id, recipient_key, kind, lang, confirm_token, remove_token)
select id, email_key, 'confirm', lang, confirm_token, remove_token from legacy;
