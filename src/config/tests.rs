use super::*;
use miette::Diagnostic;

const YAML: &str = "\
dev_url: embedded
services:
  auth:
    url: postgresql://app@${DB_HOST}/auth
    schema: schema/auth
    seeds: seeds/auth
    schemas: [public, auth]
    ignore: [\"public.legacy_*\"]
    allow_hazards: [data_loss, index_build]
    timeouts:
      lock_timeout: 5s
      lock_attempts: 3
    environments:
      prod: ${AUTH_PROD_URL}
  billing:
    url: ${BILLING_URL:-postgresql:///billing}
    schema: schema/billing
    ignore_migration_tables: false
    manage_ownership: true
";

fn env(name: &str) -> Option<String> {
    (name == "DB_HOST").then(|| "db.internal".to_string())
}

/// The 1-based line a diagnostic's first label points at.
fn line_of(err: &ConfigError) -> usize {
    let label = err
        .labels()
        .and_then(|mut l| l.next())
        .unwrap_or_else(|| panic!("no label on {err:?}"));
    let text = match err {
        ConfigError::Syntax { src, .. }
        | ConfigError::Invalid { src, .. }
        | ConfigError::MissingVariable { src, .. }
        | ConfigError::NoEnvironment { src, .. } => src.text().to_string(),
        _ => panic!("no source on {err:?}"),
    };
    text[..label.offset()].matches('\n').count() + 1
}

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(Path::new("/srv/fleet/schemadiff.yaml"), text.to_string())
}

#[test]
fn services_resolve_with_interpolation_paths_and_policy() {
    let c = parse(YAML).expect("parses");
    assert_eq!(c.names(), ["auth", "billing"]);
    let auth = c.service("auth", None, &env).expect("auth");
    assert_eq!(auth.url, "postgresql://app@db.internal/auth");
    assert_eq!(auth.schema, Path::new("/srv/fleet/schema/auth"));
    assert_eq!(
        auth.seeds.as_deref(),
        Some(Path::new("/srv/fleet/seeds/auth"))
    );
    assert_eq!(
        auth.scope.schemas,
        Some(["auth".to_string(), "public".to_string()].into())
    );
    let ignored: Vec<&str> = auth
        .scope
        .ignore
        .patterns
        .iter()
        .map(|p| p.0.as_str())
        .collect();
    assert_eq!(
        ignored,
        [
            "*._prisma_migrations",
            "*.alembic_version",
            "*.flyway_schema_history",
            "public.legacy_*"
        ]
    );
    assert_eq!(
        auth.allowed,
        [Hazard::DataLoss, Hazard::IndexBuild].into_iter().collect()
    );
    assert!(!auth.manage_ownership);
    assert_eq!(auth.timeouts.lock_timeout, Some(Duration::from_secs(5)));
    assert_eq!(auth.timeouts.lock_attempts, Some(3));
    assert_eq!(auth.timeouts.statement_timeout, None);
    let billing = c.service("billing", None, &env).expect("billing");
    assert_eq!(billing.url, "postgresql:///billing");
    assert!(billing.scope.ignore.is_empty());
    assert_eq!(billing.scope.schemas, None);
    assert!(billing.manage_ownership);
}

#[test]
fn a_missing_variable_names_itself_and_its_line() {
    let c = parse(YAML).expect("parses");
    let err = c.service("auth", Some("prod"), &env).unwrap_err();
    assert!(
        matches!(&err, ConfigError::MissingVariable { variable, .. } if variable == "AUTH_PROD_URL"),
        "{err:?}"
    );
    assert_eq!(line_of(&err), 14);
    let err = c.service("auth", None, &|_| None).unwrap_err();
    assert!(
        matches!(&err, ConfigError::MissingVariable { variable, .. } if variable == "DB_HOST"),
        "{err:?}"
    );
    assert_eq!(line_of(&err), 4);
    let err = c.service("billing", Some("prod"), &env).unwrap_err();
    assert!(matches!(err, ConfigError::NoEnvironment { .. }), "{err:?}");
    assert_eq!(line_of(&err), 15);
}

#[test]
fn errors_point_at_the_yaml_line() {
    let bad_hazard = YAML.replace("[data_loss, index_build]", "[data_loss, dataloss]");
    let err = parse(&bad_hazard).unwrap_err();
    assert_eq!(line_of(&err), 9, "{err:?}");
    assert!(err.to_string().contains("dataloss"), "{err}");

    let bad_duration = YAML.replace("lock_timeout: 5s", "lock_timeout: 5 weeks");
    let err = parse(&bad_duration).unwrap_err();
    assert_eq!(line_of(&err), 11, "{err:?}");

    let unknown_key = YAML.replace("    seeds: seeds/auth", "    seed: seeds/auth");
    let err = parse(&unknown_key).unwrap_err();
    assert!(err.to_string().contains("seed"), "{err}");
    assert_eq!(line_of(&err), 6, "{err:?}");

    let no_url = YAML.replace("    url: ${BILLING_URL:-postgresql:///billing}\n", "");
    let err = parse(&no_url).unwrap_err();
    assert!(err.to_string().contains("url"), "{err}");

    let broken = YAML.replace("    schemas: [public, auth]", "    schemas: [public, auth");
    let err = parse(&broken).unwrap_err();
    assert!(matches!(err, ConfigError::Syntax { .. }), "{err:?}");
}

#[test]
fn unknown_services_list_the_known_ones() {
    let c = parse(YAML).expect("parses");
    assert_eq!(c.select(&[]).unwrap(), ["auth", "billing"]);
    assert_eq!(
        c.select(&["billing".into(), "billing".into()]).unwrap(),
        ["billing"]
    );
    let err = c.select(&["payments".into()]).unwrap_err();
    assert!(err.to_string().contains("payments"), "{err}");
    assert_eq!(
        err.help().map(|h| h.to_string()).as_deref(),
        Some("the services are: auth, billing")
    );
}

#[test]
fn a_service_lint_section_overrides_the_top_level_and_unknown_rules_point_at_their_line() {
    let text = "\
lint:
  timestamps: [created_at, updated_at, deleted_at]
  table_prefix: app_
  rules:
    fk.name: off
    risk.missing_fk_action: error
services:
  a:
    url: postgresql:///a
    schema: a
  b:
    url: postgresql:///b
    schema: b
    lint:
      table_prefix: crm_
      rules:
        fk.name: warning
";
    let c = parse(text).expect("parses");
    let a = c.service("a", None, &env).expect("a").lint;
    let b = c.service("b", None, &env).expect("b").lint;
    assert_eq!(a.table_prefix.as_deref(), Some("app_"));
    assert_eq!(b.table_prefix.as_deref(), Some("crm_"));
    assert_eq!(
        b.timestamps, a.timestamps,
        "keys the service leaves out are inherited"
    );
    assert_eq!(a.rules["fk.name"], crate::lint::Level::Off);
    assert_eq!(b.rules["fk.name"], crate::lint::Level::Warning);
    assert_eq!(b.rules["risk.missing_fk_action"], crate::lint::Level::Error);
    let bad = text.replace("fk.name: warning", "fk.named: warning");
    let err = parse(&bad).unwrap_err();
    assert!(
        err.to_string().contains("unknown lint rule `fk.named`"),
        "{err}"
    );
    assert_eq!(line_of(&err), 17);
}

#[test]
fn the_checked_in_json_schema_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemadiff.schema.json");
    let shipped = std::fs::read_to_string(&path).unwrap_or_default();
    if std::env::var_os("SCHEMADIFF_WRITE_SCHEMA").is_some() {
        std::fs::write(&path, json_schema()).expect("write the schema");
        return;
    }
    assert_eq!(
        shipped,
        json_schema(),
        "docs/schemadiff.schema.json is stale: run SCHEMADIFF_WRITE_SCHEMA=1 cargo test --lib config"
    );
}
