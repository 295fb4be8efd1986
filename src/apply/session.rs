//! The apply session: one connection, named `schemadiff`, guarded by a per-database
//! advisory lock, with its timeouts set per step class.

use super::{ApplyError, ApplyOptions, Timeouts};
use crate::conn::describe_error;
use std::time::{Duration, Instant};
use tokio_postgres::Client;

/// The advisory lock key: one per database, the same for every schemadiff version.
const LOCK_KEY: &str = "hashtext('schemadiff:' || current_database())";

/// A connection prepared for apply and holding the database's advisory lock.
///
/// Opening it runs `SET application_name = 'schemadiff'`,
/// `SET idle_in_transaction_session_timeout = …` and `SET client_connection_check_interval = …`
/// (so the server abandons a statement whose client was killed), then polls
/// `pg_try_advisory_lock(hashtext('schemadiff:' || current_database()))`, never queueing
/// behind another apply.
pub struct Session<'c> {
    pub(super) client: &'c Client,
    current: Option<Timeouts>,
    locked: bool,
}

impl<'c> Session<'c> {
    /// Prepare `client` and take the advisory lock, waiting at most `opts.advisory_wait`.
    pub async fn open(client: &'c Client, opts: &ApplyOptions) -> Result<Session<'c>, ApplyError> {
        client
            .batch_execute(&format!(
                "SET application_name = 'schemadiff'; SET idle_in_transaction_session_timeout = '{}ms'",
                opts.idle_in_transaction.as_millis()
            ))
            .await
            .map_err(conn_err)?;
        let version: i32 = client
            .query_one("SELECT current_setting('server_version_num')::int", &[])
            .await
            .map_err(conn_err)?
            .get(0);
        if version >= 140000 {
            client
                .batch_execute("SET client_connection_check_interval = '1s'")
                .await
                .map_err(conn_err)?;
        }
        let started = Instant::now();
        loop {
            let row = client
                .query_one(&format!("SELECT pg_try_advisory_lock({LOCK_KEY})"), &[])
                .await
                .map_err(conn_err)?;
            if row.get::<_, bool>(0) {
                break;
            }
            if started.elapsed() >= opts.advisory_wait {
                return Err(ApplyError::Locked {
                    waited: started.elapsed(),
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Ok(Session {
            client,
            current: None,
            locked: true,
        })
    }

    /// Give the session the timeouts of the next step, with one round trip only when they
    /// differ from the ones in force: `SET lock_timeout = '…ms'; SET statement_timeout = '…ms'`.
    /// Called outside any transaction block, so a rollback never undoes it.
    pub(super) async fn set_timeouts(&mut self, t: Timeouts) -> Result<(), tokio_postgres::Error> {
        if let Some(sql) = timeouts_sql(self.current, t) {
            self.current = None;
            self.client.batch_execute(&sql).await?;
            self.current = Some(t);
        }
        Ok(())
    }

    /// Release the advisory lock (the server also releases it when the connection ends).
    pub async fn close(mut self) {
        if self.locked {
            let _ = self
                .client
                .execute(&format!("SELECT pg_advisory_unlock({LOCK_KEY})"), &[])
                .await;
            self.locked = false;
        }
    }
}

fn conn_err(e: tokio_postgres::Error) -> ApplyError {
    ApplyError::Connection(describe_error(&e))
}

/// The `SET`s that move the session from `current` to `next`, or `None` when nothing changes.
pub(super) fn timeouts_sql(current: Option<Timeouts>, next: Timeouts) -> Option<String> {
    let mut sets = Vec::new();
    if current.map(|c| c.lock) != Some(next.lock) {
        sets.push(format!("SET lock_timeout = '{}ms'", next.lock.as_millis()));
    }
    if current.map(|c| c.statement) != Some(next.statement) {
        sets.push(format!(
            "SET statement_timeout = '{}ms'",
            next.statement.as_millis()
        ));
    }
    (!sets.is_empty()).then(|| sets.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(lock: u64, statement: u64) -> Timeouts {
        Timeouts {
            lock: Duration::from_millis(lock),
            statement: Duration::from_millis(statement),
        }
    }

    #[test]
    fn sets_only_what_changes() {
        assert_eq!(
            timeouts_sql(None, t(3000, 0)).as_deref(),
            Some("SET lock_timeout = '3000ms'; SET statement_timeout = '0ms'")
        );
        assert_eq!(timeouts_sql(Some(t(3000, 0)), t(3000, 0)), None);
        assert_eq!(
            timeouts_sql(Some(t(3000, 0)), t(3000, 5)).as_deref(),
            Some("SET statement_timeout = '5ms'")
        );
        assert_eq!(
            timeouts_sql(Some(t(3000, 5)), t(10, 5)).as_deref(),
            Some("SET lock_timeout = '10ms'")
        );
    }
}
