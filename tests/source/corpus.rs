//! The sqldef conformance corpus as a loading test: any statement order must load.

use super::*;

/// The sqldef conformance corpus (`shared/conformance/sqldef`, beside the repository).
fn corpus_dir() -> Option<PathBuf> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        here.join("../shared/conformance/sqldef"),
        PathBuf::from("/work/shared/conformance/sqldef"),
    ]
    .into_iter()
    .find(|d| d.is_dir())
}

/// Everything the desired SQL of a case creates, as one sorted text.
const SIGNATURE_SQL: &str = "SELECT coalesce(string_agg(x, ' ' ORDER BY x), '') FROM (\
    SELECT 'rel:' || c.oid::regclass::text || ':' || c.relkind::text FROM pg_class c \
      JOIN pg_namespace n ON n.oid = c.relnamespace \
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') \
    UNION ALL SELECT 'con:' || conname || ':' || contype::text FROM pg_constraint c \
      JOIN pg_namespace n ON n.oid = c.connamespace \
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
    UNION ALL SELECT 'proc:' || p.oid::regprocedure::text FROM pg_proc p \
      JOIN pg_namespace n ON n.oid = p.pronamespace \
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
    UNION ALL SELECT 'type:' || t.oid::regtype::text FROM pg_type t \
      JOIN pg_namespace n ON n.oid = t.typnamespace \
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') \
      AND t.typrelid = 0 AND t.typelem = 0 \
    UNION ALL SELECT 'trigger:' || tgname FROM pg_trigger WHERE NOT tgisinternal \
    UNION ALL SELECT 'policy:' || polname FROM pg_policy \
    UNION ALL SELECT 'comment:' || description FROM pg_description \
      WHERE objoid >= 16384 \
    UNION ALL SELECT 'ext:' || extname FROM pg_extension \
    UNION ALL SELECT 'acl:' || c.oid::regclass::text || coalesce(c.relacl::text, '') FROM pg_class c \
      JOIN pg_namespace n ON n.oid = c.relnamespace \
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') \
) s(x)";

/// Back to an empty database: extensions and every user schema dropped, `public` remade.
const RESET_SQL: &str = "DO $$ DECLARE r record; BEGIN \
    FOR r IN SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' LOOP \
      EXECUTE format('DROP EXTENSION IF EXISTS %I CASCADE', r.extname); END LOOP; \
    FOR r IN SELECT nspname FROM pg_namespace WHERE nspname NOT IN \
      ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg\\_%' LOOP \
      EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname); END LOOP; \
    CREATE SCHEMA public; END $$";

/// Every `desired` schema of the corpus that PostgreSQL loads as written (one
/// multi-statement query) must also load with its statements in reverse order, creating
/// the same objects.
pub fn conformance_corpus_loads_reversed(h: &Harness) {
    let Some(dir) = corpus_dir() else {
        panic!("the conformance corpus (shared/conformance/sqldef) is missing");
    };
    let mut cases: Vec<(String, String)> = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: serde_yaml_ng::Mapping = serde_yaml_ng::from_str(&text).unwrap();
        for (name, case) in doc {
            let (Some(name), Some(case)) = (name.as_str(), case.as_mapping()) else {
                continue;
            };
            let excluded = [
                "flavor",
                "user",
                "offline",
                "config",
                "error",
                "min_version",
            ]
            .iter()
            .any(|k| case.contains_key(*k));
            let Some(desired) = case.get("desired").and_then(|d| d.as_str()) else {
                continue;
            };
            let lower = desired.to_ascii_lowercase();
            if excluded || lower.contains("create role") || lower.contains("create user") {
                continue;
            }
            cases.push((name.to_string(), desired.to_string()));
        }
    }
    let (mut passed, mut skipped, mut retried, mut fallbacks) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    block_on(async {
        // Two databases reset between cases (much cheaper than new databases).
        let baseline = h.fresh_db("corpus baseline").await;
        let ours = h.fresh_db("corpus ours").await;
        let base_conn = baseline.connect().await.unwrap();
        let ours_conn = ours.connect().await.unwrap();
        for (name, desired) in &cases {
            base_conn.batch_execute(RESET_SQL).await.unwrap();
            let expected = match base_conn.batch_execute(desired).await {
                Ok(()) => base_conn
                    .query_one(SIGNATURE_SQL, &[])
                    .await
                    .unwrap()
                    .get::<_, String>(0),
                Err(_) => String::new(),
            };
            if expected.is_empty() {
                skipped += 1;
                continue;
            }
            let forward =
                match schemadiff::source::from_files(vec![schemadiff::source::SourceFile {
                    path: format!("{name}.sql").into(),
                    text: desired.clone(),
                }]) {
                    Ok(f) => f,
                    Err(e) => {
                        failures.push(format!("{name}: {}", render(&e)));
                        continue;
                    }
                };
            let mut stmts: Vec<&str> = forward.statements.iter().map(|s| s.sql.as_str()).collect();
            stmts.reverse();
            let reversed = schemadiff::source::from_files(vec![schemadiff::source::SourceFile {
                path: format!("{name}.reversed.sql").into(),
                text: stmts.join(";\n") + ";\n",
            }])
            .unwrap();
            ours_conn.batch_execute(RESET_SQL).await.unwrap();
            match load(&reversed, &ours, &LoadOptions::default()).await {
                Ok(report) => {
                    retried += report.retried;
                    fallbacks += report.fallbacks;
                    let got: String = ours_conn
                        .query_one(SIGNATURE_SQL, &[])
                        .await
                        .unwrap()
                        .get(0);
                    if got == expected {
                        passed += 1;
                    } else {
                        failures.push(format!(
                            "{name}: objects differ\n  expected {expected}\n  got      {got}"
                        ));
                    }
                }
                Err(e) => failures.push(format!("{name}: {}", render(&e))),
            }
        }
        drop((base_conn, ours_conn));
        h.drop_db(&baseline).await;
        h.drop_db(&ours).await;
    });
    println!(
        "corpus: {passed} passed, {skipped} skipped (do not load as written), {} failed; \
         {fallbacks} batches replayed, {retried} statements retried",
        failures.len()
    );
    assert!(passed > 300, "only {passed} cases loaded");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
