// SPDX-License-Identifier: GPL-2.0

//! Listening addresses given as module parameters.
//!
//! Pure logic against `core` only: the same file is compiled into every module
//! and into the host-side test crate (`host/`).

use core::fmt;

/// An IP address in network byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpAddr {
    /// An IPv4 address.
    V4([u8; 4]),
    /// An IPv6 address.
    V6([u8; 16]),
}

/// Where a server listens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListenAddr {
    /// The address to bind; `None` means every address (IPv6 and IPv4).
    pub ip: Option<IpAddr>,
    /// The TCP port, never 0.
    pub port: u16,
}

/// The address of one end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SockAddr {
    /// The IP address.
    pub ip: IpAddr,
    /// The TCP port.
    pub port: u16,
}

/// Why a listening address was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrError {
    /// The address parameter is neither IPv4 nor IPv6 text.
    BadAddress,
    /// The port is outside 1..=65535.
    BadPort(i64),
}

impl fmt::Display for AddrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddrError::BadAddress => f.write_str(
                "is not an IPv4 address (a.b.c.d) or an IPv6 address (x:x::x); \
                 leave it empty to listen on every address",
            ),
            AddrError::BadPort(port) => write!(f, "{port} is out of range (1..65535)"),
        }
    }
}

/// Parses the `address` and `port` module parameters.
///
/// An empty address, `*`, or `any` means every address.
pub fn parse_listen(address: &str, port: i64) -> Result<ListenAddr, AddrError> {
    let port = u16::try_from(port)
        .ok()
        .filter(|&p| p != 0)
        .ok_or(AddrError::BadPort(port))?;
    let address = address.trim();
    let ip = match address {
        "" | "*" | "any" => None,
        _ => Some(parse_ip(address).ok_or(AddrError::BadAddress)?),
    };
    Ok(ListenAddr { ip, port })
}

/// Parses an IPv4 or IPv6 address (an IPv6 one may be in brackets).
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    if let Some(v4) = parse_ipv4(text) {
        return Some(IpAddr::V4(v4));
    }
    let text = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    parse_ipv6(text).map(IpAddr::V6)
}

/// Parses dotted-quad IPv4 text; leading zeros are refused as ambiguous.
pub fn parse_ipv4(text: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = text.split('.');
    for byte in out.iter_mut() {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || (part.len() > 1 && part.starts_with('0')) {
            return None;
        }
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *byte = part.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// Parses IPv6 text with at most one `::` and an optional trailing IPv4 part.
pub fn parse_ipv6(text: &str) -> Option<[u8; 16]> {
    let (head, tail) = match text.find("::") {
        Some(i) => (&text[..i], Some(&text[i + 2..])),
        None => (text, None),
    };
    let mut words = [0u16; 8];
    let head_len = parse_groups(head, &mut words, tail.is_none())?;
    match tail {
        None if head_len != 8 => return None,
        None => {}
        Some(tail) => {
            let mut tail_words = [0u16; 8];
            let tail_len = parse_groups(tail, &mut tail_words, true)?;
            // "::" stands for at least one group of zeros.
            if head_len + tail_len > 7 {
                return None;
            }
            words[8 - tail_len..].copy_from_slice(&tail_words[..tail_len]);
        }
    }
    let mut out = [0u8; 16];
    for (chunk, word) in out.chunks_exact_mut(2).zip(words) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    Some(out)
}

/// Parses colon-separated hex groups into `words`, returning how many 16-bit
/// words they fill; the last group may be IPv4 text when `last` is set.
fn parse_groups(text: &str, words: &mut [u16; 8], last: bool) -> Option<usize> {
    if text.is_empty() {
        return Some(0);
    }
    let mut n = 0;
    let mut groups = text.split(':').peekable();
    while let Some(group) = groups.next() {
        if last && groups.peek().is_none() && group.contains('.') {
            let v4 = parse_ipv4(group)?;
            if n + 2 > 8 {
                return None;
            }
            words[n] = u16::from_be_bytes([v4[0], v4[1]]);
            words[n + 1] = u16::from_be_bytes([v4[2], v4[3]]);
            return Some(n + 2);
        }
        if n == 8 || group.is_empty() || group.len() > 4 {
            return None;
        }
        words[n] = u16::from_str_radix(group, 16).ok()?;
        if !group.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        n += 1;
    }
    Some(n)
}

/// Most entries of an [`AllowList`].
pub const MAX_ALLOW: usize = 32;

/// An address prefix: the first `len` bits of `ip`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prefix {
    /// The address (bits past `len` are ignored).
    pub ip: IpAddr,
    /// How many leading bits count.
    pub len: u8,
}

impl Prefix {
    /// Whether `ip` begins with this prefix (of the same family).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (ours, theirs): (&[u8], &[u8]) = match (&self.ip, &ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (a, b),
            (IpAddr::V6(a), IpAddr::V6(b)) => (a, b),
            _ => return false,
        };
        let (whole, bits) = (usize::from(self.len / 8), self.len % 8);
        if ours[..whole] != theirs[..whole] {
            return false;
        }
        bits == 0 || {
            let mask = 0xffu8 << (8 - bits);
            ours[whole] & mask == theirs[whole] & mask
        }
    }
}

/// The addresses a server accepts connections from: every address when
/// empty, else those that begin with one of its prefixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllowList {
    prefixes: [Prefix; MAX_ALLOW],
    len: usize,
}

/// Why an allow list was refused; `entry` is the offending text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllowError<'a> {
    /// Neither an IPv4 nor an IPv6 address.
    BadAddress(&'a str),
    /// The prefix length is not a number of at most 32 (IPv4) or 128.
    BadLength(&'a str, u32),
    /// More than [`MAX_ALLOW`] entries.
    TooMany,
}

impl fmt::Display for AllowError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllowError::BadAddress(entry) => {
                write!(f, "{entry}: not an IPv4 or IPv6 address or prefix")
            }
            AllowError::BadLength(entry, max) => {
                write!(f, "{entry}: prefix longer than {max}")
            }
            AllowError::TooMany => write!(f, "more than {MAX_ALLOW} entries"),
        }
    }
}

impl AllowList {
    /// Parses a comma-separated list of addresses and prefixes
    /// (`10.0.0.0/8,::1,fe80::/10`); spaces around entries are ignored,
    /// and an empty list allows every address.
    pub fn parse(text: &str) -> Result<Self, AllowError<'_>> {
        let mut list = AllowList {
            prefixes: [Prefix {
                ip: IpAddr::V4([0; 4]),
                len: 0,
            }; MAX_ALLOW],
            len: 0,
        };
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (addr, len) = match entry.split_once('/') {
                Some((addr, len)) => (addr, Some(len)),
                None => (entry, None),
            };
            let ip = parse_ip(addr).ok_or(AllowError::BadAddress(entry))?;
            let max = match ip {
                IpAddr::V4(_) => 32,
                IpAddr::V6(_) => 128,
            };
            let len = match len {
                None => max,
                Some(len) => len
                    .parse::<u32>()
                    .ok()
                    .filter(|&l| l <= max && !len.starts_with('+'))
                    .ok_or(AllowError::BadLength(entry, max))?,
            };
            let slot = list.prefixes.get_mut(list.len).ok_or(AllowError::TooMany)?;
            // At most 128, so it fits.
            *slot = Prefix { ip, len: len as u8 };
            list.len += 1;
        }
        Ok(list)
    }

    /// Whether connections from `ip` are accepted.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.len == 0 || self.prefixes[..self.len].iter().any(|p| p.contains(ip))
    }

    /// Whether the list allows every address.
    pub fn is_open(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Display for IpAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpAddr::V4([a, b, c, d]) => write!(f, "{a}.{b}.{c}.{d}"),
            IpAddr::V6(bytes) => {
                f.write_str("[")?;
                for (i, pair) in bytes.chunks_exact(2).enumerate() {
                    if i > 0 {
                        f.write_str(":")?;
                    }
                    write!(f, "{:x}", u16::from_be_bytes([pair[0], pair[1]]))?;
                }
                f.write_str("]")
            }
        }
    }
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.ip {
            Some(ip) => write!(f, "{ip}:{}", self.port),
            None => write!(f, "*:{}", self.port),
        }
    }
}

impl fmt::Display for SockAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.ip, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4() {
        assert_eq!(parse_ipv4("127.0.0.1"), Some([127, 0, 0, 1]));
        assert_eq!(parse_ipv4("255.255.255.255"), Some([255; 4]));
        for bad in [
            "",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "01.1.1.1",
            "a.b.c.d",
            "1..2.3",
            "+1.2.3.4",
        ] {
            assert_eq!(parse_ipv4(bad), None, "{bad}");
        }
    }

    #[test]
    fn ipv6() {
        let mut loopback = [0u8; 16];
        loopback[15] = 1;
        assert_eq!(parse_ipv6("::1"), Some(loopback));
        assert_eq!(parse_ipv6("::"), Some([0; 16]));
        assert_eq!(parse_ipv6("0:0:0:0:0:0:0:1"), Some(loopback));
        let mapped = parse_ipv6("::ffff:10.0.2.15").unwrap();
        assert_eq!(&mapped[10..], &[0xff, 0xff, 10, 0, 2, 15]);
        let full = parse_ipv6("fe80::1:2").unwrap();
        assert_eq!(&full[..2], &[0xfe, 0x80]);
        assert_eq!(&full[12..], &[0, 1, 0, 2]);
        for bad in [
            "",
            ":",
            ":::",
            "1::2::3",
            "1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:8:9",
            "12345::",
            "g::",
            "1:2:3:4:5:6:7::8",
            "::1.2.3",
            "1.2.3.4::",
            "-1::",
            "+1::",
        ] {
            assert_eq!(parse_ipv6(bad), None, "{bad}");
        }
    }

    #[test]
    fn listen() {
        assert_eq!(
            parse_listen("", 564),
            Ok(ListenAddr {
                ip: None,
                port: 564
            })
        );
        assert_eq!(parse_listen("[::1]", 79).map(|a| a.ip), Ok(parse_ip("::1")));
        assert_eq!(parse_listen("x", 79), Err(AddrError::BadAddress));
        assert_eq!(parse_listen("", 0), Err(AddrError::BadPort(0)));
        assert_eq!(parse_listen("", 65536), Err(AddrError::BadPort(65536)));
        assert_eq!(parse_listen("", -1), Err(AddrError::BadPort(-1)));
    }

    #[test]
    fn allow_lists() {
        let ip = |t| parse_ip(t).unwrap();
        let open = AllowList::parse(" ").unwrap();
        assert!(open.is_open() && open.allows(ip("1.2.3.4")));
        let list = AllowList::parse("10.0.0.0/8, 192.168.1.7,::1,fe80::/10,172.16.0.0/12").unwrap();
        assert!(list.allows(ip("10.200.3.4")));
        assert!(!list.allows(ip("11.0.0.1")));
        assert!(list.allows(ip("192.168.1.7")));
        assert!(!list.allows(ip("192.168.1.8")));
        assert!(list.allows(ip("::1")));
        assert!(!list.allows(ip("::2")));
        assert!(list.allows(ip("febf::1")));
        assert!(!list.allows(ip("fec0::1")));
        assert!(list.allows(ip("172.31.255.255")));
        assert!(!list.allows(ip("172.32.0.0")));
        // An IPv4 prefix does not match IPv6 addresses, and the other way.
        assert!(!AllowList::parse("0.0.0.0/0").unwrap().allows(ip("::1")));
        assert!(AllowList::parse("0.0.0.0/0").unwrap().allows(ip("8.8.8.8")));
        assert_eq!(
            AllowList::parse("10.0.0.0/33"),
            Err(AllowError::BadLength("10.0.0.0/33", 32))
        );
        assert_eq!(
            std::format!("{}", AllowList::parse("10.0.0.0/33").unwrap_err()),
            "10.0.0.0/33: prefix longer than 32"
        );
        assert_eq!(
            AllowList::parse("::/129"),
            Err(AllowError::BadLength("::/129", 128))
        );
        assert_eq!(
            AllowList::parse("1.2.3.4/+8"),
            Err(AllowError::BadLength("1.2.3.4/+8", 32))
        );
        assert_eq!(
            AllowList::parse("host"),
            Err(AllowError::BadAddress("host"))
        );
        let many = core::iter::repeat_n("1.2.3.4", 33)
            .collect::<std::vec::Vec<_>>()
            .join(",");
        assert_eq!(AllowList::parse(&many), Err(AllowError::TooMany));
    }

    #[test]
    fn display_round_trips() {
        for text in ["10.0.2.15", "[fe80:0:0:0:0:0:0:1]"] {
            assert_eq!(std::format!("{}", parse_ip(text).unwrap()), text);
        }
    }
}
