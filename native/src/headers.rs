//! Header-list filtering, the twin of src/native/fallback/headers.ts.
//!
//! The TS side compiles a rule set (src/native/header-rules.ts) into one normalized program
//! that both implementations run: drop every header whose lowercase name is in `drop`, drop the
//! headers named by `Connection:` when asked to, drop pairs whose name is not an RFC 9110 token
//! or whose value holds a control character (CR, LF and NUL are the injection cases), then
//! append the configured pairs. Appending needs no native work, so this module only decides
//! which input pairs survive and reports them as pair indexes; the JS wrapper reuses the
//! caller's own strings or Buffers, and no string is ever created here.

pub struct Rules {
    /// Lowercase names to drop, bucketed by length so a lookup compares one or two names.
    drop_by_len: Vec<Vec<Vec<u8>>>,
    drop_connection_listed: bool,
}

impl Rules {
    pub fn new(drop: &[Vec<u8>], drop_connection_listed: bool) -> Rules {
        let mut drop_by_len: Vec<Vec<Vec<u8>>> = Vec::new();
        for name in drop {
            if drop_by_len.len() <= name.len() {
                drop_by_len.resize(name.len() + 1, Vec::new());
            }
            drop_by_len[name.len()].push(name.to_ascii_lowercase());
        }
        Rules { drop_by_len, drop_connection_listed }
    }

    fn drops(&self, name: &[u8]) -> bool {
        match self.drop_by_len.get(name.len()) {
            Some(bucket) => bucket.iter().any(|d| d.eq_ignore_ascii_case(name)),
            None => false,
        }
    }

    /// Writes the index of every surviving pair's name (its value follows at index + 1) into
    /// `out`. `item(k)` returns the k-th element of the flat name, value, ... list; an odd
    /// trailing name has no value and is dropped.
    pub fn survivors<'a>(&self, len: usize, item: impl Fn(usize) -> &'a [u8], out: &mut Vec<i32>) {
        out.clear();
        let pairs = len / 2;
        let listed = if self.drop_connection_listed {
            connection_listed(pairs, &item)
        } else {
            Vec::new()
        };
        for p in 0..pairs {
            let (name, value) = (item(2 * p), item(2 * p + 1));
            if !is_token(name) || !is_field_value(value) || self.drops(name) {
                continue;
            }
            if listed.iter().any(|l| l.eq_ignore_ascii_case(name)) {
                continue;
            }
            out.push((2 * p) as i32);
        }
    }
}

/// Lowercase names listed in every valid `Connection` header: hop-by-hop by declaration.
fn connection_listed<'a>(pairs: usize, item: &impl Fn(usize) -> &'a [u8]) -> Vec<&'a [u8]> {
    let mut listed = Vec::new();
    for p in 0..pairs {
        let (name, value) = (item(2 * p), item(2 * p + 1));
        if !name.eq_ignore_ascii_case(b"connection") || !is_field_value(value) {
            continue;
        }
        // Only tokens can name a header (and the TS twin keeps to them so its lowercasing stays ASCII).
        for token in value.split(|&b| b == b',') {
            let t = trim_ows(token);
            if is_token(t) {
                listed.push(t);
            }
        }
    }
    listed
}

fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// RFC 9110 token: one or more tchar.
pub fn is_token(s: &[u8]) -> bool {
    !s.is_empty()
        && s.iter().all(|&b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~')
        })
}

/// RFC 9110 field-value: no control characters except HTAB. Bytes >= 0x80 (obs-text, or UTF-8
/// of a JS string) are allowed, which keeps the verdict identical to the TS twin's per-char test.
pub fn is_field_value(s: &[u8]) -> bool {
    s.iter().all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(rules: &Rules, list: &[&str]) -> Vec<i32> {
        let mut out = Vec::new();
        rules.survivors(list.len(), |k| list[k].as_bytes(), &mut out);
        out
    }

    #[test]
    fn drops_configured_listed_and_invalid_pairs() {
        let rules = Rules::new(&[b"connection".to_vec(), b"Host".to_vec()], true);
        let list = [
            "Host", "x", "Connection", "close, X-Trace ,", "x-trace", "1", "accept", "*/*",
            "bad name", "v", "x-inject", "a\r\nset-cookie: y", "x-tab", "a\tb", "odd",
        ];
        assert_eq!(run(&rules, &list), vec![6, 12]);
    }

    #[test]
    fn connection_listing_can_be_ignored() {
        let rules = Rules::new(&[], false);
        assert_eq!(run(&rules, &["connection", "x-a", "x-a", "1"]), vec![0, 2]);
    }
}
