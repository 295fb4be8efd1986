//! Markdown fit for a pull-request comment: counts, hazards first, then each changed object
//! with the diff of its definition and its SQL folded in `<details>`. A comment must stay
//! under GitHub's limit ([`COMMENT_LIMIT`]): [`fit_comment`] renders again with less detail
//! ([`Trim`]) until it fits, and the text says what was left out.

use super::definitions::owner;
use super::human::part_label;
use super::Review;
use crate::catalog::ObjectId;
use crate::plan::{Action, Plan, Step};
use std::collections::BTreeMap;

/// GitHub's limit on the body of an issue or pull-request comment, in characters (counted
/// here in bytes, which is never fewer).
pub const COMMENT_LIMIT: usize = 65_536;

/// How much of a plan a comment shows, from everything to the bare minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Trim {
    /// Every diff and every step's SQL.
    #[default]
    Full,
    /// Diffs whole; the per-object SQL left out.
    NoSql,
    /// Diffs cut to their first 40 lines.
    ShortDiffs,
    /// No diffs: the list of changed objects with their step counts (the first 30,000
    /// bytes of it, the rest counted).
    ObjectsOnly,
    /// Hazards (at most 200) and counts only.
    HazardsOnly,
}

impl Trim {
    const ALL: [Trim; 5] = [
        Trim::Full,
        Trim::NoSql,
        Trim::ShortDiffs,
        Trim::ObjectsOnly,
        Trim::HazardsOnly,
    ];

    fn note(self) -> Option<&'static str> {
        Some(match self {
            Trim::Full => return None,
            Trim::NoSql => "the SQL of each object is left out",
            Trim::ShortDiffs => "the SQL of each object is left out and diffs are cut to 40 lines",
            Trim::ObjectsOnly => "only hazards and the list of changed objects are shown",
            Trim::HazardsOnly => "only counts and hazards are shown",
        })
    }
}

const SHORT_DIFF_LINES: usize = 40;
const MAX_HAZARD_ROWS: usize = 200;
/// Bytes of the list of changed objects at [`Trim::ObjectsOnly`], beyond which the rest
/// is counted.
const MAX_OBJECT_LIST: usize = 30_000;

/// The plan as Markdown with every detail.
pub fn markdown(plan: &Plan, title: &str) -> String {
    markdown_review(plan, title, &Review::default(), Trim::Full)
}

/// Render with `render` at each [`Trim`] level in turn until the text fits in a comment
/// ([`COMMENT_LIMIT`]); a trimmed text starts with a note saying what was left out. If even
/// the barest form is too long, it is cut at a line boundary with a closing note.
pub fn fit_comment(render: impl Fn(Trim) -> String) -> String {
    let mut last = String::new();
    for trim in Trim::ALL {
        let text = render(trim);
        let text = match trim.note() {
            None => text,
            Some(what) => format!(
                "> [!NOTE]\n> Trimmed to fit a GitHub comment ({COMMENT_LIMIT} characters): \
                 {what}. `schemadiff plan --format sql` prints the whole plan.\n\n{text}"
            ),
        };
        if text.len() <= COMMENT_LIMIT {
            return text;
        }
        last = text;
    }
    let tail = "\n\n**Cut here: the plan does not fit a GitHub comment even without its \
                SQL and diffs. `schemadiff plan --format sql` prints the whole plan.**\n";
    let mut end = COMMENT_LIMIT - tail.len();
    while !last.is_char_boundary(end) {
        end -= 1;
    }
    let end = last[..end].rfind('\n').unwrap_or(end);
    let mut out = last[..end].to_string();
    if out.matches("```").count() % 2 == 1 {
        out.push_str("\n```");
    }
    out.push_str(tail);
    out
}

/// One changed object: its heading, its steps (plan index, step), in plan order.
struct Group<'a> {
    object: ObjectId,
    steps: Vec<(usize, &'a Step)>,
}

/// The plan of one database as a comment section, at `trim`.
pub fn markdown_review(plan: &Plan, title: &str, review: &Review, trim: Trim) -> String {
    let mut out = format!("### schemadiff plan: `{}`\n\n", code(title));
    for note in &plan.notes {
        out.push_str(&format!("> note: {}\n\n", note.replace('\n', " ")));
    }
    if plan.steps.is_empty() {
        out.push_str("No changes.\n");
        return out;
    }
    counts(plan, &mut out);
    hazards(plan, review, trim, &mut out);
    if trim >= Trim::HazardsOnly {
        return out;
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut index: BTreeMap<ObjectId, usize> = BTreeMap::new();
    for (i, step) in plan.steps.iter().enumerate() {
        let key = owner(&step.object);
        let g = *index.entry(key.clone()).or_insert_with(|| {
            groups.push(Group {
                object: key,
                steps: Vec::new(),
            });
            groups.len() - 1
        });
        groups[g].steps.push((i + 1, step));
    }
    out.push_str(&format!("#### Changes ({} objects)\n\n", groups.len()));
    let start = out.len();
    for (n, g) in groups.iter().enumerate() {
        if trim == Trim::ObjectsOnly && out.len() - start > MAX_OBJECT_LIST {
            out.push_str(&format!(
                "- … and {} more objects (`schemadiff plan --format sql` lists them all)\n",
                groups.len() - n
            ));
            break;
        }
        object(g, review, trim, &mut out);
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `**5 steps**: 2 create, 1 drop, ... · **2 hazards** on 1 step: `data_loss`, ...`
fn counts(plan: &Plan, out: &mut String) {
    let mut by_action: BTreeMap<Action, usize> = BTreeMap::new();
    for s in &plan.steps {
        *by_action.entry(s.action).or_default() += 1;
    }
    let actions: Vec<String> = by_action
        .iter()
        .map(|(a, n)| format!("{n} {}", a.as_str()))
        .collect();
    let hazard_count: usize = plan.steps.iter().map(|s| s.hazards.len()).sum();
    let hazardous = plan.steps.iter().filter(|s| !s.hazards.is_empty()).count();
    out.push_str(&format!(
        "**{}**: {}",
        plural(plan.steps.len(), "step", "steps"),
        actions.join(", ")
    ));
    if hazard_count == 0 {
        out.push_str(" · no hazards\n\n");
        return;
    }
    let kinds: Vec<String> = plan
        .hazard_kinds()
        .iter()
        .map(|k| format!("`{k}`"))
        .collect();
    out.push_str(&format!(
        " · **{}** on {}: {}\n\n",
        plural(hazard_count, "hazard", "hazards"),
        plural(hazardous, "step", "steps"),
        kinds.join(", ")
    ));
}

/// Every hazardous step, in a table: step, object, kind, why (and whether apply may run
/// it, when the policy is known).
fn hazards(plan: &Plan, review: &Review, trim: Trim, out: &mut String) {
    let rows: Vec<(usize, &Step, &crate::plan::HazardNote)> = plan
        .steps
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.hazards.iter().map(move |h| (i + 1, s, h)))
        .collect();
    if rows.is_empty() {
        return;
    }
    out.push_str("#### Hazards\n\n");
    let policy = review.allowed.as_ref();
    if policy.is_some() {
        out.push_str("| step | object | hazard | why | apply |\n|---:|---|---|---|---|\n");
    } else {
        out.push_str("| step | object | hazard | why |\n|---:|---|---|---|\n");
    }
    let shown = if trim >= Trim::HazardsOnly {
        rows.len().min(MAX_HAZARD_ROWS)
    } else {
        rows.len()
    };
    for (i, s, h) in &rows[..shown] {
        out.push_str(&format!(
            "| {i} | `{}` | `{}` | {} |",
            code(&s.object.to_string()),
            h.kind,
            cell(&h.reason)
        ));
        if let Some(allowed) = policy {
            out.push_str(if allowed.contains(&h.kind) {
                " allowed |"
            } else {
                " **needs approval** |"
            });
        }
        out.push('\n');
    }
    if shown < rows.len() {
        out.push_str(&format!(
            "\n… and {} more hazards (`schemadiff plan --format json` lists them all).\n",
            rows.len() - shown
        ));
    }
    out.push('\n');
}

/// One changed object: a heading saying what happens to it, the diff of its definition,
/// and its steps' SQL folded.
fn object(g: &Group, review: &Review, trim: Trim, out: &mut String) {
    let def = review
        .definitions
        .as_ref()
        .and_then(|d| d.objects.get(&g.object));
    let renamed = g.steps.iter().any(|(_, s)| s.action == Action::Rename);
    let what = match def.map(|d| (d.before.is_some(), d.after.is_some())) {
        _ if renamed => "renamed",
        Some((false, true)) => "created",
        Some((true, false)) => "dropped",
        Some((true, true)) => "altered",
        _ => match g.steps.iter().map(|(_, s)| s.action).next() {
            Some(Action::Create) if g.steps.iter().all(|(_, s)| s.action == Action::Create) => {
                "created"
            }
            Some(Action::Drop) if g.steps.iter().all(|(_, s)| s.action == Action::Drop) => {
                "dropped"
            }
            _ => "altered",
        },
    };
    let hazards: usize = g.steps.iter().map(|(_, s)| s.hazards.len()).sum();
    let warn = if hazards > 0 { " ⚠️" } else { "" };
    if trim >= Trim::ObjectsOnly {
        out.push_str(&format!(
            "- `{}` {what}: {}{warn}\n",
            code(&g.object.to_string()),
            plural(g.steps.len(), "step", "steps")
        ));
        return;
    }
    out.push_str(&format!(
        "##### `{}` ({what}){warn}\n\n",
        code(&g.object.to_string())
    ));
    if let Some(def) = def {
        let diff = def.diff();
        if !diff.is_empty() {
            let lines: Vec<&str> = diff.lines().collect();
            let keep = if trim >= Trim::ShortDiffs {
                lines.len().min(SHORT_DIFF_LINES)
            } else {
                lines.len()
            };
            let fence = fence_for(&diff);
            out.push_str(&format!("{fence}diff\n"));
            for l in &lines[..keep] {
                out.push_str(l);
                out.push('\n');
            }
            out.push_str(&format!("{fence}\n"));
            if keep < lines.len() {
                out.push_str(&format!("_… {} more lines of diff._\n", lines.len() - keep));
            }
            out.push('\n');
        }
    }
    if trim >= Trim::NoSql {
        return;
    }
    let sql: String = g
        .steps
        .iter()
        .map(|(i, s)| {
            format!(
                "-- {i}. {}{}\n{};\n",
                part_label(&s.object, &g.object),
                s.reason,
                s.sql
            )
        })
        .collect();
    let fence = fence_for(&sql);
    out.push_str(&format!(
        "<details><summary>SQL ({})</summary>\n\n{fence}sql\n{sql}{fence}\n\n</details>\n\n",
        plural(g.steps.len(), "step", "steps")
    ));
}

/// A code fence longer than any run of backticks in `text`.
fn fence_for(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// Text inside an inline code span in a table cell or heading: no backticks, no pipes.
fn code(s: &str) -> String {
    s.replace('`', "'").replace('|', "\\|").replace('\n', " ")
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_is_trimmed_step_by_step_and_says_so() {
        let big = "x".repeat(COMMENT_LIMIT + 1);
        let text = fit_comment(|t| {
            if t >= Trim::ObjectsOnly {
                "short\n".into()
            } else {
                big.clone()
            }
        });
        assert!(text.starts_with("> [!NOTE]"), "{}", &text[..80]);
        assert!(text.contains("only hazards and the list of changed objects"));
        assert!(text.ends_with("short\n"));
        let small = fit_comment(|_| "small\n".into());
        assert_eq!(small, "small\n");
    }

    #[test]
    fn a_text_too_long_at_every_level_is_cut_at_a_line() {
        let line = "| 1 | `t` | `data_loss` | why |\n";
        let rows = line.repeat(COMMENT_LIMIT / line.len() + 100);
        let text = fit_comment(|_| format!("```sql\n{rows}"));
        assert!(text.len() <= COMMENT_LIMIT, "{}", text.len());
        assert!(text.ends_with("prints the whole plan.**\n"));
        assert_eq!(text.matches("```").count() % 2, 0, "fences stay balanced");
    }

    fn plan_of(tables: usize) -> Plan {
        use crate::catalog::{ObjectId, QualName};
        use crate::plan::{Budget, Hazard, HazardNote};
        let steps = (0..tables)
            .map(|i| Step {
                sql: format!("DROP TABLE public.table_with_a_long_name_{i:05}"),
                object: ObjectId::Table {
                    name: QualName::new("public", format!("table_with_a_long_name_{i:05}")),
                },
                action: Action::Drop,
                reason: "table removed".into(),
                transactional: true,
                alone: false,
                budget: Budget::Metadata,
                hazards: vec![HazardNote::new(Hazard::DataLoss, "all rows are deleted")],
            })
            .collect();
        Plan {
            format_version: crate::plan::PLAN_FORMAT_VERSION,
            tool_version: "test".into(),
            source_fingerprint: String::new(),
            target_fingerprint: String::new(),
            steps,
            unmanaged: Vec::new(),
            notes: Vec::new(),
        }
    }

    #[test]
    fn a_huge_plan_keeps_counts_hazards_and_a_bounded_object_list() {
        let plan = plan_of(3000);
        let review = Review::default();
        let text = fit_comment(|t| markdown_review(&plan, "db", &review, t));
        assert!(text.len() <= COMMENT_LIMIT, "{}", text.len());
        assert!(
            text.contains("**3000 steps**: 3000 drop"),
            "{}",
            &text[..400]
        );
        assert!(text.contains("| 1 | `table public.table_with_a_long_name_00000` | `data_loss` |"));
        assert!(text.contains("… and 2800 more hazards"));
        let objects = markdown_review(&plan, "db", &review, Trim::ObjectsOnly);
        let listed = objects.matches("\n- `table public.").count();
        assert!(listed > 100 && listed < 3000, "{listed}");
        assert!(objects.contains(&format!("- … and {} more objects", 3000 - listed)));
    }

    #[test]
    fn fences_outgrow_backticks_in_the_text() {
        assert_eq!(fence_for("select 1"), "```");
        assert_eq!(fence_for("a ```` b"), "`````");
    }
}
