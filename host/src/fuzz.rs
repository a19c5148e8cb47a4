// SPDX-License-Identifier: GPL-2.0

//! Fuzz targets over the modules' pure-logic sources.
//!
//! Each target takes arbitrary bytes and asserts properties that must hold
//! whatever a client sends, not only that nothing panics. `host/fuzz/`
//! links them with libFuzzer (`make fuzz`); the test below runs them over
//! the corpora kept in `host/fuzz/corpus/TARGET/`, so `make check` replays
//! every input a fuzzer found interesting.

use crate::codec::{self, Request, MAX_WALK};
use crate::finger_query::{self, Query, MAX_QUERY};
use crate::finger_reply::Reply;
use crate::inet::{self, AllowList};
use crate::p9_proto::{self, WalkName};
use crate::passwd;
use core::fmt::{self, Write as _};

/// A fuzz target: one input.
pub type Target = fn(&[u8]);

/// The targets, by the name of their corpus directory.
pub const TARGETS: [(&str, Target); 4] = [
    ("p9_request", p9_request),
    ("finger", finger),
    ("inet", inet),
    ("passwd", passwd_file),
];

/// A stream of 9P requests, as a connection's reader sees it: the first two
/// bytes choose the msize, the rest is cut into frames and decoded.
pub fn p9_request(data: &[u8]) {
    let Some((size, mut rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let msize = 4096 + u32::from(u16::from_le_bytes(*size)) * 16;
    while let Ok(Some(len)) = codec::frame(rest, msize) {
        assert!(len >= codec::HEADER && len <= rest.len() && len as u32 <= msize);
        let (msg, next) = rest.split_at(len);
        rest = next;
        let Ok(header) = codec::header(msg) else {
            panic!("a measured frame must split into header and body");
        };
        let bound = p9_proto::reply_bound(header.kind, header.body, msize as usize);
        assert!(bound <= (msize as usize).max(2 * 4096 + codec::HEADER + 2));
        if let Ok(Some(request)) = codec::decode(header.kind, header.body) {
            check_request(&request);
        }
    }
}

/// What a decoded request's names must satisfy.
fn check_request(request: &Request<'_>) {
    match request {
        Request::Walk { names, .. } => {
            assert!(names.as_slice().len() <= MAX_WALK);
            for name in names.as_slice() {
                if let WalkName::Entry(name) = p9_proto::walk_name(name) {
                    assert!(!name.is_empty() && !name.contains(&b'/') && !name.contains(&0));
                }
            }
        }
        Request::Mkdir { name, .. } | Request::Lcreate { name, .. } => {
            if let Ok(name) = p9_proto::entry_name(name) {
                assert!(name.len() <= 255 && name != b"." && name != b"..");
                assert!(!name.is_empty() && !name.contains(&b'/') && !name.contains(&0));
            }
        }
        Request::Symlink { target, .. } => {
            if let Ok(target) = p9_proto::symlink_target(target) {
                assert!(!target.is_empty() && !target.contains(&0));
            }
        }
        _ => {}
    }
}

/// A finger query line, then the same bytes as user text in a reply: the
/// first byte sets the reply's room.
pub fn finger(data: &[u8]) {
    let Some((&room, text)) = data.split_first() else {
        return;
    };
    let line = finger_query::line_end(text).map_or(text, |end| &text[..end]);
    if let Ok(Query::User { name, .. }) = finger_query::parse(line) {
        assert!(name.len() <= MAX_QUERY && !name.chars().any(|c| c.is_control() && c != '\t'));
    }
    let mut buf = [0u8; 1024];
    let room = usize::from(room) * 4;
    let mut reply = Reply::new(&mut buf[..room]);
    reply.text_lines(text);
    let out = reply.as_bytes();
    assert!(out.len() <= room);
    // A cut may end in the middle of a character or of a CRLF.
    let whole = match core::str::from_utf8(out) {
        Ok(all) => all,
        Err(e) => core::str::from_utf8(&out[..e.valid_up_to()]).unwrap_or(""),
    };
    assert!(whole.len() + 4 > out.len() || whole.len() == out.len());
    let mut chars = whole.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => assert!(matches!(chars.peek(), Some('\n') | None)),
            '\t' | '\n' => {}
            c => assert!(!c.is_control(), "control character {c:?} in a reply"),
        }
    }
}

/// An address parameter: what parses as an address prints as one that
/// parses back to it, and an allow list of one address allows it.
pub fn inet(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let ip = inet::parse_ip(text.trim());
    if let Some(ip) = ip {
        let mut printed = Text::default();
        write!(printed, "{ip}").expect("an address fits");
        assert_eq!(
            inet::parse_ip(printed.as_str()),
            Some(ip),
            "{text:?} printed as {printed:?}"
        );
    }
    if let Ok(list) = AllowList::parse(text) {
        assert_eq!(list.is_open(), text.split(',').all(|e| e.trim().is_empty()));
        if let Some(ip) = ip {
            assert!(list.allows(ip), "{text:?} does not allow itself");
        }
    }
}

/// A passwd file: every user it lists (the first 16: each lookup reads the
/// whole file) is found again by login and by uid.
pub fn passwd_file(data: &[u8]) {
    for user in passwd::users(data).take(16) {
        let found = passwd::find_user(data, user.login);
        assert!(
            found.is_some_and(|f| f.login == user.login),
            "{:?}",
            user.login
        );
        assert!(passwd::find_uid(data, user.uid).is_some());
    }
    let _ = passwd::find_group(data, "finger").map(|g| g.gid);
}

/// Room for printing an address without allocating.
struct Text {
    buf: [u8; 64],
    len: usize,
}

impl Default for Text {
    fn default() -> Self {
        Self {
            buf: [0; 64],
            len: 0,
        }
    }
}

impl Text {
    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len]).expect("written from str")
    }
}

impl fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        self.buf
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_str().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::TARGETS;
    use std::{fs, path::Path};

    /// Every input of every corpus, through its target.
    #[test]
    fn corpora() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
        for (name, target) in TARGETS {
            let dir = root.join(name);
            let mut inputs = 0;
            for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir:?}: {e}")) {
                let path = entry.expect("a directory entry").path();
                target(&fs::read(&path).expect("a corpus file"));
                inputs += 1;
            }
            assert!(inputs > 0, "{name}: empty corpus");
        }
    }
}
