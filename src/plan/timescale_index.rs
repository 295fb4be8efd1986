//! Indexes on existing hypertables. TimescaleDB refuses `CREATE INDEX CONCURRENTLY` on a
//! hypertable; a plain build locks every chunk for the whole build. A non-unique index is
//! built `WITH (timescaledb.transaction_per_chunk)` instead (one transaction per chunk, so
//! only the chunk being indexed waits; refused in a transaction block). A unique index has
//! no such form: it keeps the blocking build (in a transaction of its own) and its hazard.
//! `DROP INDEX CONCURRENTLY` is refused too: the index planner never chooses a concurrent
//! form on a hypertable (`online::concurrent_index_on`), and this hook turns its plain build
//! into the per-chunk one.

use super::build::{Ctx, Draft};
use super::{Budget, Hazard};
use crate::catalog::Index;

/// Rewrite the build of `ix` when its table is a hypertable on the live side.
pub(crate) fn adjust(ctx: &Ctx, ix: &Index, draft: Draft) -> Draft {
    // a live hypertable, or a live table the plan converts (its rows are in chunks by then)
    let chunks = ctx.from.is_hypertable(&ix.table)
        || (ctx.to.is_hypertable(&ix.table) && ctx.from.tables.contains_key(&ix.table));
    if !chunks {
        return draft;
    }
    let draft = draft.needs([super::timescale::hypertable_id(&ix.table)]);
    if ix.unique {
        let mut draft = draft.alone();
        for h in draft
            .step
            .hazards
            .iter_mut()
            .filter(|h| h.kind == Hazard::IndexBuild)
        {
            h.reason = format!(
                "a unique index on a hypertable has no online form (neither CONCURRENTLY nor per chunk): every chunk of {} is locked against writes until the whole build ends",
                ix.table
            );
        }
        return draft;
    }
    let mut draft = draft.non_transactional().budget(Budget::Concurrent);
    for h in draft
        .step
        .hazards
        .iter_mut()
        .filter(|h| h.kind == Hazard::IndexBuild)
    {
        h.reason = format!(
            "built over all rows of {}, one chunk per transaction: writes wait only on the chunk being indexed",
            ix.table
        );
    }
    draft = draft.hazard(
        Hazard::NonTransactional,
        "a failure part way leaves the index INVALID on the hypertable (some chunks without it); the next apply drops and builds it again",
    );
    draft.step.sql = transaction_per_chunk(&draft.step.sql);
    draft.step.reason = format!(
        "{}; built one chunk at a time (timescaledb.transaction_per_chunk)",
        draft.step.reason
    );
    draft
}

/// `CREATE INDEX i ON t USING btree (a) WHERE ...` →
/// `CREATE INDEX i ON t USING btree (a) WITH (timescaledb.transaction_per_chunk) WHERE ...`;
/// merged into an existing `WITH (...)`.
pub(crate) fn transaction_per_chunk(sql: &str) -> String {
    const OPTION: &str = "timescaledb.transaction_per_chunk";
    if let Some(at) = sql.find(" WITH (") {
        let at = at + " WITH (".len();
        return format!("{}{OPTION}, {}", &sql[..at], &sql[at..]);
    }
    let at = [" TABLESPACE ", " WHERE "]
        .iter()
        .filter_map(|k| sql.find(k))
        .min()
        .unwrap_or(sql.len());
    format!("{} WITH ({OPTION}){}", &sql[..at], &sql[at..])
}

#[cfg(test)]
mod tests {
    use super::transaction_per_chunk;

    #[test]
    fn the_option_goes_before_tablespace_and_predicate() {
        assert_eq!(
            transaction_per_chunk("CREATE INDEX i ON public.t USING btree (a)"),
            "CREATE INDEX i ON public.t USING btree (a) WITH (timescaledb.transaction_per_chunk)"
        );
        assert_eq!(
            transaction_per_chunk("CREATE INDEX i ON public.t USING btree (a) WHERE (b > 0)"),
            "CREATE INDEX i ON public.t USING btree (a) WITH (timescaledb.transaction_per_chunk) WHERE (b > 0)"
        );
        assert_eq!(
            transaction_per_chunk(
                "CREATE INDEX i ON public.t USING btree (a) WITH (fillfactor='80') WHERE (b > 0)"
            ),
            "CREATE INDEX i ON public.t USING btree (a) WITH (timescaledb.transaction_per_chunk, fillfactor='80') WHERE (b > 0)"
        );
    }
}
