//! The tuning form of a create or rebuild confirmation: rows per chunk, time per chunk,
//! max load and lock wait, typed as text and checked with the CLI's bounds
//! ([`crate::lifecycle::tuning`]) before they are taken.

use crate::lifecycle::tuning::{self, Tuning, TuningError};
use crate::tui::strings;

/// Number of fields.
pub const FIELDS: usize = 4;

/// The form: one text per field (empty keeps the default), the field being typed in, and
/// why the last apply was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TuneForm {
    /// Texts of rows per chunk, time per chunk, max load, lock wait.
    pub texts: [String; FIELDS],
    /// The field being typed in.
    pub field: usize,
    /// The refused field and why.
    pub error: Option<(usize, String)>,
}

impl TuneForm {
    /// The form showing `tuning`.
    pub fn new(tuning: &Tuning) -> TuneForm {
        let number = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_default();
        TuneForm {
            texts: [
                number(tuning.chunk_rows),
                number(tuning.chunk_time_ms),
                tuning
                    .max_load
                    .as_ref()
                    .map(|(var, n)| format!("{var}={n}"))
                    .unwrap_or_default(),
                number(tuning.lock_wait_ms),
            ],
            field: 0,
            error: None,
        }
    }

    /// Moves to the next field (`forward`) or the previous one, wrapping.
    pub fn move_field(&mut self, forward: bool) {
        self.field = if forward {
            (self.field + 1) % FIELDS
        } else {
            (self.field + FIELDS - 1) % FIELDS
        };
    }

    /// Types `c` into the current field.
    pub fn push(&mut self, c: char) {
        if let Some(text) = self.texts.get_mut(self.field) {
            text.push(c);
        }
    }

    /// Pastes `text` (one line) into the current field, without its control characters.
    pub fn paste(&mut self, text: &str) {
        for c in text.chars().filter(|c| !c.is_control()) {
            self.push(c);
        }
    }

    /// Deletes the last character of the current field.
    pub fn pop(&mut self) {
        if let Some(text) = self.texts.get_mut(self.field) {
            text.pop();
        }
    }

    /// The tuning the fields describe, or the first refused field (selected, with why).
    pub fn apply(&mut self) -> Option<Tuning> {
        match self.parse() {
            Ok(t) => {
                self.error = None;
                Some(t)
            }
            Err((field, why)) => {
                self.field = field;
                self.error = Some((field, why));
                None
            }
        }
    }

    fn parse(&self) -> Result<Tuning, (usize, String)> {
        let number = |i: usize, range| {
            let text = self.texts[i].trim();
            if text.is_empty() {
                return Ok(None);
            }
            tuning::parse_in(text, range)
                .map(Some)
                .map_err(|e: TuningError| (i, e.to_string()))
        };
        let chunk_rows = number(0, &tuning::CHUNK_ROWS)?;
        let chunk_time_ms = number(1, &tuning::CHUNK_TIME_MS)?;
        if chunk_rows.is_some() && chunk_time_ms.is_some() {
            return Err((1, strings::tune::ROWS_OR_TIME.to_string()));
        }
        let load = self.texts[2].trim();
        let max_load = if load.is_empty() {
            None
        } else {
            Some(tuning::parse_max_load(load).map_err(|e| (2, e.to_string()))?)
        };
        Ok(Tuning {
            chunk_rows,
            chunk_time_ms,
            max_load,
            lock_wait_ms: number(3, &tuning::LOCK_WAIT_MS)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_round_trips_its_tuning_and_refuses_bad_values() {
        let t = Tuning {
            chunk_rows: None,
            chunk_time_ms: Some(50),
            max_load: Some(("Threads_running".into(), 20)),
            lock_wait_ms: Some(250),
        };
        let mut form = TuneForm::new(&t);
        assert_eq!(form.apply(), Some(t));
        // Both chunk fields: refused on the second, which gets the cursor.
        form.field = 0;
        form.push('9');
        assert_eq!(form.apply(), None);
        assert_eq!(form.field, 1);
        assert!(form.error.as_ref().is_some_and(|(f, _)| *f == 1));
        form.texts[0].clear();
        form.texts[3] = "5".into();
        assert_eq!(form.apply(), None);
        assert_eq!(form.field, 3);
        form.texts[3].clear();
        form.texts[2] = "Threads_running".into();
        assert_eq!(form.apply(), None);
        assert_eq!(form.field, 2);
        form.texts[2].clear();
        let back = form.apply();
        assert_eq!(
            back,
            Some(Tuning {
                chunk_time_ms: Some(50),
                ..Tuning::default()
            })
        );
        assert_eq!(form.error, None);
        form.move_field(false);
        assert_eq!(form.field, 1);
        form.move_field(true);
        form.move_field(true);
        form.move_field(true);
        assert_eq!(form.field, 0);
    }
}
