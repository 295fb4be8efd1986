//! Executing the ordered statements into a database, with as few round trips as possible.
//!
//! Fast path: statements are sent in batches, one simple-query message each (one round
//! trip, one implicit transaction). When a batch fails it is rolled back as a whole, so its
//! statements are sent again one by one, pipelined (still about one round trip), to find
//! the failing ones. Statements that failed because something they need does not exist
//! yet are retried after all the others, round after round while some succeed; only then
//! are failures reported. Statements that cannot run inside a transaction block run alone.
//!
//! One connection: loading independent statements on two connections was measured slower
//! on a 2-core machine (foreign keys to shared parents serialize on their locks, and
//! batches that lock parents in different orders deadlock and fall back), so it was left
//! out.
//!
//! Settings (`SET`, `set_config`) apply to the rest of their file: a connection switching
//! between files with different settings replays `RESET ALL` and the file's settings.

use futures_util::future::join_all;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio_postgres::error::ErrorPosition;
use tokio_postgres::Client;

use super::error::{missing_role, remedy, SourceError};
use super::order::{executes, load_order};
use super::{DesiredFiles, StatementKind};
use crate::conn::{describe_error, ConnTarget};

/// How statements are sent.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// At most this many statements per batch (one round trip, one implicit transaction;
    /// bounded so a batch never holds too many locks).
    pub batch_statements: usize,
    /// At most about this many bytes of SQL per batch.
    pub batch_bytes: usize,
    /// Create the roles statements name but the server lacks (`CREATE ROLE r NOLOGIN`), then
    /// retry them: only for a private embedded cluster, never a shared server.
    pub create_missing_roles: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            batch_statements: 100,
            batch_bytes: 256 * 1024,
            create_missing_roles: false,
        }
    }
}

/// What loading did.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// Statements executed successfully.
    pub statements: usize,
    /// Batches sent on the fast path.
    pub batches: usize,
    /// Batches that failed and were replayed statement by statement.
    pub fallbacks: usize,
    /// Statements that succeeded only on a retry round.
    pub retried: usize,
    pub elapsed: Duration,
}

/// A server error, kept to build a diagnostic.
#[derive(Debug, Clone)]
pub(crate) struct DbFailure {
    code: String,
    message: String,
    detail: Option<String>,
    hint: Option<String>,
    position: Option<ErrorPosition>,
}

impl DbFailure {
    /// Errors that a statement loaded later can cure: something missing, and 0A000, which
    /// TimescaleDB raises for a continuous aggregate over a table that is not a hypertable
    /// yet (its `create_hypertable` call keeps its place in another file).
    fn retryable(&self) -> bool {
        matches!(
            self.code.as_str(),
            "42P01" | "42704" | "3F000" | "42883" | "42P10" | "42703" | "42830" | "55P04" | "0A000"
        ) || self.code.starts_with("40")
    }
}

fn failure(e: &tokio_postgres::Error) -> Option<DbFailure> {
    let db = e.as_db_error()?;
    Some(DbFailure {
        code: db.code().code().to_string(),
        message: db.message().to_string(),
        detail: db.detail().map(str::to_string),
        hint: db.hint().map(str::to_string),
        position: db.position().cloned(),
    })
}

enum Item {
    Context(usize),
    Statement(usize),
}

/// Failures rendered in one report; the rest are counted (one missing extension can fail
/// thousands of statements).
const MAX_REPORTED: usize = 20;

struct Conn {
    client: Client,
    /// The settings context the session is in; `None` when unknown (after a failure).
    ctx: Option<usize>,
}

struct Loader<'a> {
    files: &'a DesiredFiles,
    ctx_of: Vec<usize>,
    /// SQL that switches a session into each context (`RESET ALL` + the file's settings).
    ctx_sql: Vec<String>,
    /// Setting statements of each context, to blame when it fails.
    ctx_members: Vec<Vec<usize>>,
    opts: LoadOptions,
}

#[derive(Default)]
struct Outcome {
    deferred: Vec<(usize, DbFailure)>,
    failed: Vec<(usize, DbFailure)>,
    ok: usize,
    batches: usize,
    fallbacks: usize,
}

/// Load the desired statements into the database of `target` (which should be empty).
pub async fn load(
    files: &DesiredFiles,
    target: &ConnTarget,
    opts: &LoadOptions,
) -> Result<LoadReport, SourceError> {
    let started = Instant::now();
    let loader = Loader::new(files, opts.clone());
    let order = load_order(&files.statements);
    let mut conn = Conn {
        client: target.connect().await?,
        ctx: Some(0),
    };
    let mut out = Outcome::default();
    for batch in loader.batches(&order) {
        loader.run_batch(&mut conn, &batch, &mut out).await?;
    }
    let mut position = vec![usize::MAX; files.statements.len()];
    for (k, &j) in order.iter().enumerate() {
        position[j] = k;
    }
    let mut retried = 0;
    while !out.deferred.is_empty() {
        let created = if opts.create_missing_roles {
            create_roles(&conn.client, &out.deferred).await?
        } else {
            0
        };
        let mut ids: Vec<usize> = out.deferred.drain(..).map(|(j, _)| j).collect();
        ids.sort_by_key(|&j| position[j]);
        let before = ids.len() + created;
        let mut round = Outcome::default();
        loader.run_pipelined(&mut conn, &ids, &mut round).await?;
        out.failed.extend(round.failed);
        retried += round.ok;
        out.ok += round.ok;
        let progress = round.deferred.len() < before;
        out.deferred = round.deferred;
        if !progress {
            out.failed.append(&mut out.deferred);
        }
    }
    if !out.failed.is_empty() {
        return Err(loader.report(out.failed));
    }
    Ok(LoadReport {
        statements: out.ok,
        batches: out.batches,
        fallbacks: out.fallbacks,
        retried,
        elapsed: started.elapsed(),
    })
}

/// `CREATE ROLE r NOLOGIN` for every role a deferred failure says is missing; returns how
/// many were created.
async fn create_roles(
    client: &Client,
    deferred: &[(usize, DbFailure)],
) -> Result<usize, SourceError> {
    let roles: std::collections::BTreeSet<String> = deferred
        .iter()
        .filter_map(|(_, f)| missing_role(&f.code, &f.message))
        .collect();
    for role in &roles {
        let sql = format!("CREATE ROLE {} NOLOGIN", crate::catalog::Ident::new(role));
        client
            .batch_execute(&sql)
            .await
            .map_err(|e| SourceError::Load {
                reason: format!(
                    "creating role {role} in the embedded dev cluster: {}",
                    describe_error(&e)
                ),
            })?;
    }
    Ok(roles.len())
}

impl<'a> Loader<'a> {
    fn new(files: &'a DesiredFiles, opts: LoadOptions) -> Self {
        let stmts = &files.statements;
        let mut ctx_ids: BTreeMap<Vec<usize>, usize> = BTreeMap::new();
        ctx_ids.insert(Vec::new(), 0);
        let mut ctx_members = vec![Vec::new()];
        let mut ctx_of = vec![0; stmts.len()];
        let mut current: Vec<usize> = Vec::new();
        let mut current_id = 0;
        let mut file = usize::MAX;
        for (j, s) in stmts.iter().enumerate() {
            if s.file != file {
                file = s.file;
                current.clear();
                current_id = 0;
            }
            if s.kind == StatementKind::Setting {
                let param = s.setting.clone().unwrap_or_default();
                if param == "all" {
                    current.clear();
                } else {
                    current.retain(|&k| stmts[k].setting.as_deref() != Some(param.as_str()));
                    current.push(j);
                }
                let next = ctx_ids.len();
                current_id = *ctx_ids.entry(current.clone()).or_insert(next);
                if current_id == ctx_members.len() {
                    ctx_members.push(current.clone());
                }
            }
            ctx_of[j] = current_id;
        }
        let ctx_sql = ctx_members
            .iter()
            .map(|members| {
                let mut sql = String::from("RESET ALL");
                for &k in members {
                    sql.push_str(";\n");
                    sql.push_str(&stmts[k].sql);
                }
                sql
            })
            .collect();
        Loader {
            files,
            ctx_of,
            ctx_sql,
            ctx_members,
            opts,
        }
    }

    /// Cut the ordered statements into batches; a statement that must run alone gets a
    /// batch of its own.
    fn batches(&self, order: &[usize]) -> Vec<Vec<usize>> {
        let stmts = &self.files.statements;
        let mut out = Vec::new();
        let mut cur: Vec<usize> = Vec::new();
        let mut bytes = 0;
        for &j in order {
            if !executes(&stmts[j]) {
                continue;
            }
            if stmts[j].run_alone {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                out.push(vec![j]);
                bytes = 0;
                continue;
            }
            cur.push(j);
            bytes += stmts[j].sql.len();
            if cur.len() >= self.opts.batch_statements || bytes >= self.opts.batch_bytes {
                out.push(std::mem::take(&mut cur));
                bytes = 0;
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    }

    async fn run_batch(
        &self,
        conn: &mut Conn,
        ids: &[usize],
        out: &mut Outcome,
    ) -> Result<(), SourceError> {
        let stmts = &self.files.statements;
        if ids.len() == 1 && stmts[ids[0]].run_alone {
            return self.run_pipelined(conn, ids, out).await;
        }
        let mut sql = String::new();
        let mut ctx = conn.ctx;
        for &j in ids {
            let c = self.ctx_of[j];
            if ctx != Some(c) {
                sql.push_str(&self.ctx_sql[c]);
                sql.push_str(";\n");
                ctx = Some(c);
            }
            sql.push_str(&stmts[j].sql);
            sql.push_str(";\n");
        }
        out.batches += 1;
        match conn.client.batch_execute(&sql).await {
            Ok(()) => {
                conn.ctx = ctx;
                out.ok += ids.len();
                Ok(())
            }
            Err(e) if e.as_db_error().is_some() => {
                conn.ctx = None;
                out.fallbacks += 1;
                self.run_pipelined(conn, ids, out).await
            }
            Err(e) => Err(SourceError::Load {
                reason: describe_error(&e),
            }),
        }
    }

    /// Send each statement as its own query, all pipelined, and sort the results.
    async fn run_pipelined(
        &self,
        conn: &mut Conn,
        ids: &[usize],
        out: &mut Outcome,
    ) -> Result<(), SourceError> {
        let stmts = &self.files.statements;
        let mut items = Vec::with_capacity(ids.len() + 1);
        let mut ctx = conn.ctx;
        for &j in ids {
            let c = self.ctx_of[j];
            if ctx != Some(c) {
                items.push(Item::Context(c));
                ctx = Some(c);
            }
            items.push(Item::Statement(j));
        }
        let client = &conn.client;
        let results = join_all(items.iter().map(|item| match item {
            Item::Context(c) => client.batch_execute(&self.ctx_sql[*c]),
            Item::Statement(j) => client.batch_execute(&stmts[*j].sql),
        }))
        .await;
        let mut ctx = conn.ctx;
        for (item, result) in items.iter().zip(results) {
            match (item, result) {
                (Item::Context(c), Ok(())) => ctx = Some(*c),
                (Item::Statement(_), Ok(())) => out.ok += 1,
                (_, Err(e)) => {
                    let Some(f) = failure(&e) else {
                        return Err(SourceError::Load {
                            reason: describe_error(&e),
                        });
                    };
                    match item {
                        Item::Context(c) => {
                            ctx = None;
                            let blame = self.blame_setting(client, *c).await;
                            let (j, f) = blame.unwrap_or((self.ctx_members[*c][0], f));
                            if !out.failed.iter().any(|(k, _)| *k == j) {
                                out.failed.push((j, f));
                            }
                        }
                        Item::Statement(j) if f.retryable() => out.deferred.push((*j, f)),
                        Item::Statement(j) => out.failed.push((*j, f)),
                    }
                }
            }
        }
        conn.ctx = ctx;
        Ok(())
    }

    /// Find which setting of a context fails, by running them one at a time.
    async fn blame_setting(&self, client: &Client, c: usize) -> Option<(usize, DbFailure)> {
        let stmts = &self.files.statements;
        for &k in &self.ctx_members[c] {
            if let Err(e) = client.batch_execute(&stmts[k].sql).await {
                return failure(&e).map(|f| (k, f));
            }
        }
        None
    }

    fn report(&self, mut failed: Vec<(usize, DbFailure)>) -> SourceError {
        let stmts = &self.files.statements;
        failed.sort_by_key(|(j, f)| (f.retryable(), stmts[*j].file, stmts[*j].span.start));
        let count = failed.len();
        let mut errors: Vec<SourceError> = failed
            .iter()
            .take(MAX_REPORTED)
            .map(|(j, f)| self.rejected(*j, f))
            .collect();
        if count == 1 {
            return errors.remove(0);
        }
        SourceError::Failed {
            count,
            shown: errors.len(),
            errors,
        }
    }

    /// A diagnostic pointing at the position PostgreSQL reports (a 1-based character
    /// offset in the statement, or in a function body it contains), else at the statement.
    fn rejected(&self, j: usize, f: &DbFailure) -> SourceError {
        let s = &self.files.statements[j];
        let sql = s.sql.as_str();
        let char_offset = |text: &str, p: u32| -> Option<usize> {
            let p = usize::try_from(p).ok()?.checked_sub(1)?;
            text.char_indices().nth(p).map(|(b, _)| b)
        };
        let (offset, label) = match &f.position {
            Some(ErrorPosition::Original(p)) => match char_offset(sql, *p) {
                Some(b) => (b, "here"),
                None => (0, "in this statement"),
            },
            Some(ErrorPosition::Internal { position, query }) => {
                match (sql.find(query.as_str()), char_offset(query, *position)) {
                    (Some(start), Some(b)) => (start + b, "here, in the routine body"),
                    _ => (0, "in the routine body of this statement"),
                }
            }
            None => (0, "in this statement"),
        };
        let len = sql[offset..]
            .find(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';'))
            .unwrap_or(sql.len() - offset)
            .max(1)
            .min(sql.len().saturating_sub(offset).max(1));
        let mut message = f.message.clone();
        if let Some(d) = &f.detail {
            message.push_str(": ");
            message.push_str(d);
        }
        let mut help = remedy(&f.code, &f.message);
        if let Some(h) = &f.hint {
            help.push_str(" (PostgreSQL: ");
            help.push_str(h);
            help.push(')');
        }
        SourceError::Rejected {
            message: crate::conn::redact(&message),
            code: f.code.clone(),
            src: self.files.named_source(s.file),
            at: {
                let text = &self.files.files[s.file].text;
                let r = s.file_range(text, offset, len);
                (r.start, r.end - r.start).into()
            },
            label: label.to_string(),
            help,
        }
    }
}
