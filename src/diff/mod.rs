//! What differs between two catalogs.
