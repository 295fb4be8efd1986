use crate::catalog::builder::{qn, table_id, CatalogBuilder};
use crate::catalog::security::{Acl, DefaultAclKey, DefaultObjectType, Grant, ObjectPrivileges};
use crate::catalog::{Catalog, Grantee, Ident, ObjectId, Policy, PolicyCommand, RowSecurity};
use crate::plan::testkit::{plan, plan_with, render};
use crate::plan::{build, Hazard, Plan, PlanError, PlanOptions};

fn grant(grantee: &str, privilege: &str, grantable: bool) -> Grant {
    Grant {
        grantee: if grantee == "PUBLIC" {
            Grantee::Public
        } else {
            Grantee::Role(Ident::new(grantee))
        },
        privilege: privilege.into(),
        grantable,
    }
}

fn acl(grants: &[(&str, &str)]) -> Acl {
    Acl {
        granted: grants.iter().map(|(g, p)| grant(g, p, false)).collect(),
        ..Acl::default()
    }
}

/// Record `owner` and `acl` for `id`.
fn privs(cat: &mut Catalog, id: ObjectId, owner: &str, acl: Acl) {
    cat.privileges.objects.insert(
        id,
        ObjectPrivileges {
            owner: Ident::new(owner),
            acl,
        },
    );
}

/// A catalog as read from a server: its roles and the role that read it.
fn server(cat: &mut Catalog, creator: &str, roles: &[&str]) {
    cat.privileges.creator = Some(Ident::new(creator));
    cat.privileges.roles = Some(roles.iter().map(|r| Ident::new(*r)).collect());
}

fn tables(names: &[&str]) -> CatalogBuilder {
    let mut b = CatalogBuilder::new().schema("public");
    for n in names {
        b = b.table(n, |t| t.column("id", "integer").column("note", "text"));
    }
    b
}

fn position(p: &Plan, starts: &str) -> usize {
    p.steps
        .iter()
        .position(|s| s.sql.starts_with(starts))
        .unwrap_or_else(|| panic!("no step starts with {starts}:\n{}", render(p)))
}

#[test]
fn a_new_table_gets_only_what_its_defaults_lack() {
    let schema_key = DefaultAclKey {
        role: Ident::new("app"),
        schema: Some(Ident::new("public")),
        objtype: DefaultObjectType::Tables,
    };
    let from = tables(&["public.t1"])
        .edit(|c| {
            server(c, "app", &["app", "reader", "writer"]);
            privs(
                c,
                table_id("public.t1"),
                "app",
                acl(&[("reader", "SELECT")]),
            );
            c.privileges
                .defaults
                .insert(schema_key.clone(), acl(&[("reader", "SELECT")]));
        })
        .build();
    // the dev database is read as postgres, which owns everything there
    let to = tables(&["public.t1", "public.t2"])
        .edit(|c| {
            server(c, "postgres", &["postgres", "reader", "writer"]);
            privs(
                c,
                table_id("public.t1"),
                "postgres",
                acl(&[("reader", "SELECT")]),
            );
            privs(
                c,
                table_id("public.t2"),
                "postgres",
                acl(&[("reader", "SELECT"), ("writer", "INSERT")]),
            );
            c.privileges
                .defaults
                .insert(schema_key.clone(), acl(&[("reader", "SELECT")]));
        })
        .build();
    let p = plan(&from, &to);
    let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(sql.len(), 2, "{}", render(&p));
    assert!(sql[0].starts_with("CREATE TABLE public.t2"));
    assert_eq!(sql[1], "GRANT INSERT ON TABLE public.t2 TO writer");
    assert!(p.hazard_kinds().is_empty());
}

#[test]
fn owners_own_privileges_and_grants_to_owners_are_implicit() {
    let from = tables(&["public.t"])
        .edit(|c| {
            server(c, "app", &["app", "postgres", "reader"]);
            let mut a = acl(&[("reader", "SELECT")]);
            a.granted.insert(grant("postgres", "SELECT", false));
            privs(c, table_id("public.t"), "app", a);
        })
        .build();
    let to = tables(&["public.t"])
        .edit(|c| {
            server(c, "postgres", &["app", "postgres", "reader"]);
            let mut a = acl(&[("reader", "SELECT")]);
            a.granted.insert(grant("app", "UPDATE", false));
            privs(c, table_id("public.t"), "postgres", a);
        })
        .build();
    assert!(plan(&from, &to).is_empty(), "{}", render(&plan(&from, &to)));
}

#[test]
fn grants_and_revokes_with_hazards() {
    let f_id = ObjectId::Function {
        name: qn("public.f"),
        args: "a integer".into(),
    };
    let from = tables(&["public.t"])
        .edit(|c| {
            server(c, "app", &["app", "reader", "writer", "Odd Role"]);
            let mut a = acl(&[("reader", "SELECT"), ("writer", "INSERT")]);
            a.granted.insert(grant("writer", "UPDATE", true));
            privs(c, table_id("public.t"), "app", a);
            privs(c, f_id.clone(), "app", Acl::default());
            privs(
                c,
                ObjectId::Column {
                    table: qn("public.t"),
                    column: "note".into(),
                },
                "app",
                acl(&[("reader", "UPDATE")]),
            );
        })
        .build();
    let to = tables(&["public.t"])
        .edit(|c| {
            server(c, "app", &["app", "reader", "writer", "Odd Role"]);
            let mut a = acl(&[("reader", "SELECT"), ("Odd Role", "SELECT")]);
            a.granted.insert(grant("writer", "UPDATE", false));
            a.granted.insert(grant("writer", "DELETE", true));
            privs(c, table_id("public.t"), "app", a);
            let mut f = acl(&[("writer", "EXECUTE")]);
            f.public_revoked.insert("EXECUTE".into());
            privs(c, f_id.clone(), "app", f);
        })
        .build();
    let p = plan(&from, &to);
    for s in &p.steps {
        if s.sql.starts_with("REVOKE") {
            assert_eq!(s.hazards.len(), 1, "{}", s.sql);
            assert_eq!(s.hazards[0].kind, Hazard::PrivilegeRevoke);
        } else {
            assert!(s.hazards.is_empty(), "{}", s.sql);
        }
    }
    insta::assert_snapshot!(render(&p));
}

#[test]
fn a_replaced_column_gets_its_grants_again() {
    let col = ObjectId::Column {
        table: qn("public.t"),
        column: "note".into(),
    };
    let from = tables(&["public.t"])
        .edit(|c| {
            server(c, "app", &["app", "reader"]);
            privs(c, col.clone(), "app", acl(&[("reader", "SELECT")]));
        })
        .build();
    let to = CatalogBuilder::new()
        .schema("public")
        .table("public.t", |t| {
            t.column("id", "integer")
                .column("note", "text")
                .generated("(id)::text")
        })
        .edit(|c| privs(c, col.clone(), "app", acl(&[("reader", "SELECT")])))
        .build();
    let p = plan(&from, &to);
    let drop = position(&p, "ALTER TABLE public.t DROP COLUMN note");
    let add = position(&p, "ALTER TABLE public.t ADD COLUMN note");
    let grant = position(&p, "GRANT SELECT (note) ON TABLE public.t TO reader");
    assert!(drop < add && add < grant, "{}", render(&p));
}

#[test]
fn missing_roles_are_an_error_unless_the_plan_manages_roles() {
    let from = tables(&["public.t"])
        .edit(|c| server(c, "app", &["app"]))
        .build();
    let to = tables(&["public.t"])
        .edit(|c| {
            privs(
                c,
                table_id("public.t"),
                "app",
                acl(&[("reader", "SELECT"), ("app", "SELECT")]),
            );
            c.policies.entry(qn("public.t")).or_default().insert(
                "p".into(),
                Policy {
                    table: qn("public.t"),
                    name: "p".into(),
                    permissive: true,
                    command: PolicyCommand::Select,
                    roles: [Grantee::Role("auditor".into())].into(),
                    using: Some("true".into()),
                    with_check: None,
                    comment: None,
                },
            );
        })
        .build();
    match build(&from, &to, &PlanOptions::default()) {
        Err(PlanError::MissingRoles { roles }) => {
            assert_eq!(roles.len(), 2, "{roles:?}");
            assert!(roles[0].starts_with("auditor (needed by `CREATE POLICY p"));
            assert!(roles[1].starts_with("reader (needed by `GRANT SELECT"));
        }
        other => panic!("expected missing roles, got {other:?}"),
    }
    let opts = PlanOptions {
        manage_roles: true,
        ..PlanOptions::default()
    };
    let p = plan_with(&from, &to, &opts);
    let role = position(&p, "CREATE ROLE reader NOLOGIN");
    assert!(role < position(&p, "GRANT SELECT ON TABLE public.t TO reader"));
    assert!(position(&p, "CREATE ROLE auditor NOLOGIN") < position(&p, "CREATE POLICY p"));
}

#[test]
fn ownership_changes_only_when_asked_and_declared() {
    let from = tables(&["public.t", "public.u"])
        .edit(|c| {
            server(c, "app", &["app", "postgres", "owner2"]);
            privs(c, table_id("public.t"), "app", Acl::default());
            privs(c, table_id("public.u"), "app", Acl::default());
        })
        .build();
    let to = tables(&["public.t", "public.u"])
        .edit(|c| {
            server(c, "postgres", &["app", "postgres", "owner2"]);
            privs(c, table_id("public.t"), "owner2", Acl::default());
            privs(c, table_id("public.u"), "postgres", Acl::default());
        })
        .build();
    assert!(plan(&from, &to).is_empty());
    let opts = PlanOptions {
        manage_ownership: true,
        ..PlanOptions::default()
    };
    let p = plan_with(&from, &to, &opts);
    assert_eq!(p.steps.len(), 1, "{}", render(&p));
    assert_eq!(p.steps[0].sql, "ALTER TABLE public.t OWNER TO owner2");
    assert_eq!(p.steps[0].hazards[0].kind, Hazard::PrivilegeRevoke);
}

#[test]
fn default_privileges_change_around_the_objects_created() {
    let key = |objtype| DefaultAclKey {
        role: Ident::new("app"),
        schema: None,
        objtype,
    };
    let from = tables(&[])
        .edit(|c| {
            server(c, "app", &["app", "reader", "writer"]);
            c.privileges.defaults.insert(
                key(DefaultObjectType::Tables),
                acl(&[("reader", "SELECT"), ("writer", "SELECT")]),
            );
        })
        .build();
    let to = tables(&["public.t"])
        .edit(|c| {
            server(c, "app", &["app", "reader", "writer"]);
            c.privileges.defaults.insert(
                key(DefaultObjectType::Tables),
                acl(&[("reader", "SELECT"), ("reader", "INSERT")]),
            );
            privs(
                c,
                table_id("public.t"),
                "app",
                acl(&[("reader", "SELECT"), ("reader", "INSERT")]),
            );
        })
        .build();
    let p = plan(&from, &to);
    let narrow = position(
        &p,
        "ALTER DEFAULT PRIVILEGES FOR ROLE app REVOKE SELECT ON TABLES FROM writer",
    );
    let create = position(&p, "CREATE TABLE public.t");
    let grant = position(&p, "GRANT INSERT ON TABLE public.t TO reader");
    let widen = position(
        &p,
        "ALTER DEFAULT PRIVILEGES FOR ROLE app GRANT INSERT ON TABLES TO reader",
    );
    assert!(
        narrow < create && create < grant && create < widen,
        "{}",
        render(&p)
    );
    assert_eq!(
        p.steps.len(),
        4,
        "nothing revoked from the new table: {}",
        render(&p)
    );
}

#[test]
fn a_dropped_table_takes_its_policies_and_releases_what_they_use() {
    let policy = |table: &str, using: &str| Policy {
        table: qn(table),
        name: "p".into(),
        permissive: true,
        command: PolicyCommand::All,
        roles: [Grantee::Public].into(),
        using: Some(using.into()),
        with_check: None,
        comment: None,
    };
    let from = tables(&["public.t", "public.lookup"])
        .edit(|c| {
            c.policies.entry(qn("public.t")).or_default().insert(
                "p".into(),
                policy("public.t", "(id IN (SELECT lookup.id FROM public.lookup))"),
            );
            c.row_security.insert(
                qn("public.t"),
                RowSecurity {
                    table: qn("public.t"),
                    enabled: true,
                    forced: false,
                },
            );
        })
        .depends(
            ObjectId::Policy {
                table: qn("public.t"),
                name: "p".into(),
            },
            table_id("public.lookup"),
        )
        .build();
    let to = tables(&[]).build();
    let p = plan(&from, &to);
    assert!(
        p.steps
            .iter()
            .all(|s| !s.sql.contains("POLICY") && !s.sql.contains("ROW LEVEL")),
        "{}",
        render(&p)
    );
    assert!(position(&p, "DROP TABLE public.t") < position(&p, "DROP TABLE public.lookup"));
}

#[test]
fn policies_are_altered_in_place_or_rebuilt() {
    let base = Policy {
        table: qn("public.t"),
        name: "p".into(),
        permissive: true,
        command: PolicyCommand::All,
        roles: [
            Grantee::Role("reader".into()),
            Grantee::Role("writer".into()),
        ]
        .into(),
        using: Some("(id > 0)".into()),
        with_check: Some("(id < 100)".into()),
        comment: None,
    };
    let with = |p: Policy| {
        tables(&["public.t"])
            .edit(move |c| {
                server(c, "app", &["app", "reader", "writer"]);
                c.policies
                    .entry(qn("public.t"))
                    .or_default()
                    .insert("p".into(), p);
                c.row_security.insert(
                    qn("public.t"),
                    RowSecurity {
                        table: qn("public.t"),
                        enabled: true,
                        forced: false,
                    },
                );
            })
            .build()
    };
    let from = with(base.clone());
    let narrower = with(Policy {
        roles: [Grantee::Role("reader".into())].into(),
        using: Some("(id > 1)".into()),
        ..base.clone()
    });
    let restrictive = with(Policy {
        permissive: false,
        ..base.clone()
    });
    let no_check = with(Policy {
        with_check: None,
        ..base.clone()
    });
    let mut out = String::new();
    for (what, to) in [
        ("narrower", &narrower),
        ("restrictive", &restrictive),
        ("no check", &no_check),
    ] {
        out.push_str(&format!("-- {what}\n{}\n", render(&plan(&from, to))));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn unknown_privileges_never_reach_sql() {
    let from = tables(&["public.t"]).build();
    let to = tables(&["public.t"])
        .edit(|c| {
            privs(
                c,
                table_id("public.t"),
                "app",
                acl(&[("reader", "DROP TABLE x; --")]),
            )
        })
        .build();
    match build(&from, &to, &PlanOptions::default()) {
        Err(PlanError::Unsupported { reason, .. }) => assert!(reason.contains("DROP TABLE")),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn privileges_of_objects_no_planner_creates_wait_for_them() {
    let view = ObjectId::View {
        name: qn("public.v"),
    };
    let partitioned = table_id("public.measurements");
    let from = tables(&[]).edit(|c| server(c, "app", &["app"])).build();
    let to = tables(&[])
        .edit(|c| {
            privs(c, view.clone(), "app", acl(&[("app", "SELECT")]));
            privs(c, partitioned.clone(), "app", acl(&[("app", "SELECT")]));
            privs(
                c,
                ObjectId::Column {
                    table: qn("public.v"),
                    column: "a".into(),
                },
                "app",
                acl(&[("app", "UPDATE")]),
            );
        })
        .build();
    assert!(plan(&from, &to).is_empty(), "{}", render(&plan(&from, &to)));
}
