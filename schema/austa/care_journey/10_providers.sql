CREATE TABLE care_provider (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    specialty_id uuid NOT NULL,
    name varchar(200) NOT NULL,
    license_number varchar(30) NOT NULL,
    email varchar(255),
    phone varchar(20),
    address jsonb NOT NULL DEFAULT '{}'::jsonb,
    telemedicine_available boolean NOT NULL DEFAULT false,
    accepts_new_patients boolean NOT NULL DEFAULT true,
    rating numeric(2, 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT care_provider_license_number_key UNIQUE (license_number),
    CONSTRAINT care_provider_specialty_fk FOREIGN KEY (specialty_id)
        REFERENCES shared.specialty (id) ON DELETE RESTRICT,
    CONSTRAINT care_provider_rating_check CHECK (rating BETWEEN 0 AND 5)
);
CREATE INDEX care_provider_specialty_id_idx ON care_provider (specialty_id);
CREATE INDEX care_provider_search_idx ON care_provider (specialty_id, lower(name))
    WHERE deleted_at IS NULL AND accepts_new_patients;
CREATE INDEX care_provider_telemedicine_idx ON care_provider (specialty_id)
    WHERE telemedicine_available AND deleted_at IS NULL;
CREATE INDEX care_provider_address_idx ON care_provider USING gin (address jsonb_path_ops);
CREATE TRIGGER care_provider_set_updated_at BEFORE UPDATE ON care_provider
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();
