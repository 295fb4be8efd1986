CREATE TABLE medical_institutions (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    name varchar(200) NOT NULL,
    institution_type institution_type NOT NULL,
    tax_id varchar(30) NOT NULL UNIQUE,
    email email NOT NULL,
    phone varchar(30),
    address text,
    is_verified boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Reference data kept by seeds/ (keyed by code): the platform's serial id, which doctors
-- reference, and no audit columns.
-- schemadiff:lint-ignore keys.uuid_primary_key, columns.timestamps
CREATE TABLE doctor_specialties (
    id serial PRIMARY KEY,
    code varchar(20) NOT NULL UNIQUE,
    name varchar(100) NOT NULL,
    description text
);

CREATE TABLE doctors (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    -- soft reference: a doctor may leave an institution without losing the profile
    institution_id uuid REFERENCES medical_institutions (id) ON DELETE SET NULL,
    specialty_id integer NOT NULL REFERENCES doctor_specialties (id),
    first_name varchar(100) NOT NULL,
    last_name varchar(100) NOT NULL,
    email email NOT NULL UNIQUE,
    license_number varchar(50) NOT NULL UNIQUE,
    years_experience smallint CHECK (years_experience BETWEEN 0 AND 70),
    consultation_fee numeric(10,2) CHECK (consultation_fee >= 0),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX doctors_institution_id_idx ON doctors (institution_id);
CREATE INDEX doctors_specialty_id_idx ON doctors (specialty_id);
