// SPDX-License-Identifier: GPL-2.0

//! Building finger replies into a fixed buffer.
//!
//! Pure logic against `core` only; `host/` runs the tests. Everything a user
//! controls (full names, plans, projects, keys) goes through [`Reply::text`],
//! which ends lines with CRLF and replaces control characters other than tab,
//! so a plan cannot drive the reader's terminal.

use core::fmt::{self, Write as _};

/// A reply under construction; text that does not fit is cut off.
pub(crate) struct Reply<'a> {
    buf: &'a mut [u8],
    len: usize,
    /// Something did not fit.
    truncated: bool,
}

impl<'a> Reply<'a> {
    /// An empty reply writing into `buf`.
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Self {
            buf,
            len: 0,
            truncated: false,
        }
    }

    /// The reply so far.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Whether something did not fit.
    #[cfg(test)]
    pub(crate) fn truncated(&self) -> bool {
        self.truncated
    }

    /// Appends bytes we produced ourselves (already safe).
    pub(crate) fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        let room = self.buf.len() - self.len;
        let n = bytes.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
        self.truncated |= n < bytes.len();
        self
    }

    /// Appends text that a user controls: LF and CRLF become CRLF, tab and
    /// printable characters stay, every other control character (C0, DEL,
    /// C1) and every byte that is not UTF-8 becomes `?`.
    pub(crate) fn text(&mut self, bytes: &[u8]) -> &mut Self {
        let mut rest = bytes;
        while !rest.is_empty() && !self.truncated {
            let (valid, invalid_len) = match core::str::from_utf8(rest) {
                Ok(all) => (all, 0),
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    // `valid` is the valid prefix `from_utf8` just measured.
                    let valid = core::str::from_utf8(valid).unwrap_or("");
                    (valid, e.error_len().unwrap_or(after.len()))
                }
            };
            self.filtered(valid);
            if invalid_len > 0 {
                self.raw(b"?");
            }
            rest = &rest[valid.len() + invalid_len..];
        }
        self
    }

    /// Appends valid UTF-8 user text; see [`Reply::text`].
    fn filtered(&mut self, text: &str) {
        for c in text.chars() {
            match c {
                '\n' => {
                    self.raw(b"\r\n");
                }
                // A CR is dropped (CRLF becomes CRLF through the LF); a bare
                // one would let a plan overwrite what was shown.
                '\r' => {}
                '\t' => {
                    self.raw(b"\t");
                }
                c if c.is_control() => {
                    self.raw(b"?");
                }
                c => {
                    let mut utf8 = [0u8; 4];
                    self.raw(c.encode_utf8(&mut utf8).as_bytes());
                }
            }
        }
    }

    /// Appends user text and makes sure it ends a line.
    pub(crate) fn text_lines(&mut self, bytes: &[u8]) -> &mut Self {
        self.text(bytes);
        if !self.as_bytes().ends_with(b"\r\n") {
            self.raw(b"\r\n");
        }
        self
    }
}

impl fmt::Write for Reply<'_> {
    /// Formatted text is user text too.
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.text(s.as_bytes());
        Ok(())
    }
}

/// Room for a reply without user files, beyond the user text in it.
pub(crate) const SHORT_REPLY: usize = 256;

/// The answer to a forwarding query (`user@host`).
pub(crate) const FORWARD_DENIED: &[u8] = b"Finger forwarding service denied\r\n";

/// The answer to the empty query when listing is off.
pub(crate) const LIST_DENIED: &[u8] = b"Finger online user list denied\r\n";

/// Writes the answer to a query that could not be parsed.
pub(crate) fn bad_query(out: &mut Reply<'_>, message: &str) {
    out.raw(b"Error: ").raw(message.as_bytes()).raw(b"\r\n");
}

/// Writes the answer for a login that is unknown or not opted in.
pub(crate) fn no_such_user(out: &mut Reply<'_>, name: &str) {
    let _ = write!(out, "finger: {}: no such user.", name);
    out.raw(b"\r\n");
}

/// Writes the heading of the user list.
pub(crate) fn list_header(out: &mut Reply<'_>) {
    out.raw(b"Login\t\t\tName\r\n");
}

/// Writes one line of the user list.
pub(crate) fn list_line(out: &mut Reply<'_>, login: &str, full_name: &str) {
    let _ = write!(out, "{:<16}\t{}", login, full_name);
    out.raw(b"\r\n");
}

/// Room for the user list of a passwd file of `passwd_len` bytes and
/// `users` entries: a line per entry at most, login padded to 16, tabs,
/// name, CRLF; filtering at most doubles a byte.
pub(crate) fn list_size(passwd_len: usize, users: usize) -> usize {
    3 * passwd_len + 32 * users + 64
}

/// What the answer about one user shows.
pub(crate) struct UserEntry<'a> {
    pub(crate) login: &'a str,
    pub(crate) full_name: &'a str,
    /// The home directory, shown for a verbose (`/W`) query only.
    pub(crate) home: Option<&'a str>,
    pub(crate) project: Option<&'a [u8]>,
    pub(crate) pubkey: Option<&'a [u8]>,
    pub(crate) plan: Option<&'a [u8]>,
}

impl UserEntry<'_> {
    /// Room for the entry: filtering at most doubles a byte of a file and
    /// triples one of the passwd fields.
    pub(crate) fn size(&self) -> usize {
        let file_len = |f: Option<&[u8]>| f.map_or(0, |f| f.len());
        2 * (file_len(self.plan) + file_len(self.project) + file_len(self.pubkey))
            + 3 * (self.login.len() + self.full_name.len() + self.home.map_or(0, str::len))
            + SHORT_REPLY
    }

    /// Writes the entry.
    pub(crate) fn render(&self, out: &mut Reply<'_>) {
        let _ = write!(out, "Login: {:<16}\t\tName: {}", self.login, self.full_name);
        out.raw(b"\r\n");
        if let Some(home) = self.home {
            let _ = write!(out, "Directory: {}", home);
            out.raw(b"\r\n");
        }
        if let Some(project) = self.project {
            out.raw(b"Project: ").text_lines(first_line(project));
        }
        if let Some(key) = self.pubkey {
            out.raw(b"PGP key:\r\n").text_lines(key);
        }
        match self.plan {
            Some(plan) => out.raw(b"Plan:\r\n").text_lines(plan),
            None => out.raw(b"No Plan.\r\n"),
        };
    }
}

/// The first line of `bytes`, without its line ending.
pub(crate) fn first_line(bytes: &[u8]) -> &[u8] {
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or(b"");
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use core::fmt::Write;

    fn render(input: &[u8]) -> std::vec::Vec<u8> {
        let mut buf = [0u8; 256];
        let mut r = Reply::new(&mut buf);
        r.text(input);
        r.as_bytes().to_vec()
    }

    #[test]
    fn line_endings_become_crlf() {
        assert_eq!(render(b"a\nb\n"), b"a\r\nb\r\n");
        assert_eq!(render(b"a\r\nb\r\n"), b"a\r\nb\r\n");
        assert_eq!(render(b"a\rb"), b"ab");
        assert_eq!(render(b""), b"");
    }

    #[test]
    fn control_characters_are_replaced() {
        assert_eq!(render(b"\x1b[31mred\x1b[0m"), b"?[31mred?[0m");
        assert_eq!(render(b"tab\there\x07\x00\x7f"), b"tab\there???");
        // C1 controls (U+0080..U+009F) are control characters too.
        assert_eq!(render("a\u{9b}b".as_bytes()), b"a?b");
        assert_eq!(render("zoë".as_bytes()), "zoë".as_bytes());
        assert_eq!(render(b"bad\xffbyte\xc3"), b"bad?byte?");
    }

    #[test]
    fn cut_at_capacity() {
        let mut buf = [0u8; 4];
        let mut r = Reply::new(&mut buf);
        r.text(b"ab\ncd");
        assert_eq!(r.as_bytes(), b"ab\r\n");
        assert!(r.truncated());
        let mut buf = [0u8; 8];
        let mut r = Reply::new(&mut buf);
        r.raw(b"Plan:\r\n");
        assert!(!r.truncated());
    }

    #[test]
    fn formatted_text_is_filtered() {
        let mut buf = [0u8; 64];
        let mut r = Reply::new(&mut buf);
        let evil = "Evil\x1b]0;pwned\x07";
        write!(r, "Name: {evil}").unwrap();
        assert_eq!(r.as_bytes(), b"Name: Evil?]0;pwned?");
    }

    #[test]
    fn text_lines_end_lines() {
        let mut buf = [0u8; 64];
        let mut r = Reply::new(&mut buf);
        r.text_lines(b"no newline").text_lines(b"newline\n");
        assert_eq!(r.as_bytes(), b"no newline\r\nnewline\r\n");
        assert_eq!(first_line(b"one\r\ntwo"), b"one");
        assert_eq!(first_line(b""), b"");
    }

    #[test]
    fn user_entry_fits_its_size() {
        let entry = UserEntry {
            login: "alice",
            full_name: "Alice\x1b",
            home: Some("/home/alice"),
            project: Some(b"Tea\nparty"),
            pubkey: None,
            plan: Some(b"\x7f\x7f\n\n"),
        };
        let mut buf = std::vec![0u8; entry.size()];
        let mut r = Reply::new(&mut buf);
        entry.render(&mut r);
        assert!(!r.truncated());
        assert_eq!(
            r.as_bytes(),
            b"Login: alice           \t\tName: Alice?\r\nDirectory: /home/alice\r\n\
              Project: Tea\r\nPlan:\r\n??\r\n\r\n"
        );
    }
}
