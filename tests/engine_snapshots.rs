//! The generated SQL for a corpus of supported queries, pinned by snapshots. A change to codegen
//! shows up here as a reviewable diff.

mod support;
use lightning_tables::engine::codegen::GenOptions;
use support::fixtures::generate;

const QUERIES: &[(&str, &str)] = &[
    ("count_by_user", "SELECT user_id, COUNT(*) AS n FROM transactions GROUP BY user_id"),
    ("readme_example", "SELECT user_id, SUM(cost) AS total, COUNT(*) AS n FROM transactions WHERE kind='debit' GROUP BY user_id"),
    ("global_count", "SELECT COUNT(*) FROM transactions"),
    ("global_sum_avg", "SELECT SUM(cost) AS total, AVG(cost) AS mean FROM transactions"),
    ("count_expr", "SELECT kind, COUNT(cost) AS priced FROM transactions GROUP BY kind"),
    ("avg_only", "SELECT kind, AVG(qty) FROM transactions GROUP BY kind"),
    ("min_max", "SELECT user_id, MIN(cost) AS lo, MAX(cost) AS hi FROM transactions GROUP BY user_id"),
    ("min_max_strings", "SELECT user_id, MIN(country), MAX(country) FROM transactions GROUP BY user_id"),
    ("global_min", "SELECT MIN(created_at) FROM transactions"),
    ("group_by_date", "SELECT DATE(created_at) AS day, SUM(cost) FROM transactions GROUP BY DATE(created_at)"),
    ("group_by_alias", "SELECT DATE(created_at) AS day, COUNT(*) FROM transactions GROUP BY day"),
    ("group_by_position", "SELECT YEAR(created_at), COUNT(*) FROM transactions GROUP BY 1"),
    ("group_by_div", "SELECT qty DIV 100 AS bucket, COUNT(*) FROM transactions GROUP BY qty DIV 100"),
    ("group_by_lower", "SELECT LOWER(country) AS c, SUM(qty) FROM transactions GROUP BY LOWER(country)"),
    ("two_keys", "SELECT user_id, kind, SUM(cost) FROM transactions GROUP BY user_id, kind"),
    ("group_without_aggregate", "SELECT kind FROM transactions GROUP BY kind"),
    ("where_in_between_like", "SELECT kind, COUNT(*) FROM transactions WHERE user_id IN (1, 2, 3) AND qty BETWEEN 1 AND 10 AND country LIKE 'D%' GROUP BY kind"),
    ("where_or_not_null", "SELECT kind, COUNT(*) FROM transactions WHERE NOT (cost IS NULL) OR qty > 5 GROUP BY kind"),
    ("case_expression", "SELECT kind, SUM(CASE WHEN cost > 100 THEN 1 ELSE 0 END) AS big FROM transactions GROUP BY kind"),
    ("coalesce_ifnull", "SELECT kind, SUM(COALESCE(cost, 0)) AS c, SUM(IFNULL(qty, 1)) AS q FROM transactions GROUP BY kind"),
    ("expression_over_aggregates", "SELECT user_id, SUM(cost) / SUM(qty) AS unit_price FROM transactions GROUP BY user_id"),
    ("round_avg", "SELECT kind, ROUND(AVG(cost), 2) AS avg_cost FROM transactions GROUP BY kind"),
    ("percent_of_max", "SELECT kind, COUNT(*) * 100 / MAX(qty) AS pct FROM transactions GROUP BY kind"),
    ("having", "SELECT user_id, SUM(cost) AS total FROM transactions GROUP BY user_id HAVING SUM(cost) > 100"),
    ("having_alias", "SELECT user_id, SUM(cost) AS total FROM transactions GROUP BY user_id HAVING total > 100"),
    ("leaderboard", "SELECT user_id, SUM(cost) AS total FROM transactions GROUP BY user_id ORDER BY total DESC LIMIT 10"),
    ("order_by_position_offset", "SELECT kind, COUNT(*) FROM transactions GROUP BY kind ORDER BY 2 DESC, 1 LIMIT 5 OFFSET 2"),
    ("qualified_alias", "SELECT t.user_id, SUM(t.cost) FROM shop.transactions AS t WHERE t.kind <> 'x' GROUP BY t.user_id"),
    ("reserved_and_odd_identifiers", "SELECT `select`, `we``ird col`, COUNT(*) FROM transactions GROUP BY `select`, `we``ird col`"),
    ("double_sum", "SELECT kind, SUM(score), AVG(score) FROM transactions GROUP BY kind"),
    ("shared_inputs", "SELECT kind, SUM(cost), AVG(cost), COUNT(cost), MIN(cost), MAX(cost) FROM transactions GROUP BY kind"),
    ("count_literal", "SELECT kind, COUNT(1) FROM transactions GROUP BY kind"),
    ("date_functions", "SELECT DATE_FORMAT(created_at, '%Y-%m') AS month, SUM(qty) FROM transactions WHERE DATE_ADD(created_at, INTERVAL 1 DAY) > '2024-01-01' GROUP BY DATE_FORMAT(created_at, '%Y-%m')"),
    ("count_distinct", "SELECT DATE(created_at) AS day, COUNT(DISTINCT user_id) AS users FROM transactions GROUP BY DATE(created_at)"),
    ("count_distinct_tuple", "SELECT kind, COUNT(DISTINCT user_id, country) AS pairs FROM transactions GROUP BY kind"),
    ("distinct_shares_multiset", "SELECT kind, COUNT(DISTINCT country), MIN(country), MAX(country), SUM(DISTINCT qty), AVG(DISTINCT qty), COUNT(DISTINCT qty) FROM transactions GROUP BY kind"),
    ("bit_aggregates", "SELECT kind, BIT_AND(qty) AS a, BIT_OR(qty) AS o, BIT_XOR(user_id) AS x, SUM(qty) AS s FROM transactions GROUP BY kind"),
    ("variances", "SELECT kind, VARIANCE(qty) AS v, VAR_SAMP(qty), STDDEV(user_id) AS sd, STDDEV_SAMP(user_id) AS ss, SUM(user_id) AS s FROM transactions GROUP BY kind"),
    ("variance_in_expressions", "SELECT kind, STD(qty) * 2 AS sd2 FROM transactions GROUP BY kind HAVING VAR_POP(qty) > 1 ORDER BY sd2 DESC"),
    ("global_distinct_expressions", "SELECT COUNT(DISTINCT user_id) * 2 AS twice, AVG(DISTINCT qty) AS mean, SUM(DISTINCT qty) / COUNT(DISTINCT qty) * 3 AS r3 FROM transactions HAVING COUNT(DISTINCT user_id) > 0"),
    ("group_concat_distinct", "SELECT kind, GROUP_CONCAT(DISTINCT user_id ORDER BY user_id DESC SEPARATOR '|') AS users, GROUP_CONCAT(DISTINCT qty), COUNT(DISTINCT qty) AS n FROM transactions GROUP BY kind"),
    ("group_concat_distinct_global", "SELECT GROUP_CONCAT(DISTINCT DATE(created_at) ORDER BY DATE(created_at)) AS days, COUNT(*) FROM transactions HAVING days IS NOT NULL"),
    ("unaliased_text", "SELECT user_id, sum( cost ), Count(*) FROM transactions GROUP BY user_id"),
];

fn render(g: &lightning_tables::engine::codegen::Generated) -> String {
    let mut out = String::new();
    out.push_str("-- tables\n");
    for t in &g.tables {
        out.push_str(t);
        out.push_str(";\n");
    }
    out.push_str("-- view\n");
    out.push_str(&g.view);
    out.push_str(";\n");
    for t in &g.triggers {
        out.push_str(&format!("-- trigger {}\n{};\n", t.event, t.sql));
    }
    out.push_str("-- truth\n");
    out.push_str(&g.truth_groups);
    out.push('\n');
    if !g.warnings.is_empty() {
        out.push_str(&format!("-- warnings\n{}\n", g.warnings.join("\n")));
    }
    out
}

#[test]
fn generated_sql_matches_snapshots() {
    assert!(QUERIES.len() >= 30);
    for (name, sql) in QUERIES {
        let g = generate(sql, GenOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        insta::with_settings!({ description => *sql, omit_expression => true }, {
            insta::assert_snapshot!(*name, render(&g));
        });
    }
}

#[test]
fn slots_spread_writers_over_rows_per_group() {
    let g = generate(
        "SELECT COUNT(*) FROM transactions",
        GenOptions {
            generation: 1,
            slots: 16,
        },
    )
    .unwrap();
    insta::assert_snapshot!("global_count_16_slots", render(&g));
}
