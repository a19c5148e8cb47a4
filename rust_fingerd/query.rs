// SPDX-License-Identifier: GPL-2.0

//! Finger queries (RFC 1288 section 2.3), parsed leniently.
//!
//! Pure logic against `core` only; `host/` runs the tests.

/// The longest query line accepted, without its line ending.
pub(crate) const MAX_QUERY: usize = 512;

/// What a client asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Query<'a> {
    /// `{C}`: the list of users.
    List {
        /// `/W` was given.
        verbose: bool,
    },
    /// `{U}{C}`: one user.
    User {
        /// The name asked for (not checked against anything yet).
        name: &'a str,
        /// `/W` was given.
        verbose: bool,
    },
    /// `{U}@{H}` or `@{H}`: a forwarding request, which we refuse.
    Forward,
}

/// Why a query was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QueryError {
    /// Longer than [`MAX_QUERY`] bytes.
    TooLong,
    /// Not valid UTF-8.
    NotUtf8,
    /// Holds control characters other than tab.
    ControlCharacters,
}

impl QueryError {
    /// The text sent back to the client, after `Error: `.
    pub(crate) fn message(self) -> &'static str {
        match self {
            QueryError::TooLong => "query too long",
            QueryError::NotUtf8 => "query is not valid UTF-8",
            QueryError::ControlCharacters => "query contains control characters",
        }
    }
}

/// Finds the end of the query line in what was read so far: `Some(n)` when
/// the first `n` bytes hold a whole line (its LF included).
pub(crate) fn line_end(data: &[u8]) -> Option<usize> {
    data.iter().position(|&b| b == b'\n').map(|i| i + 1)
}

/// Parses one query line, with or without its CRLF or LF.
pub(crate) fn parse(line: &[u8]) -> Result<Query<'_>, QueryError> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.len() > MAX_QUERY {
        return Err(QueryError::TooLong);
    }
    let text = core::str::from_utf8(line).map_err(|_| QueryError::NotUtf8)?;
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return Err(QueryError::ControlCharacters);
    }
    let text = text.trim_matches([' ', '\t']);
    let (verbose, rest) = match text.strip_prefix("/W").or_else(|| text.strip_prefix("/w")) {
        Some(rest) => (true, rest.trim_start_matches([' ', '\t'])),
        None => (false, text),
    };
    if rest.contains('@') {
        return Ok(Query::Forward);
    }
    if rest.is_empty() {
        return Ok(Query::List { verbose });
    }
    Ok(Query::User {
        name: rest,
        verbose,
    })
}

/// The query in `line` (a zero-filled buffer) for a log line: up to its line
/// end or first NUL, at most 64 bytes, or a placeholder if it is not UTF-8.
/// Print it with `{:?}`, which escapes control characters.
pub(crate) fn printable(line: &[u8]) -> &str {
    let end = line
        .iter()
        .position(|&b| b == b'\n' || b == 0)
        .unwrap_or(line.len());
    let line = &line[..end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let text = match core::str::from_utf8(line) {
        Ok(text) => text,
        // Cut at the last whole character before a cut-off one.
        Err(e) if e.error_len().is_none() => {
            core::str::from_utf8(&line[..e.valid_up_to()]).unwrap_or("")
        }
        Err(_) => return "<not UTF-8>",
    };
    match text.char_indices().nth(64) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everyday_queries() {
        assert_eq!(parse(b"\r\n"), Ok(Query::List { verbose: false }));
        assert_eq!(parse(b""), Ok(Query::List { verbose: false }));
        assert_eq!(parse(b"/W\r\n"), Ok(Query::List { verbose: true }));
        assert_eq!(
            parse(b"alice\r\n"),
            Ok(Query::User {
                name: "alice",
                verbose: false
            })
        );
        assert_eq!(
            parse(b"/W alice\r\n"),
            Ok(Query::User {
                name: "alice",
                verbose: true
            })
        );
    }

    #[test]
    fn lenient_forms() {
        let alice = Ok(Query::User {
            name: "alice",
            verbose: true,
        });
        assert_eq!(parse(b"/w alice\n"), alice);
        assert_eq!(parse(b" \t/W\t\talice \t\r\n"), alice);
        assert_eq!(parse(b"/Walice"), alice);
        assert_eq!(
            parse(b"alice\n").map(|q| matches!(q, Query::User { .. })),
            Ok(true)
        );
        assert_eq!(parse(b"  \t \r\n"), Ok(Query::List { verbose: false }));
    }

    #[test]
    fn forwarding_is_recognised() {
        assert_eq!(parse(b"bob@example\r\n"), Ok(Query::Forward));
        assert_eq!(parse(b"@example\r\n"), Ok(Query::Forward));
        assert_eq!(parse(b"/W a@b@c\r\n"), Ok(Query::Forward));
        assert_eq!(parse(b"@0@0@0@0@0@0\r\n"), Ok(Query::Forward));
    }

    #[test]
    fn bad_queries() {
        let long = [b'a'; MAX_QUERY + 1];
        assert_eq!(parse(&long), Err(QueryError::TooLong));
        assert!(parse(&long[..MAX_QUERY]).is_ok());
        assert_eq!(parse(b"al\xffice\r\n"), Err(QueryError::NotUtf8));
        assert_eq!(parse(b"\xc3\r\n"), Err(QueryError::NotUtf8));
        assert_eq!(parse(b"al\x1bice\r\n"), Err(QueryError::ControlCharacters));
        assert_eq!(parse(b"a\rb\r\n"), Err(QueryError::ControlCharacters));
        assert_eq!(parse(b"a\x00b"), Err(QueryError::ControlCharacters));
        // UTF-8 names are fine; they just match nobody.
        assert!(matches!(
            parse("zoë\r\n".as_bytes()),
            Ok(Query::User { name: "zoë", .. })
        ));
    }

    #[test]
    fn printable_queries() {
        assert_eq!(printable(b"alice\r\n\0\0"), "alice");
        assert_eq!(printable(b"\0\0"), "");
        assert_eq!(printable(b"a\xffb\n"), "<not UTF-8>");
        assert_eq!(printable(&[b'x'; 600]).len(), 64);
        assert_eq!(printable(b"caf\xc3"), "caf");
    }

    #[test]
    fn line_ends() {
        assert_eq!(line_end(b"alice"), None);
        assert_eq!(line_end(b"alice\r\nrest"), Some(7));
        assert_eq!(line_end(b"\n"), Some(1));
    }
}
