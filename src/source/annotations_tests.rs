use super::*;

fn hints(text: &str) -> Result<Vec<RenameHint>, SourceError> {
    parse_files(&[SourceFile {
        path: "s.sql".into(),
        text: text.into(),
    }])
}

fn short(h: &RenameHint) -> String {
    format!(
        "{} {}{}{} <- {}",
        h.kind.as_str(),
        h.schema
            .as_ref()
            .map(|s| format!("{s}."))
            .unwrap_or_default(),
        h.parent
            .as_ref()
            .map(|p| format!("{p}/"))
            .unwrap_or_default(),
        h.name,
        h.from
    )
}

#[test]
fn every_place_an_annotation_goes() {
    let text = "\
-- schemadiff:renamed-from app.patients_old
CREATE TABLE app.patient (
    id uuid PRIMARY KEY,
    -- schemadiff:renamed-from FullName
    \"Name\" text,
    -- schemadiff:renamed-from patient_age_check
    CONSTRAINT patient_age_positive CHECK (true)
);
-- schemadiff:renamed-from old_idx
CREATE UNIQUE INDEX IF NOT EXISTS patient_name_idx ON app.patient (\"Name\");
-- schemadiff:renamed-from \"Mood\"
CREATE TYPE mood AS ENUM (
    'happy',
    -- schemadiff:renamed-from 'so so'
    'meh'
);
-- schemadiff:renamed-from note
ALTER TABLE ONLY app.patient ADD COLUMN IF NOT EXISTS remark text;
-- schemadiff:renamed-from fk_old
ALTER TABLE app.patient ADD CONSTRAINT patient_fk FOREIGN KEY (id) REFERENCES app.patient (id);
-- schemadiff:renamed-from Sad
CREATE TYPE mood2 AS ENUM ('happy', -- schemadiff:renamed-from Sad
 'sad');
";
    let got: Vec<String> = hints(text).unwrap().iter().map(short).collect();
    assert_eq!(
        got,
        [
            "table app.patient <- patients_old",
            "column app.patient/Name <- fullname",
            "constraint app.patient/patient_age_positive <- patient_age_check",
            "index app.patient_name_idx <- old_idx",
            "type mood <- Mood",
            "enum value mood/meh <- so so",
            "column app.patient/remark <- note",
            "constraint app.patient/patient_fk <- fk_old",
            "type mood2 <- sad",
            "enum value mood2/sad <- Sad",
        ]
    );
    assert_eq!(hints(text).unwrap()[1].location, "s.sql:4:5");
}

#[test]
fn malformed_annotations_point_at_the_comment() {
    let cases = [
        (
            "-- schemadiff:renamed-form x\nCREATE TABLE t (a int);",
            "unknown schemadiff annotation",
        ),
        (
            "-- schemadiff:renamed-from\nCREATE TABLE t (a int);",
            "without an old name",
        ),
        (
            "-- schemadiff:renamed-from a b\nCREATE TABLE t (a int);",
            "unexpected `b`",
        ),
        (
            "-- schemadiff:renamed-from x\nCREATE VIEW v AS SELECT 1;",
            "must come right before",
        ),
        (
            "CREATE TABLE t (a int);\n-- schemadiff:renamed-from x\n",
            "followed by no definition",
        ),
        (
            "-- schemadiff:renamed-from x\nCREATE INDEX ON t (a);",
            "named index",
        ),
        (
            "CREATE TABLE t (a int,\n-- schemadiff:renamed-from x\nPRIMARY KEY (a));",
            "named constraint",
        ),
        (
            "CREATE TABLE t (a int\n-- schemadiff:renamed-from x\nNOT NULL);",
            "before a column",
        ),
        (
            "-- schemadiff:renamed-from s.x\nCREATE TABLE u.t (a int);",
            "schema s",
        ),
        (
            "CREATE TABLE t (\n-- schemadiff:renamed-from s.x\na int);",
            "not schema-qualified",
        ),
        (
            "-- schemadiff:renamed-from x\n-- schemadiff:renamed-from y\nCREATE TABLE t (a int);",
            "second",
        ),
    ];
    for (text, want) in cases {
        let err = hints(text).unwrap_err();
        let SourceError::Annotation { message, at, .. } = &err else {
            panic!("{text}: {err:?}");
        };
        assert!(message.contains(want), "{text}: {message}");
        let start = at.offset();
        assert!(text[start..].starts_with("--"), "{text}: span at {start}");
    }
}

#[test]
fn plain_comments_and_strings_are_not_annotations() {
    let text = "-- a comment about schemadiff: nothing\nCREATE TABLE t (a text DEFAULT '-- schemadiff:renamed-from x');\n/* schemadiff:renamed-from y */ CREATE TABLE u (a int);";
    assert!(hints(text).unwrap().is_empty());
}

#[test]
fn lint_ignores_cover_the_next_definition_and_renames_pass_over_them() {
    let text = "\
CREATE TABLE a (id int);
-- schemadiff:lint-ignore naming.singular_table, risk.no_primary_key
CREATE TABLE things (
    id int,
    -- schemadiff:lint-ignore naming.snake_case
    \"Bad\" text,
    -- schemadiff:renamed-from old
    note text
);
-- schemadiff:lint-ignore
CREATE INDEX ON a (id);
";
    let file = SourceFile {
        path: "s.sql".into(),
        text: text.into(),
    };
    let ignores = lint_ignores(&file);
    assert_eq!(
        ignores,
        vec![
            LintIgnore {
                rules: vec!["naming.singular_table".into(), "risk.no_primary_key".into()],
                line: 2,
                covers: (3, 9),
            },
            LintIgnore {
                rules: vec!["naming.snake_case".into()],
                line: 5,
                covers: (6, 6),
            },
            LintIgnore {
                rules: vec![],
                line: 10,
                covers: (11, 11),
            },
        ]
    );
    let renames = parse_files(std::slice::from_ref(&file)).unwrap();
    assert_eq!(renames.len(), 1);
    assert_eq!(short(&renames[0]), "column things/note <- old");
}
