-- Refresh tokens (hashed) and the sign-in history of each user.
CREATE TABLE auth_refresh_token (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    token_hash bytea NOT NULL,
    device_name varchar(100),
    ip_address inet,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    replaced_by_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT auth_refresh_token_token_hash_key UNIQUE (token_hash),
    CONSTRAINT auth_refresh_token_auth_user_fk FOREIGN KEY (user_id)
        REFERENCES auth_user (id) ON DELETE CASCADE,
    CONSTRAINT auth_refresh_token_auth_refresh_token_fk FOREIGN KEY (replaced_by_id)
        REFERENCES auth_refresh_token (id) ON DELETE SET NULL,
    CONSTRAINT auth_refresh_token_expiry_check CHECK (expires_at > created_at)
);
CREATE INDEX auth_refresh_token_user_id_idx ON auth_refresh_token (user_id);
CREATE INDEX auth_refresh_token_replaced_by_id_idx ON auth_refresh_token (replaced_by_id);
CREATE INDEX auth_refresh_token_active_idx ON auth_refresh_token (user_id, expires_at)
    WHERE revoked_at IS NULL;

CREATE TABLE auth_login_event (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid,
    email citext NOT NULL,
    succeeded boolean NOT NULL,
    failure_reason varchar(50),
    ip_address inet,
    user_agent text,
    context jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT auth_login_event_auth_user_fk FOREIGN KEY (user_id)
        REFERENCES auth_user (id) ON DELETE SET NULL
);
CREATE INDEX auth_login_event_user_id_idx ON auth_login_event (user_id, created_at DESC);
CREATE INDEX auth_login_event_failed_idx ON auth_login_event (email, created_at DESC)
    WHERE NOT succeeded;
