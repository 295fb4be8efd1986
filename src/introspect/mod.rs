//! The only reader of `pg_catalog`: one bulk query per object kind, all in one
//! `REPEATABLE READ` snapshot, whatever the number of tables.
//!
//! Three round trips in all: `BEGIN` with the session settings and the server version,
//! then every bulk query pipelined on the connection, then `COMMIT`. The queries live in
//! `queries/*.sql`; rows become a [`Catalog`] in `build`, and `pg_depend` rows become
//! [`Catalog::depends`] in `depends`, through OIDs that never reach the catalog.

mod build;
pub mod canon;
mod depends;
pub mod ignore;
pub mod names;
pub mod outside;
mod partitions;
mod queries;

pub use queries::{bulk_queries, BulkQuery};
mod routines;
mod security;
pub mod timescale;
mod views;

use crate::catalog::Catalog;
use crate::conn::describe_error;
use std::collections::BTreeSet;
use tokio_postgres::{Client, SimpleQueryMessage};

/// Oldest `server_version_num` the queries are written for.
pub const MIN_SERVER_VERSION: u32 = 140000;

/// Which schemas are managed. `None` means every schema that is not a system schema, not
/// owned by an extension, and not internal to TimescaleDB.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub schemas: Option<BTreeSet<String>>,
    /// Objects taken out of the catalog after it is read (see [`ignore::Ignore::filter`]).
    pub ignore: ignore::Ignore,
}

/// Errors while reading the catalog.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum IntrospectError {
    #[error("reading {what} from the catalog failed: {reason}")]
    #[diagnostic(
        code(schemadiff::introspect::query),
        help("check that the connection is alive and the role may read pg_catalog; a query canceled by statement_timeout can be retried with a longer one")
    )]
    Query { what: &'static str, reason: String },

    #[error("unexpected value in column `{column}` of {what}: {reason}")]
    #[diagnostic(
        code(schemadiff::introspect::decode),
        help("this is a bug in schemadiff's catalog queries for this server version; please report it with the server version")
    )]
    Decode {
        what: &'static str,
        column: &'static str,
        reason: String,
    },

    #[error("PostgreSQL with server_version_num {found} is not supported")]
    #[diagnostic(
        code(schemadiff::introspect::version),
        help("schemadiff reads PostgreSQL 14 and later; upgrade the server or point --dev-url at a supported one")
    )]
    UnsupportedVersion { found: u32 },

    #[error("the catalog is inconsistent: {detail}")]
    #[diagnostic(
        code(schemadiff::introspect::inconsistent),
        help("this should not happen on a healthy database; please report it with the server version and the DDL of the object")
    )]
    Inconsistent { detail: String },
}

/// `BEGIN` the snapshot, settings for the transaction only, the server version and the
/// installed TimescaleDB version (NULL without the extension), which decides whether the
/// TimescaleDB queries are sent.
/// `search_path = pg_catalog` makes `format_type`, `pg_get_expr`, `pg_get_constraintdef` and
/// `pg_get_indexdef` qualify every user object, identically on any two databases; the date
/// settings make date and time constants (defaults, partition bounds) print the same whatever
/// the server's or the session's defaults.
pub const SNAPSHOT_BEGIN: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; \
                     SET LOCAL search_path = pg_catalog; \
                     SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, MDY'; \
                     SET LOCAL IntervalStyle = 'postgres'; \
                     SELECT current_setting('server_version_num'), \
                     (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb')";

/// Read the whole managed catalog of the database `client` is connected to.
///
/// Runs in its own read-only transaction (committed, or rolled back on error), so `client`
/// must not be inside one.
pub async fn introspect(client: &Client, scope: &Scope) -> Result<Catalog, IntrospectError> {
    let result = read_in_snapshot(client, scope).await;
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = client.batch_execute(end).await;
    let (rows, ts_rows, server_version) = result?;
    ended.map_err(|e| IntrospectError::Query {
        what: "the end of the snapshot",
        reason: describe_error(&e),
    })?;
    let mut catalog = build::build(&rows, server_version)?;
    if let Some(ts_rows) = ts_rows {
        timescale::apply(&ts_rows, &mut catalog)?;
    }
    scope.ignore.filter(&mut catalog);
    Ok(catalog)
}

async fn read_in_snapshot(
    client: &Client,
    scope: &Scope,
) -> Result<(queries::Rows, Option<timescale::TsRows>, u32), IntrospectError> {
    let begin = client
        .simple_query(SNAPSHOT_BEGIN)
        .await
        .map_err(|e| IntrospectError::Query {
            what: "the start of the snapshot",
            reason: describe_error(&e),
        })?;
    let (text, ts_version) = begin
        .iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some((
                row.get(0).unwrap_or_default().to_string(),
                row.get(1).map(str::to_string),
            )),
            _ => None,
        })
        .unwrap_or_default();
    let server_version: u32 = text.parse().map_err(|_| IntrospectError::Decode {
        what: "the server version",
        column: "server_version_num",
        reason: format!("not a number: {text:?}"),
    })?;
    if server_version < MIN_SERVER_VERSION {
        return Err(IntrospectError::UnsupportedVersion {
            found: server_version,
        });
    }
    let schemas = scope
        .schemas
        .as_ref()
        .map(|s| s.iter().cloned().collect::<Vec<String>>());
    // boxed: the pipelined queries make a large future, and callers poll it on test
    // threads with small stacks
    let (rows, ts_rows) = futures_util::try_join!(
        Box::pin(queries::run_all(client, server_version, schemas.clone())),
        Box::pin(timescale::run_all(client, ts_version.as_deref(), schemas))
    )?;
    Ok((rows, ts_rows, server_version))
}
