//! The constraint names PostgreSQL generates when none is given, reproduced so that a
//! generated name can be recognised (`Constraint::name_is_generated`).
//!
//! Mirrors `makeObjectName`, `ChooseConstraintName`/`ChooseRelationName` (a number appended
//! to the label on conflict: `t_a_key1`), `ChooseIndexColumnNames` (`expr` for expressions,
//! duplicates numbered) and `ChooseIndexNameAddition`/`ChooseForeignKeyConstraintNameAddition`
//! (column names joined by `_`), with the 63-byte limit (`NAMEDATALEN - 1`).

use crate::catalog::ConstraintKind;

const NAMEDATALEN: usize = 64;

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary
/// (`pg_mbcliplen`).
fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `makeObjectName(name1, name2, label)`: `name1_name2_label`, truncating the longer of
/// `name1`/`name2` first so that the whole fits in 63 bytes.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let mut overhead = label.len() + 1;
    let mut name2chars = 0;
    if let Some(n2) = name2 {
        name2chars = n2.len();
        overhead += 1;
    }
    let mut name1chars = name1.len();
    let avail = (NAMEDATALEN - 1).saturating_sub(overhead);
    while name1chars + name2chars > avail {
        if name1chars > name2chars {
            name1chars -= 1;
        } else {
            name2chars -= 1;
        }
    }
    let mut out = String::with_capacity(NAMEDATALEN);
    out.push_str(clip(name1, name1chars));
    if let Some(n2) = name2 {
        out.push('_');
        out.push_str(clip(n2, name2chars));
    }
    out.push('_');
    out.push_str(label);
    out
}

/// Column names joined with `_`, stopping once the result reaches NAMEDATALEN bytes
/// (`ChooseIndexNameAddition`, `ChooseForeignKeyConstraintNameAddition`).
pub fn join_names<S: AsRef<str>>(names: &[S]) -> String {
    let mut buf = String::new();
    for name in names {
        if !buf.is_empty() {
            buf.push('_');
        }
        buf.push_str(clip(name.as_ref(), NAMEDATALEN - 1));
        if buf.len() >= NAMEDATALEN {
            break;
        }
    }
    buf
}

/// Names of the columns of an index built for a constraint (`ChooseIndexColumnNames`):
/// the column name, `expr` for an expression (`None`), a number appended to a repeat.
pub fn index_column_names(columns: &[Option<&str>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(columns.len());
    for col in columns {
        let orig = col.unwrap_or("expr");
        let mut cur = orig.to_string();
        let mut i = 1;
        while out.contains(&cur) {
            let suffix = i.to_string();
            cur = format!("{}{suffix}", clip(orig, NAMEDATALEN - 1 - suffix.len()));
            i += 1;
        }
        out.push(cur);
    }
    out
}

/// The label PostgreSQL appends for a constraint kind.
fn label(kind: ConstraintKind) -> &'static str {
    match kind {
        ConstraintKind::PrimaryKey => "pkey",
        ConstraintKind::Unique => "key",
        ConstraintKind::ForeignKey => "fkey",
        ConstraintKind::Check => "check",
        ConstraintKind::Exclude => "excl",
    }
}

/// The `name2` part PostgreSQL uses for a constraint on `table`:
/// - PRIMARY KEY: none;
/// - UNIQUE, EXCLUDE: every column of the backing index, INCLUDE columns too
///   (`index_columns`, `None` for an expression), as `ChooseIndexColumnNames` names them;
/// - FOREIGN KEY: the referencing columns (`key_columns`);
/// - CHECK: the column when the expression references exactly one, else none.
pub fn name_addition(
    kind: ConstraintKind,
    key_columns: &[&str],
    index_columns: &[Option<&str>],
) -> Option<String> {
    match kind {
        ConstraintKind::PrimaryKey => None,
        ConstraintKind::Unique | ConstraintKind::Exclude => {
            Some(join_names(&index_column_names(index_columns)))
        }
        ConstraintKind::ForeignKey => Some(join_names(key_columns)),
        ConstraintKind::Check => {
            let mut distinct: Vec<&str> = key_columns.to_vec();
            distinct.sort_unstable();
            distinct.dedup();
            match distinct.as_slice() {
                [only] => Some((*only).to_string()),
                _ => None,
            }
        }
    }
}

/// True when `name` is what PostgreSQL generates for a constraint of `kind` on `table`
/// whose `name2` part is `addition`, possibly with a number appended to the label.
pub fn is_generated(name: &str, table: &str, kind: ConstraintKind, addition: Option<&str>) -> bool {
    let label = label(kind);
    if name == make_object_name(table, addition, label) {
        return true;
    }
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || name[name.len() - digits..].starts_with('0') {
        return false;
    }
    let suffix = &name[name.len() - digits..];
    name == make_object_name(table, addition, &format!("{label}{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_joined() {
        assert_eq!(make_object_name("t", None, "pkey"), "t_pkey");
        assert_eq!(make_object_name("t", Some("a_b"), "key"), "t_a_b_key");
        assert!(is_generated(
            "t_a_b_key1",
            "t",
            ConstraintKind::Unique,
            Some("a_b")
        ));
        assert!(is_generated(
            "t_a_fkey12",
            "t",
            ConstraintKind::ForeignKey,
            Some("a")
        ));
        assert!(!is_generated(
            "t_a_fkey01",
            "t",
            ConstraintKind::ForeignKey,
            Some("a")
        ));
        assert!(!is_generated(
            "t_a_key",
            "t",
            ConstraintKind::ForeignKey,
            Some("a")
        ));
        assert!(!is_generated(
            "my_pk",
            "t",
            ConstraintKind::PrimaryKey,
            None
        ));
    }

    #[test]
    fn truncation_shortens_the_longer_name_first() {
        // 63 = name1 + "_" + name2 + "_" + label; here 58 bytes are left for the names.
        let table = "a".repeat(60);
        let col = "b".repeat(10);
        let got = make_object_name(&table, Some(&col), "key");
        assert_eq!(got.len(), 63);
        assert_eq!(got, format!("{}_{}_key", "a".repeat(48), "b".repeat(10)));

        // Both long: they meet in the middle, name2 giving up the odd byte.
        let got = make_object_name(&"a".repeat(63), Some(&"b".repeat(63)), "fkey");
        assert_eq!(got, format!("{}_{}_fkey", "a".repeat(29), "b".repeat(28)));

        // No name2: only the table is cut.
        let got = make_object_name(&"a".repeat(63), None, "pkey");
        assert_eq!(got, format!("{}_pkey", "a".repeat(58)));

        // A numbered label leaves one byte less for the names.
        let got = make_object_name(&"a".repeat(63), None, "pkey1");
        assert_eq!(got, format!("{}_pkey1", "a".repeat(57)));
        assert!(is_generated(
            &got,
            &"a".repeat(63),
            ConstraintKind::PrimaryKey,
            None
        ));
    }

    #[test]
    fn truncation_never_splits_a_character() {
        // "é" is two bytes; an odd byte budget must drop the whole character.
        let table = "é".repeat(30);
        let got = make_object_name(&table, None, "key");
        assert_eq!(got, format!("{}_key", "é".repeat(29)));
        assert_eq!(got.len(), 62, "59 bytes were available, 58 are used");
    }

    #[test]
    fn index_columns_are_named_like_postgres() {
        assert_eq!(
            index_column_names(&[Some("c"), None, None, Some("c")]),
            vec!["c", "expr", "expr1", "c1"]
        );
        assert_eq!(
            name_addition(ConstraintKind::Unique, &["a"], &[Some("a"), Some("b")]).as_deref(),
            Some("a_b")
        );
        assert_eq!(
            name_addition(ConstraintKind::Check, &["b", "a"], &[]),
            None,
            "a CHECK on two columns is named after the table only"
        );
        assert_eq!(
            name_addition(ConstraintKind::Check, &["a"], &[]).as_deref(),
            Some("a")
        );
    }

    #[test]
    fn joining_stops_after_namedatalen() {
        let long = "c".repeat(40);
        let joined = join_names(&[long.as_str(), long.as_str(), long.as_str()]);
        assert_eq!(joined.len(), 81, "two names, then stop");
    }
}
