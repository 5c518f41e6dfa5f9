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
    rows: Vec<Vec<Value>>,
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
    pub fn add(&mut self, row: Vec<Value>) -> Result<(), LifecycleError> {
        let key = encode_key(&row[..self.keys.min(row.len())]);
        match self.index.get(&key) {
            Some(&i) => {
                let target = &mut self.rows[i];
                for (c, v) in row.into_iter().enumerate().skip(self.keys) {
                    let sum = add(&target[c], &v).ok_or_else(|| {
                        LifecycleError::State(format!(
                            "cannot add partial aggregates {:?} and {v:?}",
                            target[c]
                        ))
                    })?;
                    target[c] = sum;
                }
            }
            None => {
                self.index.insert(key, self.rows.len());
                self.rows.push(row);
            }
        }
        Ok(())
    }

    /// The merged rows. A NULL aggregate (a SUM over no input, e.g. an empty region of a view
    /// without GROUP BY) is stored as 0, the state's neutral value.
    pub fn into_rows(self) -> Vec<Vec<Value>> {
        let keys = self.keys;
        self.rows
            .into_iter()
            .map(|mut row| {
                for v in row.iter_mut().skip(keys) {
                    if *v == Value::NULL {
                        *v = Value::Int(0);
                    }
                }
                row
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
fn add(a: &Value, b: &Value) -> Option<Value> {
    Some(match (a, b) {
        (Value::NULL, x) | (x, Value::NULL) => x.clone(),
        (Value::Double(_) | Value::Float(_), _) | (_, Value::Double(_) | Value::Float(_)) => {
            Value::Double(as_f64(a)? + as_f64(b)?)
        }
        (Value::Int(_) | Value::UInt(_), Value::Int(_) | Value::UInt(_)) => {
            let sum = as_i128(a)? + as_i128(b)?;
            match i64::try_from(sum) {
                Ok(i) => Value::Int(i),
                Err(_) => Value::Bytes(sum.to_string().into_bytes()),
            }
        }
        _ => {
            let sum = as_decimal(a)? + as_decimal(b)?;
            Value::Bytes(sum.to_plain_string().into_bytes())
        }
    })
}

fn as_i128(v: &Value) -> Option<i128> {
    match v {
        Value::Int(i) => Some(i128::from(*i)),
        Value::UInt(u) => Some(i128::from(*u)),
        _ => None,
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Double(d) => Some(*d),
        Value::Float(f) => Some(f64::from(*f)),
        Value::Int(i) => Some(*i as f64),
        Value::UInt(u) => Some(*u as f64),
        Value::Bytes(b) => std::str::from_utf8(b).ok()?.trim().parse().ok(),
        _ => None,
    }
}

fn as_decimal(v: &Value) -> Option<bigdecimal::BigDecimal> {
    match v {
        Value::Int(i) => Some((*i).into()),
        Value::UInt(u) => Some((*u).into()),
        Value::Bytes(b) => {
            bigdecimal::BigDecimal::from_str(std::str::from_utf8(b).ok()?.trim()).ok()
        }
        _ => None,
    }
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
        assert_eq!(rows[0], vec![text("a"), text("4"), text("0.30")]);
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
