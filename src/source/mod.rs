//! Desired state: schema files are split into statements, ordered by their references,
//! loaded into a dev database and introspected there.
