-- Central authentication for every kind of user; reference_id points at the row of the
-- domain table that user_type names.
CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    email email NOT NULL,
    password_hash text NOT NULL,
    user_type user_type NOT NULL,
    reference_id uuid NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    failed_login_attempts integer NOT NULL DEFAULT 0 CHECK (failed_login_attempts >= 0),
    last_login_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_reference_key UNIQUE (user_type, reference_id)
);
CREATE INDEX users_active_idx ON users (user_type) WHERE is_active;
COMMENT ON TABLE users IS 'Central authentication table for all user types';
COMMENT ON COLUMN users.password_hash IS 'bcrypt hash, never the password';
