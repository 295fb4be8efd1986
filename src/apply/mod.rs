//! Executing a plan against a database.
