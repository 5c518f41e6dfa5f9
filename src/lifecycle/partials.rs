//! Partial aggregates merged per group in memory. A backfill region's chunks each return per-group
//! counts and sums; adding them up here before writing means a group is written once per region
//! instead of once per chunk. Sums are added exactly (DECIMAL text through `BigDecimal`), so the
//! merged value is the one the server would have computed; groups whose keys are equal only
//! under a collation stay separate entries here and meet in the server's upsert.

use super::LifecycleError;
use mysql::{Row, Value};
use std::collections::HashMap;
use std::str::FromStr;

/// Rows `key columns ++ value columns`, merged by key.
pub struct Partials {
    keys: usize,
    index: HashMap<Vec<u8>, usize>,
    rows: Vec<(Vec<Value>, Vec<Acc>)>,
}

/// A running sum, kept in its exact form until the end (parsing and printing DECIMAL text once
/// per input rather than once per addition).
#[derive(Debug, Clone)]
enum Acc {
    Null,
    Int(i128),
    Decimal(bigdecimal::BigDecimal),
    Double(f64),
}

impl Acc {
    fn of(v: &Value) -> Option<Acc> {
        Some(match v {
            Value::NULL => Acc::Null,
            Value::Int(i) => Acc::Int(i128::from(*i)),
            Value::UInt(u) => Acc::Int(i128::from(*u)),
            Value::Float(f) => Acc::Double(f64::from(*f)),
            Value::Double(d) => Acc::Double(*d),
            Value::Bytes(b) => {
                let text = std::str::from_utf8(b).ok()?.trim();
                match text.parse::<i128>() {
                    Ok(i) => Acc::Int(i),
                    Err(_) => Acc::Decimal(bigdecimal::BigDecimal::from_str(text).ok()?),
                }
            }
            _ => return None,
        })
    }

    fn add(self, other: Acc) -> Acc {
        match (self, other) {
            (Acc::Null, x) | (x, Acc::Null) => x,
            (Acc::Double(a), b) | (b, Acc::Double(a)) => Acc::Double(a + b.as_f64()),
            (Acc::Int(a), Acc::Int(b)) => match a.checked_add(b) {
                Some(s) => Acc::Int(s),
                None => {
                    Acc::Decimal(bigdecimal::BigDecimal::from(a) + bigdecimal::BigDecimal::from(b))
                }
            },
            (a, b) => Acc::Decimal(a.into_decimal() + b.into_decimal()),
        }
    }

    fn as_f64(&self) -> f64 {
        match self {
            Acc::Null => 0.0,
            Acc::Int(i) => *i as f64,
            Acc::Double(d) => *d,
            Acc::Decimal(d) => d.to_string().parse().unwrap_or(f64::NAN),
        }
    }

    fn into_decimal(self) -> bigdecimal::BigDecimal {
        match self {
            Acc::Null => bigdecimal::BigDecimal::from(0),
            Acc::Int(i) => bigdecimal::BigDecimal::from(i),
            Acc::Decimal(d) => d,
            Acc::Double(d) => bigdecimal::BigDecimal::try_from(d).unwrap_or_default(),
        }
    }

    /// The value to store: NULL (a SUM over no input) becomes the state's neutral 0.
    fn into_value(self) -> Value {
        match self {
            Acc::Null => Value::Int(0),
            Acc::Int(i) => match i64::try_from(i) {
                Ok(v) => Value::Int(v),
                Err(_) => Value::Bytes(i.to_string().into_bytes()),
            },
            Acc::Decimal(d) => Value::Bytes(d.to_plain_string().into_bytes()),
            Acc::Double(d) => Value::Double(d),
        }
    }
}

impl Partials {
    /// Merges rows whose first `keys` columns are the group key.
    pub fn new(keys: usize) -> Partials {
        Partials {
            keys,
            index: HashMap::new(),
            rows: Vec::new(),
        }
    }

    /// Adds query result rows.
    pub fn add_rows(&mut self, rows: Vec<Row>) -> Result<(), LifecycleError> {
        for row in rows {
            self.add(row.unwrap())?;
        }
        Ok(())
    }

    /// Adds one row.
    pub fn add(&mut self, mut row: Vec<Value>) -> Result<(), LifecycleError> {
        let values = row.split_off(self.keys.min(row.len()));
        let mut accs = Vec::with_capacity(values.len());
        for v in &values {
            accs.push(Acc::of(v).ok_or_else(|| {
                LifecycleError::State(format!("cannot add up the partial aggregate {v:?}"))
            })?);
        }
        let key = encode_key(&row);
        match self.index.get(&key) {
            Some(&i) => {
                let target = &mut self.rows[i].1;
                for (t, a) in target.iter_mut().zip(accs) {
                    *t = std::mem::replace(t, Acc::Null).add(a);
                }
            }
            None => {
                self.index.insert(key, self.rows.len());
                self.rows.push((row, accs));
            }
        }
        Ok(())
    }

    /// The merged rows. A NULL aggregate (a SUM over no input, e.g. an empty region of a view
    /// without GROUP BY) is stored as 0, the state's neutral value.
    pub fn into_rows(self) -> Vec<Vec<Value>> {
        self.rows
            .into_iter()
            .map(|(mut key, accs)| {
                key.extend(accs.into_iter().map(Acc::into_value));
                key
            })
            .collect()
    }
}

/// An unambiguous byte encoding of key values (a tag, then a length-prefixed payload).
pub(crate) fn encode_key(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        let (tag, bytes): (u8, Vec<u8>) = match v {
            Value::NULL => (0, Vec::new()),
            Value::Bytes(b) => (1, b.clone()),
            Value::Int(i) => (2, i.to_le_bytes().to_vec()),
            Value::UInt(u) => (3, u.to_le_bytes().to_vec()),
            Value::Float(f) => (4, f.to_bits().to_le_bytes().to_vec()),
            Value::Double(d) => (5, d.to_bits().to_le_bytes().to_vec()),
            Value::Date(y, mo, d, h, mi, s, us) => {
                let mut b = y.to_le_bytes().to_vec();
                b.extend([*mo, *d, *h, *mi, *s]);
                b.extend(us.to_le_bytes());
                (6, b)
            }
            Value::Time(neg, d, h, mi, s, us) => {
                let mut b = vec![u8::from(*neg)];
                b.extend(d.to_le_bytes());
                b.extend([*h, *mi, *s]);
                b.extend(us.to_le_bytes());
                (7, b)
            }
        };
        out.push(tag);
        out.extend((bytes.len() as u32).to_le_bytes());
        out.extend(bytes);
    }
    out
}

/// Exact sum of two aggregate values; NULL is the identity (a SUM over no non-NULL input).
#[cfg(test)]
fn add(a: &Value, b: &Value) -> Option<Value> {
    Some(Acc::of(a)?.add(Acc::of(b)?).into_value())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Value {
        Value::Bytes(s.as_bytes().to_vec())
    }

    #[test]
    fn sums_of_the_same_group_merge_exactly() {
        let mut p = Partials::new(1);
        p.add(vec![text("a"), Value::Int(2), text("0.10")]).unwrap();
        p.add(vec![text("b"), Value::Int(1), text("5")]).unwrap();
        p.add(vec![text("a"), Value::Int(3), text("0.20")]).unwrap();
        p.add(vec![text("a"), text("-1"), Value::NULL]).unwrap();
        p.add(vec![text("c"), Value::Int(0), Value::NULL]).unwrap();
        let rows = p.into_rows();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0], vec![text("a"), Value::Int(4), text("0.30")]);
        assert_eq!(rows[2], vec![text("c"), Value::Int(0), Value::Int(0)]);
    }

    #[test]
    fn wide_decimals_and_integer_overflow_stay_exact() {
        let big = "99999999999999999999999999999999999999999999999999999999999.123456";
        assert_eq!(
            add(&text(big), &text("0.876544")),
            Some(text(
                "100000000000000000000000000000000000000000000000000000000000.000000"
            ))
        );
        assert_eq!(
            add(&Value::Int(i64::MAX), &Value::Int(1)),
            Some(text("9223372036854775808"))
        );
        assert_eq!(
            add(&Value::Double(0.5), &Value::Double(0.25)),
            Some(Value::Double(0.75))
        );
    }

    #[test]
    fn null_keys_and_empty_strings_are_different_groups() {
        let mut p = Partials::new(1);
        p.add(vec![Value::NULL, Value::Int(1)]).unwrap();
        p.add(vec![text(""), Value::Int(1)]).unwrap();
        assert_eq!(p.into_rows().len(), 2);
    }
}
