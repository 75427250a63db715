//! AgentGateway's Node-API addon: SSE framing, header filtering, pick-2 load balancing,
//! session-affinity hashing, the connection acceptor of the HTTP edge (Linux), and returning
//! malloc's free memory to the kernel (glibc).
//!
//! This file holds only the JS-facing glue (napi-rs shape: thin exports that convert arguments
//! and call the logic modules, stateful classes, batched calls). The logic lives in sse.rs,
//! headers.rs and p2c.rs, which are plain safe Rust with unit tests (`cargo test`); the glue is
//! left out of test builds because its Node-API symbols only resolve inside a node process.
//! The JS wrappers that give these classes the interfaces of src/native/types.ts are in
//! src/native/addon/.

#[cfg(target_os = "linux")]
pub mod acceptor;
pub mod affinity;
pub mod head;
pub mod headers;
pub mod p2c;
pub mod shared;
pub mod sse;
#[cfg(target_os = "linux")]
pub mod sys;
pub mod trim;

#[cfg(not(test))]
mod ffi;
#[cfg(not(test))]
mod js;

#[cfg(not(test))]
pub(crate) use bindings::register;

#[cfg(not(test))]
mod bindings {
    use crate::ffi::{napi_callback_info, napi_env, napi_value, NAPI_OK};
    use crate::headers::Rules;
    use crate::js::{export_class, export_function, export_u32, run, Class, Env, JsError, JsResult};
    use crate::p2c::{P2cError, PickTwo};
    use crate::sse::SseFramer;

    /// Bumped whenever the JS-visible surface changes; the loader refuses a stale build.
    const ABI: u32 = 5;

    // SAFETY (for every `unsafe` below): a callback unwraps each receiver once, and takes a
    // mutable slice of an output buffer only after the input slices of the same call are dead,
    // which is the no-aliasing contract of js.rs's `unwrap`, `bytes_mut` and `i32s`.
    macro_rules! callback {
        ($vis:vis $name:ident, |$env:ident| $body:expr) => {
            $vis unsafe extern "C" fn $name(env: napi_env, info: napi_callback_info) -> napi_value {
                run(env, info, |$env: &Env| -> JsResult<napi_value> { $body })
            }
        };
    }

    pub unsafe fn register(env: napi_env, exports: napi_value) -> napi_value {
        let statuses = [
            export_u32(env, exports, c"abi", ABI),
            export_function(env, exports, c"trimMalloc", trim_malloc),
            export_class(env, exports, c"SseFramer", sse_new, &[
                (c"push", sse_push),
                (c"copyOut", sse_copy_out),
                (c"outputBytes", sse_output_bytes),
                (c"outputFrames", sse_output_frames),
                (c"end", sse_end),
            ]),
            export_class(env, exports, c"HeaderRules", rules_new, &[
                (c"filterJoined", rules_filter_joined),
                (c"filterStrings", rules_filter_strings),
                (c"filterBuffers", rules_filter_buffers),
            ]),
            export_class(env, exports, c"PickTwo", p2c_new, &[
                (c"state", p2c_state),
                (c"setWeight", p2c_set_weight),
                (c"pick", p2c_pick),
                (c"start", p2c_start),
                (c"finish", p2c_finish),
                (c"evict", p2c_evict),
                (c"isEvicted", p2c_is_evicted),
                (c"activeCount", p2c_active_count),
            ]),
            export_class(env, exports, c"Affinity", affinity_new, &[
                (c"hash", affinity_hash),
                (c"rendezvous", affinity_rendezvous),
                (c"rendezvousWeighted", affinity_rendezvous_weighted),
            ]),
            #[cfg(target_os = "linux")]
            export_class(env, exports, c"Acceptor", edge::acceptor_new, &[
                (c"listen", edge::acceptor_listen),
                (c"close", edge::acceptor_close),
                (c"configure", edge::acceptor_configure),
            ]),
        ];
        if statuses.iter().all(|&s| s == NAPI_OK) {
            exports
        } else {
            std::ptr::null_mut() // Node turns a failed registration into a load error
        }
    }

    // ---- malloc_trim ------------------------------------------------------------------------
    //
    // trimMalloc() -> 1 memory was released, 0 none was free, -1 the C library cannot (not glibc).

    callback!(trim_malloc, |env| {
        env.int32(match crate::trim::trim() {
            Some(true) => 1,
            Some(false) => 0,
            None => -1,
        })
    });

    // ---- SSE framer -------------------------------------------------------------------------
    //
    // The JS wrapper owns the output: one plain ArrayBuffer (V8 accounts for it and reuses it)
    // holding the offsets (the first `ints` int32s) and then the bytes, passed to every push;
    // Rust copies the decoded frames in. One buffer argument instead of two saves a Node-API
    // call per push. When the output does not fit, push returns SSE_NO_FIT and the wrapper grows
    // the buffer to outputBytes()/outputFrames() and calls copyOut.

    const SSE_TOO_LARGE: i32 = -1;
    const SSE_NO_FIT: i32 = -2;

    impl Class for SseFramer {
        const TAG: u32 = 0x5353_4532; // "SSE2"
    }

    /// Copies the last push's frames into `out` (offsets first, then bytes).
    fn copy_out(core: &SseFramer, out: &mut [u8], ints: usize) -> JsResult<i32> {
        if ints * 4 > out.len() {
            return Err(JsError::Range("output buffer is smaller than its offsets area"));
        }
        let (offsets, bytes) = out.split_at_mut(ints * 4);
        Ok(core.write_out(bytes, offsets).map_or(SSE_NO_FIT, |n| n as i32))
    }

    callback!(sse_new, |env| {
        let (this, [max]) = env.args::<1>()?;
        let max = env.f64(max)?;
        if !(1.0..=f64::from(i32::MAX)).contains(&max) {
            return Err(JsError::Range("maxFrameBytes must be between 1 and 2^31-1"));
        }
        env.wrap(this, SseFramer::new(max as usize))?;
        env.undefined()
    });

    callback!(sse_push, |env| {
        let (this, [chunk, out, ints]) = env.args::<3>()?;
        let core = unsafe { env.unwrap::<SseFramer>(this)? };
        match core.push(env.bytes(chunk)?) {
            Err(_) => return env.int32(SSE_TOO_LARGE),
            Ok(0) => return env.int32(0), // a read ending mid-frame: skip the output's Node-API calls
            Ok(_) => {}
        }
        // The output slice is taken only now, after the chunk was copied in, so a caller passing
        // the output buffer as the chunk cannot make them alias.
        let n = copy_out(core, unsafe { env.bytes_mut(out)? }, env.u32(ints)? as usize)?;
        env.int32(n)
    });

    callback!(sse_copy_out, |env| {
        let (this, [out, ints]) = env.args::<2>()?;
        let core = unsafe { env.unwrap::<SseFramer>(this)? };
        let n = copy_out(core, unsafe { env.bytes_mut(out)? }, env.u32(ints)? as usize)?;
        env.int32(n)
    });

    callback!(sse_output_bytes, |env| {
        let (this, []) = env.args::<0>()?;
        let (bytes, _) = unsafe { env.unwrap::<SseFramer>(this)? }.output_size();
        env.uint32(bytes as u32)
    });

    callback!(sse_output_frames, |env| {
        let (this, []) = env.args::<0>()?;
        let (_, frames) = unsafe { env.unwrap::<SseFramer>(this)? }.output_size();
        env.uint32(frames as u32)
    });

    callback!(sse_end, |env| {
        let (this, []) = env.args::<0>()?;
        let pending = unsafe { env.unwrap::<SseFramer>(this)? }.end();
        env.boolean(pending)
    });

    // ---- Header rules -----------------------------------------------------------------------

    struct RulesHandle {
        rules: Rules,
        text: Vec<u8>,
        scratch: Vec<u8>,
        spans: Vec<(usize, usize)>,
        out: Vec<i32>,
    }

    impl Class for RulesHandle {
        const TAG: u32 = 0x4844_5231; // "HDR1"
    }

    impl RulesHandle {
        /// Runs the rules over `spans` of `text` and copies the surviving pair indexes to `plan`.
        fn filter_spans(&mut self, plan: &mut [i32]) -> JsResult<i32> {
            let RulesHandle { rules, text, spans, out, .. } = self;
            rules.survivors(spans.len(), |k| &text[spans[k].0..spans[k].1], out);
            copy_plan(out, plan)
        }
    }

    fn copy_plan(out: &[i32], plan: &mut [i32]) -> JsResult<i32> {
        if out.len() > plan.len() {
            return Err(JsError::Range("plan array is smaller than the number of header pairs"));
        }
        plan[..out.len()].copy_from_slice(out);
        Ok(out.len() as i32)
    }

    callback!(rules_new, |env| {
        let (this, [names, listed]) = env.args::<2>()?;
        let mut drop = Vec::new();
        let mut buf = Vec::new();
        for i in 0..env.array_len(names)? {
            env.string_into(env.element(names, i)?, &mut buf)?;
            drop.push(buf.clone());
        }
        let rules = Rules::new(&drop, env.bool(listed)?);
        let handle = RulesHandle { rules, text: Vec::new(), scratch: Vec::new(), spans: Vec::new(), out: Vec::new() };
        env.wrap(this, handle)?;
        env.undefined()
    });

    // The request path's strings joined with NUL: one string crossing instead of 2 per header.
    // A NUL inside a value shows up as a count mismatch; the caller then uses filterStrings.
    callback!(rules_filter_joined, |env| {
        let (this, [joined, count, plan]) = env.args::<3>()?;
        let h = unsafe { env.unwrap::<RulesHandle>(this)? };
        let count = env.u32(count)? as usize;
        let plan = unsafe { env.i32s(plan)? };
        if count == 0 {
            return env.int32(0);
        }
        env.string_into(joined, &mut h.text)?;
        h.spans.clear();
        let mut start = 0;
        for (i, &b) in h.text.iter().enumerate() {
            if b == 0 {
                h.spans.push((start, i));
                start = i + 1;
            }
        }
        h.spans.push((start, h.text.len()));
        if h.spans.len() != count {
            return env.int32(-1);
        }
        let n = h.filter_spans(plan)?;
        env.int32(n)
    });

    callback!(rules_filter_strings, |env| {
        let (this, [list, plan]) = env.args::<2>()?;
        let h = unsafe { env.unwrap::<RulesHandle>(this)? };
        let plan = unsafe { env.i32s(plan)? };
        h.text.clear();
        h.spans.clear();
        for i in 0..env.array_len(list)? {
            env.string_into(env.element(list, i)?, &mut h.scratch)?;
            let start = h.text.len();
            h.text.extend_from_slice(&h.scratch);
            h.spans.push((start, h.text.len()));
        }
        let n = h.filter_spans(plan)?;
        env.int32(n)
    });

    callback!(rules_filter_buffers, |env| {
        let (this, [list, plan]) = env.args::<2>()?;
        let h = unsafe { env.unwrap::<RulesHandle>(this)? };
        let len = env.array_len(list)?;
        let mut items: Vec<&[u8]> = Vec::with_capacity(len as usize);
        for i in 0..len {
            items.push(env.bytes(env.element(list, i)?)?);
        }
        h.rules.survivors(items.len(), |k| items[k], &mut h.out);
        drop(items); // the header slices end before the plan slice begins
        let n = copy_plan(&h.out, unsafe { env.i32s(plan)? })?;
        env.int32(n)
    });

    // ---- Pick-2 -----------------------------------------------------------------------------

    impl Class for PickTwo {
        const TAG: u32 = 0x5032_4331; // "P2C1"
    }

    fn p2c(r: Result<(), P2cError>) -> JsResult<()> {
        r.map_err(|e| match e {
            P2cError::Index => JsError::Range("endpoint index out of range"),
            P2cError::Value => JsError::Range("weights, latencies and durations must be finite and non-negative"),
        })
    }

    callback!(p2c_new, |env| {
        let (this, [n, seed]) = env.args::<2>()?;
        let n = env.f64(n)?;
        if !((0.0..=65536.0).contains(&n) && n.fract() == 0.0) {
            return Err(JsError::Range("endpoint count must be an integer between 0 and 65536"));
        }
        env.wrap(this, PickTwo::new(n as usize, env.u32(seed)?))?;
        env.undefined()
    });

    callback!(p2c_state, |env| {
        let (this, []) = env.args::<0>()?;
        env.shared_buffer(unsafe { env.unwrap::<PickTwo>(this)? }.state())
    });

    callback!(p2c_set_weight, |env| {
        let (this, [i, w]) = env.args::<2>()?;
        let (i, w) = (env.f64(i)?, env.f64(w)?);
        p2c(unsafe { env.unwrap::<PickTwo>(this)? }.set_weight(i, w))?;
        env.undefined()
    });

    callback!(p2c_pick, |env| {
        let (this, [now]) = env.args::<1>()?;
        let now = env.f64(now)?;
        let picked = unsafe { env.unwrap::<PickTwo>(this)? }.pick(now);
        env.int32(picked)
    });

    callback!(p2c_start, |env| {
        let (this, [i]) = env.args::<1>()?;
        let i = env.f64(i)?;
        p2c(unsafe { env.unwrap::<PickTwo>(this)? }.start(i))?;
        env.undefined()
    });

    callback!(p2c_finish, |env| {
        let (this, [i, latency, ok]) = env.args::<3>()?;
        let (i, latency, ok) = (env.f64(i)?, env.f64(latency)?, env.bool(ok)?);
        p2c(unsafe { env.unwrap::<PickTwo>(this)? }.finish(i, latency, ok))?;
        env.undefined()
    });

    callback!(p2c_evict, |env| {
        let (this, [i, now, base]) = env.args::<3>()?;
        let (i, now, base) = (env.f64(i)?, env.f64(now)?, env.f64(base)?);
        let mut evicted = false;
        p2c(unsafe { env.unwrap::<PickTwo>(this)? }.evict(i, now, base).map(|e| evicted = e))?;
        env.boolean(evicted)
    });

    callback!(p2c_is_evicted, |env| {
        let (this, [i, now]) = env.args::<2>()?;
        let (i, now) = (env.f64(i)?, env.f64(now)?);
        let mut evicted = false;
        p2c(unsafe { env.unwrap::<PickTwo>(this)? }.is_evicted(i, now).map(|e| evicted = e))?;
        env.boolean(evicted)
    });

    callback!(p2c_active_count, |env| {
        let (this, [now]) = env.args::<1>()?;
        let now = env.f64(now)?;
        let n = unsafe { env.unwrap::<PickTwo>(this)? }.active_count(now);
        env.uint32(n)
    });

    // ---- Acceptor (the HTTP edge) -----------------------------------------------------------
    //
    // The JS callback gets each connection as (fd, listener, kind, reason, target): one
    // threadsafe-function call per connection, never per request. The function is referenced
    // only while a listener is open, so a gateway with listening ports stays alive and one
    // without does not.

    #[cfg(target_os = "linux")]
    mod edge {
        use super::*;
        use crate::acceptor::{Acceptor, Handoff, Settings, Sink};
        use crate::ffi::{napi_call_threadsafe_function, napi_release_threadsafe_function, napi_threadsafe_function};
        use crate::ffi::{NAPI_TSFN_NONBLOCKING, NAPI_TSFN_RELEASE};
        use crate::head::Limits;
        use crate::js::call_from_tsfn;
        use std::ffi::c_void;
        use std::net::{IpAddr, SocketAddr};
        use std::time::Duration;

        struct TsfnSink(napi_threadsafe_function);

        // SAFETY: a threadsafe function exists to be called from other threads; the acceptor
        // thread is its only caller and releases it when it stops.
        unsafe impl Send for TsfnSink {}

        impl Sink for TsfnSink {
            fn deliver(&self, h: Handoff) {
                let fd = h.fd;
                let data = Box::into_raw(Box::new(h)) as *mut c_void;
                if unsafe { napi_call_threadsafe_function(self.0, data, NAPI_TSFN_NONBLOCKING) } != NAPI_OK {
                    drop(unsafe { Box::from_raw(data as *mut Handoff) });
                    crate::sys::close_raw(fd); // the environment is shutting down
                }
            }
        }

        impl Drop for TsfnSink {
            fn drop(&mut self) {
                unsafe { napi_release_threadsafe_function(self.0, NAPI_TSFN_RELEASE) };
            }
        }

        unsafe extern "C" fn deliver_js(env: napi_env, func: napi_value, _ctx: *mut c_void, data: *mut c_void) {
            let h = Box::from_raw(data as *mut Handoff);
            if env.is_null() || func.is_null() {
                crate::sys::close_raw(h.fd);
                return;
            }
            call_from_tsfn(env, func, &[h.fd, h.listener as i32, h.kind as i32, i32::from(h.reason)], &h.target);
        }

        struct AcceptorHandle {
            acceptor: Acceptor,
            tsfn: napi_threadsafe_function,
            listeners: u32,
        }

        impl Class for AcceptorHandle {
            const TAG: u32 = 0x4544_4731; // "EDG1"
        }

        fn settings(env: &Env, max_head: napi_value, max_headers: napi_value, timeout_ms: napi_value) -> JsResult<Settings> {
            let (max_head, max_headers, timeout_ms) = (env.f64(max_head)?, env.f64(max_headers)?, env.f64(timeout_ms)?);
            if !(256.0..=16_777_216.0).contains(&max_head) || !(1.0..=10_000.0).contains(&max_headers) || !(1.0..=f64::MAX).contains(&timeout_ms) {
                return Err(JsError::Range("maxHeadBytes (256..16 MiB), maxHeaders (1..10000) and headTimeoutMs (>= 1) out of range"));
            }
            let limits = Limits { max_head: max_head as usize, max_headers: max_headers as usize };
            Ok(Settings { limits, head_timeout: Duration::from_millis(timeout_ms as u64) })
        }

        callback!(pub(super) acceptor_new, |env| {
            let (this, [callback, max_head, max_headers, timeout_ms]) = env.args::<4>()?;
            let settings = settings(env, max_head, max_headers, timeout_ms)?;
            let tsfn = env.threadsafe_function(callback, c"agentgateway.acceptor", deliver_js)?;
            let acceptor = Acceptor::start(Box::new(TsfnSink(tsfn)), settings)
                .map_err(|_| JsError::Range("cannot start the acceptor thread (epoll or eventfd failed)"))?;
            env.wrap(this, AcceptorHandle { acceptor, tsfn, listeners: 0 })?;
            env.undefined()
        });

        // listen(address, port, out: Int32Array[2]) -> 0 (out = [listener id, port]) or -errno
        // (-22, EINVAL, for an address that is not an IP).
        callback!(pub(super) acceptor_listen, |env| {
            let (this, [address, port, out]) = env.args::<3>()?;
            let mut text = Vec::new();
            env.string_into(address, &mut text)?;
            let port = env.u32(port)?;
            let h = unsafe { env.unwrap::<AcceptorHandle>(this)? };
            let Some(ip) = std::str::from_utf8(&text).ok().and_then(|t| t.parse::<IpAddr>().ok()) else {
                return env.int32(-22);
            };
            if port > 65535 {
                return Err(JsError::Range("port out of range"));
            }
            match h.acceptor.listen(SocketAddr::new(ip, port as u16)) {
                Ok((id, bound)) => {
                    if h.listeners == 0 {
                        env.set_tsfn_ref(h.tsfn, true)?;
                    }
                    h.listeners += 1;
                    let out = unsafe { env.i32s(out)? };
                    if out.len() < 2 {
                        return Err(JsError::Range("out must hold 2 int32"));
                    }
                    out[0] = id as i32;
                    out[1] = i32::from(bound);
                    env.int32(0)
                }
                Err(e) => env.int32(-e.raw_os_error().unwrap_or(5)),
            }
        });

        callback!(pub(super) acceptor_close, |env| {
            let (this, [id]) = env.args::<1>()?;
            let id = env.u32(id)?;
            let h = unsafe { env.unwrap::<AcceptorHandle>(this)? };
            h.acceptor.close(id);
            h.listeners = h.listeners.saturating_sub(1);
            if h.listeners == 0 {
                env.set_tsfn_ref(h.tsfn, false)?;
            }
            env.undefined()
        });

        callback!(pub(super) acceptor_configure, |env| {
            let (this, [max_head, max_headers, timeout_ms]) = env.args::<3>()?;
            let s = settings(env, max_head, max_headers, timeout_ms)?;
            unsafe { env.unwrap::<AcceptorHandle>(this)? }.acceptor.set_settings(s);
            env.undefined()
        });
    }

    // ---- Session affinity -------------------------------------------------------------------
    //
    // Strings cross as UTF-16 code units (what the TS twin hashes), copied into a buffer the
    // object keeps between calls.

    struct AffinityHandle {
        units: Vec<u16>,
    }

    impl Class for AffinityHandle {
        const TAG: u32 = 0x4146_4631; // "AFF1"
    }

    callback!(affinity_new, |env| {
        let (this, []) = env.args::<0>()?;
        env.wrap(this, AffinityHandle { units: Vec::new() })?;
        env.undefined()
    });

    callback!(affinity_hash, |env| {
        let (this, [text, seed]) = env.args::<2>()?;
        let h = unsafe { env.unwrap::<AffinityHandle>(this)? };
        env.string_utf16_into(text, &mut h.units)?;
        let seed = env.u32(seed)?;
        env.uint32(crate::affinity::murmur_utf16(&h.units, seed))
    });

    callback!(affinity_rendezvous, |env| {
        let (_this, [key, hashes, eligible]) = env.args::<3>()?;
        let key = env.u32(key)?;
        let picked = crate::affinity::rendezvous(key, env.u32s(hashes)?, env.bytes(eligible)?);
        env.int32(picked)
    });

    callback!(affinity_rendezvous_weighted, |env| {
        let (_this, [key, hashes, weights, eligible]) = env.args::<4>()?;
        let key = env.u32(key)?;
        let picked = crate::affinity::rendezvous_weighted(key, env.u32s(hashes)?, env.f64s(weights)?, env.bytes(eligible)?);
        env.int32(picked)
    });
}
