-- RM Brain, rmbrain_mainapp (main application, asyncpg): the plugin registry, which
-- plugins each tenant enabled and how, the events plugins publish and subscribe to, and how
-- events are mapped between them.
CREATE TABLE plugins (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    key varchar(100) NOT NULL,
    name varchar(255) NOT NULL,
    description text,
    version varchar(50) NOT NULL,
    service_url text,
    manifest jsonb NOT NULL DEFAULT '{}'::jsonb,
    is_enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT plugins_pkey PRIMARY KEY (id),
    CONSTRAINT uq_plugins_key UNIQUE (key),
    CONSTRAINT ck_plugins_key CHECK (key ~ '^[a-z][a-z0-9_-]*$')
);

CREATE TABLE tenant_plugins (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    plugin_id uuid NOT NULL,
    is_enabled boolean NOT NULL DEFAULT true,
    config jsonb NOT NULL DEFAULT '{}'::jsonb,
    enabled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenant_plugins_pkey PRIMARY KEY (id),
    CONSTRAINT tenant_plugins_plugin_id_fkey FOREIGN KEY (plugin_id)
        REFERENCES plugins (id) ON DELETE CASCADE,
    CONSTRAINT uq_tenant_plugins UNIQUE (tenant_id, plugin_id)
);
CREATE INDEX ix_tenant_plugins_plugin_id ON tenant_plugins (plugin_id);

CREATE TABLE plugin_event_registry (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    plugin_id uuid NOT NULL,
    event_type varchar(255) NOT NULL,
    role varchar(10) NOT NULL,
    schema_version varchar(20) NOT NULL DEFAULT '1',
    payload_schema jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT plugin_event_registry_pkey PRIMARY KEY (id),
    CONSTRAINT plugin_event_registry_plugin_id_fkey FOREIGN KEY (plugin_id)
        REFERENCES plugins (id) ON DELETE CASCADE,
    CONSTRAINT uq_plugin_event_registry UNIQUE (plugin_id, event_type, role),
    CONSTRAINT ck_plugin_event_registry_role CHECK (role IN ('publish', 'subscribe'))
);
CREATE INDEX ix_plugin_event_registry_event_type ON plugin_event_registry (event_type);

CREATE TABLE event_mappings (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid,
    source_event_type varchar(255) NOT NULL,
    target_event_type varchar(255) NOT NULL,
    target_plugin_id uuid,
    transform jsonb NOT NULL DEFAULT '{}'::jsonb,
    filter jsonb,
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT event_mappings_pkey PRIMARY KEY (id),
    CONSTRAINT event_mappings_target_plugin_id_fkey FOREIGN KEY (target_plugin_id)
        REFERENCES plugins (id) ON DELETE SET NULL,
    CONSTRAINT ck_event_mappings_distinct CHECK (source_event_type <> target_event_type)
);
CREATE INDEX ix_event_mappings_source ON event_mappings (source_event_type) WHERE is_active;
CREATE INDEX ix_event_mappings_target_plugin_id ON event_mappings (target_plugin_id);
CREATE UNIQUE INDEX uq_event_mappings ON event_mappings
    (coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid), source_event_type, target_event_type);
