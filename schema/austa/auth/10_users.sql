CREATE TABLE auth_user (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email citext NOT NULL,
    phone varchar(20),
    cpf varchar(11),
    name varchar(200) NOT NULL,
    password_hash text,
    email_verified_at timestamptz,
    mfa_enabled boolean NOT NULL DEFAULT false,
    status varchar(20) NOT NULL DEFAULT 'active',
    preferred_journey varchar(20),
    locale varchar(10) NOT NULL DEFAULT 'pt-BR',
    last_login_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT auth_user_status_check CHECK (status IN ('active', 'locked', 'pending', 'disabled')),
    CONSTRAINT auth_user_preferred_journey_check
        CHECK (preferred_journey IN ('health', 'care', 'plan'))
);
CREATE UNIQUE INDEX auth_user_email_key ON auth_user (email) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX auth_user_cpf_key ON auth_user (cpf) WHERE cpf IS NOT NULL AND deleted_at IS NULL;
CREATE TRIGGER auth_user_set_updated_at BEFORE UPDATE ON auth_user
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();
COMMENT ON TABLE auth_user IS 'Identities of every AUSTA user; the id is referenced by all journeys';

CREATE TABLE auth_role (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(50) NOT NULL,
    description text,
    journey varchar(20),
    is_default boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT auth_role_name_key UNIQUE (name),
    CONSTRAINT auth_role_journey_check CHECK (journey IN ('health', 'care', 'plan', 'gamification'))
);
CREATE TRIGGER auth_role_set_updated_at BEFORE UPDATE ON auth_role
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();

CREATE TABLE auth_permission (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(100) NOT NULL,
    description text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT auth_permission_name_key UNIQUE (name),
    CONSTRAINT auth_permission_name_check CHECK (name ~ '^[a-z]+:[a-z_]+:[a-z_]+$')
);
COMMENT ON COLUMN auth_permission.name IS 'journey:resource:action, e.g. health:metrics:read';

-- A junction table (001: "Use junction tables for many-to-many relationships"): keyed by
-- the pair it links, its rows are inserted and deleted, never updated or soft-deleted.
-- schemadiff:lint-ignore keys.uuid_primary_key, columns.timestamps
CREATE TABLE auth_role_permission (
    role_id uuid NOT NULL,
    permission_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT auth_role_permission_pkey PRIMARY KEY (role_id, permission_id),
    CONSTRAINT auth_role_permission_auth_role_fk FOREIGN KEY (role_id)
        REFERENCES auth_role (id) ON DELETE CASCADE,
    CONSTRAINT auth_role_permission_auth_permission_fk FOREIGN KEY (permission_id)
        REFERENCES auth_permission (id) ON DELETE CASCADE
);
CREATE INDEX auth_role_permission_permission_id_idx ON auth_role_permission (permission_id);

-- A junction table (001: "Use junction tables for many-to-many relationships"): keyed by
-- the pair it links, its rows are inserted and deleted, never updated or soft-deleted.
-- schemadiff:lint-ignore keys.uuid_primary_key, columns.timestamps
CREATE TABLE auth_user_role (
    user_id uuid NOT NULL,
    role_id uuid NOT NULL,
    granted_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT auth_user_role_pkey PRIMARY KEY (user_id, role_id),
    CONSTRAINT auth_user_role_auth_user_fk FOREIGN KEY (user_id)
        REFERENCES auth_user (id) ON DELETE CASCADE,
    CONSTRAINT auth_user_role_auth_role_fk FOREIGN KEY (role_id)
        REFERENCES auth_role (id) ON DELETE RESTRICT
);
CREATE INDEX auth_user_role_role_id_idx ON auth_user_role (role_id);
