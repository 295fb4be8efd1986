//! Routines (functions, procedures, aggregates), triggers and event triggers.
//!
//! A routine is identified by its name and `pg_get_function_identity_arguments` (read with
//! `search_path = pg_catalog`, so types are qualified alike on any two databases); its
//! definition is `pg_get_functiondef` (a `CREATE AGGREGATE` built from `pg_aggregate` for
//! aggregates), which already spells every property, so two routines are equal when their
//! definitions and comments are.

use super::{Ident, ObjectId, QualName};
use serde::{Deserialize, Serialize};

/// What a `pg_proc` row is (`prokind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutineKind {
    Function,
    Procedure,
    Aggregate,
    /// A function declared `WINDOW`.
    Window,
}

impl RoutineKind {
    /// The keyword of `DROP <kind>`, `COMMENT ON <kind>`.
    pub fn keyword(self) -> &'static str {
        match self {
            RoutineKind::Function | RoutineKind::Window => "FUNCTION",
            RoutineKind::Procedure => "PROCEDURE",
            RoutineKind::Aggregate => "AGGREGATE",
        }
    }
}

/// A function, procedure or aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    pub name: QualName,
    /// `pg_get_function_identity_arguments`: `a integer, b text`, `IN a integer, OUT b
    /// text` (procedures), `double precision ORDER BY double precision` (aggregates).
    pub args: String,
    pub kind: RoutineKind,
    /// The input argument types alone (`oidvectortypes(proargtypes)`): what PostgreSQL tells
    /// overloads apart by, so two routines with the same name and signature cannot coexist.
    pub signature: String,
    /// `pg_get_functiondef` (`CREATE OR REPLACE FUNCTION ...`), or for an aggregate
    /// `CREATE OR REPLACE AGGREGATE name(args) (SFUNC = ..., STYPE = ..., ...)`.
    pub definition: String,
    /// `pg_get_function_result`: `integer`, `SETOF text`, `TABLE(id integer)`; `None` for a
    /// procedure.
    pub result: Option<String>,
    /// `proargnames` (empty strings for unnamed arguments; empty when none is named).
    pub arg_names: Vec<String>,
    /// `proargmodes` (`i`, `o`, `b`, `v`, `t`; empty when all are IN).
    pub arg_modes: Vec<String>,
    /// How many trailing input arguments have a default.
    pub arg_defaults: i16,
    pub language: String,
    /// `immutable`, `stable` or `volatile`.
    pub volatility: String,
    pub security_definer: bool,
    pub strict: bool,
    /// `safe`, `restricted` or `unsafe`.
    pub parallel: String,
    pub leakproof: bool,
    /// `procost` and `prorows` as PostgreSQL prints them.
    pub cost: String,
    pub rows: String,
    /// `SET` options (`proconfig`): `search_path=public, pg_temp`.
    pub config: Vec<String>,
    /// True for a SQL-standard body (`BEGIN ATOMIC ... END`, `RETURN expr`), whose
    /// references PostgreSQL records as dependencies.
    pub sql_body: bool,
    pub comment: Option<String>,
}

impl Function {
    pub fn id(&self) -> ObjectId {
        ObjectId::Function {
            name: self.name.clone(),
            args: self.args.clone(),
        }
    }

    /// `public.f(a integer)`: the routine as `DROP` and `COMMENT ON` name it (`agg(*)` for
    /// an aggregate over no argument).
    pub fn target(&self) -> String {
        if self.kind == RoutineKind::Aggregate && self.args.is_empty() {
            format!("{}(*)", self.name)
        } else {
            format!("{}({})", self.name, self.args)
        }
    }
}

/// `tgenabled` of a trigger, `evtenabled` of an event trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerEnabled {
    /// `O`: fires in origin and local sessions (the default).
    Origin,
    /// `D`: never fires.
    Disabled,
    /// `R`: fires only when `session_replication_role = replica`.
    Replica,
    /// `A`: always fires.
    Always,
}

impl TriggerEnabled {
    /// From the catalog's one-letter code.
    pub fn from_code(code: &str) -> Option<TriggerEnabled> {
        Some(match code {
            "O" => TriggerEnabled::Origin,
            "D" => TriggerEnabled::Disabled,
            "R" => TriggerEnabled::Replica,
            "A" => TriggerEnabled::Always,
            _ => return None,
        })
    }

    /// The clause of `ALTER TABLE ... <clause> TRIGGER` and `ALTER EVENT TRIGGER ...
    /// <clause>`.
    pub fn clause(self) -> &'static str {
        match self {
            TriggerEnabled::Origin => "ENABLE",
            TriggerEnabled::Disabled => "DISABLE",
            TriggerEnabled::Replica => "ENABLE REPLICA",
            TriggerEnabled::Always => "ENABLE ALWAYS",
        }
    }
}

/// A trigger on a table (or an `INSTEAD OF` trigger on a view). Internal triggers (foreign
/// keys) and the clones PostgreSQL makes on partitions are not modelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub table: QualName,
    pub name: Ident,
    /// `pg_get_triggerdef`: `CREATE [CONSTRAINT] TRIGGER n BEFORE UPDATE OF a ON public.t
    /// FOR EACH ROW WHEN (...) EXECUTE FUNCTION public.f('arg')`.
    pub definition: String,
    /// The trigger function (trigger functions take no declared arguments).
    pub function: QualName,
    pub enabled: TriggerEnabled,
    /// A `CREATE CONSTRAINT TRIGGER` (which `CREATE OR REPLACE` cannot replace).
    pub constraint: bool,
    /// True when `table` is a view.
    pub on_view: bool,
    pub comment: Option<String>,
}

impl Trigger {
    pub fn id(&self) -> ObjectId {
        ObjectId::Trigger {
            table: self.table.clone(),
            name: self.name.clone(),
        }
    }
}

/// A database-wide event trigger whose function lives in a managed schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTrigger {
    pub name: Ident,
    /// `ddl_command_start`, `ddl_command_end`, `sql_drop`, `table_rewrite`, `login`.
    pub event: String,
    /// `WHEN TAG IN (...)`, in catalog order; empty for every command.
    pub tags: Vec<String>,
    pub function: QualName,
    pub enabled: TriggerEnabled,
    pub comment: Option<String>,
}

impl EventTrigger {
    pub fn id(&self) -> ObjectId {
        ObjectId::EventTrigger {
            name: self.name.clone(),
        }
    }
}
