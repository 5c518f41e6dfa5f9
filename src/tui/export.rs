//! Export of the previewed summary: the migration and its drop script written as files in
//! the current directory, and the migration copied to the clipboard through OSC 52 (the
//! terminal, even over ssh or inside tmux with `set-clipboard on`, puts it there).

use super::app::Msg;
use super::strings::export as text;
use super::worker::PreviewDoc;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What the export key asks the terminal loop to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// Files to write, relative to the current directory: the migration, then the drop script.
    pub files: Vec<(PathBuf, String)>,
    /// Text for the clipboard.
    pub clipboard: String,
}

/// The export of `doc`, when the worker made its migration.
pub fn export_of(doc: &PreviewDoc) -> Option<Export> {
    let m = doc.migration.as_ref()?;
    let base = file_stem(&doc.schema, &doc.name);
    Some(Export {
        files: vec![
            (PathBuf::from(format!("{base}.sql")), m.apply.clone()),
            (PathBuf::from(format!("{base}.drop.sql")), m.drop.clone()),
        ],
        clipboard: m.apply.clone(),
    })
}

/// `schema.name` as a file name: anything but letters, digits, `_` and `-` becomes `_`, so a
/// name never reaches outside the directory or needs quoting in a shell.
pub fn file_stem(schema: &str, name: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("{}.{}", clean(schema), clean(name))
}

/// Writes the files in `dir` and sends the clipboard sequence to `terminal`; the answer for
/// the app.
pub fn carry_out(export: &Export, dir: &Path, terminal: &mut impl Write) -> Msg {
    for (path, content) in &export.files {
        if let Err(e) = std::fs::write(dir.join(path), content) {
            return Msg::Exported(Err(text::cannot_write(&path.display().to_string(), &e)));
        }
    }
    // Without the clipboard the files are still there: say so rather than fail.
    let copied = terminal
        .write_all(osc52(&export.clipboard).as_bytes())
        .and_then(|()| terminal.flush())
        .is_ok();
    let names: Vec<String> = export
        .files
        .iter()
        .map(|(p, _)| p.display().to_string())
        .collect();
    Msg::Exported(Ok(text::written(&names, copied)))
}

/// The OSC 52 sequence that sets the clipboard to `text`.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

/// Standard base64 with padding (the alphabet OSC 52 expects).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }

    #[test]
    fn file_names_stay_in_the_directory() {
        assert_eq!(file_stem("shop", "by day/../x"), "shop.by_day____x");
    }
}
