//! What the demo's writers write: the mix of inserts, updates, group moves
//! (a row changing user, or changing kind and so entering or leaving
//! `WHERE kind = 'debit'`) and deletes, drawn from a seeded random number
//! generator, and the statement for each. Pure: tested without a server;
//! [`super::workload`] runs them.

use rand::Rng;
use serde::Serialize;

use super::schema::{DATA_END, KINDS, TRANSACTIONS};

/// Relative weights of the kinds of writes (they need not add up to 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Mix {
    /// New transactions (one row, or a few in one statement).
    pub insert: u32,
    /// A transaction's amount changes (stays in its group).
    pub update: u32,
    /// A transaction moves to another user or another kind.
    pub moves: u32,
    /// A transaction is deleted.
    pub delete: u32,
}

impl Default for Mix {
    /// Mostly inserts and updates, some moves, enough deletes to keep the table's size steady-ish.
    fn default() -> Self {
        Mix {
            insert: 45,
            update: 30,
            moves: 10,
            delete: 15,
        }
    }
}

/// One write.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Insert `rows` new transactions (`(user_id, kind index, amount in cents)` each).
    Insert {
        /// The rows.
        rows: Vec<(u64, usize, u64)>,
    },
    /// Add `delta_cents` to the amount of transaction `id`.
    Update {
        /// The transaction.
        id: u64,
        /// Change in cents (may be negative).
        delta_cents: i64,
    },
    /// Give transaction `id` to user `user_id`.
    MoveUser {
        /// The transaction.
        id: u64,
        /// The new owner.
        user_id: u64,
    },
    /// Change the kind of transaction `id` (index into [`KINDS`]).
    MoveKind {
        /// The transaction.
        id: u64,
        /// The new kind.
        kind: usize,
    },
    /// Delete transaction `id`.
    Delete {
        /// The transaction.
        id: u64,
    },
}

/// Which counter an [`Op`] adds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpClass {
    /// [`Op::Insert`].
    Insert,
    /// [`Op::Update`].
    Update,
    /// [`Op::MoveUser`] and [`Op::MoveKind`].
    Move,
    /// [`Op::Delete`].
    Delete,
}

impl Op {
    /// The counter this write belongs to.
    pub fn class(&self) -> OpClass {
        match self {
            Op::Insert { .. } => OpClass::Insert,
            Op::Update { .. } => OpClass::Update,
            Op::MoveUser { .. } | Op::MoveKind { .. } => OpClass::Move,
            Op::Delete { .. } => OpClass::Delete,
        }
    }

    /// The statement; `clock` numbers the inserts so their `created_at` runs
    /// on from [`DATA_END`] (one second per insert) deterministically.
    pub fn sql(&self, clock: u64) -> String {
        match self {
            Op::Insert { rows } => {
                let values: Vec<String> = rows
                    .iter()
                    .enumerate()
                    .map(|(i, (user, kind, cents))| {
                        format!(
                            "({user}, '{}', {}.{:02}, 'EUR', TIMESTAMP '{DATA_END}' + INTERVAL {} SECOND)",
                            KINDS[*kind % KINDS.len()],
                            cents / 100,
                            cents % 100,
                            clock + i as u64 + 1
                        )
                    })
                    .collect();
                format!(
                    "INSERT INTO `{TRANSACTIONS}` (`user_id`, `kind`, `amount`, `currency`, `created_at`) VALUES {}",
                    values.join(", ")
                )
            }
            Op::Update { id, delta_cents } => {
                let sign = if *delta_cents < 0 { "-" } else { "+" };
                let abs = delta_cents.unsigned_abs();
                // GREATEST keeps amounts positive, as an application would.
                format!(
                    "UPDATE `{TRANSACTIONS}` SET `amount` = GREATEST(0.01, `amount` {sign} {}.{:02}) WHERE `id` = {id}",
                    abs / 100,
                    abs % 100
                )
            }
            Op::MoveUser { id, user_id } => {
                format!("UPDATE `{TRANSACTIONS}` SET `user_id` = {user_id} WHERE `id` = {id}")
            }
            Op::MoveKind { id, kind } => format!(
                "UPDATE `{TRANSACTIONS}` SET `kind` = '{}' WHERE `id` = {id}",
                KINDS[*kind % KINDS.len()]
            ),
            Op::Delete { id } => format!("DELETE FROM `{TRANSACTIONS}` WHERE `id` = {id}"),
        }
    }

    /// Rows this write inserts (for the insert clock).
    pub fn inserted(&self) -> u64 {
        match self {
            Op::Insert { rows } => rows.len() as u64,
            _ => 0,
        }
    }
}

/// A user id skewed like the sample data (low ids are hot).
pub fn skewed_user(rng: &mut impl Rng, users: u64) -> u64 {
    let u: f64 = rng.gen();
    1 + ((u * u * users.max(1) as f64) as u64).min(users.max(1) - 1)
}

/// A kind index drawn like the sample data: mostly debits.
fn skewed_kind(rng: &mut impl Rng) -> usize {
    match rng.gen_range(0..100) {
        0..=69 => 0,
        70..=84 => 1,
        85..=89 => 2,
        _ => 3,
    }
}

/// Draws one write from `mix`; ids come from `1..=max_id`, users from `1..=users`.
pub fn pick(rng: &mut impl Rng, mix: &Mix, max_id: u64, users: u64) -> Op {
    let total = mix.insert + mix.update + mix.moves + mix.delete;
    let id = rng.gen_range(1..=max_id.max(1));
    if total == 0 {
        return Op::Update { id, delta_cents: 1 };
    }
    let draw = rng.gen_range(0..total);
    if draw < mix.insert {
        let n = if rng.gen_bool(0.2) {
            rng.gen_range(2..=5)
        } else {
            1
        };
        let rows = (0..n)
            .map(|_| {
                (
                    skewed_user(rng, users),
                    skewed_kind(rng),
                    rng.gen_range(100..25_000),
                )
            })
            .collect();
        Op::Insert { rows }
    } else if draw < mix.insert + mix.update {
        Op::Update {
            id,
            delta_cents: rng.gen_range(-2_000..=2_000),
        }
    } else if draw < mix.insert + mix.update + mix.moves {
        if rng.gen_bool(0.5) {
            Op::MoveUser {
                id,
                user_id: skewed_user(rng, users),
            }
        } else {
            Op::MoveKind {
                id,
                kind: rng.gen_range(0..KINDS.len()),
            }
        }
    } else {
        Op::Delete { id }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn the_mix_is_respected() {
        let mut rng = StdRng::seed_from_u64(7);
        let mix = Mix {
            insert: 50,
            update: 20,
            moves: 20,
            delete: 10,
        };
        let mut counts = [0u32; 4];
        for _ in 0..10_000 {
            let i = match pick(&mut rng, &mix, 1000, 50).class() {
                OpClass::Insert => 0,
                OpClass::Update => 1,
                OpClass::Move => 2,
                OpClass::Delete => 3,
            };
            counts[i] += 1;
        }
        for (got, want) in counts.iter().zip([5000, 2000, 2000, 1000]) {
            assert!(got.abs_diff(want) < 300, "{counts:?}");
        }
        let only_deletes = Mix {
            insert: 0,
            update: 0,
            moves: 0,
            delete: 1,
        };
        assert!(matches!(
            pick(&mut rng, &only_deletes, 10, 10),
            Op::Delete { .. }
        ));
    }

    #[test]
    fn the_same_seed_gives_the_same_writes() {
        let draw = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..50)
                .map(|_| pick(&mut rng, &Mix::default(), 500, 100).sql(0))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(42), draw(42));
        assert_ne!(draw(42), draw(43));
    }

    #[test]
    fn ids_and_users_stay_in_range_and_users_are_skewed() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut low = 0;
        for _ in 0..10_000 {
            let u = skewed_user(&mut rng, 100);
            assert!((1..=100).contains(&u));
            if u <= 10 {
                low += 1;
            }
        }
        // With u² the first 10 % of users get about sqrt(0.1) ≈ 32 % of the rows.
        assert!((2_800..3_600).contains(&low), "{low}");
        for _ in 0..1000 {
            match pick(&mut rng, &Mix::default(), 20, 5) {
                Op::Update { id, .. } | Op::Delete { id } | Op::MoveKind { id, .. } => {
                    assert!((1..=20).contains(&id));
                }
                Op::MoveUser { id, user_id } => {
                    assert!((1..=20).contains(&id) && (1..=5).contains(&user_id));
                }
                Op::Insert { rows } => assert!((1..=5).contains(&rows.len())),
            }
        }
    }

    #[test]
    fn statements_are_well_formed() {
        let insert = Op::Insert {
            rows: vec![(3, 0, 1234), (4, 3, 5)],
        };
        assert_eq!(
            insert.sql(10),
            "INSERT INTO `transactions` (`user_id`, `kind`, `amount`, `currency`, `created_at`) VALUES \
             (3, 'debit', 12.34, 'EUR', TIMESTAMP '2024-06-30 23:59:59' + INTERVAL 11 SECOND), \
             (4, 'fee', 0.05, 'EUR', TIMESTAMP '2024-06-30 23:59:59' + INTERVAL 12 SECOND)"
        );
        assert_eq!(
            Op::Update {
                id: 9,
                delta_cents: -250
            }
            .sql(0),
            "UPDATE `transactions` SET `amount` = GREATEST(0.01, `amount` - 2.50) WHERE `id` = 9"
        );
        assert_eq!(
            Op::MoveKind { id: 2, kind: 1 }.sql(0),
            "UPDATE `transactions` SET `kind` = 'credit' WHERE `id` = 2"
        );
        assert_eq!(
            Op::MoveUser { id: 2, user_id: 7 }.sql(0),
            "UPDATE `transactions` SET `user_id` = 7 WHERE `id` = 2"
        );
        assert_eq!(
            Op::Delete { id: 5 }.sql(0),
            "DELETE FROM `transactions` WHERE `id` = 5"
        );
    }
}
