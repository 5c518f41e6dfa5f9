//! Blanking passwords in the process's own command line.
//!
//! `lightning -pSECRET ...` puts the password in `/proc/PID/cmdline`, which
//! any local user can read with `ps`. Like the `mysql`/`mariadb` clients we
//! overwrite those bytes with `x` right after parsing. This is best effort:
//! there is a short window before we run, other platforms are untouched, and
//! the environment (`MYSQL_PWD`) cannot be hidden this way; an option file
//! or the `-p` prompt remain the safe choices.

use std::io;
use std::ops::Range;

/// One argument shape that carries a secret, and which of its bytes are secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ArgSecret {
    /// The whole argument exactly as it appears in argv.
    pub arg: Vec<u8>,
    /// The bytes of `arg` to overwrite.
    pub secret: Range<usize>,
}

impl std::fmt::Debug for ArgSecret {
    // The argument contains the secret, so only its shape is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ArgSecret(len {}, secret {:?})",
            self.arg.len(),
            self.secret
        )
    }
}

/// Finds, in a NUL-separated argument block (the format of
/// `/proc/self/cmdline`), the absolute byte ranges to overwrite.
pub fn plan_scrub(cmdline: &[u8], secrets: &[ArgSecret]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut offset = 0;
    for arg in cmdline.split(|b| *b == 0) {
        if let Some(s) = secrets
            .iter()
            .find(|s| s.arg == arg && !s.secret.is_empty())
        {
            ranges.push(offset + s.secret.start..offset + s.secret.end);
        }
        offset += arg.len() + 1;
    }
    ranges
}

/// Overwrites the secret parts of matching arguments in this process's
/// original argv memory; returns how many arguments were blanked.
#[cfg(target_os = "linux")]
pub fn scrub_process_args(secrets: &[ArgSecret]) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;

    if secrets.is_empty() {
        return Ok(0);
    }
    let (arg_start, arg_end) = arg_area()?;
    let cmdline = std::fs::read("/proc/self/cmdline")?;
    // cmdline can be longer than the original area if a program rewrote its
    // title; only touch bytes that are inside the area the kernel reports.
    let area_len = usize::try_from(arg_end.saturating_sub(arg_start)).unwrap_or(0);
    let ranges = plan_scrub(&cmdline[..cmdline.len().min(area_len)], secrets);
    if ranges.is_empty() {
        return Ok(0);
    }
    // Writing through /proc/self/mem needs no unsafe code and fails cleanly
    // (instead of crashing) if the area is not where we think it is.
    let mem = std::fs::OpenOptions::new()
        .write(true)
        .open("/proc/self/mem")?;
    for range in &ranges {
        let filler = vec![b'x'; range.len()];
        mem.write_all_at(&filler, arg_start + range.start as u64)?;
    }
    Ok(ranges.len())
}

/// Other platforms: nothing to do (and no reliable way to do it).
#[cfg(not(target_os = "linux"))]
pub fn scrub_process_args(_secrets: &[ArgSecret]) -> io::Result<usize> {
    Ok(0)
}

/// `arg_start` and `arg_end` (fields 48 and 49 of `/proc/self/stat`).
#[cfg(target_os = "linux")]
fn arg_area() -> io::Result<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Field 2 (comm) is in parentheses and may contain spaces, so count
    // fields after its closing parenthesis; that remainder starts at field 3.
    let after_comm = stat
        .rfind(')')
        .map(|i| &stat[i + 1..])
        .ok_or_else(|| io::Error::other("unexpected /proc/self/stat format"))?;
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    let field = |n: usize| -> io::Result<u64> {
        fields
            .get(n - 3)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| io::Error::other("/proc/self/stat lacks arg_start/arg_end"))
    };
    Ok((field(48)?, field(49)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(arg: &str, start: usize) -> ArgSecret {
        ArgSecret {
            arg: arg.as_bytes().to_vec(),
            secret: start..arg.len(),
        }
    }

    #[test]
    fn plans_only_matching_args() {
        let cmd = b"lightning\0-uroot\0-psecret\0doctor\0--password=secret\0";
        let secrets = [secret("-psecret", 2), secret("--password=secret", 11)];
        let ranges = plan_scrub(cmd, &secrets);
        assert_eq!(ranges, vec![19..25, 44..50]);
        assert_eq!(&cmd[19..25], b"secret");
        assert_eq!(&cmd[44..50], b"secret");
    }

    #[test]
    fn debug_hides_the_argument() {
        let s = format!("{:?}", secret("-pverysecret", 2));
        assert!(!s.contains("verysecret"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn scrubbing_nothing_is_a_no_op() {
        assert_eq!(scrub_process_args(&[]).ok(), Some(0));
        // The test binary's argv never contains this argument.
        let none = [secret("-pnot-in-argv-xyz", 2)];
        assert_eq!(scrub_process_args(&none).ok(), Some(0));
    }
}
