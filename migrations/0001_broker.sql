-- The access broker's schema, as lockdesk expects it.
-- Contract tables (app_audit, reconcile_jobs, integration_logs, doors,
-- user_access_levels) keep the exact names and types of DOMAIN.md; the rest is
-- what the broker needs to compute which PINs belong on which lock.

CREATE TABLE IF NOT EXISTS sites (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    time_zone   text NOT NULL,              -- IANA zone, e.g. America/Winnipeg
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS schedules (
    id          bigserial PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES sites(id),
    name        text NOT NULL,
    days_of_week int[] NOT NULL DEFAULT '{1,2,3,4,5,6,7}',  -- ISO weekday numbers
    start_time  time NOT NULL DEFAULT '00:00',
    end_time    time NOT NULL DEFAULT '24:00',
    valid_from  timestamptz,
    valid_until timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS integration_customers (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL,
    provider_type text NOT NULL,            -- TTLOCK, DOORDECK
    account_ref   text NOT NULL,            -- which provider account; credentials live in config, never here
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS integration_devices (
    id                      bigserial PRIMARY KEY,
    integration_customer_id bigint NOT NULL REFERENCES integration_customers(id),
    provider_type           text NOT NULL,
    external_id             text NOT NULL,  -- TTLock lockId or Doordeck device UUID
    name                    text NOT NULL,
    gateway_ref             text,
    created_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider_type, external_id)
);

CREATE TABLE IF NOT EXISTS door_groups (
    id         bigserial PRIMARY KEY,
    site_id    bigint NOT NULL REFERENCES sites(id),
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Contract: the seed's Door JSON.
CREATE TABLE IF NOT EXISTS doors (
    id                      bigserial PRIMARY KEY,
    site_id                 bigint,
    name                    text NOT NULL,
    description             text,
    location                text,
    device_type             text,
    external_id             text,
    integration_customer_id bigint,
    integration_device_id   bigint,
    door_group_id           bigint,
    open_schedule_id        bigint,
    is_active               boolean NOT NULL DEFAULT true,
    status                  text,
    demo_state              text,
    demo_state_updated_at   timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS users (
    id                bigserial PRIMARY KEY,
    site_id           bigint NOT NULL REFERENCES sites(id),
    name              text NOT NULL,
    email             text NOT NULL,
    status            text NOT NULL DEFAULT 'active',   -- active, suspended, deleted
    doordeck_user_ref text,                             -- the user's Doordeck account, for shares
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS access_levels (
    id          bigserial PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES sites(id),
    name        text NOT NULL,
    status      text NOT NULL DEFAULT 'active',
    schedule_id bigint REFERENCES schedules(id),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Which doors an access level opens: a single door or a whole door group.
CREATE TABLE IF NOT EXISTS access_level_doors (
    id              bigserial PRIMARY KEY,
    access_level_id bigint NOT NULL REFERENCES access_levels(id),
    door_id         bigint,
    door_group_id   bigint,
    CHECK ((door_id IS NULL) <> (door_group_id IS NULL))
);

-- Contract.
CREATE TABLE IF NOT EXISTS user_access_levels (
    id              bigserial PRIMARY KEY,
    user_id         bigint NOT NULL,
    access_level_id bigint NOT NULL,
    site_id         bigint,
    schedule_id     bigint,
    status          text NOT NULL DEFAULT 'active',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- PIN credentials; on a lock they are named `AB U{user_id} C{id}`.
CREATE TABLE IF NOT EXISTS credentials (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users(id),
    kind       text NOT NULL DEFAULT 'pin',
    pin_code   text NOT NULL,               -- a secret: never shown unmasked
    status     text NOT NULL DEFAULT 'active',   -- active, revoked
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- What the broker knows about each PIN on each lock: the provider's ids for
-- it and when it was first seen (the start of the drift grace window).
CREATE TABLE IF NOT EXISTS lock_pin_states (
    id                  bigserial PRIMARY KEY,
    door_id             bigint NOT NULL,
    credential_id       bigint,              -- NULL: unknown to the broker
    code_name           text,
    vendor_pin_id       text,
    provider_receipt_id text,
    first_seen_at       timestamptz NOT NULL,
    first_seen_source   text NOT NULL DEFAULT 'lock',
    last_seen_at        timestamptz,
    state               text NOT NULL DEFAULT 'present',  -- present, deleted
    UNIQUE (door_id, vendor_pin_id)
);

-- Contract: what changed.
CREATE TABLE IF NOT EXISTS app_audit (
    id             bigserial PRIMARY KEY,
    created_at     timestamptz NOT NULL DEFAULT now(),
    entity_type    text NOT NULL,
    entity_id      bigint,
    action         text NOT NULL,
    before_json    jsonb,
    after_json     jsonb,
    correlation_id text,
    actor          text,
    source         text
);

-- Contract: what the system decided.
CREATE TABLE IF NOT EXISTS reconcile_jobs (
    id               bigserial PRIMARY KEY,
    job_type         text NOT NULL,
    user_id          bigint NOT NULL DEFAULT 0,
    reason           text,
    status           text NOT NULL DEFAULT 'queued',
    attempt_count    int NOT NULL DEFAULT 0,
    last_error       text,
    next_run_at      timestamptz,
    correlation_id   text,
    debug_session_id text,
    payload          jsonb,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Contract: what was sent to locks.
CREATE TABLE IF NOT EXISTS integration_logs (
    id               bigserial PRIMARY KEY,
    action           text NOT NULL,
    correlation_id   text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    debug_session_id text,
    door_id          bigint,
    door_name        text,
    error_message    text,
    external_id      text,
    lock_key         text,
    ok               boolean NOT NULL DEFAULT true,
    provider_type    text,
    reconcile_job_id bigint,
    request_json     jsonb,
    response_json    jsonb
);

-- Every lookup the console makes has an index.
CREATE INDEX IF NOT EXISTS app_audit_entity_time_idx   ON app_audit (entity_type, entity_id, created_at DESC);
CREATE INDEX IF NOT EXISTS app_audit_time_idx          ON app_audit (created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS reconcile_jobs_status_time_idx ON reconcile_jobs (status, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS reconcile_jobs_time_idx     ON reconcile_jobs (created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS reconcile_jobs_user_idx     ON reconcile_jobs (user_id, created_at DESC);
CREATE INDEX IF NOT EXISTS reconcile_jobs_due_idx      ON reconcile_jobs (next_run_at) WHERE status IN ('queued', 'failed');
CREATE INDEX IF NOT EXISTS integration_logs_correlation_idx ON integration_logs (correlation_id, created_at, id);
CREATE INDEX IF NOT EXISTS integration_logs_lock_time_idx   ON integration_logs (lock_key, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS integration_logs_door_time_idx   ON integration_logs (door_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS integration_logs_job_idx         ON integration_logs (reconcile_job_id, created_at, id);
CREATE INDEX IF NOT EXISTS user_access_levels_user_idx ON user_access_levels (user_id);
CREATE INDEX IF NOT EXISTS credentials_user_idx        ON credentials (user_id);
CREATE INDEX IF NOT EXISTS doors_external_idx          ON doors (device_type, external_id);
CREATE INDEX IF NOT EXISTS lock_pin_states_door_idx    ON lock_pin_states (door_id);
-- Prefix lookups (`:trace e4792295`) need pattern-ops indexes whatever the
-- database collation is.
CREATE INDEX IF NOT EXISTS integration_logs_correlation_prefix_idx ON integration_logs (correlation_id text_pattern_ops);
CREATE INDEX IF NOT EXISTS reconcile_jobs_correlation_prefix_idx   ON reconcile_jobs (correlation_id text_pattern_ops);
CREATE INDEX IF NOT EXISTS app_audit_correlation_prefix_idx        ON app_audit (correlation_id text_pattern_ops);
-- The user pane's traces of access levels and credentials, deleted ones too.
CREATE INDEX IF NOT EXISTS app_audit_user_ref_idx ON app_audit ((coalesce(after_json, before_json)->>'user_id'), created_at DESC)
    WHERE entity_type IN ('UserAccessLevel', 'Credential');
