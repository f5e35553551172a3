//! The one in-memory form of a function's C++ exception tables, which the
//! frame handler's algorithm (frame.rs) works on. __CxxFrameHandler3's
//! fixed-size FuncInfo (data.rs) and __CxxFrameHandler4's compressed
//! FuncInfo4 (data4.rs) are both decoded into it, so catching, unwinding
//! and rethrowing are written once for both.

use super::data::HandlerType;

/// EhTables.flags: compiled with /EHs — catch(...) takes C++ exceptions
/// only (FuncInfo.EHFlags bit 0, FuncInfo4 header's EHs bit).
pub const EH_FLAG_EHS: u32 = 1;
/// EhTables.flags: the function is noexcept — an exception reaching it
/// uncaught ends the program (FuncInfo.EHFlags bit 2, FuncInfo4 header's
/// NoExcept bit).
pub const EH_FLAG_NOEXCEPT: u32 = 4;

/// What leaving a state does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnwindAction {
    /// Nothing to destroy.
    Nothing,
    /// A cleanup funclet, called as `void cleanup(void *, void
    /// *EstablisherFrame)` (FH3's action, FH4's RVA entry).
    Funclet(u64),
    /// A destructor called on the object at `object` bytes from the
    /// establisher frame (FH4's DtorWithObj) or, when `indirect`, on the
    /// object whose address is stored there (DtorWithPtrToObj).
    Destructor {
        function: u64,
        object: u32,
        indirect: bool,
    },
}

impl UnwindAction {
    /// The code the action runs, 0 for none.
    pub fn address(&self) -> u64 {
        match *self {
            UnwindAction::Nothing => 0,
            UnwindAction::Funclet(a) => a,
            UnwindAction::Destructor { function, .. } => function,
        }
    }
}

/// One state of the unwind map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnwindEntry {
    /// The state leaving this one goes to (-1: none).
    pub to_state: i32,
    pub action: UnwindAction,
}

/// A try block with its catch clauses, in source order.
#[derive(Clone, Debug)]
pub struct TryBlock {
    pub try_low: i32,
    pub try_high: i32,
    pub catch_high: i32,
    pub handlers: Vec<HandlerType>,
}

/// One function's (or funclet's) C++ exception tables.
#[derive(Clone, Debug)]
pub struct EhTables {
    /// Where the tables are: what identifies the function.
    pub id: u64,
    /// State `i` of the function is entry `i`.
    pub unwind: Vec<UnwindEntry>,
    /// Innermost first.
    pub try_blocks: Vec<TryBlock>,
    /// (image-relative IP, state) from which the state holds, ascending.
    pub ip_map: Vec<(u32, i32)>,
    pub flags: u32,
    /// For the tables of a catch funclet that name the funclet itself
    /// (FH4's isCatch): where, from its establisher frame, the funclet
    /// keeps its parent's establisher frame. FH3 keeps this per clause.
    pub catch_frame: Option<u32>,
}

impl EhTables {
    pub fn max_state(&self) -> i32 {
        self.unwind.len() as i32
    }

    /// The unwind map entry of `state`.
    pub fn unwind_entry(&self, state: i32) -> Option<UnwindEntry> {
        usize::try_from(state)
            .ok()
            .and_then(|s| self.unwind.get(s))
            .copied()
    }

    /// The state at `pc_rva`: that of the last IP-to-state entry at or
    /// before it, -1 before the first.
    pub fn state_at(&self, pc_rva: u32) -> i32 {
        self.ip_map
            .iter()
            .take_while(|&&(ip, _)| ip <= pc_rva)
            .last()
            .map_or(-1, |&(_, state)| state)
    }
}
