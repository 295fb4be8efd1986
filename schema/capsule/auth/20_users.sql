CREATE TYPE user_status AS ENUM ('pending_verification', 'active', 'suspended', 'deleted');
CREATE TYPE oauth_provider AS ENUM ('github', 'gitlab', 'google', 'microsoft');

CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    email citext NOT NULL UNIQUE,
    password_hash text,
    display_name varchar(100) NOT NULL,
    avatar_url text,
    status user_status NOT NULL DEFAULT 'pending_verification',
    email_verified_at timestamptz,
    mfa_secret_encrypted bytea,
    mfa_enabled boolean NOT NULL DEFAULT false,
    failed_login_count integer NOT NULL DEFAULT 0 CHECK (failed_login_count >= 0),
    locked_until timestamptz,
    last_login_at timestamptz,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT users_mfa_check CHECK (NOT mfa_enabled OR mfa_secret_encrypted IS NOT NULL)
);
CREATE INDEX users_status_idx ON users (status) WHERE status <> 'active';
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
COMMENT ON COLUMN users.password_hash IS 'NULL for accounts that only sign in through OAuth';

-- Sessions keep a SHA-256 of the token, never the token.
CREATE TABLE sessions (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    ip_address inet,
    user_agent text,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    last_seen_at timestamptz,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_live_idx ON sessions (expires_at) WHERE revoked_at IS NULL;
CREATE TRIGGER sessions_updated_at BEFORE UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE oauth_accounts (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider oauth_provider NOT NULL,
    provider_account_id varchar(255) NOT NULL,
    access_token_encrypted bytea,
    refresh_token_encrypted bytea,
    scopes text[] NOT NULL DEFAULT '{}',
    token_expires_at timestamptz,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT oauth_accounts_provider_account_key UNIQUE (provider, provider_account_id)
);
CREATE INDEX oauth_accounts_user_id_idx ON oauth_accounts (user_id);
CREATE TRIGGER oauth_accounts_updated_at BEFORE UPDATE ON oauth_accounts
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
