//! schemadiff: declarative schema management for PostgreSQL and TimescaleDB.
//!
//! Data flows one way: desired files are loaded into a dev database ([`source`]), both it
//! and the live database are read by [`introspect`] into a [`catalog::Catalog`], the two
//! catalogs are compared by [`diff`], ordered by [`order`] into a [`plan::Plan`], which is
//! rendered or executed by [`apply`].

pub mod apply;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod conn;
pub mod diff;
pub mod drift;
pub mod embedded;
pub mod introspect;
pub mod lint;
pub mod order;
pub mod plan;
pub mod render;
pub mod seeds;
pub mod source;
pub mod workflow;
