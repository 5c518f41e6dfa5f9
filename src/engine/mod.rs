//! The engine: query analysis, SQL generation (pure) and the summary lifecycle (touches the database).
