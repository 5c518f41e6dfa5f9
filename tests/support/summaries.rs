//! A set of summaries over one schema, each `(view, query)`: created, compared with MariaDB's
//! own answer and validated together.

use lightning_tables::lifecycle::{validate, CreateOptions};
use mysql::{Conn, Opts};

use super::compare::{assert_same, Strings};

/// Creates every summary with `options`, failing the test on the first refusal or error.
pub fn create_all(opts: &Opts, summaries: &[(&str, &str)], options: &CreateOptions) {
    for (view, query) in summaries {
        super::server::create_quietly(opts, view, query, options)
            .unwrap_or_else(|e| panic!("create {view}: {e}"));
    }
}

/// Compares every summary with its query's answer, byte for byte.
pub fn check_all(conn: &mut Conn, summaries: &[(&str, &str)], context: &str) {
    for (view, query) in summaries {
        assert_same(conn, view, query, Strings::Exact, context);
    }
}

/// `validate` must call every summary exact.
pub fn validate_all(opts: &Opts, db: &str, summaries: &[(&str, &str)]) {
    for (view, _) in summaries {
        let v = validate(opts, db, view, 3).unwrap();
        assert!(v.exact, "validate {view}: {v:?}");
    }
}
