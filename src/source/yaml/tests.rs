use super::*;

/// The line and column (1-based, columns in characters) a diagnostic's label starts at.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    (line, col)
}

fn error(text: &str) -> (&'static str, (usize, usize), String) {
    let e = compile("t.yaml", text).expect_err("an error");
    let (code, at, message) = match &e {
        YamlError::Syntax { at, message, .. } => ("syntax", at, message),
        YamlError::UnknownKey { at, message, .. } => ("unknown_key", at, message),
        YamlError::WrongType { at, message, .. } => ("wrong_type", at, message),
        YamlError::MissingKey { at, message, .. } => ("missing_key", at, message),
        YamlError::Invalid { at, message, .. } => ("invalid", at, message),
    };
    (code, line_col(text, at.offset()), message.clone())
}

#[test]
fn compiles_tables_with_everything_around_them() {
    let text = "\
schema: app
enums:
  mood:
    values: [ok, { name: sad, renamed_from: blue }]
tables:
  person:
    renamed_from: people
    comment: Somebody
    columns:
      id: { type: bigint, identity: always }
      Name: { type: text, nullable: false, default: \"'x'\", renamed_from: name }
      feeling: mood
    primary_key: [id]
    checks:
      - { name: person_name_check, expression: length(\"Name\") > 0 }
    foreign_keys:
      - name: person_friend_fk
        columns: [id]
        references: { table: friend, schema: other }
        on_delete: cascade
    indexes:
      - { name: person_name_idx, columns: [Name, { expression: lower(\"Name\"), order: desc }], where: id > 0 }
";
    let c = compile("t.yaml", text).unwrap();
    assert_eq!(
        c.sql,
        "\
SET search_path TO app, public;
CREATE TYPE app.mood AS ENUM (
    'ok',
-- schemadiff:renamed-from 'blue'
    'sad'
);
-- schemadiff:renamed-from people
CREATE TABLE app.person (
    id bigint GENERATED ALWAYS AS IDENTITY,
-- schemadiff:renamed-from name
    \"Name\" text DEFAULT ('x') NOT NULL,
    feeling mood,
    PRIMARY KEY (id),
    CONSTRAINT person_name_check CHECK (length(\"Name\") > 0)
);
ALTER TABLE app.person ADD CONSTRAINT person_friend_fk FOREIGN KEY (id) REFERENCES other.friend ON DELETE CASCADE;
CREATE INDEX person_name_idx ON app.person (\"Name\", (lower(\"Name\")) DESC) WHERE (id > 0);
COMMENT ON TABLE app.person IS 'Somebody';
"
    );
}

#[test]
fn hypertables_compile_to_the_timescaledb_calls() {
    let text = "\
tables:
  metric:
    columns: { ts: timestamptz, device: int, v: float8 }
    hypertable:
      time_column: ts
      chunk_interval: 1 day
      partitioning: { column: device, partitions: 4 }
      compression:
        segment_by: [device]
        order_by: [{ column: ts, order: desc }]
      compression_policy: 7 days
      retention_policy: { after: 90 days, schedule_interval: 12 hours }
";
    let c = compile("t.yaml", text).unwrap();
    let tail: Vec<&str> = c.sql.lines().skip(5).collect();
    assert_eq!(
        tail,
        vec![
            "SELECT create_hypertable('metric', 'ts', chunk_time_interval => INTERVAL '1 day');",
            "SELECT add_dimension('metric', 'device', number_partitions => 4);",
            "ALTER TABLE metric SET (timescaledb.compress, timescaledb.compress_segmentby = 'device', timescaledb.compress_orderby = 'ts DESC');",
            "SELECT add_compression_policy('metric', INTERVAL '7 days');",
            "SELECT add_retention_policy('metric', INTERVAL '90 days', schedule_interval => INTERVAL '12 hours');",
        ],
        "{}",
        c.sql
    );
}

#[test]
fn names_are_quoted_and_values_are_literals() {
    let text = "\
schema: My Schema
tables:
  \"select\":
    comment: it's
    columns:
      'a\"b': int
";
    let c = compile("t.yaml", text).unwrap();
    assert!(
        c.sql
            .starts_with("SET search_path TO \"My Schema\", public;\nCREATE TABLE \"My Schema\".\"select\" (\n    \"a\"\"b\" int\n);"),
        "{}",
        c.sql
    );
    assert!(c
        .sql
        .contains("COMMENT ON TABLE \"My Schema\".\"select\" IS 'it''s';"));
}

#[test]
fn compiled_positions_map_back_to_the_yaml() {
    let text =
        "tables:\n  t:\n    columns:\n      id: uuid\n      n: { type: nosuchtype, default: 1 }\n";
    let c = compile("t.yaml", text).unwrap();
    let at = c.sql.find("nosuchtype").unwrap();
    let r = c.locate(text, at, "nosuchtype".len());
    assert_eq!(&text[r.clone()], "nosuchtype");
    assert_eq!(line_col(text, r.start), (5, 18));
    let at = c.sql.find("uuid").unwrap();
    assert_eq!(line_col(text, c.locate(text, at + 2, 1).start), (4, 13));
    let stmt = c.statement(&(0..c.sql.len() - 2));
    assert_eq!(line_col(text, stmt.start), (2, 3));
}

#[test]
fn each_error_class_has_its_line_and_column() {
    let (code, at, m) = error("tables:\n  t:\n    columns: [a\n");
    assert_eq!((code, at), ("syntax", (4, 1)), "{m}");
    let (code, at, m) = error("tables:\n  t:\n    colums:\n      id: int\n");
    assert_eq!((code, at), ("unknown_key", (3, 5)), "{m}");
    assert_eq!(m, "unknown key `colums`");
    let (code, at, m) =
        error("tables:\n  t:\n    columns:\n      id: { type: int, nullable: maybe }\n");
    assert_eq!((code, at), ("wrong_type", (4, 34)), "{m}");
    let (code, at, m) = error("tables:\n  t:\n    columns:\n      id: { nullable: false }\n");
    assert_eq!((code, at), ("missing_key", (4, 7)), "{m}");
    assert_eq!(m, "missing key `type`");
    let (code, at, m) = error("tables:\n  t:\n    foreign_keys:\n      - columns: [a]\n        references: { table: u }\n        on_delete: explode\n");
    assert_eq!((code, at), ("invalid", (6, 20)), "{m}");
    let (code, at, m) = error("tables:\n  t:\n    columns:\n      a: int\n      a: text\n");
    assert_eq!((code, at), ("invalid", (5, 7)), "{m}");
    let (code, at, m) = error(
        "tables:\n  t:\n    columns:\n      a: { type: int, default: \"1; drop table x\" }\n",
    );
    assert_eq!((code, at), ("invalid", (4, 32)), "{m}");
    let (code, at, m) = error("enums:\n  e:\n    values: [a, b]\n    renamed_from: [x]\n");
    assert_eq!((code, at), ("wrong_type", (4, 19)), "{m}");
    let (code, at, m) =
        error("tables:\n  t:\n    columns: { a: { type: int, identity: sometimes } }\n");
    assert_eq!((code, at), ("invalid", (3, 42)), "{m}");
}

#[test]
fn empty_files_define_nothing() {
    assert_eq!(compile("t.yaml", "").unwrap().sql, "");
    assert_eq!(compile("t.yaml", "# only a comment\n").unwrap().sql, "");
    assert_eq!(compile("t.yaml", "tables:\n").unwrap().sql, "");
}

#[test]
fn the_checked_json_schema_is_current() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/definitions.schema.json");
    let fresh = json_schema();
    if std::env::var_os("SCHEMADIFF_WRITE_SCHEMA").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let checked = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked == fresh,
        "docs/definitions.schema.json is stale: run SCHEMADIFF_WRITE_SCHEMA=1 cargo test --lib yaml"
    );
}

#[test]
fn the_documented_example_compiles() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/yaml-definitions.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let start = doc.find("## A full example").unwrap();
    let block = &doc[start..];
    let block = &block[block.find("```yaml\n").unwrap() + 8..];
    let block = &block[..block.find("```").unwrap()];
    let c = compile("example.yaml", block).unwrap_or_else(|e| panic!("{e:?}"));
    for needle in [
        "CREATE TYPE health.goal_status AS ENUM (",
        "CREATE INDEX health_goal_metadata_gin ON health.health_goal USING gin (metadata jsonb_path_ops);",
        "SELECT add_retention_policy('health.health_metric', INTERVAL '5 years', schedule_interval => INTERVAL '12 hours');",
        "REFERENCES auth.users (id) ON DELETE CASCADE;",
    ] {
        assert!(c.sql.contains(needle), "{needle}\n{}", c.sql);
    }
}
