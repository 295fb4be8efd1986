//! Safe apply against a real PostgreSQL: lock waits and retries, two applies at once,
//! `kill -9` at every step, concurrent builds made re-runnable, refused hazards, dry runs.
//! (A saved plan refused after the database changed is covered in tests/cli.rs.)

mod support;

#[path = "apply/binary.rs"]
mod binary;
#[path = "apply/common.rs"]
mod common;
#[path = "apply/executor.rs"]
mod executor;

use libtest_mimic::{Arguments, Failed, Trial};
use std::sync::Arc;
use support::Harness;

fn main() {
    let args = Arguments::from_args();
    let harness = Arc::new(Harness::start());
    let h = |f: fn(&Harness) -> Result<(), Failed>| {
        let h = harness.clone();
        move || f(&h)
    };
    let trials = vec![
        Trial::test(
            "lock_held_retries_then_rolls_back",
            h(executor::lock_held_retries_then_rolls_back),
        ),
        Trial::test(
            "lock_released_during_retries",
            h(executor::lock_released_during_retries),
        ),
        Trial::test(
            "budgets_per_step_class",
            h(executor::budgets_per_step_class),
        ),
        Trial::test(
            "concurrent_retry_drops_invalid_leftover",
            h(executor::concurrent_retry_drops_invalid_leftover),
        ),
        Trial::test(
            "unique_build_on_duplicates_is_data_dependent",
            h(executor::unique_build_on_duplicates_is_data_dependent),
        ),
        Trial::test(
            "build_returning_invalid_index_fails",
            h(executor::build_returning_invalid_index_fails),
        ),
        Trial::test("two_applies_at_once", h(binary::two_applies_at_once)),
        Trial::test("kill_9_at_every_step", h(binary::kill_9_at_every_step)),
        Trial::test(
            "refused_hazards_change_nothing",
            h(binary::refused_hazards_change_nothing),
        ),
        Trial::test(
            "dry_run_leaves_target_untouched",
            h(binary::dry_run_leaves_target_untouched),
        ),
        Trial::test(
            "dry_run_failure_cleans_up",
            h(binary::dry_run_failure_cleans_up),
        ),
    ];
    let conclusion = libtest_mimic::run(&args, trials);
    drop(harness);
    let _ = std::fs::remove_dir_all(common::cache_dir());
    conclusion.exit();
}
