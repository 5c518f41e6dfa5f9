//! The comparison point: summaries as they are commonly written by hand ("original-style"), a
//! summary table with one row per group kept by AFTER triggers that add and subtract, and that
//! delete a group's row once no base row is left (`NOT EXISTS` over the base table).

use mysql::Conn;

use crate::bench::{exec, BenchError};

/// The hand-made grouped summary table of `base`.
pub fn grouped_table(base: &str) -> String {
    format!("{base}_orig")
}

/// `CREATE TABLE` of the hand-made grouped summary `(user_id PK, total, n)`.
pub fn grouped_ddl(summary: &str) -> String {
    format!(
        "CREATE TABLE `{summary}` (user_id INT UNSIGNED NOT NULL PRIMARY KEY, \
         total DECIMAL(20,2) NOT NULL, n BIGINT NOT NULL) ENGINE=InnoDB"
    )
}

/// The three original-style triggers of the grouped summary
/// `SELECT user_id, SUM(amount) AS total, COUNT(*) AS n FROM base GROUP BY user_id`.
pub fn grouped_triggers(base: &str, summary: &str) -> Vec<String> {
    let add = format!(
        "INSERT INTO `{summary}` (user_id, total, n) VALUES (NEW.user_id, NEW.amount, 1)\n  \
         ON DUPLICATE KEY UPDATE total = total + NEW.amount, n = n + 1;"
    );
    let remove = format!(
        "UPDATE `{summary}` SET total = total - OLD.amount, n = n - 1 WHERE user_id = OLD.user_id;\n  \
         DELETE FROM `{summary}` WHERE user_id = OLD.user_id\n    \
         AND NOT EXISTS (SELECT 1 FROM `{base}` WHERE user_id = OLD.user_id);"
    );
    vec![
        format!("CREATE TRIGGER `{base}_orig_ai` AFTER INSERT ON `{base}` FOR EACH ROW\nBEGIN\n  {add}\nEND"),
        format!("CREATE TRIGGER `{base}_orig_ad` AFTER DELETE ON `{base}` FOR EACH ROW\nBEGIN\n  {remove}\nEND"),
        format!("CREATE TRIGGER `{base}_orig_au` AFTER UPDATE ON `{base}` FOR EACH ROW\nBEGIN\n  {remove}\n  {add}\nEND"),
    ]
}

/// The one-row summary table of `base` for the query without GROUP BY.
pub fn single_table(base: &str) -> String {
    format!("{base}_orig1")
}

/// `CREATE TABLE` of the one-row summary `(id PK, total, n)`.
pub fn single_ddl(summary: &str) -> String {
    format!(
        "CREATE TABLE `{summary}` (id TINYINT UNSIGNED NOT NULL PRIMARY KEY, \
         total DECIMAL(20,2) NOT NULL, n BIGINT NOT NULL) ENGINE=InnoDB"
    )
}

/// The three original-style triggers of `SELECT COUNT(*), SUM(amount) FROM base`: one row,
/// updated in place.
pub fn single_triggers(base: &str, summary: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TRIGGER `{base}_orig1_ai` AFTER INSERT ON `{base}` FOR EACH ROW\n  \
             UPDATE `{summary}` SET total = total + NEW.amount, n = n + 1 WHERE id = 1"
        ),
        format!(
            "CREATE TRIGGER `{base}_orig1_ad` AFTER DELETE ON `{base}` FOR EACH ROW\n  \
             UPDATE `{summary}` SET total = total - OLD.amount, n = n - 1 WHERE id = 1"
        ),
        format!(
            "CREATE TRIGGER `{base}_orig1_au` AFTER UPDATE ON `{base}` FOR EACH ROW\n  \
             UPDATE `{summary}` SET total = total - OLD.amount + NEW.amount WHERE id = 1"
        ),
    ]
}

/// Creates the hand-made grouped summary of `base`, fills it from the current rows and installs
/// its triggers (offline: nothing writes `base` meanwhile).
pub fn install_grouped(conn: &mut Conn, base: &str) -> Result<(), BenchError> {
    let summary = grouped_table(base);
    exec(conn, &grouped_ddl(&summary))?;
    exec(
        conn,
        &format!(
            "INSERT INTO `{summary}` (user_id, total, n) \
             SELECT user_id, SUM(amount), COUNT(*) FROM `{base}` GROUP BY user_id"
        ),
    )?;
    for t in grouped_triggers(base, &summary) {
        exec(conn, &t)?;
    }
    Ok(())
}

/// Creates the hand-made one-row summary of `base`, fills it and installs its triggers.
pub fn install_single(conn: &mut Conn, base: &str) -> Result<(), BenchError> {
    let summary = single_table(base);
    exec(conn, &single_ddl(&summary))?;
    exec(
        conn,
        &format!(
            "INSERT INTO `{summary}` (id, total, n) \
             SELECT 1, COALESCE(SUM(amount), 0), COUNT(*) FROM `{base}`"
        ),
    )?;
    for t in single_triggers(base, &summary) {
        exec(conn, &t)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_trigger_removes_then_adds() {
        let t = grouped_triggers("tx", "tx_orig");
        assert_eq!(t.len(), 3);
        let update = &t[2];
        let del = update.find("NOT EXISTS").unwrap_or(usize::MAX);
        let add = update.find("ON DUPLICATE KEY").unwrap_or(0);
        assert!(del < add, "{update}");
    }
}
