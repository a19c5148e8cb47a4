// SPDX-License-Identifier: GPL-2.0

//! Reading `/etc/passwd` and `/etc/group` contents.
//!
//! Pure logic against `core` only; `host/` runs the tests. Malformed lines
//! (too few fields, numbers that do not parse) are skipped, never fatal.

/// One `/etc/passwd` entry, borrowing from the file's contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct User<'a> {
    /// The login name.
    pub login: &'a str,
    /// The user ID.
    pub uid: u32,
    /// The primary group ID.
    pub gid: u32,
    /// The full name: the GECOS field up to its first comma.
    pub full_name: &'a str,
    /// The home directory.
    pub home: &'a str,
}

/// The lines of a file, as UTF-8; lines that are not UTF-8 are skipped.
fn lines(data: &[u8]) -> impl Iterator<Item = &str> {
    data.split(|&b| b == b'\n')
        .filter_map(|line| core::str::from_utf8(line).ok())
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
}

/// Parses one passwd line: `login:x:uid:gid:gecos:home:shell`.
fn parse_user(line: &str) -> Option<User<'_>> {
    let mut fields = line.split(':');
    let login = fields.next()?;
    let _password = fields.next()?;
    let uid = fields.next()?.parse().ok()?;
    let gid = fields.next()?.parse().ok()?;
    let gecos = fields.next()?;
    let home = fields.next()?;
    if login.is_empty() || login.starts_with(['#', '+', '-']) {
        return None;
    }
    Some(User {
        login,
        uid,
        gid,
        full_name: gecos.split(',').next().unwrap_or(""),
        home,
    })
}

/// Every well-formed entry of a passwd file.
pub fn users(passwd: &[u8]) -> impl Iterator<Item = User<'_>> {
    lines(passwd).filter_map(parse_user)
}

/// The entry of `login`, if any.
pub fn find_user<'a>(passwd: &'a [u8], login: &str) -> Option<User<'a>> {
    users(passwd).find(|u| u.login == login)
}

/// A group: its ID and its member list (`a,b,c`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Group<'a> {
    /// The group ID.
    pub gid: u32,
    members: &'a str,
}

impl Group<'_> {
    /// Whether `user` belongs to the group, as a listed member or through
    /// its primary group.
    pub fn contains(&self, user: &User<'_>) -> bool {
        user.gid == self.gid || self.members.split(',').any(|m| m.trim() == user.login)
    }
}

/// Parses one group line: `name:x:gid:members`.
fn parse_group(line: &str) -> Option<(&str, Group<'_>)> {
    let mut fields = line.split(':');
    let name = fields.next()?;
    let _password = fields.next()?;
    let gid = fields.next()?.parse().ok()?;
    let members = fields.next().unwrap_or("");
    Some((name, Group { gid, members }))
}

/// The group called `name` in a group file.
pub fn find_group<'a>(group: &'a [u8], name: &str) -> Option<Group<'a>> {
    lines(group)
        .filter_map(parse_group)
        .find_map(|(n, g)| (n == name).then_some(g))
}

/// The entry of user ID `uid` (the first, if several share it).
pub fn find_uid(passwd: &[u8], uid: u32) -> Option<User<'_>> {
    users(passwd).find(|u| u.uid == uid)
}

/// The IDs of the groups that list `login` as a member (its supplementary
/// groups).
pub fn member_gids<'a>(group: &'a [u8], login: &'a str) -> impl Iterator<Item = u32> + 'a {
    lines(group)
        .filter_map(parse_group)
        .filter(move |(_, g)| g.members.split(',').any(|m| m.trim() == login))
        .map(|(_, g)| g.gid)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/sh\n\
        alice:x:1000:1000:Alice Liddell,Room 1,,:/home/alice:/bin/sh\n\
        bob:x:1001:1001::/home/bob:/bin/sh\r\n\
        broken:x:notanumber:1:Broken:/:/bin/sh\n\
        short:x:1\n\
        \n\
        # comment:x:1:1:c:/:/\n\
        carol:x:1002:50:Carol:/home/carol:/bin/sh";
    const GROUP: &[u8] = b"root:x:0:\nfinger:x:50:alice, dave\nusers:x:100:\n";

    #[test]
    fn finds_users() {
        let alice = find_user(PASSWD, "alice").unwrap();
        assert_eq!(alice.full_name, "Alice Liddell");
        assert_eq!(
            (alice.uid, alice.gid, alice.home),
            (1000, 1000, "/home/alice")
        );
        assert_eq!(find_user(PASSWD, "bob").unwrap().home, "/home/bob");
        assert_eq!(find_user(PASSWD, "bob").unwrap().full_name, "");
        // The last line has no newline.
        assert_eq!(find_user(PASSWD, "carol").unwrap().uid, 1002);
        assert!(find_user(PASSWD, "nobody").is_none());
    }

    #[test]
    fn skips_malformed_lines() {
        assert!(find_user(PASSWD, "broken").is_none());
        assert!(find_user(PASSWD, "short").is_none());
        assert!(find_user(PASSWD, "# comment").is_none());
        assert_eq!(users(PASSWD).count(), 4);
        assert_eq!(users(b"").count(), 0);
        assert_eq!(users(b"\xff\xfe:x:1:1::/:\n").count(), 0);
        let long = [b'a'; 100_000];
        assert_eq!(users(&long).count(), 0);
    }

    #[test]
    fn group_membership() {
        let finger = find_group(GROUP, "finger").unwrap();
        assert_eq!(finger.gid, 50);
        let alice = find_user(PASSWD, "alice").unwrap();
        let bob = find_user(PASSWD, "bob").unwrap();
        let carol = find_user(PASSWD, "carol").unwrap();
        assert!(finger.contains(&alice));
        assert!(!finger.contains(&bob));
        // Through the primary group.
        assert!(finger.contains(&carol));
        assert!(find_group(GROUP, "nonexistent").is_none());
        assert!(find_group(b"finger:x:bad:alice\n", "finger").is_none());
        assert_eq!(find_group(b"finger:x:7\n", "finger").unwrap().gid, 7);
    }

    #[test]
    fn users_by_id_and_their_groups() {
        extern crate std;
        assert_eq!(find_uid(PASSWD, 1001).unwrap().login, "bob");
        assert!(find_uid(PASSWD, 4242).is_none());
        let groups = b"finger:x:50:alice, dave\nteam:x:60:bob,alice\nbad:x:x:alice\n";
        let alice: std::vec::Vec<u32> = member_gids(groups, "alice").collect();
        assert_eq!(alice, [50, 60]);
        assert_eq!(member_gids(groups, "carol").count(), 0);
        // A prefix of a member is not that member.
        assert_eq!(member_gids(groups, "ali").count(), 0);
    }
}
