CREATE TYPE user_type AS ENUM ('patient', 'doctor', 'admin', 'institution');
CREATE TYPE institution_type AS ENUM ('clinic', 'hospital', 'insurer', 'laboratory', 'pharmacy');
CREATE TYPE sex AS ENUM ('female', 'male', 'other', 'unknown');

CREATE DOMAIN email AS varchar(255)
    CONSTRAINT email_format CHECK (VALUE ~* '^[^@\s]+@[^@\s]+\.[^@\s]+$');
