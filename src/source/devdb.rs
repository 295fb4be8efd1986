//! Dev databases: the scratch databases desired SQL is loaded into.

use tokio_postgres::Client;

use super::error::SourceError;
use super::load::{load, LoadOptions};
use super::DesiredFiles;
use crate::catalog::ident::Ident;
use crate::catalog::Catalog;
use crate::conn::{describe_error, ConnTarget};
use crate::embedded::EmbeddedCluster;
use crate::introspect::{introspect, Scope};

/// Where desired SQL is loaded to be normalized.
#[derive(Debug, Clone)]
pub enum DevDb {
    /// A temporary database on the target's own server (same version, same extensions).
    TargetServer(ConnTarget),
    /// A temporary database on another server (`--dev-url URL`).
    Url(ConnTarget),
    /// A private throwaway cluster started from the local PostgreSQL binaries
    /// (`--dev-url embedded`).
    Embedded,
}

/// A temporary database `schemadiff_dev_<pid>_<random>`, made with
/// `CREATE DATABASE name TEMPLATE template0` and removed with
/// `DROP DATABASE IF EXISTS name WITH (FORCE)` by [`drop`](Self::drop) (or, as a last
/// resort, by a task spawned when the value is dropped without it).
pub struct DevDatabase {
    admin: Option<Client>,
    admin_target: ConnTarget,
    name: String,
    target: ConnTarget,
    cluster: Option<EmbeddedCluster>,
}

/// The admin connection used to create the dev database, from the dev server's
/// fingerprint (reused, so a cache miss costs no second login).
pub(crate) struct Fingerprint {
    pub text: String,
    pub admin: Option<Client>,
}

const FINGERPRINT_SQL: &str = "SELECT current_setting('server_version_num'), \
     coalesce(string_agg(name || '=' || coalesce(default_version, ''), ',' ORDER BY name), '') \
     FROM pg_available_extensions";

/// What of the dev server can change the normalized catalog: its version and the versions
/// of the extensions it offers. For `Embedded`, the local binaries' `postgres --version` and
/// their extension control files (no cluster is started for this).
pub(crate) async fn server_fingerprint(dev: &DevDb) -> Result<Fingerprint, SourceError> {
    match dev {
        DevDb::TargetServer(t) | DevDb::Url(t) => {
            let admin = t.connect().await?;
            let row = admin.query_one(FINGERPRINT_SQL, &[]).await.map_err(|e| {
                SourceError::DevDatabase {
                    shown: t.shown.clone(),
                    reason: describe_error(&e),
                }
            })?;
            let version: String = row.get(0);
            let extensions: String = row.get(1);
            Ok(Fingerprint {
                text: format!("server {version}\nextensions {extensions}\n"),
                admin: Some(admin),
            })
        }
        DevDb::Embedded => {
            let bin = EmbeddedCluster::find_binaries()?;
            let text =
                tokio::task::spawn_blocking(move || super::cache::embedded_fingerprint(&bin))
                    .await
                    .map_err(|e| SourceError::Load {
                        reason: e.to_string(),
                    })?;
            Ok(Fingerprint { text, admin: None })
        }
    }
}

impl DevDatabase {
    /// Create a temporary database on the dev server.
    pub async fn create(dev: &DevDb) -> Result<DevDatabase, SourceError> {
        Self::create_with(dev, None).await
    }

    pub(crate) async fn create_with(
        dev: &DevDb,
        admin: Option<Client>,
    ) -> Result<DevDatabase, SourceError> {
        let (admin_target, cluster) = match dev {
            DevDb::TargetServer(t) | DevDb::Url(t) => (t.clone(), None),
            DevDb::Embedded => {
                let cluster = tokio::task::spawn_blocking(|| EmbeddedCluster::start(None))
                    .await
                    .map_err(|e| SourceError::Load {
                        reason: e.to_string(),
                    })??;
                (cluster.target("postgres"), Some(cluster))
            }
        };
        let admin = match admin {
            Some(a) if cluster.is_none() => a,
            _ => admin_target.connect().await?,
        };
        let name = format!(
            "schemadiff_dev_{}_{:08x}",
            std::process::id(),
            rand::random::<u32>()
        );
        let sql = format!("CREATE DATABASE {} TEMPLATE template0", Ident::new(&name));
        if let Err(e) = admin.batch_execute(&sql).await {
            let reason = describe_error(&e);
            let denied = e.as_db_error().is_some_and(|d| d.code().code() == "42501");
            let shown = admin_target.shown.clone();
            return Err(if denied {
                SourceError::DevPrivilege { shown, reason }
            } else {
                SourceError::DevDatabase { shown, reason }
            });
        }
        let target = admin_target.with_dbname(&name);
        Ok(DevDatabase {
            admin: Some(admin),
            admin_target,
            name,
            target,
            cluster,
        })
    }

    /// Connection target of the temporary database.
    pub fn target(&self) -> &ConnTarget {
        &self.target
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Drop the database (terminating any session still in it), then stop the embedded
    /// cluster if there is one.
    pub async fn drop(mut self) -> Result<(), SourceError> {
        let sql = drop_sql(&self.name);
        let mut result = match self.admin.take() {
            Some(admin) => admin
                .batch_execute(&sql)
                .await
                .map_err(|e| describe_error(&e)),
            None => Err("no admin connection".to_string()),
        };
        if result.is_err() {
            result = match self.admin_target.connect().await {
                Ok(admin) => admin
                    .batch_execute(&sql)
                    .await
                    .map_err(|e| describe_error(&e)),
                Err(e) => Err(e.to_string()),
            };
        }
        self.name.clear();
        if let Some(mut cluster) = self.cluster.take() {
            tokio::task::spawn_blocking(move || cluster.stop())
                .await
                .ok();
        }
        result.map_err(|reason| SourceError::DevDatabase {
            shown: self.admin_target.shown.clone(),
            reason: format!("dropping the temporary database failed: {reason}"),
        })
    }
}

fn drop_sql(name: &str) -> String {
    format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", Ident::new(name))
}

impl Drop for DevDatabase {
    fn drop(&mut self) {
        if self.name.is_empty() || self.cluster.is_some() {
            return;
        }
        if let (Some(admin), Ok(handle)) =
            (self.admin.take(), tokio::runtime::Handle::try_current())
        {
            let sql = drop_sql(&self.name);
            handle.spawn(async move {
                let _ = admin.batch_execute(&sql).await;
            });
        }
    }
}

/// Policies added by the desired files start running at once: in the dev database they
/// are paused (`alter_job(id, scheduled => false)`) so that they do no work there.
const PAUSE_TIMESCALEDB_JOBS: &str = "DO $$ BEGIN \
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'timescaledb') THEN \
        EXECUTE pg_catalog.format('SELECT %I.alter_job(id, scheduled => false) \
                FROM _timescaledb_config.bgw_job WHERE id >= 1000 AND scheduled', \
            (SELECT n.nspname FROM pg_catalog.pg_extension e \
             JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace \
             WHERE e.extname = 'timescaledb')); \
    END IF; END $$";

/// Pause every TimescaleDB job of the database `client` is connected to (nothing happens
/// without the extension). The dev database does this after loading the desired files.
pub async fn pause_timescaledb_jobs(client: &Client) -> Result<(), SourceError> {
    client
        .batch_execute(PAUSE_TIMESCALEDB_JOBS)
        .await
        .map_err(|e| SourceError::Load {
            reason: format!(
                "pausing the TimescaleDB jobs of the dev database: {}",
                describe_error(&e)
            ),
        })
}

/// Create a dev database, load the files, introspect it, and drop it whatever happens
/// (error, or Ctrl-C while working).
pub(crate) async fn load_and_introspect(
    files: &DesiredFiles,
    dev: &DevDb,
    scope: &Scope,
    admin: Option<Client>,
) -> Result<Catalog, SourceError> {
    let db = DevDatabase::create_with(dev, admin).await?;
    let work = async {
        let opts = LoadOptions {
            create_missing_roles: db.cluster.is_some(),
            ..LoadOptions::default()
        };
        load(files, db.target(), &opts).await?;
        let client = db.target().connect().await?;
        pause_timescaledb_jobs(&client).await?;
        let mut catalog = introspect(&client, scope).await?;
        // the dev server's roles say nothing about the server the plan is for
        catalog.privileges.roles = None;
        Ok::<_, SourceError>(catalog)
    };
    let result = tokio::select! {
        r = work => r,
        _ = tokio::signal::ctrl_c() => Err(SourceError::Interrupted),
    };
    let dropped = db.drop().await;
    let catalog = result?;
    dropped?;
    Ok(catalog)
}
