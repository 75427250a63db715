//! The safe surface over ffi.rs that lib.rs is written against, shaped like the napi crate's
//! (Env, typed argument getters, classes holding a Rust value) so that moving to napi-rs later
//! means swapping this file and the attribute-free glue in lib.rs, not the logic modules.
//!
//! Every callback runs through `run`, which turns an `Err` into a thrown JS error and a Rust
//! panic into an "internal error" exception instead of aborting the process.
use crate::ffi::*;
use crate::shared::Shared;
use std::cell::Cell;
use std::ffi::{c_char, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::null_mut;
use std::sync::Arc;

pub enum JsError {
    Type(&'static str),
    Range(&'static str),
    /// A Node-API call failed; an exception may already be pending.
    Napi(napi_status),
}

pub type JsResult<T> = Result<T, JsError>;

/// One callback's view of the environment. Slices it hands out borrow it, so they cannot
/// outlive the callback (JS memory is only pinned while the call runs).
pub struct Env {
    raw: napi_env,
    info: napi_callback_info,
}

/// Rust values stored in JS objects. TAG identifies the type: napi_unwrap returns whatever this
/// addon wrapped, and `SseFramer.prototype.push.call(pickTwo)` must not reinterpret memory.
pub trait Class: 'static {
    const TAG: u32;
}

#[repr(C)]
struct Wrapped<T> {
    tag: u32,
    value: T,
}

/// Runs a callback body, converting errors and panics into JS exceptions.
///
/// # Safety
/// `env` and `info` must be the live arguments Node passed to the callback.
pub unsafe fn run(raw: napi_env, info: napi_callback_info, f: impl FnOnce(&Env) -> JsResult<napi_value>) -> napi_value {
    let env = Env { raw, info };
    match catch_unwind(AssertUnwindSafe(|| f(&env))) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            env.throw(e);
            null_mut()
        }
        Err(_) => {
            env.throw_msg(napi_throw_error, "native addon internal error (Rust panic)");
            null_mut()
        }
    }
}

impl Env {
    fn check(&self, status: napi_status) -> JsResult<()> {
        if status == NAPI_OK {
            Ok(())
        } else {
            Err(JsError::Napi(status))
        }
    }

    fn throw(&self, e: JsError) {
        match e {
            JsError::Type(m) => self.throw_msg(napi_throw_type_error, m),
            JsError::Range(m) => self.throw_msg(napi_throw_range_error, m),
            JsError::Napi(status) => {
                let mut pending = false;
                unsafe { napi_is_exception_pending(self.raw, &mut pending) };
                if !pending && status != NAPI_PENDING_EXCEPTION {
                    self.throw_msg(napi_throw_error, "Node-API call failed in native addon");
                }
            }
        }
    }

    fn throw_msg(&self, f: unsafe extern "C" fn(napi_env, *const c_char, *const c_char) -> napi_status, msg: &str) {
        let msg = CString::new(msg).unwrap_or_default();
        let code = c"AGW_NATIVE";
        unsafe { f(self.raw, code.as_ptr(), msg.as_ptr()) };
    }

    /// `this` and up to N arguments (missing ones are `undefined`).
    pub fn args<const N: usize>(&self) -> JsResult<(napi_value, [napi_value; N])> {
        let mut argc = N;
        let mut argv = [null_mut(); N];
        let mut this = null_mut();
        let s = unsafe { napi_get_cb_info(self.raw, self.info, &mut argc, argv.as_mut_ptr(), &mut this, null_mut()) };
        self.check(s)?;
        Ok((this, argv))
    }

    /// The Rust value wrapped in `this`.
    ///
    /// # Safety
    /// No other reference to that value may be live: call once per callback per object.
    #[allow(clippy::mut_from_ref)] // the caller upholds the no-aliasing contract above
    pub unsafe fn unwrap<T: Class>(&self, this: napi_value) -> JsResult<&mut T> {
        let mut ptr: *mut c_void = null_mut();
        let s = unsafe { napi_unwrap(self.raw, this, &mut ptr) };
        if s != NAPI_OK || ptr.is_null() {
            return Err(JsError::Type("receiver is not an instance of this native class"));
        }
        // Every object this addon wraps is a Wrapped<_> with the tag first (repr(C)).
        if unsafe { *(ptr as *const u32) } != T::TAG {
            return Err(JsError::Type("receiver is an instance of another native class"));
        }
        Ok(unsafe { &mut (*(ptr as *mut Wrapped<T>)).value })
    }

    /// Stores `value` in the object under construction; it is dropped when the object is GC'd.
    pub fn wrap<T: Class>(&self, this: napi_value, value: T) -> JsResult<()> {
        let mut target = null_mut();
        self.check(unsafe { napi_get_new_target(self.raw, self.info, &mut target) })?;
        if target.is_null() {
            return Err(JsError::Type("class constructor must be called with new"));
        }
        let ptr = Box::into_raw(Box::new(Wrapped { tag: T::TAG, value }));
        let s = unsafe { napi_wrap(self.raw, this, ptr as *mut c_void, Some(drop_wrapped::<T>), null_mut(), null_mut()) };
        if s != NAPI_OK {
            drop(unsafe { Box::from_raw(ptr) });
        }
        self.check(s)
    }

    /// Bytes of a Uint8Array or Buffer, borrowed for this call.
    pub fn bytes(&self, v: napi_value) -> JsResult<&[u8]> {
        let (ty, len, data) = self.typed_array(v)?;
        if ty != NAPI_UINT8_ARRAY {
            return Err(JsError::Type("expected a Uint8Array or Buffer"));
        }
        Ok(if len == 0 { &[] } else { unsafe { std::slice::from_raw_parts(data as *const u8, len) } })
    }

    /// Bytes of a Uint8Array, borrowed mutably for this call.
    ///
    /// # Safety
    /// No other slice of the same memory (e.g. from `bytes`) may be live.
    #[allow(clippy::mut_from_ref)] // the caller upholds the no-aliasing contract above
    pub unsafe fn bytes_mut(&self, v: napi_value) -> JsResult<&mut [u8]> {
        let (ty, len, data) = self.typed_array(v)?;
        if ty != NAPI_UINT8_ARRAY {
            return Err(JsError::Type("expected a Uint8Array"));
        }
        Ok(if len == 0 { &mut [] } else { unsafe { std::slice::from_raw_parts_mut(data as *mut u8, len) } })
    }

    /// Elements of an Int32Array, borrowed mutably for this call (header rules' plan).
    ///
    /// # Safety
    /// As for `bytes_mut`.
    #[allow(clippy::mut_from_ref)] // the caller upholds the no-aliasing contract above
    pub unsafe fn i32s(&self, v: napi_value) -> JsResult<&mut [i32]> {
        let (ty, len, data) = self.typed_array(v)?;
        if ty != NAPI_INT32_ARRAY {
            return Err(JsError::Type("expected an Int32Array"));
        }
        Ok(if len == 0 { &mut [] } else { unsafe { std::slice::from_raw_parts_mut(data as *mut i32, len) } })
    }

    /// Elements of a Uint32Array, borrowed for this call.
    pub fn u32s(&self, v: napi_value) -> JsResult<&[u32]> {
        let (ty, len, data) = self.typed_array(v)?;
        if ty != NAPI_UINT32_ARRAY {
            return Err(JsError::Type("expected a Uint32Array"));
        }
        Ok(if len == 0 { &[] } else { unsafe { std::slice::from_raw_parts(data as *const u32, len) } })
    }

    /// Elements of a Float64Array, borrowed for this call.
    pub fn f64s(&self, v: napi_value) -> JsResult<&[f64]> {
        let (ty, len, data) = self.typed_array(v)?;
        if ty != NAPI_FLOAT64_ARRAY {
            return Err(JsError::Type("expected a Float64Array"));
        }
        Ok(if len == 0 { &[] } else { unsafe { std::slice::from_raw_parts(data as *const f64, len) } })
    }

    fn typed_array(&self, v: napi_value) -> JsResult<(i32, usize, *mut c_void)> {
        let (mut ty, mut len, mut data) = (0, 0usize, null_mut());
        let s = unsafe { napi_get_typedarray_info(self.raw, v, &mut ty, &mut len, &mut data, null_mut(), null_mut()) };
        if s != NAPI_OK {
            return Err(JsError::Type("expected a typed array"));
        }
        Ok((ty, len, data))
    }

    pub fn f64(&self, v: napi_value) -> JsResult<f64> {
        let mut out = 0.0;
        let s = unsafe { napi_get_value_double(self.raw, v, &mut out) };
        if s != NAPI_OK {
            return Err(JsError::Type("expected a number"));
        }
        Ok(out)
    }

    pub fn u32(&self, v: napi_value) -> JsResult<u32> {
        let mut out = 0;
        let s = unsafe { napi_get_value_uint32(self.raw, v, &mut out) };
        if s != NAPI_OK {
            return Err(JsError::Type("expected a number"));
        }
        Ok(out)
    }

    pub fn bool(&self, v: napi_value) -> JsResult<bool> {
        let mut out = false;
        let s = unsafe { napi_get_value_bool(self.raw, v, &mut out) };
        if s != NAPI_OK {
            return Err(JsError::Type("expected a boolean"));
        }
        Ok(out)
    }

    /// UTF-8 bytes of a string, written into `buf` (reused across calls). UTF-8, not latin1:
    /// latin1 conversion truncates code points above U+00FF, and U+010A would become LF.
    pub fn string_into(&self, v: napi_value, buf: &mut Vec<u8>) -> JsResult<()> {
        buf.clear();
        if buf.capacity() < 256 {
            buf.reserve(256);
        }
        let mut len = 0usize;
        let copy = |buf: &mut Vec<u8>, len: &mut usize| unsafe {
            napi_get_value_string_utf8(self.raw, v, buf.as_mut_ptr() as *mut c_char, buf.capacity(), len)
        };
        if copy(buf, &mut len) != NAPI_OK {
            return Err(JsError::Type("expected a string"));
        }
        // Node stops early at a character boundary when the buffer is short, so a result within
        // a code point's width of the capacity may be truncated: measure and copy again.
        if len + 4 >= buf.capacity() {
            let mut exact = 0usize;
            let s = unsafe { napi_get_value_string_utf8(self.raw, v, null_mut(), 0, &mut exact) };
            self.check(s)?;
            buf.reserve(exact + 1);
            self.check(copy(buf, &mut len))?;
        }
        unsafe { buf.set_len(len) };
        Ok(())
    }

    /// The UTF-16 code units of a string, written into `buf` (reused across calls): its length
    /// first (an O(1) query), then one copy.
    pub fn string_utf16_into(&self, v: napi_value, buf: &mut Vec<u16>) -> JsResult<()> {
        let mut len = 0usize;
        if unsafe { napi_get_value_string_utf16(self.raw, v, null_mut(), 0, &mut len) } != NAPI_OK {
            return Err(JsError::Type("expected a string"));
        }
        buf.clear();
        buf.reserve(len + 1); // Node writes a terminating NUL
        let mut copied = 0usize;
        self.check(unsafe { napi_get_value_string_utf16(self.raw, v, buf.as_mut_ptr(), len + 1, &mut copied) })?;
        unsafe { buf.set_len(copied.min(len)) };
        Ok(())
    }

    pub fn array_len(&self, v: napi_value) -> JsResult<u32> {
        let mut n = 0;
        let s = unsafe { napi_get_array_length(self.raw, v, &mut n) };
        if s != NAPI_OK {
            return Err(JsError::Type("expected an array"));
        }
        Ok(n)
    }

    pub fn element(&self, array: napi_value, i: u32) -> JsResult<napi_value> {
        let mut out = null_mut();
        self.check(unsafe { napi_get_element(self.raw, array, i, &mut out) })?;
        Ok(out)
    }

    pub fn int32(&self, n: i32) -> JsResult<napi_value> {
        let mut out = null_mut();
        self.check(unsafe { napi_create_int32(self.raw, n, &mut out) })?;
        Ok(out)
    }

    pub fn uint32(&self, n: u32) -> JsResult<napi_value> {
        let mut out = null_mut();
        self.check(unsafe { napi_create_uint32(self.raw, n, &mut out) })?;
        Ok(out)
    }

    pub fn boolean(&self, b: bool) -> JsResult<napi_value> {
        let mut out = null_mut();
        self.check(unsafe { napi_get_boolean(self.raw, b, &mut out) })?;
        Ok(out)
    }

    pub fn undefined(&self) -> JsResult<napi_value> {
        let mut out = null_mut();
        self.check(unsafe { napi_get_undefined(self.raw, &mut out) })?;
        Ok(out)
    }

    /// A threadsafe function calling `func` through `call_js` on this thread's event loop, for
    /// one other thread to call. It starts unreferenced: it does not keep the process alive.
    pub fn threadsafe_function(&self, func: napi_value, name: &CStr, call_js: TsfnCallJs) -> JsResult<napi_threadsafe_function> {
        let mut resource_name = null_mut();
        let s = unsafe { napi_create_string_latin1(self.raw, name.as_ptr(), name.count_bytes(), &mut resource_name) };
        self.check(s)?;
        let mut tsfn = null_mut();
        let s = unsafe {
            napi_create_threadsafe_function(self.raw, func, null_mut(), resource_name, 0, 1, null_mut(), None, null_mut(), Some(call_js), &mut tsfn)
        };
        if s != NAPI_OK {
            return Err(JsError::Type("expected a function"));
        }
        self.set_tsfn_ref(tsfn, false)?;
        Ok(tsfn)
    }

    /// Whether the threadsafe function keeps the event loop alive.
    pub fn set_tsfn_ref(&self, tsfn: napi_threadsafe_function, referenced: bool) -> JsResult<()> {
        let s = unsafe { if referenced { napi_ref_threadsafe_function(self.raw, tsfn) } else { napi_unref_threadsafe_function(self.raw, tsfn) } };
        self.check(s)
    }

    /// An ArrayBuffer over shared memory; it keeps the memory alive on its own (see shared.rs).
    pub fn shared_buffer<T: Copy + 'static>(&self, mem: &Shared<T>) -> JsResult<napi_value> {
        let owner: *mut Arc<[Cell<T>]> = Box::into_raw(Box::new(mem.share()));
        let data = mem.cells().as_ptr() as *mut c_void;
        let bytes = std::mem::size_of_val(mem.cells());
        let mut out = null_mut();
        let s = unsafe { napi_create_external_arraybuffer(self.raw, data, bytes, Some(drop_shared::<T>), owner as *mut c_void, &mut out) };
        if s != NAPI_OK {
            drop(unsafe { Box::from_raw(owner) }); // the finalizer only runs on success
        }
        self.check(s)?;
        Ok(out)
    }
}

unsafe extern "C" fn drop_wrapped<T>(_env: napi_env, data: *mut c_void, _hint: *mut c_void) {
    drop(Box::from_raw(data as *mut Wrapped<T>));
}

unsafe extern "C" fn drop_shared<T>(_env: napi_env, _data: *mut c_void, hint: *mut c_void) {
    drop(Box::from_raw(hint as *mut Arc<[Cell<T>]>));
}

pub type TsfnCallJs = unsafe extern "C" fn(napi_env, napi_value, *mut c_void, *mut c_void);

/// Calls `func(args...)` from a threadsafe function's `call_js` (no callback info there). The
/// JS side must not throw; if it does, the exception is left pending for Node to report.
///
/// # Safety
/// `env` must be the live environment passed to `call_js`.
pub unsafe fn call_from_tsfn(env: napi_env, func: napi_value, ints: &[i32], latin1: &[u8]) {
    let mut argv: Vec<napi_value> = Vec::with_capacity(ints.len() + 1);
    for &n in ints {
        let mut v = null_mut();
        if napi_create_int32(env, n, &mut v) != NAPI_OK {
            return;
        }
        argv.push(v);
    }
    let mut s = null_mut();
    if napi_create_string_latin1(env, latin1.as_ptr() as *const c_char, latin1.len(), &mut s) != NAPI_OK {
        return;
    }
    argv.push(s);
    let mut recv = null_mut();
    napi_get_undefined(env, &mut recv);
    napi_call_function(env, recv, func, argv.len(), argv.as_ptr(), null_mut());
}

/// A method table entry: JS name and callback.
pub type Method = (&'static CStr, unsafe extern "C" fn(napi_env, napi_callback_info) -> napi_value);

/// Defines `name` as a class on `exports`.
///
/// # Safety
/// `env` and `exports` must be the live arguments of module registration.
pub unsafe fn export_class(
    env: napi_env,
    exports: napi_value,
    name: &CStr,
    ctor: unsafe extern "C" fn(napi_env, napi_callback_info) -> napi_value,
    methods: &[Method],
) -> napi_status {
    let props: Vec<napi_property_descriptor> = methods
        .iter()
        .map(|&(n, f)| napi_property_descriptor {
            utf8name: n.as_ptr(),
            name: null_mut(),
            method: Some(f),
            getter: None,
            setter: None,
            value: null_mut(),
            attributes: NAPI_DEFAULT_METHOD,
            data: null_mut(),
        })
        .collect();
    let mut class = null_mut();
    let s = napi_define_class(env, name.as_ptr(), name.count_bytes(), Some(ctor), null_mut(), props.len(), props.as_ptr(), &mut class);
    if s != NAPI_OK {
        return s;
    }
    napi_set_named_property(env, exports, name.as_ptr(), class)
}

/// Sets `exports[name] = value` for a u32 constant.
///
/// # Safety
/// As for `export_class`.
pub unsafe fn export_u32(env: napi_env, exports: napi_value, name: &CStr, value: u32) -> napi_status {
    let mut v = null_mut();
    let s = napi_create_uint32(env, value, &mut v);
    if s != NAPI_OK {
        return s;
    }
    napi_set_named_property(env, exports, name.as_ptr(), v)
}

/// Sets `exports[name]` to a plain function.
///
/// # Safety
/// As for `export_class`.
pub unsafe fn export_function(
    env: napi_env,
    exports: napi_value,
    name: &CStr,
    f: unsafe extern "C" fn(napi_env, napi_callback_info) -> napi_value,
) -> napi_status {
    let mut v = null_mut();
    let s = napi_create_function(env, name.as_ptr(), name.count_bytes(), Some(f), null_mut(), &mut v);
    if s != NAPI_OK {
        return s;
    }
    napi_set_named_property(env, exports, name.as_ptr(), v)
}
