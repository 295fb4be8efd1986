-- Appointments: a provider never has two live appointments at overlapping times.
CREATE TABLE care_appointment (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    provider_id uuid NOT NULL,
    type varchar(20) NOT NULL DEFAULT 'in_person',
    status varchar(20) NOT NULL DEFAULT 'scheduled',
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    reason text,
    notes text,
    cancelled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT care_appointment_care_provider_fk FOREIGN KEY (provider_id)
        REFERENCES care_provider (id) ON DELETE RESTRICT,
    CONSTRAINT care_appointment_type_check CHECK (type IN ('in_person', 'telemedicine', 'home_visit')),
    CONSTRAINT care_appointment_status_check
        CHECK (status IN ('scheduled', 'confirmed', 'completed', 'cancelled', 'no_show')),
    CONSTRAINT care_appointment_time_check CHECK (ends_at > starts_at),
    CONSTRAINT care_appointment_no_overlap EXCLUDE USING gist (
        provider_id WITH =, tstzrange(starts_at, ends_at) WITH &&
    ) WHERE (status IN ('scheduled', 'confirmed') AND deleted_at IS NULL)
);
CREATE INDEX care_appointment_provider_id_idx ON care_appointment (provider_id, starts_at);
CREATE INDEX care_appointment_user_upcoming_idx ON care_appointment (user_id, starts_at)
    WHERE status IN ('scheduled', 'confirmed') AND deleted_at IS NULL;
CREATE TRIGGER care_appointment_set_updated_at BEFORE UPDATE ON care_appointment
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();

CREATE TABLE care_telemedicine_session (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    appointment_id uuid NOT NULL,
    room_name varchar(100) NOT NULL,
    status varchar(20) NOT NULL DEFAULT 'waiting',
    started_at timestamptz,
    ended_at timestamptz,
    quality_metrics jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT care_telemedicine_session_appointment_id_key UNIQUE (appointment_id),
    CONSTRAINT care_telemedicine_session_care_appointment_fk FOREIGN KEY (appointment_id)
        REFERENCES care_appointment (id) ON DELETE CASCADE,
    CONSTRAINT care_telemedicine_session_status_check
        CHECK (status IN ('waiting', 'in_progress', 'ended', 'failed')),
    CONSTRAINT care_telemedicine_session_time_check CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE TRIGGER care_telemedicine_session_set_updated_at BEFORE UPDATE ON care_telemedicine_session
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();
