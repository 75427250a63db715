//! Memory that Rust and JS both see: a fixed-size slice of cells that js.rs exposes to JS as an
//! external ArrayBuffer. Cells make the aliasing honest (JS may read or write between calls,
//! and Rust never holds a plain reference across a call). The Arc is shared with the
//! ArrayBuffer's finalizer, so the memory lives until both the Rust owner and every JS view are
//! gone: JS can keep a view after the object that made it is collected, or detach it, without
//! ever touching freed memory.
use std::cell::Cell;
use std::sync::Arc;

pub struct Shared<T: Copy> {
    cells: Arc<[Cell<T>]>,
}

impl<T: Copy> Shared<T> {
    pub fn new(len: usize, init: T) -> Self {
        // Never zero-length: an external ArrayBuffer needs a real pointer.
        let cells: Vec<Cell<T>> = (0..len.max(1)).map(|_| Cell::new(init)).collect();
        Shared { cells: Arc::from(cells) }
    }

    pub fn cells(&self) -> &[Cell<T>] {
        &self.cells
    }

    /// Another owner of the same memory, for the JS ArrayBuffer's finalizer to drop.
    pub fn share(&self) -> Arc<[Cell<T>]> {
        Arc::clone(&self.cells)
    }
}
