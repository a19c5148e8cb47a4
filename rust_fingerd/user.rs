// SPDX-License-Identifier: GPL-2.0

//! A fingered user's account, copied out of the passwd data (which may
//! change while the user's files are read).

use crate::passwd::User;
use core::ops::Range;
use kernel::prelude::*;

/// An opted-in user's passwd fields, owned.
///
/// # Invariants
///
/// `text` is the login, the full name and the home directory, each valid
/// UTF-8, one after the other; `login_end <= name_end <= text.len()` mark
/// where the first two end.
pub(crate) struct OwnedUser {
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    text: KVec<u8>,
    login_end: usize,
    name_end: usize,
}

impl OwnedUser {
    /// Copies `user`'s fields.
    pub(crate) fn new(user: &User<'_>) -> Result<Self> {
        let mut text = KVec::new();
        for part in [user.login, user.full_name, user.home] {
            text.extend_from_slice(part.as_bytes(), GFP_KERNEL)?;
        }
        // INVARIANT: three `&str`s, one after the other, ending at the
        // offsets recorded.
        Ok(Self {
            uid: user.uid,
            gid: user.gid,
            login_end: user.login.len(),
            name_end: user.login.len() + user.full_name.len(),
            text,
        })
    }

    fn part(&self, range: Range<usize>) -> &str {
        // The parts are valid UTF-8 at these bounds (type invariants), so
        // this never gives the empty fallback.
        core::str::from_utf8(&self.text[range]).unwrap_or("")
    }

    pub(crate) fn login(&self) -> &str {
        self.part(0..self.login_end)
    }

    pub(crate) fn full_name(&self) -> &str {
        self.part(self.login_end..self.name_end)
    }

    pub(crate) fn home(&self) -> &str {
        self.part(self.name_end..self.text.len())
    }
}
