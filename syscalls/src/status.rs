//! NTSTATUS, the error currency of the native API (values as in ntstatus.h).

use core::fmt;

/// An NTSTATUS value.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct NtStatus(pub u32);

/// The result of an executive or native-API operation.
pub type NtResult<T> = Result<T, NtStatus>;

impl NtStatus {
    /// NT_SUCCESS: severity success or informational.
    pub const fn is_success(self) -> bool {
        (self.0 as i32) >= 0
    }
    pub const fn is_error(self) -> bool {
        self.0 >> 30 == 3
    }
    /// Turns a status into a `Result`, keeping success codes other than
    /// STATUS_SUCCESS (e.g. STATUS_PENDING) as errors for the caller to see.
    pub fn ok(self) -> NtResult<()> {
        if self == STATUS_SUCCESS {
            Ok(())
        } else {
            Err(self)
        }
    }
    pub fn from_result(r: NtResult<()>) -> NtStatus {
        match r {
            Ok(()) => STATUS_SUCCESS,
            Err(s) => s,
        }
    }
}

macro_rules! statuses {
    ($($name:ident = $value:expr,)*) => {
        $(pub const $name: NtStatus = NtStatus($value);)*
        impl NtStatus {
            /// The ntstatus.h name of this status, if it is one we know.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(stringify!($name)),)*
                    _ => None,
                }
            }
        }
    };
}

statuses! {
    STATUS_SUCCESS = 0x0000_0000,
    STATUS_WAIT_1 = 0x0000_0001,
    STATUS_ABANDONED = 0x0000_0080,
    STATUS_USER_APC = 0x0000_00C0,
    STATUS_ALERTED = 0x0000_0101,
    STATUS_TIMEOUT = 0x0000_0102,
    STATUS_PENDING = 0x0000_0103,
    STATUS_OBJECT_NAME_EXISTS = 0x4000_0000,
    STATUS_IMAGE_NOT_AT_BASE = 0x4000_0003,
    STATUS_GUARD_PAGE_VIOLATION = 0x8000_0001,
    STATUS_DATATYPE_MISALIGNMENT = 0x8000_0002,
    STATUS_BREAKPOINT = 0x8000_0003,
    STATUS_SINGLE_STEP = 0x8000_0004,
    STATUS_BUFFER_OVERFLOW = 0x8000_0005,
    STATUS_NO_MORE_FILES = 0x8000_0006,
    STATUS_NO_MORE_ENTRIES = 0x8000_001A,
    STATUS_UNSUCCESSFUL = 0xC000_0001,
    STATUS_NOT_IMPLEMENTED = 0xC000_0002,
    STATUS_INVALID_INFO_CLASS = 0xC000_0003,
    STATUS_INFO_LENGTH_MISMATCH = 0xC000_0004,
    STATUS_ACCESS_VIOLATION = 0xC000_0005,
    STATUS_INVALID_HANDLE = 0xC000_0008,
    STATUS_INVALID_CID = 0xC000_000B,
    STATUS_INVALID_PARAMETER = 0xC000_000D,
    STATUS_NO_SUCH_FILE = 0xC000_000F,
    STATUS_INVALID_DEVICE_REQUEST = 0xC000_0010,
    STATUS_END_OF_FILE = 0xC000_0011,
    STATUS_NO_MEMORY = 0xC000_0017,
    STATUS_CONFLICTING_ADDRESSES = 0xC000_0018,
    STATUS_UNABLE_TO_FREE_VM = 0xC000_001A,
    STATUS_ILLEGAL_INSTRUCTION = 0xC000_001D,
    STATUS_INVALID_VIEW_SIZE = 0xC000_001F,
    STATUS_ALREADY_COMMITTED = 0xC000_0021,
    STATUS_ACCESS_DENIED = 0xC000_0022,
    STATUS_BUFFER_TOO_SMALL = 0xC000_0023,
    STATUS_OBJECT_TYPE_MISMATCH = 0xC000_0024,
    STATUS_NONCONTINUABLE_EXCEPTION = 0xC000_0025,
    STATUS_INVALID_DISPOSITION = 0xC000_0026,
    STATUS_OBJECT_NAME_INVALID = 0xC000_0033,
    STATUS_OBJECT_NAME_NOT_FOUND = 0xC000_0034,
    STATUS_OBJECT_NAME_COLLISION = 0xC000_0035,
    STATUS_OBJECT_PATH_INVALID = 0xC000_0039,
    STATUS_OBJECT_PATH_NOT_FOUND = 0xC000_003A,
    STATUS_OBJECT_PATH_SYNTAX_BAD = 0xC000_003B,
    STATUS_SHARING_VIOLATION = 0xC000_0043,
    STATUS_MUTANT_NOT_OWNED = 0xC000_0046,
    STATUS_SEMAPHORE_LIMIT_EXCEEDED = 0xC000_0047,
    STATUS_DELETE_PENDING = 0xC000_0056,
    STATUS_INVALID_IMAGE_FORMAT = 0xC000_007B,
    STATUS_DISK_FULL = 0xC000_007F,
    STATUS_INSUFFICIENT_RESOURCES = 0xC000_009A,
    STATUS_MEDIA_WRITE_PROTECTED = 0xC000_00A2,
    STATUS_FILE_IS_A_DIRECTORY = 0xC000_00BA,
    STATUS_NOT_SUPPORTED = 0xC000_00BB,
    STATUS_INVALID_PARAMETER_1 = 0xC000_00EF,
    STATUS_INVALID_PARAMETER_2 = 0xC000_00F0,
    STATUS_INVALID_PARAMETER_3 = 0xC000_00F1,
    STATUS_INVALID_PARAMETER_4 = 0xC000_00F2,
    STATUS_INVALID_PARAMETER_6 = 0xC000_00F4,
    STATUS_DIRECTORY_NOT_EMPTY = 0xC000_0101,
    STATUS_NOT_A_DIRECTORY = 0xC000_0103,
    STATUS_NAME_TOO_LONG = 0xC000_0106,
    STATUS_MEMORY_NOT_ALLOCATED = 0xC000_00A0,
    STATUS_PROCEDURE_NOT_FOUND = 0xC000_007A,
    STATUS_INVALID_PAGE_PROTECTION = 0xC000_0045,
    STATUS_DLL_NOT_FOUND = 0xC000_0135,
    STATUS_ORDINAL_NOT_FOUND = 0xC000_0138,
    STATUS_ENTRYPOINT_NOT_FOUND = 0xC000_0139,
    STATUS_DLL_INIT_FAILED = 0xC000_0142,
    STATUS_INTEGER_DIVIDE_BY_ZERO = 0xC000_0094,
    STATUS_PRIVILEGED_INSTRUCTION = 0xC000_0096,
    STATUS_PIPE_BROKEN = 0xC000_014B,
    STATUS_INVALID_IMAGE_WIN_32 = 0xC000_0359,
    STATUS_STACK_OVERFLOW = 0xC000_00FD,
    STATUS_INVALID_ADDRESS = 0xC000_0141,
    STATUS_IMAGE_MACHINE_TYPE_MISMATCH = 0x4000_000E,
    STATUS_OBJECT_PATH_NOT_DIRECTORY = 0xC000_0104,
    STATUS_FILE_LOCK_CONFLICT = 0xC000_0054,
    STATUS_LOCK_NOT_GRANTED = 0xC000_0055,
    STATUS_RANGE_NOT_LOCKED = 0xC000_007E,
    STATUS_NOT_SAME_DEVICE = 0xC000_00D4,
    STATUS_CANNOT_DELETE = 0xC000_0121,
}

impl fmt::Debug for NtStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n}"),
            None => write!(f, "NTSTATUS({:#010x})", self.0),
        }
    }
}

impl fmt::Display for NtStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}", self.0)?;
        if let Some(n) = self.name() {
            write!(f, " ({n})")?;
        }
        Ok(())
    }
}
