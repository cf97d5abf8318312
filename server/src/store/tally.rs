//! `review_tally(token, received_at, dispatched_at, en_route_at, on_scene_at,
//! cancelled_at, status, zone_class, group_key, lat, lon)`: a SQL aggregate
//! function that feeds every incident of a selection into a
//! [`domain::review::Tally`] inside SQLite's own scan.
//!
//! Why it exists: a year of incidents is a million rows. SQLite's `GROUP BY`
//! sorts every row unless an index happens to match the grouping, and
//! fetching the rows through the driver costs microseconds each; this
//! aggregate reads them straight off a covering index, one pass, no sort, no
//! row leaving the database, in memory bounded by the tally (groups, days,
//! bins, distinct seconds), not by the number of incidents.
//!
//! The spec goes in and the tally comes out through a process-wide table
//! keyed by a token the query carries as its first argument ([`Token`]), so
//! nothing is serialised. This is the workspace's only `unsafe` code: the
//! SQLite C API (registration, reading arguments, the per-call aggregate
//! context holding one boxed state). Each `unsafe` block says why it holds.

#![allow(unsafe_code)]

use std::collections::HashMap;
use std::ffi::{c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{LazyLock, Mutex, MutexGuard};

use domain::ResponseClass;
use domain::review::{Outcome, ReviewRow, StageTimes, Tally, TallySpec};
use libsqlite3_sys as ffi;

const ARGS: c_int = 11;

/// Specs waiting for their query, and tallies waiting for their caller.
static SPECS: LazyLock<Mutex<HashMap<i64, TallySpec>>> = LazyLock::new(Default::default);
static RESULTS: LazyLock<Mutex<HashMap<i64, Tally>>> = LazyLock::new(Default::default);
static NEXT: AtomicI64 = AtomicI64::new(1);

fn lock<T>(m: &'static Mutex<T>) -> MutexGuard<'static, T> {
    // a panic while holding the lock leaves plain maps behind: still usable
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One query's ticket: registers the spec, hands back the tally, and
/// forgets both when dropped (also when the query failed or was cancelled).
pub struct Token(i64);

impl Token {
    pub fn new(spec: TallySpec) -> Token {
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        lock(&SPECS).insert(id, spec);
        Token(id)
    }

    pub fn id(&self) -> i64 {
        self.0
    }

    /// The tally the query produced (`None` if it did not run to the end).
    pub fn take(&self) -> Option<Tally> {
        lock(&RESULTS).remove(&self.0)
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        lock(&SPECS).remove(&self.0);
        lock(&RESULTS).remove(&self.0);
    }
}

/// Registers `review_tally` on one connection (call for every connection the
/// pool opens).
pub fn register(db: NonNull<ffi::sqlite3>) -> Result<(), String> {
    // SAFETY: `db` is a live connection handle owned by the caller for the
    // duration of the call; the name is a NUL-terminated static string; no
    // user data pointer is passed, and the callbacks match the C signatures.
    let rc = unsafe {
        ffi::sqlite3_create_function_v2(
            db.as_ptr(),
            c"review_tally".as_ptr(),
            ARGS,
            ffi::SQLITE_UTF8,
            std::ptr::null_mut(),
            None,
            Some(step),
            Some(finish),
            None,
        )
    };
    if rc == ffi::SQLITE_OK { Ok(()) } else { Err(format!("registering review_tally failed with code {rc}")) }
}

/// What one running aggregate holds: its tally (`None` until the first row,
/// or when the token was unknown) and its token.
struct State {
    token: i64,
    tally: Option<Tally>,
}

/// The slot in SQLite's per-aggregate memory that holds our boxed state.
///
/// SAFETY (for callers): `ctx` must be the context SQLite passed to the
/// current step or final call.
unsafe fn slot(ctx: *mut ffi::sqlite3_context, allocate: bool) -> *mut *mut State {
    let size = if allocate { std::mem::size_of::<*mut State>() as c_int } else { 0 };
    // SAFETY: per the caller's contract; SQLite returns zeroed memory of
    // `size` bytes that lives until the aggregate is finalised, or NULL.
    unsafe { ffi::sqlite3_aggregate_context(ctx, size) as *mut *mut State }
}

/// An argument as an optional integer.
///
/// SAFETY (for callers): `v` must be a protected value passed to the call.
unsafe fn int(v: *mut ffi::sqlite3_value) -> Option<i64> {
    // SAFETY: per the caller's contract
    unsafe { (ffi::sqlite3_value_type(v) != ffi::SQLITE_NULL).then(|| ffi::sqlite3_value_int64(v)) }
}

/// An argument as an optional float.
///
/// SAFETY (for callers): as [`int`].
unsafe fn float(v: *mut ffi::sqlite3_value) -> Option<f64> {
    // SAFETY: per the caller's contract
    unsafe { (ffi::sqlite3_value_type(v) != ffi::SQLITE_NULL).then(|| ffi::sqlite3_value_double(v)) }
}

/// An argument as text (empty for NULL or invalid UTF-8), borrowed for the
/// duration of the call.
///
/// SAFETY (for callers): as [`int`]; the result must not outlive the call.
unsafe fn text<'a>(v: *mut ffi::sqlite3_value) -> &'a str {
    // SAFETY: per the caller's contract; sqlite3_value_text returns a buffer
    // of sqlite3_value_bytes bytes (or NULL) valid until the value changes,
    // which it does not before the call returns.
    unsafe {
        let p = ffi::sqlite3_value_text(v);
        if p.is_null() {
            return "";
        }
        let n = ffi::sqlite3_value_bytes(v).max(0) as usize;
        std::str::from_utf8(std::slice::from_raw_parts(p, n)).unwrap_or("")
    }
}

unsafe extern "C" fn step(ctx: *mut ffi::sqlite3_context, argc: c_int, argv: *mut *mut ffi::sqlite3_value) {
    if argc != ARGS {
        // SAFETY: ctx is the live context of this call
        unsafe { error(ctx, "review_tally takes 11 arguments") };
        return;
    }
    // SAFETY: SQLite passes `argc` valid values in `argv` for this call.
    let args = unsafe { std::slice::from_raw_parts(argv, ARGS as usize) };
    // SAFETY: ctx is the live context of this call.
    let slot = unsafe { slot(ctx, true) };
    if slot.is_null() {
        // SAFETY: as above
        unsafe { ffi::sqlite3_result_error_nomem(ctx) };
        return;
    }
    // SAFETY: the slot is ours: NULL on the first row, then the pointer we
    // stored from Box::into_raw, which nothing else frees before `finish`.
    let state = unsafe {
        if (*slot).is_null() {
            let token = int(args[0]).unwrap_or(0);
            let tally = lock(&SPECS).get(&token).cloned().map(Tally::new);
            *slot = Box::into_raw(Box::new(State { token, tally }));
        }
        &mut **slot
    };
    let Some(tally) = state.tally.as_mut() else {
        // SAFETY: ctx is the live context of this call
        unsafe { error(ctx, "review_tally: unknown token") };
        return;
    };
    // SAFETY: every index is below ARGS, and each value lives for the call.
    let (times, status, class, key, at) = unsafe {
        let received_ms = int(args[1]).unwrap_or(0);
        let times = StageTimes {
            received_ms,
            dispatched_ms: int(args[2]),
            en_route_ms: int(args[3]),
            on_scene_ms: int(args[4]),
            cancelled_ms: int(args[5]),
        };
        let at = float(args[9]).zip(float(args[10]));
        (times, text(args[6]), text(args[7]), text(args[8]), at)
    };
    let outcome = Outcome::of_status(status);
    let zone_class = class.parse::<ResponseClass>().ok();
    let row = ReviewRow { times, outcome, zone_class };
    if catch_unwind(AssertUnwindSafe(|| tally.add(&row, key, at))).is_err() {
        // SAFETY: ctx is the live context of this call
        unsafe { error(ctx, "review_tally failed on a row") };
    }
}

unsafe extern "C" fn finish(ctx: *mut ffi::sqlite3_context) {
    // SAFETY: ctx is the live context of this final call; with size 0 it
    // returns NULL when no row was ever stepped (no allocation).
    let slot = unsafe { slot(ctx, false) };
    // SAFETY: a non-NULL slot holds NULL or our Box::into_raw pointer; it is
    // taken back exactly once here, and the slot cleared.
    let state = unsafe {
        if slot.is_null() || (*slot).is_null() {
            None
        } else {
            let b = Box::from_raw(*slot);
            *slot = std::ptr::null_mut();
            Some(*b)
        }
    };
    let token = match state {
        Some(State { token, tally: Some(tally) }) => {
            lock(&RESULTS).insert(token, tally);
            token
        }
        Some(State { tally: None, .. }) => return,
        // no rows: an empty tally, if the token's spec is known (the token
        // is not reachable here, so the caller makes the empty tally itself)
        None => 0,
    };
    // SAFETY: ctx is the live context of this final call
    unsafe { ffi::sqlite3_result_int64(ctx, token) };
}

/// Reports an error to SQLite (the statement fails with this message).
///
/// SAFETY (for callers): `ctx` must be the live context of the current call.
unsafe fn error(ctx: *mut ffi::sqlite3_context, msg: &str) {
    // SAFETY: per the caller's contract; SQLite copies the message (the
    // length is given, no NUL needed).
    unsafe { ffi::sqlite3_result_error(ctx, msg.as_ptr() as *const c_void as *const _, msg.len() as c_int) };
}
