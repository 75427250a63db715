//! Incremental server-sent-events framer following the WHATWG EventSource parsing rules, the
//! twin of src/native/fallback/sse.ts. Safe Rust apart from the SSE2 line search; lib.rs only
//! converts arguments.
//!
//! The framer keeps the unconsumed stream in `acc` (everything before `frame_start` has been
//! consumed). A push records its completed frames as spans into `acc` (multi-line data and
//! event IDs go to a small scratch buffer), and `write_out` then copies them, compactly, into
//! the caller's buffers: event name, data (lines joined with "\n") and id bytes, plus 8 i32 per
//! frame in the layout of SSE_STRIDE in src/native/types.ts. Spans stay valid until the next
//! push, so a caller whose buffers were too small can grow them and write out again.

/// Int32 slots per frame in the offsets `write_out` produces (SSE_STRIDE in types.ts).
pub const STRIDE: usize = 8;
/// Flags slot bits: the frame's event type is non-empty / the last event ID is non-empty.
pub const HAS_EVENT: i32 = 1;
pub const HAS_ID: i32 = 2;

/// A frame grew past the configured maximum. The framer stays failed until `end()`.
#[derive(Debug, PartialEq, Eq)]
pub struct FrameTooLarge;

/// The caller's buffers cannot hold the last push's output; see `output_size`.
#[derive(Debug, PartialEq, Eq)]
pub struct NoFit;

/// One completed frame as spans: event in `acc`, data in `acc` or the scratch, id in the scratch.
struct FrameSpans {
    event: (usize, usize),
    data: (usize, usize),
    data_in_scratch: bool,
    id: (usize, usize),
    flags: i32,
    retry: i32,
}

/// Output of one `push`: valid until the next push.
#[derive(Default)]
struct Frames {
    spans: Vec<FrameSpans>,
    scratch: Vec<u8>,
    /// Bytes `write_out` needs for the field values.
    bytes: usize,
}

impl Frames {
    fn clear(&mut self) {
        self.spans.clear();
        self.scratch.clear();
        self.bytes = 0;
    }

    fn push_scratch(&mut self, v: &[u8]) -> (usize, usize) {
        let s = self.scratch.len();
        self.scratch.extend_from_slice(v);
        (s, self.scratch.len())
    }
}

pub struct SseFramer {
    max_frame: usize,
    acc: Vec<u8>,
    /// Start of the first unterminated line.
    pos: usize,
    /// Bytes before this hold no line end past `pos`: a long line arriving in many reads is
    /// searched once, not once per read.
    searched: usize,
    /// Start of the frame in progress (bytes before it are consumed).
    frame_start: usize,
    /// The last byte seen was a CR ending a line, so a following LF belongs to it.
    skip_lf: bool,
    bom_pending: bool,
    failed: bool,
    event: Option<(usize, usize)>,
    data: Vec<(usize, usize)>,
    /// Last valid `retry:` since the previous dispatched frame (frames without data carry it on).
    retry: i32,
    /// Persisting last-event-ID buffer: per spec it survives across events.
    last_id: Vec<u8>,
    out: Frames,
}

impl SseFramer {
    pub fn new(max_frame: usize) -> Self {
        SseFramer {
            max_frame,
            acc: Vec::new(), // allocated by the first push, at the chunk's size
            pos: 0,
            searched: 0,
            frame_start: 0,
            skip_lf: false,
            bom_pending: true,
            failed: false,
            event: None,
            data: Vec::new(),
            retry: -1,
            last_id: Vec::new(),
            out: Frames::default(),
        }
    }

    /// (field bytes, frames) that `write_out` needs room for.
    pub fn output_size(&self) -> (usize, usize) {
        (self.out.bytes, self.out.spans.len())
    }

    /// Copies the last push's frames into `bytes` and `offsets` (STRIDE i32 per frame, as
    /// native-endian bytes, which is how JS reads an Int32Array); returns the frame count.
    pub fn write_out(&self, bytes: &mut [u8], offsets: &mut [u8]) -> Result<usize, NoFit> {
        let f = &self.out;
        if f.bytes > bytes.len() || f.spans.len() * STRIDE * 4 > offsets.len() {
            return Err(NoFit);
        }
        let mut w = 0;
        let mut put = |src: &[u8]| {
            bytes[w..w + src.len()].copy_from_slice(src);
            w += src.len();
            ((w - src.len()) as i32, w as i32)
        };
        for (fs, slots) in f.spans.iter().zip(offsets.chunks_exact_mut(STRIDE * 4)) {
            let (es, ee) = put(&self.acc[fs.event.0..fs.event.1]);
            let data = if fs.data_in_scratch { &f.scratch } else { &self.acc };
            let (ds, de) = put(&data[fs.data.0..fs.data.1]);
            let (is, ie) = put(&f.scratch[fs.id.0..fs.id.1]);
            let values = [es, ee, ds, de, is, ie, fs.flags, fs.retry];
            for (slot, v) in slots.chunks_exact_mut(4).zip(values) {
                slot.copy_from_slice(&v.to_ne_bytes());
            }
        }
        Ok(f.spans.len())
    }

    /// Feeds one chunk. An oversize frame fails the whole stream: frames completed earlier in
    /// the same chunk are dropped too, since the caller is about to abort it.
    pub fn push(&mut self, chunk: &[u8]) -> Result<usize, FrameTooLarge> {
        self.out.clear();
        if self.failed {
            return Err(FrameTooLarge);
        }
        self.compact();
        self.acc.extend_from_slice(chunk);
        if self.bom_pending && !self.strip_bom() {
            return Ok(0);
        }
        let scanned = self.scan();
        if scanned.is_err() || self.acc.len() - self.frame_start > self.max_frame {
            self.fail();
            return Err(FrameTooLarge);
        }
        Ok(self.out.spans.len())
    }

    /// End of stream: returns whether bytes of an unterminated frame were pending (or the stream
    /// had failed), then resets to a fresh stream. Buffers are freed rather than kept: a framer
    /// usually dies with its stream, and the JS object holding it may wait long for a GC that
    /// does not see this memory.
    pub fn end(&mut self) -> bool {
        let pending = self.failed || self.acc.len() > self.frame_start;
        *self = SseFramer::new(self.max_frame);
        pending
    }

    fn fail(&mut self) {
        self.failed = true;
        self.out.clear();
        self.acc = Vec::new(); // give the memory back: the stream is dead
        self.pos = 0;
        self.searched = 0;
        self.frame_start = 0;
        self.reset_frame();
    }

    /// Drops consumed bytes, shifting the spans of the frame in progress.
    fn compact(&mut self) {
        let shift = self.frame_start;
        if shift == 0 {
            return;
        }
        self.acc.drain(..shift);
        self.pos -= shift;
        self.searched -= shift;
        self.frame_start = 0;
        if let Some((s, e)) = self.event {
            self.event = Some((s - shift, e - shift));
        }
        for span in &mut self.data {
            span.0 -= shift;
            span.1 -= shift;
        }
    }

    /// Returns false while the first bytes could still be a split BOM.
    fn strip_bom(&mut self) -> bool {
        const BOM: [u8; 3] = [0xef, 0xbb, 0xbf];
        let n = self.acc.len().min(3);
        if self.acc[..n] != BOM[..n] {
            self.bom_pending = false;
            return true;
        }
        if n < 3 {
            return false;
        }
        self.bom_pending = false;
        self.pos = 3;
        self.searched = 3;
        self.frame_start = 3;
        true
    }

    fn scan(&mut self) -> Result<(), FrameTooLarge> {
        let mut i = self.pos;
        if self.skip_lf && i < self.acc.len() {
            self.skip_lf = false;
            if self.acc[i] == b'\n' {
                i += 1;
                if self.frame_start == i - 1 {
                    self.frame_start = i;
                }
                self.pos = i;
            }
        }
        let mut from = i.max(self.searched);
        while let Some(off) = find_eol(&self.acc[from..]) {
            let end = from + off;
            let mut next = end + 1;
            if self.acc[end] == b'\r' {
                if next < self.acc.len() {
                    if self.acc[next] == b'\n' {
                        next += 1;
                    }
                } else {
                    self.skip_lf = true;
                }
            }
            if end == i {
                // A blank line ends the frame; its size decides before anything is emitted.
                if end - self.frame_start > self.max_frame {
                    return Err(FrameTooLarge);
                }
                self.dispatch();
                self.frame_start = next;
            } else {
                self.field(i, end);
            }
            i = next;
            from = next;
            self.pos = next;
        }
        self.searched = self.acc.len();
        Ok(())
    }

    fn field(&mut self, start: usize, end: usize) {
        let line = &self.acc[start..end];
        if line[0] == b':' {
            return; // comment
        }
        let colon = line.iter().position(|&b| b == b':').unwrap_or(line.len());
        let mut vs = if colon < line.len() { colon + 1 } else { colon };
        if vs < line.len() && line[vs] == b' ' {
            vs += 1;
        }
        let value = (start + vs, end);
        match &line[..colon] {
            b"data" => self.data.push(value),
            b"event" => self.event = Some(value),
            b"retry" => {
                if let Some(r) = parse_retry(&line[vs..]) {
                    self.retry = r;
                }
            }
            b"id" => {
                let v = &line[vs..];
                if !v.contains(&0) {
                    self.last_id.clear();
                    self.last_id.extend_from_slice(v);
                }
            }
            _ => {}
        }
    }

    fn dispatch(&mut self) {
        if self.data.is_empty() {
            // Spec: no data means no event; the event type resets, `retry` carries on.
            self.event = None;
            return;
        }
        let out = &mut self.out;
        let mut flags = 0;
        let event = match self.event {
            Some((s, e)) if e > s => {
                flags |= HAS_EVENT;
                (s, e)
            }
            _ => (0, 0),
        };
        // One data line (what providers send) stays a span of `acc`; more are joined.
        let (data, data_in_scratch) = match self.data.as_slice() {
            [one] => (*one, false),
            lines => {
                let s = out.scratch.len();
                for (k, &(ls, le)) in lines.iter().enumerate() {
                    if k > 0 {
                        out.scratch.push(b'\n');
                    }
                    out.scratch.extend_from_slice(&self.acc[ls..le]);
                }
                ((s, out.scratch.len()), true)
            }
        };
        let id = if self.last_id.is_empty() {
            (0, 0)
        } else {
            flags |= HAS_ID;
            out.push_scratch(&self.last_id)
        };
        out.bytes += (event.1 - event.0) + (data.1 - data.0) + (id.1 - id.0);
        out.spans.push(FrameSpans { event, data, data_in_scratch, id, flags, retry: self.retry });
        self.reset_frame();
    }

    fn reset_frame(&mut self) {
        self.event = None;
        self.data.clear();
        self.retry = -1;
    }
}

/// `retry:` takes only ASCII digits; values beyond i32 are ignored like malformed ones.
fn parse_retry(v: &[u8]) -> Option<i32> {
    if v.is_empty() {
        return None;
    }
    let mut n: i64 = 0;
    for &b in v {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(b - b'0');
        if n > i64::from(i32::MAX) {
            return None;
        }
    }
    Some(n as i32)
}

/// Position of the first CR or LF. LLM streams are long JSON lines, so most of the framer's
/// time is this search: 16 bytes at a time with SSE2 (part of the x86_64 baseline), 8 at a
/// time (SWAR) elsewhere and for the tail.
fn find_eol(h: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
        let mut i = 0;
        while i + 16 <= h.len() {
            // SAFETY: SSE2 is always available on x86_64, and the unaligned load reads
            // h[i..i + 16], which the loop condition keeps in bounds.
            let m = unsafe {
                let v = _mm_loadu_si128(h.as_ptr().add(i).cast());
                _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'\n' as i8)), _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\r' as i8))))
            };
            if m != 0 {
                return Some(i + m.trailing_zeros() as usize);
            }
            i += 16;
        }
        find_eol_swar(&h[i..]).map(|p| i + p)
    }
    #[cfg(not(target_arch = "x86_64"))]
    find_eol_swar(h)
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Eight bytes at a time. The zero-byte test can flag bytes above a true match, never below
/// one, so the lowest flagged byte is exact.
fn find_eol_swar(h: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 8 <= h.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&h[i..i + 8]);
        let w = u64::from_le_bytes(word);
        let m = zero_bytes(w ^ (LO * u64::from(b'\n'))) | zero_bytes(w ^ (LO * u64::from(b'\r')));
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    h[i..].iter().position(|&b| b == b'\n' || b == b'\r').map(|p| i + p)
}

fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(LO) & !v & HI
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(f: &SseFramer) -> Vec<(Option<String>, String, Option<String>, i32)> {
        let (nbytes, count) = f.output_size();
        let (mut bytes, mut raw) = (vec![0u8; nbytes], vec![0u8; count * STRIDE * 4]);
        assert_eq!(f.write_out(&mut bytes, &mut raw), Ok(count));
        if count > 0 {
            assert_eq!(f.write_out(&mut bytes[..nbytes - 1], &mut raw), Err(NoFit));
        }
        let offsets: Vec<i32> = raw.chunks_exact(4).map(|c| i32::from_ne_bytes(c.try_into().unwrap())).collect();
        let s = |a: i32, b: i32| String::from_utf8(bytes[a as usize..b as usize].to_vec()).unwrap();
        (0..count)
            .map(|k| {
                let r = &offsets[k * STRIDE..(k + 1) * STRIDE];
                let ev = (r[6] & HAS_EVENT != 0).then(|| s(r[0], r[1]));
                let id = (r[6] & HAS_ID != 0).then(|| s(r[4], r[5]));
                (ev, s(r[2], r[3]), id, r[7])
            })
            .collect()
    }

    #[test]
    fn find_eol_matches_naive_search() {
        for len in [0, 7, 8, 15, 16, 17, 40, 100] {
            let mut h = vec![b'a'; len];
            assert_eq!(find_eol(&h), None);
            assert_eq!(find_eol_swar(&h), None);
            for p in 0..len {
                for c in [b'\n', b'\r'] {
                    h[p] = c;
                    assert_eq!(find_eol(&h), Some(p));
                    assert_eq!(find_eol_swar(&h), Some(p));
                    if p + 5 < len {
                        h[p + 5] = b'\n';
                        assert_eq!(find_eol(&h), Some(p), "first of two");
                        h[p + 5] = b'a';
                    }
                    h[p] = b'a';
                }
            }
        }
    }

    #[test]
    fn frames_split_everywhere() {
        let stream = b"\xef\xbb\xbfevent: a\r\ndata: 1\rdata:2\n: c\nid: 7\nretry: 30\n\ndata\n\n";
        for cut in 0..stream.len() {
            let mut f = SseFramer::new(1 << 20);
            let mut got = Vec::new();
            f.push(&stream[..cut]).unwrap();
            got.extend(frames(&f));
            f.push(&stream[cut..]).unwrap();
            got.extend(frames(&f));
            assert_eq!(
                got,
                vec![
                    (Some("a".into()), "1\n2".into(), Some("7".into()), 30),
                    (None, "".into(), Some("7".into()), -1)
                ],
                "cut at {cut}"
            );
            assert!(!f.end());
        }
    }

    #[test]
    fn oversize_frame_fails_whatever_the_chunking() {
        let stream = b"data: 0123456789\n\n";
        let mut whole = SseFramer::new(10);
        assert_eq!(whole.push(stream), Err(FrameTooLarge));
        let mut split = SseFramer::new(10);
        assert_eq!(split.push(&stream[..8]), Ok(0));
        assert_eq!(split.push(&stream[8..]), Err(FrameTooLarge));
        assert_eq!(split.push(b"data: x\n\n"), Err(FrameTooLarge));
        assert!(split.end());
        assert_eq!(split.push(b"data: x\n\n"), Ok(1));
    }
}
