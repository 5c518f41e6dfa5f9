//! Which objects named like a summary's are really ours. A name proves nothing: `_lt_` is only
//! refused as a *summary* name, and anyone can `CREATE TABLE _lt_fake_g1`. So every path that
//! removes objects — `drop`, a `create` that never went live, `rebuild` and `resume` clearing a
//! generation — asks [`check`] first and removes only what it proves ours; the rest is left in
//! place and reported ([`LeftAlone`], [`Event::LeftAlone`]).
//!
//! The proofs, per kind:
//! * a state or multiset table carries the COMMENT codegen gives it, naming the summary
//!   ([`state_comment`], [`multiset_comment`]);
//! * a trigger is an AFTER trigger of the event its name says, and its body names state tables
//!   of the summary (schema-qualified, as codegen writes them), each of them ours or gone;
//! * the view reads state tables of the summary, each of them ours or gone.
//!
//! "Or gone": a trigger or view whose state table was dropped by hand is still ours, and a
//! trigger writing a missing table makes every write to the base table fail, so it must go.
//! Between the check and the `DROP` nothing stops another session from replacing the object;
//! MariaDB has no conditional drop, and our own processes are kept out by the summary's
//! advisory lock (`session::claim`).

use super::lock::install_triggers;
use super::{sql, CreateOptions, Event, LifecycleError};
use crate::engine::codegen::names::prefix;
use crate::engine::codegen::state::{multiset_comment, state_comment, totals_comment};
use crate::engine::codegen::Names;
use crate::engine::ident::{quote, quote_qualified, string_literal};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use serde::Serialize;

/// An object named like one of the summary's that a cleanup did not remove, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeftAlone {
    /// `table NAME`, `view NAME` or `trigger NAME`.
    pub object: String,
    /// What is missing from the proof that it is ours.
    pub reason: String,
}

/// An object of a summary, by kind.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Object<'a> {
    /// A state or multiset table.
    Table(&'a str),
    /// The view (named as the summary).
    View,
    /// One of the three triggers.
    Trigger(&'a str),
}

impl Object<'_> {
    fn label(&self, summary: &str) -> String {
        match self {
            Object::Table(t) => format!("table {t}"),
            Object::View => format!("view {summary}"),
            Object::Trigger(t) => format!("trigger {t}"),
        }
    }
}

/// What [`check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// No such object.
    Absent,
    /// It carries the proof.
    Ours,
    /// It exists without the proof; the reason says what is missing.
    NotOurs(String),
}

/// What a cleanup did.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cleanup {
    /// Objects dropped, as `kind name`.
    pub dropped: Vec<String>,
    /// Objects that exist but are not proven ours.
    pub left_alone: Vec<LeftAlone>,
}

impl Cleanup {
    fn absorb(&mut self, other: Cleanup) {
        self.dropped.extend(other.dropped);
        self.left_alone.extend(other.left_alone);
    }

    fn leave(&mut self, object: String, reason: String, on_event: &mut dyn FnMut(Event)) {
        on_event(Event::LeftAlone {
            object: object.clone(),
            reason: reason.clone(),
        });
        self.left_alone.push(LeftAlone { object, reason });
    }
}

/// Whether `table` is named like a state table of the summary with prefix `p`
/// (`<p>_g<generation>` or `<p>_g<generation>_mm<i>`).
pub(crate) fn is_state_table(p: &str, table: &str) -> bool {
    let Some(rest) = table.strip_prefix(p).and_then(|r| r.strip_prefix("_g")) else {
        return false;
    };
    let (generation, tail) = match rest.find('_') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    digits(generation)
        && (tail.is_empty()
            || tail.strip_prefix("_mm").is_some_and(digits)
            || tail.strip_prefix("_dv").is_some_and(digits))
}

/// The state tables of the summary with prefix `p` that `text` (a trigger body or a view
/// definition) names, qualified by `schema` and quoted the way codegen writes them and MariaDB
/// prints view definitions: `` `schema`.`<p>_g1` ``, `` `schema`.`<p>_g1_mm0` ``.
fn state_references(text: &str, schema: &str, p: &str) -> Vec<String> {
    let quoted = format!("{}.{}", quote(schema), quote(&format!("{p}_g")));
    // Without the closing backtick: the generation and any `_mm<i>` follow.
    let needle = &quoted[..quoted.len() - 1];
    let mut out: Vec<String> = Vec::new();
    for (at, _) in text.match_indices(needle) {
        let rest = &text[at + needle.len()..];
        let Some(end) = rest.find('`') else {
            continue;
        };
        let table = format!("{p}_g{}", &rest[..end]);
        if is_state_table(p, &table) && !out.contains(&table) {
            out.push(table);
        }
    }
    out
}

/// Whether `object` of summary `summary` in `schema` exists and carries the proof that it is
/// ours (see the module documentation). The one ownership test of every cleanup path.
pub(crate) fn check(
    conn: &mut Conn,
    schema: &str,
    summary: &str,
    object: Object<'_>,
) -> Result<Verdict, LifecycleError> {
    let p = prefix(summary);
    match object {
        Object::Table(table) => check_table(conn, schema, summary, &p, table),
        Object::View => {
            let kind: Option<String> = sql(
                conn.exec_first(
                    "SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                    (schema, summary),
                ),
                "looking for the view",
            )?;
            match kind.as_deref() {
                None => return Ok(Verdict::Absent),
                Some("VIEW") => {}
                Some(other) => {
                    return Ok(Verdict::NotOurs(format!(
                        "it is a {}, not a view",
                        other.to_lowercase()
                    )))
                }
            }
            let definition: Option<String> = sql(
                conn.exec_first(
                    "SELECT VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                    (schema, summary),
                ),
                "reading the view's definition",
            )?;
            let definition = definition.unwrap_or_default();
            if definition.is_empty() {
                return Ok(Verdict::NotOurs(
                    "this account cannot read its definition (it needs SHOW VIEW)".into(),
                ));
            }
            references_are_ours(conn, schema, summary, &p, &definition, "reads")
        }
        Object::Trigger(trigger) => {
            let event = if trigger == format!("{p}_ins") {
                "INSERT"
            } else if trigger == format!("{p}_upd") {
                "UPDATE"
            } else if trigger == format!("{p}_del") {
                "DELETE"
            } else if let Some(event) = dimension_trigger_event(&p, trigger) {
                event
            } else {
                return Ok(Verdict::NotOurs(format!(
                    "{summary}'s triggers are named {p}_ins, {p}_upd and {p}_del"
                )));
            };
            let found: Option<(String, String)> = sql(
                conn.exec_first(
                    "SELECT EVENT_MANIPULATION, ACTION_TIMING FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = ?",
                    (schema, trigger),
                ),
                "looking for triggers",
            )?;
            let Some((manipulation, timing)) = found else {
                return Ok(Verdict::Absent);
            };
            let Some(body) = super::session::trigger_body(conn, schema, trigger)? else {
                return Ok(Verdict::Absent);
            };
            // A cascade parent's delete trigger is BEFORE DELETE (`codegen::cascade`).
            let timing_ours = timing == "AFTER" || (timing == "BEFORE" && event == "DELETE");
            if manipulation != event || !timing_ours {
                return Ok(Verdict::NotOurs(format!(
                    "it is a {timing} {manipulation} trigger; {summary}'s {trigger} is AFTER {event}"
                )));
            }
            references_are_ours(conn, schema, summary, &p, &body, "writes")
        }
    }
}

/// [`check`] of a table named like one of summary `summary`'s (prefix `p`).
fn check_table(
    conn: &mut Conn,
    schema: &str,
    summary: &str,
    p: &str,
    table: &str,
) -> Result<Verdict, LifecycleError> {
    if !is_state_table(p, table) {
        return Ok(Verdict::NotOurs(format!(
            "{summary}'s tables are named {p}_g<generation>[_mm<i>]"
        )));
    }
    let rows: Vec<(String, String, String)> = sql(
        conn.exec(
            "SELECT TABLE_NAME, TABLE_TYPE, TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
            (schema, table),
        ),
        "looking for state tables",
    )?;
    // The comparison above may fold case; the name must be exactly ours.
    let Some((_, kind, comment)) = rows.into_iter().find(|(n, _, _)| n == table) else {
        return Ok(Verdict::Absent);
    };
    if kind != "BASE TABLE" {
        return Ok(Verdict::NotOurs(format!(
            "it is a {}, not a table",
            kind.to_lowercase()
        )));
    }
    let tail = &table[p.len()..];
    let expected = if tail.contains("_mm") {
        multiset_comment(summary)
    } else if tail.contains("_dv") {
        totals_comment(summary)
    } else {
        state_comment(summary)
    };
    Ok(if comment == expected {
        Verdict::Ours
    } else if comment.is_empty() {
        Verdict::NotOurs(format!(
            "it has no comment; {summary}'s say {}",
            string_literal(&expected)
        ))
    } else {
        Verdict::NotOurs(format!(
            "its comment is {}; {summary}'s say {}",
            string_literal(&comment),
            string_literal(&expected)
        ))
    })
}

/// [`Verdict::Ours`] when `text` names at least one state table of the summary and each of them
/// is ours or gone; `verb` says what the object does with them, for the reason.
fn references_are_ours(
    conn: &mut Conn,
    schema: &str,
    summary: &str,
    p: &str,
    text: &str,
    verb: &str,
) -> Result<Verdict, LifecycleError> {
    let tables = state_references(text, schema, p);
    if tables.is_empty() {
        return Ok(Verdict::NotOurs(format!(
            "it {verb} no state table of summary {summary}"
        )));
    }
    for t in &tables {
        if let Verdict::NotOurs(why) = check_table(conn, schema, summary, p, t)? {
            return Ok(Verdict::NotOurs(format!(
                "it {verb} {t}, which is not ours: {why}"
            )));
        }
    }
    Ok(Verdict::Ours)
}

/// Refuses, touching nothing, when one of `names`' trigger names is held by a trigger that is not
/// ours: ours are created with OR REPLACE (a rebuild swaps its own), which must never replace
/// someone else's.
pub(crate) fn triggers_not_in_the_way(
    conn: &mut Conn,
    names: &Names,
) -> Result<(), LifecycleError> {
    for (_, t) in names.all_triggers() {
        if let Verdict::NotOurs(reason) =
            check(conn, &names.schema, &names.view, Object::Trigger(t))?
        {
            return Err(LifecycleError::InTheWay {
                object: format!("trigger {}.{t}", names.schema),
                reason,
            });
        }
    }
    Ok(())
}

/// The names of `names`' triggers: the three on the base table, and every trigger of the schema
/// named like one on a dimension table of a join (`<prefix>_d<k>_ins`, …), whether or not
/// `names` lists it (`drop` knows the summary only by name).
fn summary_triggers(conn: &mut Conn, names: &Names) -> Result<Vec<String>, LifecycleError> {
    let mut out: Vec<String> = names
        .all_triggers()
        .into_iter()
        .map(|(_, t)| t.to_string())
        .collect();
    let existing: Vec<String> = sql(
        conn.exec(
            "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?",
            (&names.schema,),
        ),
        "looking for triggers",
    )?;
    let p = prefix(&names.view);
    for t in existing {
        if dimension_trigger_event(&p, &t).is_some() && !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

/// The event of a trigger named like one a join summary with prefix `p` puts on a dimension
/// table (`<p>_d<k>_ins`, `_upd`, `_del`).
pub(crate) fn dimension_trigger_event(p: &str, trigger: &str) -> Option<&'static str> {
    let rest = trigger.strip_prefix(p)?.strip_prefix("_d")?;
    let (k, event) = rest.split_once('_')?;
    if k.is_empty() || !k.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    match event {
        "ins" => Some("INSERT"),
        "upd" => Some("UPDATE"),
        "del" => Some("DELETE"),
        _ => None,
    }
}

/// Drops those of `names`' triggers that are ours (on every table of a join), each with the bounded metadata-lock
/// wait of `options` (writers queue behind a trigger drop's wait as behind a lock request).
pub(crate) fn drop_triggers(
    opts: &Opts,
    conn: &mut Conn,
    names: &Names,
    options: &CreateOptions,
    on_event: &mut dyn FnMut(Event),
) -> Result<Cleanup, LifecycleError> {
    let mut done = Cleanup::default();
    for trigger in &summary_triggers(conn, names)? {
        let trigger = trigger.as_str();
        let object = Object::Trigger(trigger);
        match check(conn, &names.schema, &names.view, object)? {
            Verdict::Absent => {}
            Verdict::NotOurs(why) => done.leave(object.label(&names.view), why, on_event),
            Verdict::Ours => {
                let table: Option<String> = sql(
                    conn.exec_first(
                        "SELECT EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = ?",
                        (&names.schema, trigger),
                    ),
                    "looking for triggers",
                )?;
                let label = format!("{}.{}", names.schema, table.as_deref().unwrap_or(trigger));
                install_triggers(
                    opts,
                    conn,
                    &[format!(
                        "DROP TRIGGER IF EXISTS {}",
                        quote_qualified(&names.schema, trigger)
                    )],
                    &label,
                    options,
                    None,
                    on_event,
                )?;
                done.dropped.push(object.label(&names.view));
            }
        }
    }
    Ok(done)
}

/// Drops summary `summary`'s view if it is ours.
pub(crate) fn drop_view(
    conn: &mut Conn,
    schema: &str,
    summary: &str,
    on_event: &mut dyn FnMut(Event),
) -> Result<Cleanup, LifecycleError> {
    let mut done = Cleanup::default();
    let object = Object::View;
    match check(conn, schema, summary, object)? {
        Verdict::Absent => {}
        Verdict::NotOurs(why) => done.leave(object.label(summary), why, on_event),
        Verdict::Ours => {
            sql(
                conn.query_drop(format!(
                    "DROP VIEW IF EXISTS {}",
                    quote_qualified(schema, summary)
                )),
                "dropping the view",
            )?;
            done.dropped.push(object.label(summary));
        }
    }
    Ok(done)
}

/// Drops those of `tables` that are state tables of summary `summary` and ours.
pub(crate) fn drop_tables(
    conn: &mut Conn,
    schema: &str,
    summary: &str,
    tables: &[String],
    on_event: &mut dyn FnMut(Event),
) -> Result<Cleanup, LifecycleError> {
    let mut done = Cleanup::default();
    for t in tables {
        let object = Object::Table(t);
        match check(conn, schema, summary, object)? {
            Verdict::Absent => {}
            Verdict::NotOurs(why) => done.leave(object.label(summary), why, on_event),
            Verdict::Ours => {
                sql(
                    conn.query_drop(format!(
                        "DROP TABLE IF EXISTS {}",
                        quote_qualified(schema, t)
                    )),
                    "dropping a state table",
                )?;
                done.dropped.push(object.label(summary));
            }
        }
    }
    Ok(done)
}

/// The state, multiset and totals tables of `names`' generation (totals and multisets first,
/// as they were made last).
fn generation_tables(names: &Names) -> Vec<String> {
    names
        .totals
        .iter()
        .chain(&names.minmax)
        .chain(std::iter::once(&names.state))
        .cloned()
        .collect()
}

/// Drops the tables of `names`' generation that are ours.
pub(crate) fn drop_generation(
    conn: &mut Conn,
    names: &Names,
    on_event: &mut dyn FnMut(Event),
) -> Result<Cleanup, LifecycleError> {
    drop_tables(
        conn,
        &names.schema,
        &names.view,
        &generation_tables(names),
        on_event,
    )
}

/// Makes room for creating `names`' generation: removes a leftover of ours (an interrupted
/// rebuild's), and refuses, dropping nothing, when a table that is not ours holds one of the
/// names.
pub(crate) fn clear_generation(conn: &mut Conn, names: &Names) -> Result<(), LifecycleError> {
    for t in generation_tables(names) {
        if let Verdict::NotOurs(reason) =
            check(conn, &names.schema, &names.view, Object::Table(&t))?
        {
            return Err(LifecycleError::InTheWay {
                object: format!("table {}.{t}", names.schema),
                reason,
            });
        }
    }
    drop_generation(conn, names, &mut |_| {})?;
    Ok(())
}

/// Everything of summary `summary` that is ours: its triggers, then its view, then every table
/// named like one of its generations (the view and the triggers are checked while the tables
/// they use still exist).
pub(crate) fn drop_all(
    opts: &Opts,
    conn: &mut Conn,
    schema: &str,
    summary: &str,
    options: &CreateOptions,
) -> Result<Cleanup, LifecycleError> {
    let names = Names::new(schema, summary, 0, 0);
    let quiet = &mut |_| {};
    let mut done = drop_triggers(opts, conn, &names, options, quiet)?;
    // The bounded trigger drops left a short lock wait timeout behind; the view and the tables
    // may wait for readers as long as any statement would.
    sql(
        conn.query_drop("SET SESSION lock_wait_timeout = DEFAULT"),
        "resetting the lock wait timeout",
    )?;
    done.absorb(drop_view(conn, schema, summary, quiet)?);
    let p = prefix(summary);
    let tables: Vec<String> = sql(
        conn.exec(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
            (schema,),
        ),
        "looking for state tables",
    )?;
    let mut tables: Vec<String> = tables
        .into_iter()
        .filter(|t| is_state_table(&p, t))
        .collect();
    // Multisets before their state table, like a failed create would leave them.
    tables.sort_by(|a, b| b.cmp(a));
    done.absorb(drop_tables(conn, schema, summary, &tables, quiet)?);
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_generations_match() {
        assert!(is_state_table("_lt_s", "_lt_s_g1"));
        assert!(is_state_table("_lt_s", "_lt_s_g12_mm0"));
        assert!(is_state_table("_lt_s", "_lt_s_g12_dv3"));
        assert!(!is_state_table("_lt_s", "_lt_s_g1_x"));
        assert!(!is_state_table("_lt_s", "_lt_s2_g1"));
        assert!(!is_state_table("_lt_s", "_lt_s_gx"));
    }

    #[test]
    fn references_are_read_as_codegen_and_mariadb_write_them() {
        let body = "BEGIN\n  INSERT INTO `shop`.`_lt_s_g2` (`cnt`) VALUES (1);\n  INSERT INTO `shop`.`_lt_s_g2_mm0` (`v`) VALUES (1);\n  INSERT INTO `shop`.`_lt_s_g2` (`cnt`) VALUES (1);\nEND";
        assert_eq!(
            state_references(body, "shop", "_lt_s"),
            vec!["_lt_s_g2".to_string(), "_lt_s_g2_mm0".to_string()]
        );
        // Another schema, another summary, or an unqualified name is no reference.
        let other = "select 1 from `other`.`_lt_s_g1` join `shop`.`_lt_s2_g1` join `_lt_s_g1`";
        assert!(state_references(other, "shop", "_lt_s").is_empty());
        // Backticks in names are doubled inside quotes.
        let odd = "from `sh``op`.`_lt_a``b_g3` `s`";
        assert_eq!(
            state_references(odd, "sh`op", "_lt_a`b"),
            vec!["_lt_a`b_g3".to_string()]
        );
    }
}
