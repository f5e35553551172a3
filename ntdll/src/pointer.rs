//! Pointer encoding: RtlEncodePointer / RtlDecodePointer (and the system
//! variants), which C runtimes use to protect function pointers they keep.
//! Like Windows, the encoding XORs with a per-process secret and rotates by
//! part of it, so an encoded pointer means nothing outside this process.

use std::sync::OnceLock;

fn cookie() -> u64 {
    static COOKIE: OnceLock<u64> = OnceLock::new();
    *COOKIE.get_or_init(|| {
        let mut buf = [0u8; 8];
        // SAFETY: getrandom into a buffer we own; on failure the time and
        // the process id still make a per-process value.
        let n = unsafe { libc::getrandom(buf.as_mut_ptr() as *mut libc::c_void, 8, 0) };
        let mut c = u64::from_le_bytes(buf);
        if n != 8 {
            c = (std::process::id() as u64) << 32
                ^ std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64);
        }
        c | 1
    })
}

fn encode(p: u64) -> u64 {
    let c = cookie();
    (p ^ c).rotate_right((c & 0x3F) as u32)
}

fn decode(p: u64) -> u64 {
    let c = cookie();
    p.rotate_left((c & 0x3F) as u32) ^ c
}

/// Implements RtlEncodePointer(Ptr).
pub extern "win64" fn RtlEncodePointer(p: u64) -> u64 {
    encode(p)
}

/// Implements RtlDecodePointer(Ptr).
pub extern "win64" fn RtlDecodePointer(p: u64) -> u64 {
    decode(p)
}

/// Implements RtlEncodeSystemPointer(Ptr): one process here, so the same
/// secret serves.
pub extern "win64" fn RtlEncodeSystemPointer(p: u64) -> u64 {
    encode(p)
}

/// Implements RtlDecodeSystemPointer(Ptr).
pub extern "win64" fn RtlDecodeSystemPointer(p: u64) -> u64 {
    decode(p)
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        for p in [0u64, 1, 0x1400_0100, u64::MAX] {
            assert_eq!(super::decode(super::encode(p)), p);
        }
        assert_ne!(super::encode(0x1400_0100), 0x1400_0100);
    }
}
