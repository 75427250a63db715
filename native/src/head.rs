//! Vetting of a connection's first request head, from bytes peeked off the socket (nothing is
//! consumed). A head is `Fast` only when uWebSockets.js parses it exactly as a strict HTTP/1.1
//! parser would and serves it correctly: everything else (HTTP/1.0, pipelining, oversize heads,
//! `Expect`, chunked uploads, non-ASCII bytes, and anything malformed) goes `Slow`, to the
//! Node.js edge, which serves it or answers it with a 4xx in the caller's dialect.
//!
//! The scan validates as far as the bytes go, so a head that can no longer become clean is
//! `Slow` at once (a bare LF never waits for a CRLF that will not come), and `Incomplete` means
//! "a valid prefix of a clean head".

/// Why a head is not served by uWS (carried to JS for logs and tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Reason {
    /// The head is larger than the limit.
    TooLarge = 1,
    /// Not `HTTP/1.1` (HTTP/1.0, 0.9, 2.0 text, a bare LF after the version).
    Version = 2,
    /// The request line: a method uWS does not get (or an invalid one), a target not in
    /// origin form (absolute form, `*`, authority form) or with bytes outside visible ASCII.
    RequestLine = 3,
    /// A header line: obs-fold, whitespace before the colon, an invalid name, a bare CR or LF,
    /// NUL or another control byte.
    HeaderSyntax = 4,
    /// Bytes >= 0x80 in a header value (uWS trims and re-decodes them; Node keeps them).
    NonAscii = 5,
    /// Message framing uWS should not decide: Transfer-Encoding, several or invalid Content-Length.
    Framing = 6,
    /// `Expect` (uWS writes `100 Continue` itself, before the gateway could refuse with a 413).
    Expect = 7,
    /// Bytes after the first request: pipelining, served in order by the Node edge.
    Pipelined = 8,
    /// More header lines than uWS holds (or than configured).
    TooManyHeaders = 9,
    /// No Host, or more than one.
    Host = 10,
    /// The head came in too many pieces to keep peeking at it.
    Fragmented = 11,
    /// The client half-closed its side (uWS closes on FIN; Node answers first).
    HalfClosed = 12,
    /// No complete head within the head timeout.
    Timeout = 13,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A valid prefix of a clean head: wait for more bytes.
    Incomplete,
    /// A complete clean head: uWS may parse this connection.
    Fast,
    Slow(Reason),
}

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest head (request line, headers and the blank line) accepted, in bytes.
    pub max_head: usize,
    /// Most header lines accepted on the fast path.
    pub max_headers: usize,
}

/// Methods uWS gets and whose requests have an origin-form target. TRACE and CONNECT are
/// answered by the gateway itself (405), custom methods by the Node edge (400).
const FAST_METHODS: [&[u8]; 7] = [b"GET", b"POST", b"PUT", b"DELETE", b"HEAD", b"OPTIONS", b"PATCH"];

const VERSION: &[u8] = b" HTTP/1.1\r\n";

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

struct Scan<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// What the header lines said that matters after the blank line.
#[derive(Default)]
struct Seen {
    headers: usize,
    hosts: usize,
    host_empty: bool,
    content_lengths: usize,
    content_length: u64,
    transfer_encoding: bool,
    expect: bool,
}

type Step<T> = Result<T, Verdict>;

impl Scan<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// The method, then one space.
    fn method(&mut self) -> Step<()> {
        let rest = &self.buf[self.pos..];
        for m in FAST_METHODS {
            if rest.len() > m.len() && rest.starts_with(m) {
                if rest[m.len()] != b' ' {
                    return Err(Verdict::Slow(Reason::RequestLine));
                }
                self.pos += m.len() + 1;
                return Ok(());
            }
        }
        if FAST_METHODS.iter().any(|m| m.starts_with(rest)) {
            return Err(Verdict::Incomplete);
        }
        Err(Verdict::Slow(Reason::RequestLine))
    }

    /// An origin-form target of visible ASCII (no fragment), then the version and CRLF.
    fn target_and_version(&mut self) -> Step<()> {
        if self.at_end() {
            return Err(Verdict::Incomplete);
        }
        if self.buf[self.pos] != b'/' {
            return Err(Verdict::Slow(Reason::RequestLine));
        }
        while !self.at_end() {
            match self.buf[self.pos] {
                b' ' => break,
                b'#' => return Err(Verdict::Slow(Reason::RequestLine)),
                0x21..=0x7e => self.pos += 1,
                b'\r' | b'\n' => return Err(Verdict::Slow(Reason::Version)),
                _ => return Err(Verdict::Slow(Reason::RequestLine)),
            }
        }
        let rest = &self.buf[self.pos..];
        if rest.len() >= VERSION.len() {
            if !rest.starts_with(VERSION) {
                return Err(Verdict::Slow(Reason::Version));
            }
            self.pos += VERSION.len();
            return Ok(());
        }
        if VERSION.starts_with(rest) {
            Err(Verdict::Incomplete)
        } else {
            Err(Verdict::Slow(Reason::Version))
        }
    }

    /// One header line, or the blank line (returns false).
    fn header(&mut self, seen: &mut Seen) -> Step<bool> {
        let start = self.pos;
        match self.buf.get(start) {
            None => return Err(Verdict::Incomplete),
            Some(b'\r') => {
                return match self.buf.get(start + 1) {
                    None => Err(Verdict::Incomplete),
                    Some(b'\n') => {
                        self.pos += 2;
                        Ok(false)
                    }
                    Some(_) => Err(Verdict::Slow(Reason::HeaderSyntax)),
                };
            }
            // A line starting with whitespace is obs-fold; anything else that is not a token
            // character (including a space before the colon) is invalid.
            Some(_) => {}
        }
        while !self.at_end() && is_tchar(self.buf[self.pos]) {
            self.pos += 1;
        }
        if self.at_end() {
            return Err(Verdict::Incomplete);
        }
        if self.buf[self.pos] != b':' || self.pos == start {
            return Err(Verdict::Slow(Reason::HeaderSyntax));
        }
        let name = &self.buf[start..self.pos];
        self.pos += 1;
        let value_start = self.pos;
        loop {
            match self.buf.get(self.pos) {
                None => return Err(Verdict::Incomplete),
                Some(b'\t' | 0x20..=0x7e) => self.pos += 1,
                Some(b'\r') => match self.buf.get(self.pos + 1) {
                    None => return Err(Verdict::Incomplete),
                    Some(b'\n') => break,
                    Some(_) => return Err(Verdict::Slow(Reason::HeaderSyntax)),
                },
                Some(0x80..=0xff) => return Err(Verdict::Slow(Reason::NonAscii)),
                Some(_) => return Err(Verdict::Slow(Reason::HeaderSyntax)),
            }
        }
        let value = self.buf[value_start..self.pos].trim_ascii();
        self.pos += 2;
        seen.note(name, value)?;
        Ok(true)
    }
}

impl Seen {
    fn note(&mut self, name: &[u8], value: &[u8]) -> Step<()> {
        self.headers += 1;
        if name.eq_ignore_ascii_case(b"host") {
            self.hosts += 1;
            self.host_empty = value.is_empty();
        } else if name.eq_ignore_ascii_case(b"content-length") {
            self.content_lengths += 1;
            if value.is_empty() || value.len() > 15 || !value.iter().all(u8::is_ascii_digit) {
                return Err(Verdict::Slow(Reason::Framing));
            }
            self.content_length = value.iter().fold(0, |n, d| n * 10 + u64::from(d - b'0'));
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            self.transfer_encoding = true;
        } else if name.eq_ignore_ascii_case(b"expect") {
            self.expect = true;
        }
        Ok(())
    }

    fn verdict(&self, head_len: usize, available: usize, limits: &Limits) -> Verdict {
        if self.headers > limits.max_headers {
            return Verdict::Slow(Reason::TooManyHeaders);
        }
        if self.hosts != 1 || self.host_empty {
            return Verdict::Slow(Reason::Host);
        }
        if self.transfer_encoding || self.content_lengths > 1 {
            return Verdict::Slow(Reason::Framing);
        }
        if self.expect {
            return Verdict::Slow(Reason::Expect);
        }
        // Bytes past the declared body are the next request (bytes not yet received are
        // invisible here: see the README on what is vetted per connection).
        let after_head = (available - head_len) as u64;
        if after_head > self.content_length {
            return Verdict::Slow(Reason::Pipelined);
        }
        Verdict::Fast
    }
}

/// Classifies the bytes received so far on a new connection.
pub fn classify(buf: &[u8], limits: &Limits) -> Verdict {
    let within = &buf[..buf.len().min(limits.max_head)];
    let mut scan = Scan { buf: within, pos: 0 };
    let mut seen = Seen::default();
    let step = (|| -> Step<()> {
        scan.method()?;
        scan.target_and_version()?;
        while scan.header(&mut seen)? {}
        Ok(())
    })();
    match step {
        Ok(()) => seen.verdict(scan.pos, buf.len(), limits),
        // Still a valid prefix but the limit is reached: it can only be too large.
        Err(Verdict::Incomplete) if buf.len() >= limits.max_head => Verdict::Slow(Reason::TooLarge),
        Err(v) => v,
    }
}

/// The request target of a (possibly partial) request line, for choosing the error dialect of
/// a timed-out head; at most `max` bytes.
pub fn target_of(buf: &[u8], max: usize) -> &[u8] {
    let line = buf.split(|&b| b == b'\r' || b == b'\n').next().unwrap_or(&[]);
    let mut parts = line.split(|&b| b == b' ');
    parts.next();
    let target = parts.next().unwrap_or(&[]);
    &target[..target.len().min(max)]
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { max_head: 1024, max_headers: 10 };

    fn v(s: &[u8]) -> Verdict {
        classify(s, &LIMITS)
    }

    #[test]
    fn clean_heads_are_fast() {
        assert_eq!(v(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"), Verdict::Fast);
        assert_eq!(v(b"POST /v1/chat/completions?a=b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"), Verdict::Fast);
        // Part of the body is fine: uWS reads the rest.
        assert_eq!(v(b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n{}"), Verdict::Fast);
        assert_eq!(v(b"PATCH /x HTTP/1.1\r\nHost: x\r\nX-Tab:\ta\tb \r\nEmpty:\r\n\r\n"), Verdict::Fast);
    }

    #[test]
    fn prefixes_wait() {
        let full = b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n";
        for n in 0..full.len() {
            assert_eq!(v(&full[..n]), Verdict::Incomplete, "prefix of {n} bytes");
        }
        assert_eq!(v(full), Verdict::Fast);
    }

    #[test]
    fn versions_and_request_lines_go_slow() {
        assert_eq!(v(b"GET / HTTP/1.0\r\n\r\n"), Verdict::Slow(Reason::Version));
        assert_eq!(v(b"GET / HTTP/1.1\nHost: x\n\n"), Verdict::Slow(Reason::Version));
        assert_eq!(v(b"GET /\r\n"), Verdict::Slow(Reason::Version));
        assert_eq!(v(b"GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n"), Verdict::Slow(Reason::RequestLine));
        assert_eq!(v(b"G(T / HTTP/1.1\r\n"), Verdict::Slow(Reason::RequestLine));
        assert_eq!(v(b"get / HTTP/1.1\r\n"), Verdict::Slow(Reason::RequestLine));
        assert_eq!(v(b"TRACE / HTTP/1.1\r\n"), Verdict::Slow(Reason::RequestLine));
        assert_eq!(v(b"GETX / HTTP/1.1\r\n"), Verdict::Slow(Reason::RequestLine));
        assert_eq!(v(b"GET /a\x80 HTTP/1.1\r\n"), Verdict::Slow(Reason::RequestLine));
        assert_eq!(v(b"GET /a#f HTTP/1.1\r\n"), Verdict::Slow(Reason::RequestLine));
        assert_eq!(v(b"GET  / HTTP/1.1\r\n"), Verdict::Slow(Reason::RequestLine));
    }

    #[test]
    fn malformed_header_lines_go_slow_at_once() {
        let cases: [&[u8]; 7] = [
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A : a\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb",
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b",
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01",
            b"GET / HTTP/1.1\r\nHost: x\nX-A: a",
            b"GET / HTTP/1.1\r\n: a\r\n",
        ];
        for c in cases {
            assert_eq!(v(c), Verdict::Slow(Reason::HeaderSyntax), "{}", String::from_utf8_lossy(c));
        }
        assert_eq!(v(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: \xc3\xa9"), Verdict::Slow(Reason::NonAscii));
    }

    #[test]
    fn framing_host_and_expect() {
        assert_eq!(v(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na"), Verdict::Slow(Reason::Framing));
        assert_eq!(v(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"), Verdict::Slow(Reason::Framing));
        assert_eq!(v(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"), Verdict::Slow(Reason::Framing));
        assert_eq!(v(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n"), Verdict::Slow(Reason::Framing));
        assert_eq!(v(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1 1\r\n"), Verdict::Slow(Reason::Framing));
        assert_eq!(v(b"GET / HTTP/1.1\r\n\r\n"), Verdict::Slow(Reason::Host));
        assert_eq!(v(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), Verdict::Slow(Reason::Host));
        assert_eq!(v(b"GET / HTTP/1.1\r\nHost:\r\n\r\n"), Verdict::Slow(Reason::Host));
        assert_eq!(v(b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"), Verdict::Slow(Reason::Expect));
    }

    #[test]
    fn pipelining_in_the_first_flight_goes_slow() {
        assert_eq!(v(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n"), Verdict::Slow(Reason::Pipelined));
        assert_eq!(v(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}G"), Verdict::Slow(Reason::Pipelined));
    }

    #[test]
    fn limits() {
        let big = [b"GET / HTTP/1.1\r\nHost: x\r\nX: ".as_slice(), &[b'a'; 1100]].concat();
        assert_eq!(v(&big), Verdict::Slow(Reason::TooLarge));
        assert_eq!(v(&big[..1023]), Verdict::Incomplete);
        let many: Vec<u8> = [b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec(), b"A: b\r\n".repeat(10), b"\r\n".to_vec()].concat();
        assert_eq!(v(&many), Verdict::Slow(Reason::TooManyHeaders));
    }

    #[test]
    fn target_for_the_dialect() {
        assert_eq!(target_of(b"POST /v1/messages HTTP/1.1\r\nHo", 256), b"/v1/messages");
        assert_eq!(target_of(b"POST /v1/mess", 256), b"/v1/mess");
        assert_eq!(target_of(b"POST", 256), b"");
        assert_eq!(target_of(b"GET /abcdef HTTP/1.1", 3), b"/ab");
    }
}
