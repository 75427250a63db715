//! The acceptor: owns the data-plane listening sockets, accepts on its own thread, and holds each
//! new connection (an epoll registration, no buffer of its own) until its first request head has
//! arrived. It peeks at the head without consuming it, classifies it (head.rs) and hands the
//! descriptor to a `Sink` with the verdict: `Fast` connections are adopted by uWS with the bytes
//! still in the kernel buffer, everything else goes to the Node.js edge. Once handed over, a
//! connection is never touched here again, so the cost is per connection, not per request.
//!
//! A connection that sends nothing within the head timeout is closed; one that sent part of a
//! head is handed over as `Timeout` (JS answers 408). A head still incomplete after a few
//! peeks (it arrives in many small pieces) is handed over as `Slow`: re-peeking a growing
//! buffer is quadratic, and the Node edge reads incrementally.
use crate::head::{classify, target_of, Limits, Reason, Verdict};
use crate::sys::{self, EpollEvent, Fd};
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Where a handed-over connection goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    Fast = 0,
    Slow = 1,
    Timeout = 2,
}

#[derive(Debug)]
pub struct Handoff {
    pub fd: i32,
    pub listener: u32,
    pub kind: Kind,
    /// 0 for `Fast`, else a `head::Reason`.
    pub reason: u8,
    /// For `Slow` and `Timeout`: the request target received so far (the error dialect depends on it).
    pub target: Vec<u8>,
}

/// Receives connections on the acceptor thread; must take ownership of `fd` (or close it).
pub trait Sink: Send + 'static {
    fn deliver(&self, h: Handoff);
}

#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub limits: Limits,
    pub head_timeout: Duration,
}

/// Peeks per connection before a fragmented head goes to the Node edge.
const MAX_PEEKS: u8 = 6;
/// Peeked beyond the head limit, to see a body and whether another request follows it.
const BODY_PEEK: usize = 64 * 1024;
const TARGET_MAX: usize = 256;
/// Accepting resumes this long after the process ran out of descriptors.
const FD_BACKOFF: Duration = Duration::from_millis(100);
const BACKLOG: i32 = 511;

const WAKE: u64 = u64::MAX;
const LISTENER: u64 = 1 << 62;

enum Cmd {
    Add { id: u32, fd: Fd },
    Remove { id: u32 },
    Settings(Settings),
    Stop,
}

struct Shared {
    queue: Mutex<(Vec<Cmd>, u64)>,
    /// Signalled with the number of the last command batch the thread applied.
    applied: Condvar,
    applied_seq: Mutex<u64>,
    wake: Fd,
}

pub struct Acceptor {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    next_id: u32,
}

impl Acceptor {
    pub fn start(sink: Box<dyn Sink>, settings: Settings) -> io::Result<Acceptor> {
        let epfd = sys::epoll()?;
        let wake = sys::event_fd()?;
        sys::epoll_add(&epfd, wake.raw(), sys::EPOLLIN, WAKE)?;
        let shared = Arc::new(Shared {
            queue: Mutex::new((Vec::new(), 0)),
            applied: Condvar::new(),
            applied_seq: Mutex::new(0),
            wake,
        });
        let mut state = Loop::new(epfd, Arc::clone(&shared), sink, settings);
        let thread = std::thread::Builder::new().name("agw-acceptor".into()).spawn(move || state.run())?;
        Ok(Acceptor { shared, thread: Some(thread), next_id: 0 })
    }

    /// Binds and listens in the calling thread (so errors surface here), then hands the socket
    /// to the acceptor thread. Returns the listener's id and its port.
    pub fn listen(&mut self, addr: SocketAddr) -> io::Result<(u32, u16)> {
        let fd = sys::listen_tcp(addr, BACKLOG)?;
        let port = sys::local_port(&fd)?;
        self.next_id += 1;
        let id = self.next_id;
        self.send(Cmd::Add { id, fd }, false);
        Ok((id, port))
    }

    /// Stops accepting on a listener; returns once its socket is closed (the port is free).
    /// Connections it accepted that are still waiting for a head are handed over as usual.
    pub fn close(&self, id: u32) {
        self.send(Cmd::Remove { id }, true);
    }

    pub fn set_settings(&self, s: Settings) {
        self.send(Cmd::Settings(s), false);
    }

    fn send(&self, cmd: Cmd, wait: bool) {
        let seq = {
            let mut q = self.shared.queue.lock().unwrap_or_else(|e| e.into_inner());
            q.0.push(cmd);
            q.1 += 1;
            q.1
        };
        sys::event_fd_signal(&self.shared.wake);
        if !wait {
            return;
        }
        let mut applied = self.shared.applied_seq.lock().unwrap_or_else(|e| e.into_inner());
        while *applied < seq {
            let (a, timeout) = self.shared.applied.wait_timeout(applied, Duration::from_secs(5)).unwrap_or_else(|e| e.into_inner());
            applied = a;
            if timeout.timed_out() {
                break; // the thread is gone; never hang the JS thread
            }
        }
    }
}

impl Drop for Acceptor {
    fn drop(&mut self) {
        self.send(Cmd::Stop, false);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Conn {
    fd: Fd,
    listener: u32,
    generation: u32,
    peeks: u8,
}

struct Listener {
    id: u32,
    fd: Fd,
    /// Set while accepting is paused after EMFILE.
    paused_until: Option<Instant>,
}

struct Loop {
    epfd: Fd,
    shared: Arc<Shared>,
    sink: Box<dyn Sink>,
    settings: Settings,
    listeners: Vec<Listener>,
    conns: Vec<Option<Conn>>,
    free: Vec<usize>,
    generation: u32,
    /// (deadline, slot, generation) in accept order, so deadlines are in order too.
    deadlines: VecDeque<(Instant, usize, u32)>,
    buf: Vec<u8>,
}

impl Loop {
    fn new(epfd: Fd, shared: Arc<Shared>, sink: Box<dyn Sink>, settings: Settings) -> Loop {
        Loop {
            epfd,
            shared,
            sink,
            settings,
            listeners: Vec::new(),
            conns: Vec::new(),
            free: Vec::new(),
            generation: 0,
            deadlines: VecDeque::new(),
            buf: Vec::new(),
        }
    }

    fn run(&mut self) {
        let mut events = [EpollEvent { events: 0, data: 0 }; 256];
        loop {
            let n = match sys::epoll_wait_into(&self.epfd, &mut events, self.wait_ms()) {
                Ok(n) => n,
                Err(_) => return,
            };
            for ev in &events[..n] {
                let (token, flags) = (ev.data, ev.events);
                if token == WAKE {
                    if !self.commands() {
                        return;
                    }
                } else if token & LISTENER != 0 {
                    self.accept_all((token & !LISTENER) as u32);
                } else {
                    self.readable(token, flags);
                }
            }
            self.expire();
        }
    }

    /// Applies queued commands; false on Stop.
    fn commands(&mut self) -> bool {
        sys::event_fd_drain(&self.shared.wake);
        let (cmds, seq) = {
            let mut q = self.shared.queue.lock().unwrap_or_else(|e| e.into_inner());
            (std::mem::take(&mut q.0), q.1)
        };
        let mut running = true;
        for cmd in cmds {
            match cmd {
                Cmd::Add { id, fd } => {
                    if sys::epoll_add(&self.epfd, fd.raw(), sys::EPOLLIN, LISTENER | u64::from(id)).is_ok() {
                        self.listeners.push(Listener { id, fd, paused_until: None });
                    }
                }
                Cmd::Remove { id } => self.listeners.retain(|l| l.id != id), // dropping closes it
                Cmd::Settings(s) => self.settings = s,
                Cmd::Stop => running = false,
            }
        }
        *self.shared.applied_seq.lock().unwrap_or_else(|e| e.into_inner()) = seq;
        self.shared.applied.notify_all();
        running
    }

    fn wait_ms(&self) -> i32 {
        let now = Instant::now();
        let next = self.deadlines.front().map(|d| d.0).into_iter().chain(self.listeners.iter().filter_map(|l| l.paused_until)).min();
        match next {
            None => -1,
            Some(t) => t.saturating_duration_since(now).as_millis().min(i32::MAX as u128) as i32 + 1,
        }
    }

    fn accept_all(&mut self, id: u32) {
        let Some(li) = self.listeners.iter().position(|l| l.id == id) else { return };
        loop {
            match sys::accept_nonblocking(&self.listeners[li].fd) {
                Ok(fd) => self.track(fd, id),
                Err(e) => match e.raw_os_error() {
                    Some(sys::EINTR) => continue,
                    // Out of descriptors or memory: stop polling this listener briefly instead of
                    // spinning on a socket that stays readable.
                    Some(sys::EMFILE | sys::ENFILE | sys::ENOBUFS | sys::ENOMEM) => {
                        let l = &mut self.listeners[li];
                        if sys::epoll_mod(&self.epfd, l.fd.raw(), 0, LISTENER | u64::from(id)).is_ok() {
                            l.paused_until = Some(Instant::now() + FD_BACKOFF);
                        }
                        return;
                    }
                    Some(sys::EAGAIN) => return,
                    // ECONNABORTED and the like concern one connection, not the listener.
                    _ => continue,
                },
            }
        }
    }

    fn track(&mut self, fd: Fd, listener: u32) {
        self.generation = self.generation.wrapping_add(1);
        let generation = self.generation;
        let slot = self.free.pop().unwrap_or_else(|| {
            self.conns.push(None);
            self.conns.len() - 1
        });
        let token = (u64::from(generation) << 32) | slot as u64;
        let events = sys::EPOLLIN | sys::EPOLLRDHUP | sys::EPOLLET;
        if sys::epoll_add(&self.epfd, fd.raw(), events, token).is_err() {
            self.free.push(slot);
            return; // dropping fd closes it
        }
        self.conns[slot] = Some(Conn { fd, listener, generation, peeks: 0 });
        self.deadlines.push_back((Instant::now() + self.settings.head_timeout, slot, generation));
    }

    fn conn(&self, slot: usize, generation: u32) -> Option<&Conn> {
        self.conns.get(slot)?.as_ref().filter(|c| c.generation == generation)
    }

    fn readable(&mut self, token: u64, flags: u32) {
        let (slot, generation) = ((token & 0xffff_ffff) as usize, (token >> 32) as u32);
        if self.conn(slot, generation).is_none() {
            return; // already handed over or closed earlier in this batch
        }
        let cap = self.settings.limits.max_head + BODY_PEEK;
        if self.buf.len() < cap {
            self.buf.resize(cap, 0);
        }
        let conn = self.conns[slot].as_mut().expect("checked above");
        let peeked = sys::peek(&conn.fd, &mut self.buf[..cap]);
        conn.peeks += 1;
        let peeks = conn.peeks;
        let n = match peeked {
            Ok(0) => return self.drop_conn(slot), // closed before sending anything
            Ok(n) => n,
            Err(e) if e.raw_os_error() == Some(sys::EAGAIN) => return,
            Err(_) => return self.drop_conn(slot),
        };
        let half_closed = flags & (sys::EPOLLRDHUP | sys::EPOLLHUP | sys::EPOLLERR) != 0;
        let (kind, reason) = match classify(&self.buf[..n], &self.settings.limits) {
            // uWS closes a connection on FIN; the Node edge answers the request first.
            Verdict::Fast | Verdict::Incomplete if half_closed => (Kind::Slow, Reason::HalfClosed as u8),
            Verdict::Fast => (Kind::Fast, 0),
            Verdict::Slow(r) => (Kind::Slow, r as u8),
            Verdict::Incomplete if peeks >= MAX_PEEKS => (Kind::Slow, Reason::Fragmented as u8),
            Verdict::Incomplete => return,
        };
        // The Node edge answers a head it cannot parse in the dialect of its path, which a
        // refused head's last packet may no longer show.
        let target = if kind == Kind::Fast { Vec::new() } else { target_of(&self.buf[..n], TARGET_MAX).to_vec() };
        self.hand_over(slot, kind, reason, target);
    }

    fn expire(&mut self) {
        let now = Instant::now();
        for l in &mut self.listeners {
            if l.paused_until.is_some_and(|t| t <= now)
                && sys::epoll_mod(&self.epfd, l.fd.raw(), sys::EPOLLIN, LISTENER | u64::from(l.id)).is_ok()
            {
                l.paused_until = None;
            }
        }
        while let Some(&(deadline, slot, generation)) = self.deadlines.front() {
            if deadline > now {
                break;
            }
            self.deadlines.pop_front();
            let Some(conn) = self.conn(slot, generation) else { continue };
            let mut head = [0u8; 1024];
            match sys::peek(&conn.fd, &mut head) {
                // Something arrived but never a whole head: JS answers 408.
                Ok(n) if n > 0 => {
                    let target = target_of(&head[..n], TARGET_MAX).to_vec();
                    self.hand_over(slot, Kind::Timeout, Reason::Timeout as u8, target);
                }
                // Silent (or gone): close without a word, as nginx does.
                _ => self.drop_conn(slot),
            }
        }
    }

    fn take(&mut self, slot: usize) -> Option<Conn> {
        let conn = self.conns.get_mut(slot)?.take()?;
        let _ = sys::epoll_del(&self.epfd, conn.fd.raw());
        self.free.push(slot);
        Some(conn)
    }

    fn drop_conn(&mut self, slot: usize) {
        self.take(slot); // dropping the Fd closes it
    }

    fn hand_over(&mut self, slot: usize, kind: Kind, reason: u8, target: Vec<u8>) {
        if let Some(conn) = self.take(slot) {
            let fd = conn.fd.release();
            self.sink.deliver(Handoff { fd, listener: conn.listener, kind, reason, target });
        }
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        // Listeners and waiting connections close with their Fds; the sink (and its JS
        // callback) is released last.
        self.conns.clear();
        self.listeners.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::sync::mpsc::{channel, Receiver, Sender};

    struct ChannelSink(Mutex<Sender<Handoff>>);

    impl Sink for ChannelSink {
        fn deliver(&self, h: Handoff) {
            let _ = self.0.lock().unwrap().send(h);
        }
    }

    fn start(timeout_ms: u64) -> (Acceptor, Receiver<Handoff>, u16, u32) {
        let (tx, rx) = channel();
        let settings = Settings { limits: Limits { max_head: 4096, max_headers: 90 }, head_timeout: Duration::from_millis(timeout_ms) };
        let mut a = Acceptor::start(Box::new(ChannelSink(Mutex::new(tx))), settings).unwrap();
        let (id, port) = a.listen("127.0.0.1:0".parse().unwrap()).unwrap();
        (a, rx, port, id)
    }

    fn next(rx: &Receiver<Handoff>) -> Handoff {
        rx.recv_timeout(Duration::from_secs(5)).expect("a handoff")
    }

    /// The handed-over descriptor still has every byte the client sent.
    fn drain(fd: i32) -> Vec<u8> {
        let mut f = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd) };
        let mut out = vec![0u8; 4096];
        std::thread::sleep(Duration::from_millis(20));
        let n = f.read(&mut out).unwrap_or(0);
        out.truncate(n);
        out
    }

    #[test]
    fn clean_head_is_fast_and_unconsumed() {
        let (_a, rx, port, id) = start(5000);
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let req = b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
        c.write_all(req).unwrap();
        let h = next(&rx);
        assert_eq!((h.kind, h.listener, h.reason), (Kind::Fast, id, 0));
        assert_eq!(drain(h.fd), req);
    }

    #[test]
    fn a_head_in_two_pieces_waits_for_the_rest() {
        let (_a, rx, port, _) = start(5000);
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        c.write_all(b"POST /x HTTP/1.1\r\nHo").unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert!(rx.try_recv().is_err());
        c.write_all(b"st: a\r\nContent-Length: 2\r\n\r\n{}").unwrap();
        assert_eq!(next(&rx).kind, Kind::Fast);
    }

    #[test]
    fn http10_and_pipelining_go_slow() {
        let (_a, rx, port, _) = start(5000);
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        c.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        let h = next(&rx);
        assert_eq!((h.kind, h.reason), (Kind::Slow, Reason::Version as u8));
        let mut c2 = TcpStream::connect(("127.0.0.1", port)).unwrap();
        c2.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        assert_eq!(next(&rx).reason, Reason::Pipelined as u8);
    }

    #[test]
    fn silence_is_closed_and_a_partial_head_times_out() {
        let (_a, rx, port, _) = start(100);
        let mut silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let mut partial = TcpStream::connect(("127.0.0.1", port)).unwrap();
        partial.write_all(b"POST /v1/messages HTTP/1.1\r\nHo").unwrap();
        let h = next(&rx);
        assert_eq!((h.kind, h.target.as_slice()), (Kind::Timeout, b"/v1/messages".as_slice()));
        silent.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        assert_eq!(silent.read(&mut [0u8; 8]).unwrap(), 0, "closed without a response");
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn close_frees_the_port_before_returning() {
        let (a, _rx, port, id) = start(5000);
        a.close(id);
        let again = std::net::TcpListener::bind(("127.0.0.1", port));
        assert!(again.is_ok(), "port {port} still bound after close");
    }

    #[test]
    fn the_port_is_exclusive() {
        let (mut a, _rx, port, _) = start(5000);
        let err = a.listen(format!("127.0.0.1:{port}").parse().unwrap()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
    }
}
