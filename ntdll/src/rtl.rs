//! Run-time library: status-to-error mapping, last error, strings, version.

use syscalls::nt::{teb, UNICODE_STRING};
use syscalls::*;

/// RtlNtStatusToDosError's table: the one place an NTSTATUS becomes a Win32
/// error (winerror.h values).
pub fn status_to_dos_error(status: NtStatus) -> u32 {
    if status.0 & 0xFFFF_0000 == 0xC007_0000 {
        // FACILITY_WIN32 statuses carry the error code.
        return status.0 & 0xFFFF;
    }
    match status.0 {
        0x0000_0000 => 0,
        0x0000_0102 => 258,              // STATUS_TIMEOUT -> WAIT_TIMEOUT
        0x0000_0103 => 997,              // STATUS_PENDING -> ERROR_IO_PENDING
        0x4000_0000 => 183,              // STATUS_OBJECT_NAME_EXISTS -> ERROR_ALREADY_EXISTS
        0x8000_0005 => 234,              // STATUS_BUFFER_OVERFLOW -> ERROR_MORE_DATA
        0x8000_000D => 299,              // STATUS_PARTIAL_COPY -> ERROR_PARTIAL_COPY
        0x8000_0006 => 18,               // STATUS_NO_MORE_FILES
        0x8000_001A => 259,              // STATUS_NO_MORE_ENTRIES -> ERROR_NO_MORE_ITEMS
        0xC000_0001 => 31,               // STATUS_UNSUCCESSFUL -> ERROR_GEN_FAILURE
        0xC000_0002 => 1,                // STATUS_NOT_IMPLEMENTED -> ERROR_INVALID_FUNCTION
        0xC000_0003 => 87,               // STATUS_INVALID_INFO_CLASS
        0xC000_0004 => 24,               // STATUS_INFO_LENGTH_MISMATCH -> ERROR_BAD_LENGTH
        0xC000_0005 => 998,              // STATUS_ACCESS_VIOLATION -> ERROR_NOACCESS
        0xC000_0008 => 6,                // STATUS_INVALID_HANDLE
        0xC000_000B => 87,               // STATUS_INVALID_CID
        0xC000_000D => 87,               // STATUS_INVALID_PARAMETER
        0xC000_000F => 2,                // STATUS_NO_SUCH_FILE
        0xC000_0010 => 1,                // STATUS_INVALID_DEVICE_REQUEST
        0xC000_0011 => 38,               // STATUS_END_OF_FILE -> ERROR_HANDLE_EOF
        0xC000_0017 => 8,                // STATUS_NO_MEMORY -> ERROR_NOT_ENOUGH_MEMORY
        0xC000_0018 => 487,              // STATUS_CONFLICTING_ADDRESSES -> ERROR_INVALID_ADDRESS
        0xC000_0019 => 487,              // STATUS_NOT_MAPPED_VIEW
        0xC000_001A => 487,              // STATUS_UNABLE_TO_FREE_VM
        0xC000_001F => 5,                // STATUS_INVALID_VIEW_SIZE -> ERROR_ACCESS_DENIED
        0xC000_0020 => 193,              // STATUS_INVALID_FILE_FOR_SECTION -> ERROR_BAD_EXE_FORMAT
        0xC000_0021 => 487,              // STATUS_ALREADY_COMMITTED
        0xC000_0022 => 5,                // STATUS_ACCESS_DENIED
        0xC000_0023 => 122,              // STATUS_BUFFER_TOO_SMALL -> ERROR_INSUFFICIENT_BUFFER
        0xC000_0024 => 6,                // STATUS_OBJECT_TYPE_MISMATCH -> ERROR_INVALID_HANDLE
        0xC000_002D => 487,              // STATUS_NOT_COMMITTED
        0xC000_0033 => 123,              // STATUS_OBJECT_NAME_INVALID -> ERROR_INVALID_NAME
        0xC000_0034 => 2,                // STATUS_OBJECT_NAME_NOT_FOUND -> ERROR_FILE_NOT_FOUND
        0xC000_0035 => 183,              // STATUS_OBJECT_NAME_COLLISION -> ERROR_ALREADY_EXISTS
        0xC000_0039 => 161,              // STATUS_OBJECT_PATH_INVALID -> ERROR_BAD_PATHNAME
        0xC000_003A => 3,                // STATUS_OBJECT_PATH_NOT_FOUND -> ERROR_PATH_NOT_FOUND
        0xC000_003B => 161,              // STATUS_OBJECT_PATH_SYNTAX_BAD
        0xC000_0040 => 8,                // STATUS_SECTION_TOO_BIG
        0xC000_0043 => 32,               // STATUS_SHARING_VIOLATION
        0xC000_0045 => 87,               // STATUS_INVALID_PAGE_PROTECTION
        0xC000_004E => 5,                // STATUS_SECTION_PROTECTION -> ERROR_ACCESS_DENIED
        0xC000_0046 => 288,              // STATUS_MUTANT_NOT_OWNED -> ERROR_NOT_OWNER
        0xC000_0047 => 298,              // STATUS_SEMAPHORE_LIMIT_EXCEEDED -> ERROR_TOO_MANY_POSTS
        0xC000_0054 => 33,               // STATUS_FILE_LOCK_CONFLICT -> ERROR_LOCK_VIOLATION
        0xC000_0055 => 33,               // STATUS_LOCK_NOT_GRANTED -> ERROR_LOCK_VIOLATION
        0xC000_0056 => 5,                // STATUS_DELETE_PENDING -> ERROR_ACCESS_DENIED
        0xC000_007E => 158,              // STATUS_RANGE_NOT_LOCKED -> ERROR_NOT_LOCKED
        0xC000_007A => 127,              // STATUS_PROCEDURE_NOT_FOUND
        0xC000_007B => 193,              // STATUS_INVALID_IMAGE_FORMAT -> ERROR_BAD_EXE_FORMAT
        0xC000_007F => 112,              // STATUS_DISK_FULL
        0xC000_009A => 1450, // STATUS_INSUFFICIENT_RESOURCES -> ERROR_NO_SYSTEM_RESOURCES
        0xC000_0061 => 1314, // STATUS_PRIVILEGE_NOT_HELD
        0xC000_0088 => 487,  // STATUS_NOT_MAPPED_DATA -> ERROR_INVALID_ADDRESS
        0xC000_009F => 487,  // STATUS_FREE_VM_NOT_AT_BASE
        0xC000_00A0 => 487,  // STATUS_MEMORY_NOT_ALLOCATED
        0xC000_00AB => 231,  // STATUS_INSTANCE_NOT_AVAILABLE -> ERROR_PIPE_BUSY
        0xC000_00AC => 231,  // STATUS_PIPE_NOT_AVAILABLE -> ERROR_PIPE_BUSY
        0xC000_00AD => 230,  // STATUS_INVALID_PIPE_STATE -> ERROR_BAD_PIPE
        0xC000_00AE => 231,  // STATUS_PIPE_BUSY -> ERROR_PIPE_BUSY
        0xC000_00AF => 1,    // STATUS_ILLEGAL_FUNCTION -> ERROR_INVALID_FUNCTION
        0xC000_00B0 => 233,  // STATUS_PIPE_DISCONNECTED -> ERROR_PIPE_NOT_CONNECTED
        0xC000_00B1 => 232,  // STATUS_PIPE_CLOSING -> ERROR_NO_DATA
        0xC000_00B2 => 535,  // STATUS_PIPE_CONNECTED -> ERROR_PIPE_CONNECTED
        0xC000_00B3 => 536,  // STATUS_PIPE_LISTENING -> ERROR_PIPE_LISTENING
        0xC000_00B4 => 230,  // STATUS_INVALID_READ_MODE -> ERROR_BAD_PIPE
        0xC000_00B5 => 121,  // STATUS_IO_TIMEOUT -> ERROR_SEM_TIMEOUT
        0xC000_00BA => 5,    // STATUS_FILE_IS_A_DIRECTORY -> ERROR_ACCESS_DENIED
        0xC000_00BB => 50,   // STATUS_NOT_SUPPORTED
        0xC000_00D4 => 17,   // STATUS_NOT_SAME_DEVICE
        0xC000_00EF..=0xC000_00FA => 87, // STATUS_INVALID_PARAMETER_1..12
        0xC000_0101 => 145,  // STATUS_DIRECTORY_NOT_EMPTY
        0xC000_0103 => 267,  // STATUS_NOT_A_DIRECTORY -> ERROR_DIRECTORY
        0xC000_0106 => 206,  // STATUS_NAME_TOO_LONG -> ERROR_FILENAME_EXCED_RANGE
        0xC000_010A => 5,    // STATUS_PROCESS_IS_TERMINATING -> ERROR_ACCESS_DENIED
        0xC000_00D9 => 232,  // STATUS_PIPE_EMPTY -> ERROR_NO_DATA
        0xC000_0120 => 995,  // STATUS_CANCELLED -> ERROR_OPERATION_ABORTED
        0xC000_0121 => 5,    // STATUS_CANNOT_DELETE -> ERROR_ACCESS_DENIED
        0xC000_011E => 1006, // STATUS_MAPPED_FILE_SIZE_ZERO -> ERROR_FILE_INVALID
        0xC000_012F => 193,  // STATUS_INVALID_IMAGE_NOT_MZ
        0xC000_0135 => 126,  // STATUS_DLL_NOT_FOUND -> ERROR_MOD_NOT_FOUND
        0xC000_0138 => 182,  // STATUS_ORDINAL_NOT_FOUND -> ERROR_INVALID_ORDINAL
        0xC000_0139 => 127,  // STATUS_ENTRYPOINT_NOT_FOUND -> ERROR_PROC_NOT_FOUND
        0xC000_0142 => 1114, // STATUS_DLL_INIT_FAILED
        0xC000_014B => 109,  // STATUS_PIPE_BROKEN -> ERROR_BROKEN_PIPE
        0xC000_0220 => 1132, // STATUS_MAPPED_ALIGNMENT -> ERROR_MAPPED_ALIGNMENT
        0xC000_0225 => 1168, // STATUS_NOT_FOUND -> ERROR_NOT_FOUND
        0xC000_0235 => 6,    // STATUS_HANDLE_NOT_CLOSABLE
        0xC000_0359 => 193,  // STATUS_INVALID_IMAGE_WIN_32
        // Windows answers ERROR_MR_MID_NOT_FOUND for statuses it cannot map.
        _ => 317,
    }
}

fn teb_field<T>(offset: usize) -> *mut T {
    (syscalls::nt::current_teb() + offset as u64) as *mut T
}

/// Records a failed status in the TEB (LastStatusValue) and its Win32 error
/// (LastErrorValue), as RtlSetLastWin32ErrorAndNtStatusFromNtStatus does.
pub fn set_last_status(status: NtStatus) {
    // SAFETY: the calling thread's TEB.
    unsafe { *teb_field::<u32>(teb::LAST_STATUS_VALUE) = status.0 };
    syscalls::nt::set_last_error(status_to_dos_error(status));
}

/// Implements RtlNtStatusToDosError(Status).
pub extern "win64" fn RtlNtStatusToDosError(status: u32) -> u32 {
    // SAFETY: the calling thread's TEB.
    unsafe { *teb_field::<u32>(teb::LAST_STATUS_VALUE) = status };
    status_to_dos_error(NtStatus(status))
}

/// Implements RtlGetLastWin32Error().
pub extern "win64" fn RtlGetLastWin32Error() -> u32 {
    syscalls::nt::last_error()
}

/// Implements RtlSetLastWin32Error(Error).
pub extern "win64" fn RtlSetLastWin32Error(error: u32) {
    syscalls::nt::set_last_error(error)
}

/// Implements RtlInitUnicodeString(Destination, Source).
pub extern "win64" fn RtlInitUnicodeString(dest: *mut UNICODE_STRING, src: *const u16) {
    let mut len = 0usize;
    if !src.is_null() {
        // SAFETY: a NUL-terminated string from the caller; lengths saturate
        // at the UNICODE_STRING maximum as on Windows.
        unsafe {
            while *src.add(len) != 0 && len < 0x7FFE {
                len += 1;
            }
        }
    }
    let bytes = (len * 2) as u16;
    // SAFETY: the caller passes a UNICODE_STRING to fill.
    unsafe {
        *dest = UNICODE_STRING {
            Length: bytes,
            MaximumLength: if src.is_null() { 0 } else { bytes + 2 },
            _pad: 0,
            Buffer: src as u64,
        };
    }
}

/// RTL_OSVERSIONINFOW fields: Windows 10 22H2.
pub extern "win64" fn RtlGetVersion(info: *mut u32) -> u32 {
    // SAFETY: the caller passes an RTL_OSVERSIONINFO(EX)W whose first field
    // is its size.
    unsafe {
        let size = *info;
        if size != 276 && size != 284 {
            return STATUS_INVALID_PARAMETER.0;
        }
        *info.add(1) = nt::OS_MAJOR;
        *info.add(2) = nt::OS_MINOR;
        *info.add(3) = nt::OS_BUILD;
        *info.add(4) = 2; // VER_PLATFORM_WIN32_NT
        core::ptr::write_bytes(info.add(5) as *mut u16, 0, 128);
        if size == 284 {
            let ex = (info as *mut u8).add(276);
            core::ptr::write_bytes(ex, 0, 8);
            *ex.add(6) = 1; // wProductType: VER_NT_WORKSTATION
        }
    }
    STATUS_SUCCESS.0
}

/// Implements RtlGetNtVersionNumbers(MajorVersion, MinorVersion,
/// BuildNumber): each output optional; the build number carries 0xF in its
/// top nibble, as on retail ("free") builds of Windows.
pub extern "win64" fn RtlGetNtVersionNumbers(major: *mut u32, minor: *mut u32, build: *mut u32) {
    // SAFETY: the caller passes storage for each non-NULL output.
    unsafe {
        if !major.is_null() {
            *major = nt::OS_MAJOR;
        }
        if !minor.is_null() {
            *minor = nt::OS_MINOR;
        }
        if !build.is_null() {
            *build = 0xF000_0000 | nt::OS_BUILD;
        }
    }
}

/// Implements RtlGetCurrentPeb().
pub extern "win64" fn RtlGetCurrentPeb() -> u64 {
    syscalls::nt::current_peb()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_statuses_map_as_windows_does() {
        assert_eq!(status_to_dos_error(STATUS_SUCCESS), 0);
        assert_eq!(status_to_dos_error(STATUS_INVALID_HANDLE), 6);
        assert_eq!(status_to_dos_error(STATUS_OBJECT_NAME_NOT_FOUND), 2);
        assert_eq!(status_to_dos_error(STATUS_OBJECT_PATH_NOT_FOUND), 3);
        assert_eq!(status_to_dos_error(STATUS_OBJECT_NAME_COLLISION), 183);
        assert_eq!(status_to_dos_error(STATUS_DLL_NOT_FOUND), 126);
        assert_eq!(status_to_dos_error(STATUS_ENTRYPOINT_NOT_FOUND), 127);
        assert_eq!(status_to_dos_error(NtStatus(0xC007_0005)), 5);
        assert_eq!(status_to_dos_error(NtStatus(0xC0DE_0000)), 317);
    }
}

/// Fills `length` bytes of guest memory at `buffer` from the host's
/// random number generator (what Windows' kernel-mode generator is to its
/// user-mode consumers: RtlGenRandom, BCryptGenRandom, ProcessPrng).
pub fn fill_random(buffer: u64, length: u64) -> syscalls::NtResult<()> {
    let mut chunk = [0u8; 256];
    let mut done = 0u64;
    while done < length {
        let n = ((length - done) as usize).min(chunk.len());
        let mut got = 0;
        while got < n {
            // SAFETY: getrandom writes at most n - got bytes into the local
            // buffer.
            let r = unsafe { libc::getrandom(chunk[got..n].as_mut_ptr().cast(), n - got, 0) };
            if r < 0 {
                if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                return Err(syscalls::STATUS_UNSUCCESSFUL);
            }
            got += r as usize;
        }
        syscalls::user::write_from(buffer + done, &chunk[..n])?;
        done += n as u64;
    }
    Ok(())
}
