-- RM Brain, cds_task (task service, asyncpg): to-dos of relationship managers, created by
-- hand or by events (a KYC review due, a document expiring, a follow-up promised).
CREATE TABLE tasks (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    client_id uuid,
    assignee_id uuid NOT NULL,
    created_by varchar(255) NOT NULL,
    title varchar(255) NOT NULL,
    description text,
    task_type varchar(30) NOT NULL DEFAULT 'manual',
    status varchar(20) NOT NULL DEFAULT 'open',
    priority smallint NOT NULL DEFAULT 3,
    due_at timestamptz,
    completed_at timestamptz,
    source_event_id varchar(255),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tasks_pkey PRIMARY KEY (id),
    CONSTRAINT ck_tasks_status CHECK (status IN ('open', 'in_progress', 'blocked', 'done', 'cancelled')),
    CONSTRAINT ck_tasks_priority CHECK (priority BETWEEN 1 AND 5),
    CONSTRAINT ck_tasks_task_type
        CHECK (task_type IN ('manual', 'kyc_review', 'document_expiry', 'follow_up', 'risk_review')),
    CONSTRAINT ck_tasks_completed CHECK ((status = 'done') = (completed_at IS NOT NULL))
);
CREATE INDEX ix_tasks_assignee_open ON tasks (tenant_id, assignee_id, due_at)
    WHERE status IN ('open', 'in_progress', 'blocked');
CREATE INDEX ix_tasks_client ON tasks (tenant_id, client_id) WHERE client_id IS NOT NULL;
CREATE UNIQUE INDEX uq_tasks_source_event ON tasks (source_event_id) WHERE source_event_id IS NOT NULL;
