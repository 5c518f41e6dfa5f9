//! Experiments: alternative trigger SQL for the grouped summary, written by hand against a state
//! table shaped like ours (`k0, slot, cnt, nn0, s0`, primary key `(k0, slot)`), to measure which
//! parts of the generated trigger cost what. Not used by the engine.

use mysql::Conn;

use crate::bench::{exec, BenchError};

/// Which alternative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `UPDATE` the slot row; only when no row changed, fall back to our upsert.
    UpdateFirst,
    /// Our upsert without the non-NULL counter `nn0` (the column is NOT NULL, so it equals `cnt`)
    /// and without `CAST(COALESCE(..))`, adding `NEW.amount` directly.
    Lean,
    /// A trigger that touches no table (`SET @v = NEW.amount`): the floor any row trigger costs.
    Noop,
}

/// The state table of the experiment on `base`.
pub fn state_table(base: &str) -> String {
    format!("{base}_xstate")
}

fn state_ddl(state: &str) -> String {
    format!(
        "CREATE TABLE `{state}` (k0 INT UNSIGNED NOT NULL, slot SMALLINT UNSIGNED NOT NULL, \
         cnt BIGINT NOT NULL DEFAULT 0, nn0 BIGINT NOT NULL DEFAULT 0, \
         s0 DECIMAL(65,2) NOT NULL DEFAULT 0, PRIMARY KEY (k0, slot)) ENGINE=InnoDB"
    )
}

/// The statement(s) adding one row image (`NEW` or `OLD`) with `sign` into slot 1.
fn delta(style: Style, state: &str, image: &str, sign: i8) -> String {
    let neg = if sign < 0 { "-" } else { "" };
    let nn = format!("{neg}(({image}.amount) IS NOT NULL)");
    let sum = format!("{neg}CAST(COALESCE({image}.amount, 0) AS DECIMAL(65,2))");
    let upsert = format!(
        "INSERT INTO `{state}` (k0, slot, cnt, nn0, s0) VALUES ({image}.user_id, 1, {sign}, {nn}, {sum})\n    \
         ON DUPLICATE KEY UPDATE cnt = cnt + VALUES(cnt), nn0 = nn0 + VALUES(nn0), s0 = s0 + VALUES(s0);"
    );
    match style {
        Style::UpdateFirst => format!(
            "UPDATE `{state}` SET cnt = cnt + {sign}, nn0 = nn0 + {nn}, s0 = s0 + {sum} \
             WHERE k0 = {image}.user_id AND slot = 1;\n  \
             IF ROW_COUNT() = 0 THEN\n    {upsert}\n  END IF;"
        ),
        Style::Noop => format!("SET @lt_bench_noop = {image}.amount;"),
        Style::Lean => {
            let op = if sign < 0 { "-" } else { "+" };
            format!(
                "INSERT INTO `{state}` (k0, slot, cnt, s0) VALUES ({image}.user_id, 1, {sign}, {neg}{image}.amount)\n    \
                 ON DUPLICATE KEY UPDATE cnt = cnt {op} 1, s0 = s0 {op} {image}.amount;"
            )
        }
    }
}

/// The in-group change of an UPDATE that keeps `user_id`.
fn same_group(style: Style, state: &str) -> String {
    match style {
        Style::UpdateFirst => format!(
            "UPDATE `{state}` SET s0 = s0 + (CAST(COALESCE(NEW.amount, 0) AS DECIMAL(65,2)) - \
             CAST(COALESCE(OLD.amount, 0) AS DECIMAL(65,2))) WHERE k0 = NEW.user_id AND slot = 1;\n    \
             IF ROW_COUNT() = 0 THEN\n      \
             INSERT INTO `{state}` (k0, slot, cnt, nn0, s0) VALUES (NEW.user_id, 1, 0, 0, \
             CAST(COALESCE(NEW.amount, 0) AS DECIMAL(65,2)) - CAST(COALESCE(OLD.amount, 0) AS DECIMAL(65,2)))\n      \
             ON DUPLICATE KEY UPDATE s0 = s0 + VALUES(s0);\n    END IF;"
        ),
        Style::Lean => format!(
            "INSERT INTO `{state}` (k0, slot, cnt, s0) VALUES (NEW.user_id, 1, 0, NEW.amount - OLD.amount)\n      \
             ON DUPLICATE KEY UPDATE s0 = s0 + (NEW.amount - OLD.amount);"
        ),
        Style::Noop => "SET @lt_bench_noop = NEW.amount - OLD.amount;".into(),
    }
}

/// The three triggers of `style` on `base`.
pub fn triggers(base: &str, style: Style) -> Vec<String> {
    let state = state_table(base);
    let add = delta(style, &state, "NEW", 1);
    let remove = delta(style, &state, "OLD", -1);
    let same = same_group(style, &state);
    vec![
        format!("CREATE TRIGGER `{base}_x_ai` AFTER INSERT ON `{base}` FOR EACH ROW\nBEGIN\n  {add}\nEND"),
        format!("CREATE TRIGGER `{base}_x_ad` AFTER DELETE ON `{base}` FOR EACH ROW\nBEGIN\n  {remove}\nEND"),
        format!(
            "CREATE TRIGGER `{base}_x_au` AFTER UPDATE ON `{base}` FOR EACH ROW\nBEGIN\n  \
             IF NOT (OLD.user_id <=> NEW.user_id AND OLD.amount <=> NEW.amount) THEN\n  \
             IF OLD.user_id <=> NEW.user_id THEN\n    {same}\n  ELSE\n  {remove}\n  {add}\n  END IF;\n  END IF;\nEND"
        ),
    ]
}

/// Creates the experiment's state table, fills slot 0 from `base` and installs the triggers
/// (offline: nothing writes `base` meanwhile).
pub fn install(conn: &mut Conn, base: &str, style: Style) -> Result<(), BenchError> {
    if style == Style::Noop {
        for t in triggers(base, style) {
            exec(conn, &t)?;
        }
        return Ok(());
    }
    let state = state_table(base);
    exec(conn, &state_ddl(&state))?;
    exec(
        conn,
        &format!(
            "INSERT INTO `{state}` (k0, slot, cnt, nn0, s0) \
             SELECT user_id, 0, COUNT(*), COUNT(amount), SUM(amount) FROM `{base}` GROUP BY user_id"
        ),
    )?;
    for t in triggers(base, style) {
        exec(conn, &t)?;
    }
    Ok(())
}
