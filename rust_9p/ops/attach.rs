// SPDX-License-Identifier: GPL-2.0

//! Tattach: whose credentials a session's accesses use, and where in the
//! export it starts.

use crate::codec::{Qid, NOFID};
use crate::connection::Connection;
use crate::creds::Credential;
use crate::fids::{qid_of, Attach, Fid};
use crate::file::{self, MAX_ACCOUNT_FILE};
use crate::passwd;
use crate::proto::{self, WalkName};
use crate::vfs::Step;
use kernel::c_str;
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::types::ARef;

/// `n_uname` when the client gives none.
const NONUNAME: u32 = u32::MAX;
/// Supplementary groups taken from `/etc/group` at most.
const MAX_GROUPS: usize = 256;

/// The credentials of an attach by user `n_uname` (or, when that is
/// `NONUNAME`, by login `uname`, as v9fs attaches at mount time): the
/// configured user's, or in multi-user mode that user's, with its primary
/// group from the server's `/etc/passwd` and its supplementary groups from
/// `/etc/group`. A user the server does not know is refused.
///
/// Root (uid 0) is squashed to the `uid`/`gid` parameters, as NFS does,
/// unless `no_root_squash` is set: then it is uid 0 with the file-system
/// capabilities only.
fn attach_creds(c: &Connection, uname: &[u8], n_uname: u32) -> Result<ARef<Credential>> {
    if !c.server.params.multi_user {
        return Ok(c.server.creds.clone());
    }
    let passwd = file::read_file(c_str!("/etc/passwd"), MAX_ACCOUNT_FILE)?;
    let user = if n_uname == NONUNAME {
        let login = core::str::from_utf8(uname).map_err(|_| EACCES)?;
        passwd::find_user(passwd.bytes(), login)
    } else {
        passwd::find_uid(passwd.bytes(), n_uname)
    }
    .ok_or(EACCES)?;
    if user.uid == 0 && !c.server.params.no_root_squash {
        return Ok(c.server.squashed.clone());
    }
    let mut groups = KVec::new();
    // Without a group file, the user has no supplementary groups; any
    // other failure refuses the attach.
    match file::read_file(c_str!("/etc/group"), MAX_ACCOUNT_FILE) {
        Ok(group) => {
            for gid in passwd::member_gids(group.bytes(), user.login).take(MAX_GROUPS) {
                groups.push(gid, GFP_KERNEL)?;
            }
        }
        Err(e) if e == ENOENT => {}
        Err(e) => return Err(e),
    }
    if user.uid == 0 {
        Credential::with_fs_caps(0, user.gid, &groups)
    } else {
        Credential::new(user.uid, user.gid, &groups)
    }
}

/// Tattach: `aname` empty, the export's own path, or a directory beneath
/// it (relative to the export, or as the export's path and more).
pub(super) fn attach(
    c: &Connection,
    fid: u32,
    afid: u32,
    uname: &[u8],
    aname: &[u8],
    n_uname: u32,
) -> Result<Qid> {
    if afid != NOFID {
        return Err(EINVAL);
    }
    c.fids.check_free(fid)?;
    let creds = attach_creds(c, uname, n_uname)?;
    let export = &c.server.params.root;
    // `root=/srv/export/` is the export `/srv/export`.
    let mut export_name = c.server.params.root_name.as_bytes();
    while export_name.len() > 1 && export_name.ends_with(b"/") {
        export_name = &export_name[..export_name.len() - 1];
    }
    let relative = match aname.strip_prefix(export_name) {
        Some(rest) if rest.is_empty() || rest[0] == b'/' => rest,
        _ => aname,
    };
    let mut node = export.clone();
    for name in relative.split(|&b| b == b'/').filter(|n| !n.is_empty()) {
        let WalkName::Entry(name) = proto::walk_name(name) else {
            return Err(EINVAL);
        };
        node = node.walk(&creds, export, Step::Name(name))?;
    }
    let st = node.stat(&creds)?;
    let qid = qid_of(&st);
    if qid.kind != proto::qid_type::DIR {
        return Err(ENOTDIR);
    }
    let uid = creds.fsuid();
    let attach = Arc::new(
        Attach {
            root: node.clone(),
            creds,
        },
        GFP_KERNEL,
    )?;
    c.fids
        .insert(fid, Fid::new(attach, node, &st, None)?, false)?;
    c.note_attach(uid);
    Ok(qid)
}
