//! A one-line text input with a cursor (the wizard's fields).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Text and a cursor position (in characters).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LineInput {
    text: String,
    cursor: usize,
}

impl LineInput {
    /// An input holding `text`, the cursor at its end.
    pub fn new(text: impl Into<String>) -> LineInput {
        let text: String = text.into();
        let cursor = text.chars().count();
        LineInput { text, cursor }
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor position, in characters.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// The text with surrounding blanks removed.
    pub fn trimmed(&self) -> &str {
        self.text.trim()
    }

    fn byte(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(i, _)| i)
    }

    /// Inserts text at the cursor (line breaks are dropped).
    pub fn insert(&mut self, text: &str) {
        for c in text.chars().filter(|c| !c.is_control()) {
            let at = self.byte(self.cursor);
            self.text.insert(at, c);
            self.cursor += 1;
        }
    }

    /// Applies an editing key; returns whether the text or cursor changed.
    pub fn key(&mut self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let len = self.text.chars().count();
        match key.code {
            KeyCode::Char('u') if ctrl => {
                self.text.clear();
                self.cursor = 0;
            }
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = len,
            KeyCode::Char(c) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => {
                self.insert(&c.to_string());
            }
            KeyCode::Backspace if self.cursor > 0 => {
                let at = self.byte(self.cursor - 1);
                self.text.remove(at);
                self.cursor -= 1;
            }
            KeyCode::Delete if self.cursor < len => {
                let at = self.byte(self.cursor);
                self.text.remove(at);
            }
            KeyCode::Left if self.cursor > 0 => self.cursor -= 1,
            KeyCode::Right if self.cursor < len => self.cursor += 1,
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = len,
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn editing_in_the_middle_of_unicode() {
        let mut i = LineInput::new("héllo");
        assert!(i.key(&k(KeyCode::Left)));
        assert!(i.key(&k(KeyCode::Left)));
        i.insert("X");
        assert_eq!(i.text(), "hélXlo");
        assert!(i.key(&k(KeyCode::Backspace)));
        assert!(i.key(&k(KeyCode::Home)));
        assert!(!i.key(&k(KeyCode::Backspace)));
        assert!(i.key(&k(KeyCode::Delete)));
        assert_eq!(i.text(), "éllo");
        assert!(i.key(&KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)));
        assert_eq!(i.text(), "");
        i.insert("a\nb");
        assert_eq!((i.text(), i.cursor()), ("ab", 2));
    }
}
