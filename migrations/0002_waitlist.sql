-- Signups for the team's next product. One row per address, whatever its
-- case; the removal token is stored only as a SHA-256 hash.
create table waitlist (
    id                 bigserial primary key,
    email              text not null,
    email_key          text not null unique,
    username           text,
    lang               text not null,
    source_path        text,
    consent_at         timestamptz not null,
    created_at         timestamptz not null default now(),
    removal_token_hash bytea not null unique
);
