//! A recursive lock for the loader lock (DllMain may re-enter the loader).

use std::sync::{Condvar, Mutex};

pub struct RecursiveLock {
    state: Mutex<(u64, u32)>,
    cv: Condvar,
}

pub struct Guard<'a>(&'a RecursiveLock);

fn thread_token() -> u64 {
    thread_local!(static TOKEN: u8 = const { 0 });
    TOKEN.with(|t| t as *const u8 as u64)
}

impl RecursiveLock {
    pub const fn new() -> RecursiveLock {
        RecursiveLock {
            state: Mutex::new((0, 0)),
            cv: Condvar::new(),
        }
    }
    pub fn lock(&self) -> Guard<'_> {
        let me = thread_token();
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while s.1 != 0 && s.0 != me {
            s = self.cv.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        s.0 = me;
        s.1 += 1;
        Guard(self)
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        let mut s = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        s.1 -= 1;
        if s.1 == 0 {
            s.0 = 0;
            self.0.cv.notify_one();
        }
    }
}
