//! The few Linux system calls the acceptor needs, declared by hand (no libc crate: the crate
//! registry is unreachable where this builds). Constants are Linux's generic values, the same on
//! x86_64 and aarch64. Each wrapper returns `io::Result` so the callers stay safe code.
#![allow(non_camel_case_types)]

use std::ffi::{c_int, c_uint, c_void};
use std::io;
use std::net::SocketAddr;

type socklen_t = u32;

/// `struct epoll_event`: packed on x86_64 (the kernel ABI), naturally aligned elsewhere.
#[cfg_attr(target_arch = "x86_64", repr(C, packed))]
#[cfg_attr(not(target_arch = "x86_64"), repr(C))]
#[derive(Clone, Copy)]
pub struct EpollEvent {
    pub events: u32,
    pub data: u64,
}

extern "C" {
    fn epoll_create1(flags: c_int) -> c_int;
    fn epoll_ctl(epfd: c_int, op: c_int, fd: c_int, event: *mut EpollEvent) -> c_int;
    fn epoll_wait(epfd: c_int, events: *mut EpollEvent, maxevents: c_int, timeout: c_int) -> c_int;
    fn eventfd(initval: c_uint, flags: c_int) -> c_int;
    fn socket(domain: c_int, ty: c_int, protocol: c_int) -> c_int;
    fn setsockopt(fd: c_int, level: c_int, name: c_int, value: *const c_void, len: socklen_t) -> c_int;
    fn bind(fd: c_int, addr: *const c_void, len: socklen_t) -> c_int;
    fn listen(fd: c_int, backlog: c_int) -> c_int;
    fn getsockname(fd: c_int, addr: *mut c_void, len: *mut socklen_t) -> c_int;
    fn accept4(fd: c_int, addr: *mut c_void, len: *mut socklen_t, flags: c_int) -> c_int;
    fn recv(fd: c_int, buf: *mut c_void, len: usize, flags: c_int) -> isize;
    fn read(fd: c_int, buf: *mut c_void, len: usize) -> isize;
    fn write(fd: c_int, buf: *const c_void, len: usize) -> isize;
    fn close(fd: c_int) -> c_int;
}

pub const EPOLLIN: u32 = 0x001;
pub const EPOLLERR: u32 = 0x008;
pub const EPOLLHUP: u32 = 0x010;
pub const EPOLLRDHUP: u32 = 0x2000;
pub const EPOLLET: u32 = 1 << 31;

const EPOLL_CTL_ADD: c_int = 1;
const EPOLL_CTL_DEL: c_int = 2;
const EPOLL_CTL_MOD: c_int = 3;
const O_CLOEXEC: c_int = 0o2_000_000;
const O_NONBLOCK: c_int = 0o4_000;
const AF_INET: c_int = 2;
const AF_INET6: c_int = 10;
const SOCK_STREAM: c_int = 1;
const SOL_SOCKET: c_int = 1;
const SO_REUSEADDR: c_int = 2;
const IPPROTO_TCP: c_int = 6;
const TCP_NODELAY: c_int = 1;
const IPPROTO_IPV6: c_int = 41;
const IPV6_V6ONLY: c_int = 26;
const MSG_PEEK: c_int = 2;
const MSG_DONTWAIT: c_int = 0x40;
pub const EAGAIN: i32 = 11;
pub const EINTR: i32 = 4;
pub const EMFILE: i32 = 24;
pub const ENFILE: i32 = 23;
pub const ENOBUFS: i32 = 105;
pub const ENOMEM: i32 = 12;

fn check(r: c_int) -> io::Result<c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// An owned file descriptor, closed on drop unless released.
pub struct Fd(c_int);

impl Fd {
    pub fn raw(&self) -> c_int {
        self.0
    }

    /// Gives up ownership (the descriptor now belongs to whoever receives the number).
    pub fn release(self) -> c_int {
        let fd = self.0;
        std::mem::forget(self);
        fd
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        unsafe { close(self.0) };
    }
}

pub fn epoll() -> io::Result<Fd> {
    check(unsafe { epoll_create1(O_CLOEXEC) }).map(Fd)
}

fn ctl(epfd: &Fd, op: c_int, fd: c_int, events: u32, token: u64) -> io::Result<()> {
    let mut ev = EpollEvent { events, data: token };
    check(unsafe { epoll_ctl(epfd.raw(), op, fd, &mut ev) }).map(drop)
}

pub fn epoll_add(epfd: &Fd, fd: c_int, events: u32, token: u64) -> io::Result<()> {
    ctl(epfd, EPOLL_CTL_ADD, fd, events, token)
}

pub fn epoll_mod(epfd: &Fd, fd: c_int, events: u32, token: u64) -> io::Result<()> {
    ctl(epfd, EPOLL_CTL_MOD, fd, events, token)
}

pub fn epoll_del(epfd: &Fd, fd: c_int) -> io::Result<()> {
    ctl(epfd, EPOLL_CTL_DEL, fd, 0, 0)
}

/// Waits up to `timeout_ms` (-1: forever); EINTR is an empty wake-up.
pub fn epoll_wait_into(epfd: &Fd, events: &mut [EpollEvent], timeout_ms: i32) -> io::Result<usize> {
    let n = unsafe { epoll_wait(epfd.raw(), events.as_mut_ptr(), events.len() as c_int, timeout_ms) };
    if n < 0 {
        let e = io::Error::last_os_error();
        return if e.raw_os_error() == Some(EINTR) { Ok(0) } else { Err(e) };
    }
    Ok(n as usize)
}

pub fn event_fd() -> io::Result<Fd> {
    check(unsafe { eventfd(0, O_CLOEXEC | O_NONBLOCK) }).map(Fd)
}

pub fn event_fd_signal(fd: &Fd) {
    let one: u64 = 1;
    unsafe { write(fd.raw(), &one as *const u64 as *const c_void, 8) };
}

pub fn event_fd_drain(fd: &Fd) {
    let mut n: u64 = 0;
    unsafe { read(fd.raw(), &mut n as *mut u64 as *mut c_void, 8) };
}

fn set_int(fd: c_int, level: c_int, name: c_int, value: c_int) -> io::Result<()> {
    let v = value;
    check(unsafe { setsockopt(fd, level, name, &v as *const c_int as *const c_void, 4) }).map(drop)
}

/// A non-blocking listening TCP socket on `addr`. SO_REUSEADDR only (restarts do not wait for
/// TIME_WAIT), never SO_REUSEPORT: a second process on the same port is an error, as before.
/// An IPv6 wildcard is dual-stack.
pub fn listen_tcp(addr: SocketAddr, backlog: i32) -> io::Result<Fd> {
    let domain = if addr.is_ipv4() { AF_INET } else { AF_INET6 };
    let fd = Fd(check(unsafe { socket(domain, SOCK_STREAM | O_NONBLOCK | O_CLOEXEC, 0) })?);
    set_int(fd.raw(), SOL_SOCKET, SO_REUSEADDR, 1)?;
    if addr.ip().is_ipv6() {
        set_int(fd.raw(), IPPROTO_IPV6, IPV6_V6ONLY, 0)?;
    }
    let raw = sockaddr(addr);
    check(unsafe { bind(fd.raw(), raw.as_ptr() as *const c_void, raw.len() as socklen_t) })?;
    check(unsafe { listen(fd.raw(), backlog) })?;
    Ok(fd)
}

/// `struct sockaddr_in` / `sockaddr_in6` bytes (port and address in network order).
fn sockaddr(addr: SocketAddr) -> Vec<u8> {
    let mut out = Vec::with_capacity(28);
    match addr {
        SocketAddr::V4(a) => {
            out.extend_from_slice(&(AF_INET as u16).to_ne_bytes());
            out.extend_from_slice(&a.port().to_be_bytes());
            out.extend_from_slice(&a.ip().octets());
            out.extend_from_slice(&[0; 8]);
        }
        SocketAddr::V6(a) => {
            out.extend_from_slice(&(AF_INET6 as u16).to_ne_bytes());
            out.extend_from_slice(&a.port().to_be_bytes());
            out.extend_from_slice(&a.flowinfo().to_be_bytes());
            out.extend_from_slice(&a.ip().octets());
            out.extend_from_slice(&a.scope_id().to_ne_bytes());
        }
    }
    out
}

/// The port a listening socket got (for port 0).
pub fn local_port(fd: &Fd) -> io::Result<u16> {
    let mut buf = [0u8; 128];
    let mut len = buf.len() as socklen_t;
    check(unsafe { getsockname(fd.raw(), buf.as_mut_ptr() as *mut c_void, &mut len) })?;
    Ok(u16::from_be_bytes([buf[2], buf[3]]))
}

/// One accepted connection, non-blocking, close-on-exec and with Nagle off (responses are
/// written whole; uWS and Node set the same).
pub fn accept_nonblocking(listener: &Fd) -> io::Result<Fd> {
    let fd = Fd(check(unsafe { accept4(listener.raw(), std::ptr::null_mut(), std::ptr::null_mut(), O_NONBLOCK | O_CLOEXEC) })?);
    set_int(fd.raw(), IPPROTO_TCP, TCP_NODELAY, 1)?;
    Ok(fd)
}

/// Copies what the socket has received into `buf` without consuming it. Ok(0) is end of stream.
pub fn peek(fd: &Fd, buf: &mut [u8]) -> io::Result<usize> {
    let n = unsafe { recv(fd.raw(), buf.as_mut_ptr() as *mut c_void, buf.len(), MSG_PEEK | MSG_DONTWAIT) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// Closes a descriptor number this process owns (one handed to JS and refused there).
pub fn close_raw(fd: c_int) {
    unsafe { close(fd) };
}
