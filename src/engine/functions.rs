//! Which functions a summary may use: aggregates it can maintain, and functions it must refuse.

/// Aggregates the engine maintains incrementally.
pub const SUPPORTED_AGGREGATES: &[&str] = &[
    "COUNT",
    "SUM",
    "AVG",
    "MIN",
    "MAX",
    "BIT_AND",
    "BIT_OR",
    "BIT_XOR",
    "STD",
    "STDDEV",
    "STDDEV_POP",
    "STDDEV_SAMP",
    "VARIANCE",
    "VAR_POP",
    "VAR_SAMP",
    // DISTINCT only (normalize.rs refuses it without).
    "GROUP_CONCAT",
];

/// Aggregates MariaDB has that cannot be maintained from per-row deltas (or not yet).
pub const UNSUPPORTED_AGGREGATES: &[&str] = &[
    "JSON_ARRAYAGG",
    "JSON_OBJECTAGG",
    "PERCENTILE_CONT",
    "PERCENTILE_DISC",
    "MEDIAN",
    "ANY_VALUE",
];

/// Functions whose value is not a function of the row: a trigger and a later SELECT would disagree.
pub const NON_DETERMINISTIC: &[&str] = &[
    "NOW",
    "CURRENT_TIMESTAMP",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURDATE",
    "CURTIME",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "SYSDATE",
    "UTC_DATE",
    "UTC_TIME",
    "UTC_TIMESTAMP",
    "UNIX_TIMESTAMP",
    // Reads the session's time_zone: writers and the backfill may disagree.
    "FROM_UNIXTIME",
    "RAND",
    "RANDOM_BYTES",
    "UUID",
    "UUID_SHORT",
    "SYS_GUID",
    "CURRENT_USER",
    "CURRENT_ROLE",
    "USER",
    "SESSION_USER",
    "SYSTEM_USER",
    "DATABASE",
    "SCHEMA",
    "CONNECTION_ID",
    "LAST_INSERT_ID",
    "ROW_COUNT",
    "FOUND_ROWS",
    "VERSION",
    "BENCHMARK",
    "SLEEP",
    "GET_LOCK",
    "RELEASE_LOCK",
    "RELEASE_ALL_LOCKS",
    "IS_FREE_LOCK",
    "IS_USED_LOCK",
    "MASTER_POS_WAIT",
    "MASTER_GTID_WAIT",
    "LOAD_FILE",
    "NEXTVAL",
    "LASTVAL",
    "SETVAL",
    "NEXT",
    "PREVIOUS",
    "VALUES",
    "VALUE",
    "NAME_CONST",
    "ROWNUM",
    "LAST_VALUE",
    "CURRENT_SCHEMA",
    "DEFAULT",
    "ROW_NUMBER",
    "RANK",
    "DENSE_RANK",
];

/// True when `name` (any case) is in `list`.
pub fn is_in(list: &[&str], name: &str) -> bool {
    list.iter().any(|f| f.eq_ignore_ascii_case(name))
}
