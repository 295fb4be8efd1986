CREATE TABLE patients (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    doctor_id uuid REFERENCES doctors (id) ON DELETE SET NULL,
    institution_id uuid REFERENCES medical_institutions (id) ON DELETE SET NULL,
    first_name varchar(100) NOT NULL,
    last_name varchar(100) NOT NULL,
    email email NOT NULL UNIQUE,
    date_of_birth date NOT NULL,
    sex sex NOT NULL DEFAULT 'unknown',
    phone varchar(30),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- a patient belongs to a doctor or to an institution
    CONSTRAINT patients_owner_check CHECK (doctor_id IS NOT NULL OR institution_id IS NOT NULL),
    CONSTRAINT patients_birth_check CHECK (date_of_birth <= CURRENT_DATE)
);
CREATE INDEX patients_doctor_id_idx ON patients (doctor_id);
CREATE INDEX patients_institution_id_idx ON patients (institution_id);
CREATE INDEX patients_name_idx ON patients (lower(last_name), lower(first_name));
COMMENT ON TABLE patients IS 'Patients, each owned by a doctor or an institution';

CREATE TABLE health_profiles (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    patient_id uuid NOT NULL UNIQUE REFERENCES patients (id) ON DELETE CASCADE,
    height_cm numeric(5,1) CHECK (height_cm > 0 AND height_cm < 300),
    weight_kg numeric(5,1) CHECK (weight_kg > 0 AND weight_kg < 700),
    blood_type varchar(3) CHECK (blood_type IN ('A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-')),
    is_smoker boolean NOT NULL DEFAULT false,
    allergies text[] NOT NULL DEFAULT '{}',
    conditions jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX health_profiles_conditions_idx ON health_profiles USING gin (conditions);
