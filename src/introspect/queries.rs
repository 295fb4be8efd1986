//! The bulk queries (`queries/*.sql`), their text for a server version, and running them
//! all at once on one connection.

use super::IntrospectError;
use crate::conn::describe_error;
use tokio_postgres::types::{FromSql, Type};
use tokio_postgres::{Client, Row};

/// Prefix of the queries that only look at managed schemas: defines the `managed` CTE from
/// parameter `$1` (text[] or NULL).
const MANAGED: &str = include_str!("queries/managed.sql");

/// One bulk query: a whole object kind for the whole database.
struct Query {
    name: &'static str,
    text: &'static str,
    /// Prefixed with `managed.sql` and given the scope as `$1`.
    scoped: bool,
}

const SCHEMAS: Query = Query {
    name: "schemas",
    text: include_str!("queries/schemas.sql"),
    scoped: true,
};
const EXTENSIONS: Query = Query {
    name: "extensions",
    text: include_str!("queries/extensions.sql"),
    scoped: false,
};
const RELATIONS: Query = Query {
    name: "tables and composite types",
    text: include_str!("queries/relations.sql"),
    scoped: true,
};
const COLUMNS: Query = Query {
    name: "columns",
    text: include_str!("queries/columns.sql"),
    scoped: true,
};
const CONSTRAINTS: Query = Query {
    name: "constraints",
    text: include_str!("queries/constraints.sql"),
    scoped: true,
};
const INDEXES: Query = Query {
    name: "indexes",
    text: include_str!("queries/indexes.sql"),
    scoped: true,
};
const SEQUENCES: Query = Query {
    name: "sequences",
    text: include_str!("queries/sequences.sql"),
    scoped: true,
};
const ENUMS: Query = Query {
    name: "enums",
    text: include_str!("queries/enums.sql"),
    scoped: true,
};
const DOMAINS: Query = Query {
    name: "domains",
    text: include_str!("queries/domains.sql"),
    scoped: true,
};
const DOMAIN_CHECKS: Query = Query {
    name: "domain constraints",
    text: include_str!("queries/domain_checks.sql"),
    scoped: true,
};
const VIEWS: Query = Query {
    name: "views",
    text: include_str!("queries/views.sql"),
    scoped: true,
};
const FUNCTIONS: Query = Query {
    name: "functions",
    text: include_str!("queries/functions.sql"),
    scoped: true,
};
const TRIGGERS: Query = Query {
    name: "triggers",
    text: include_str!("queries/triggers.sql"),
    scoped: true,
};
const EVENT_TRIGGERS: Query = Query {
    name: "event triggers",
    text: include_str!("queries/event_triggers.sql"),
    scoped: true,
};
const PARTITIONS: Query = Query {
    name: "partitioning",
    text: include_str!("queries/partitions.sql"),
    scoped: true,
};
const UNMANAGED: Query = Query {
    name: "unmanaged objects",
    text: include_str!("queries/unmanaged.sql"),
    scoped: true,
};
const PRIVILEGES: Query = Query {
    name: "privileges",
    text: include_str!("queries/privileges.sql"),
    scoped: true,
};
const DEFAULT_PRIVILEGES: Query = Query {
    name: "default privileges",
    text: include_str!("queries/default_privileges.sql"),
    scoped: true,
};
const POLICIES: Query = Query {
    name: "policies",
    text: include_str!("queries/policies.sql"),
    scoped: true,
};
const ROW_SECURITY: Query = Query {
    name: "row-level security",
    text: include_str!("queries/row_security.sql"),
    scoped: true,
};
const ROLES: Query = Query {
    name: "roles",
    text: include_str!("queries/roles.sql"),
    scoped: false,
};
const DEPENDS: Query = Query {
    name: "dependencies",
    text: include_str!("queries/depends.sql"),
    scoped: false,
};

/// Every bulk query, in the order [`run_all`] sends them.
const ALL: [&Query; 22] = [
    &SCHEMAS,
    &EXTENSIONS,
    &RELATIONS,
    &COLUMNS,
    &CONSTRAINTS,
    &INDEXES,
    &SEQUENCES,
    &ENUMS,
    &DOMAINS,
    &DOMAIN_CHECKS,
    &VIEWS,
    &FUNCTIONS,
    &TRIGGERS,
    &EVENT_TRIGGERS,
    &PARTITIONS,
    &UNMANAGED,
    &PRIVILEGES,
    &DEFAULT_PRIVILEGES,
    &POLICIES,
    &ROW_SECURITY,
    &ROLES,
    &DEPENDS,
];

/// One bulk query as sent to a server of a given version, for running the queries alone
/// (the introspection benchmark's floor) without building a catalog.
#[derive(Debug, Clone)]
pub struct BulkQuery {
    /// What it reads, as named in errors (e.g. `columns`).
    pub name: &'static str,
    /// The SQL, placeholders filled for the server version.
    pub text: String,
    /// Takes the managed schemas as `$1` (`text[]`, or NULL for every non-system schema).
    pub scoped: bool,
}

/// The text of every bulk query for `server_version`, in the order introspection sends
/// them (pipelined, after [`SNAPSHOT_BEGIN`](super::SNAPSHOT_BEGIN), with `$1` typed
/// `text[]` on the scoped ones).
pub fn bulk_queries(server_version: u32) -> Vec<BulkQuery> {
    ALL.iter()
        .map(|q| BulkQuery {
            name: q.name,
            text: text_for(q, server_version),
            scoped: q.scoped,
        })
        .collect()
}

/// The rows of every bulk query, read in one snapshot.
pub(super) struct Rows {
    pub schemas: Vec<Row>,
    pub extensions: Vec<Row>,
    pub relations: Vec<Row>,
    pub columns: Vec<Row>,
    pub constraints: Vec<Row>,
    pub indexes: Vec<Row>,
    pub sequences: Vec<Row>,
    pub enums: Vec<Row>,
    pub domains: Vec<Row>,
    pub domain_checks: Vec<Row>,
    pub views: Vec<Row>,
    pub functions: Vec<Row>,
    pub triggers: Vec<Row>,
    pub event_triggers: Vec<Row>,
    pub partitions: Vec<Row>,
    pub unmanaged: Vec<Row>,
    pub depends: Vec<Row>,
    pub privileges: Vec<Row>,
    pub default_privileges: Vec<Row>,
    pub policies: Vec<Row>,
    pub row_security: Vec<Row>,
    pub roles: Vec<Row>,
}

/// The expression for "validated" in constraints.sql and domain_checks.sql: from 18 on a
/// NOT ENFORCED constraint has `convalidated` false without waiting for VALIDATE.
fn validated_expr(server_version: u32) -> &'static str {
    if server_version >= 180000 {
        "(c.convalidated OR NOT c.conenforced)"
    } else {
        "c.convalidated"
    }
}

fn text_for(q: &Query, server_version: u32) -> String {
    let body = q
        .text
        .replace("{{VALIDATED}}", validated_expr(server_version));
    if q.scoped {
        format!("{MANAGED}{body}")
    } else {
        body
    }
}

/// Issue every query at once on `client` (tokio-postgres pipelines concurrent requests,
/// and `query_typed` sends parse, bind and execute in one message) and wait for all of
/// them: one round trip whatever the number of kinds.
pub(super) async fn run_all(
    client: &Client,
    server_version: u32,
    schemas: Option<Vec<String>>,
) -> Result<Rows, IntrospectError> {
    let run = |q: &'static Query| {
        let text = text_for(q, server_version);
        let schemas = schemas.clone();
        async move {
            let result = if q.scoped {
                client
                    .query_typed(&text, &[(&schemas, Type::TEXT_ARRAY)])
                    .await
            } else {
                client.query_typed(&text, &[]).await
            };
            result.map_err(|e| IntrospectError::Query {
                what: q.name,
                reason: describe_error(&e),
            })
        }
    };
    let (
        schemas,
        extensions,
        relations,
        columns,
        constraints,
        indexes,
        sequences,
        enums,
        domains,
        domain_checks,
        views,
        (functions, triggers, event_triggers),
        partitions,
        unmanaged,
        depends,
        privileges,
        default_privileges,
        policies,
        row_security,
        roles,
    ) = futures_util::try_join!(
        run(&SCHEMAS),
        run(&EXTENSIONS),
        run(&RELATIONS),
        run(&COLUMNS),
        run(&CONSTRAINTS),
        run(&INDEXES),
        run(&SEQUENCES),
        run(&ENUMS),
        run(&DOMAINS),
        run(&DOMAIN_CHECKS),
        run(&VIEWS),
        async { futures_util::try_join!(run(&FUNCTIONS), run(&TRIGGERS), run(&EVENT_TRIGGERS)) },
        run(&PARTITIONS),
        run(&UNMANAGED),
        run(&DEPENDS),
        run(&PRIVILEGES),
        run(&DEFAULT_PRIVILEGES),
        run(&POLICIES),
        run(&ROW_SECURITY),
        run(&ROLES),
    )?;
    Ok(Rows {
        schemas,
        extensions,
        relations,
        columns,
        constraints,
        indexes,
        sequences,
        enums,
        domains,
        domain_checks,
        views,
        functions,
        triggers,
        event_triggers,
        partitions,
        unmanaged,
        depends,
        privileges,
        default_privileges,
        policies,
        row_security,
        roles,
    })
}

/// Typed access to the columns of one query's rows, with errors that name the query.
pub(super) struct Reader<'a> {
    pub row: &'a Row,
    pub query: &'static str,
}

impl<'a> Reader<'a> {
    pub fn get<T: FromSql<'a>>(&self, column: &'static str) -> Result<T, IntrospectError> {
        self.row
            .try_get(column)
            .map_err(|e| IntrospectError::Decode {
                what: self.query,
                column,
                reason: e.to_string(),
            })
    }
}

/// Wrap each row of a result for typed access.
pub(super) fn read<'a>(rows: &'a [Row], query: &'static str) -> impl Iterator<Item = Reader<'a>> {
    rows.iter().map(move |row| Reader { row, query })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_for_every_version() {
        for q in ALL {
            for v in [140000, 150018, 170000, 180000] {
                let text = text_for(q, v);
                assert!(!text.contains("{{"), "{}: {text}", q.name);
                assert_eq!(text.contains("$1"), q.scoped, "{}", q.name);
            }
        }
        for q in [&CONSTRAINTS, &DOMAIN_CHECKS] {
            assert!(text_for(q, 180000).contains("NOT c.conenforced"));
            assert!(!text_for(q, 170004).contains("NOT c.conenforced"));
        }
    }
}
