CREATE TABLE care_treatment (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    provider_id uuid,
    appointment_id uuid,
    name varchar(200) NOT NULL,
    description text,
    start_date date NOT NULL,
    end_date date,
    progress smallint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT care_treatment_care_provider_fk FOREIGN KEY (provider_id)
        REFERENCES care_provider (id) ON DELETE SET NULL,
    CONSTRAINT care_treatment_care_appointment_fk FOREIGN KEY (appointment_id)
        REFERENCES care_appointment (id) ON DELETE SET NULL,
    CONSTRAINT care_treatment_progress_check CHECK (progress BETWEEN 0 AND 100),
    CONSTRAINT care_treatment_dates_check CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX care_treatment_provider_id_idx ON care_treatment (provider_id);
CREATE INDEX care_treatment_appointment_id_idx ON care_treatment (appointment_id);
CREATE INDEX care_treatment_user_active_idx ON care_treatment (user_id) WHERE end_date IS NULL AND deleted_at IS NULL;
CREATE TRIGGER care_treatment_set_updated_at BEFORE UPDATE ON care_treatment
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();

CREATE TABLE care_medication (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    treatment_id uuid,
    name varchar(200) NOT NULL,
    dosage varchar(100) NOT NULL,
    frequency varchar(100) NOT NULL,
    schedule jsonb NOT NULL DEFAULT '[]'::jsonb,
    start_date date NOT NULL,
    end_date date,
    reminder_enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT care_medication_care_treatment_fk FOREIGN KEY (treatment_id)
        REFERENCES care_treatment (id) ON DELETE SET NULL,
    CONSTRAINT care_medication_dates_check CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX care_medication_treatment_id_idx ON care_medication (treatment_id);
CREATE INDEX care_medication_reminder_idx ON care_medication (user_id)
    WHERE reminder_enabled AND deleted_at IS NULL;
CREATE TRIGGER care_medication_set_updated_at BEFORE UPDATE ON care_medication
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();
