/*
 * random.c - the system random number generator as language runtimes
 * reach it: advapi32's RtlGenRandom (SystemFunction036), bcrypt's
 * BCryptGenRandom with BCRYPT_USE_SYSTEM_PREFERRED_RNG, and
 * bcryptprimitives' ProcessPrng (Rust's standard library).
 */
#include <windows.h>
#include <bcrypt.h>
#include "tap.h"

typedef BOOLEAN(WINAPI *RtlGenRandomFn)(PVOID, ULONG);
typedef BOOL(WINAPI *ProcessPrngFn)(PBYTE, SIZE_T);

static int differs(const unsigned char *a, const unsigned char *b, size_t n)
{
    return memcmp(a, b, n) != 0;
}

static int not_all_zero(const unsigned char *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i])
            return 1;
    return 0;
}

int main(void)
{
    unsigned char a[4096], b[4096];
    plan(10);

    HMODULE advapi = LoadLibraryA("advapi32.dll");
    RtlGenRandomFn gen = (RtlGenRandomFn)GetProcAddress(advapi, "SystemFunction036");
    ok(gen != NULL, "advapi32 exports SystemFunction036");
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    ok(gen && gen(a, sizeof a) && gen(b, sizeof b), "RtlGenRandom fills 4 KiB buffers");
    ok(not_all_zero(a, sizeof a) && differs(a, b, sizeof a), "with data that differs between calls");

    NTSTATUS s = BCryptGenRandom(NULL, a, 64, BCRYPT_USE_SYSTEM_PREFERRED_RNG);
    ok(s == 0, "BCryptGenRandom with the system-preferred RNG succeeds (%#lx)", (unsigned long)s);
    memcpy(b, a, 64);
    BCryptGenRandom(NULL, a, 64, BCRYPT_USE_SYSTEM_PREFERRED_RNG);
    ok(differs(a, b, 64), "and gives new data each time");
    s = BCryptGenRandom(NULL, a, 64, 0);
    ok(s == (NTSTATUS)0xC0000008, "no algorithm handle and no flag is STATUS_INVALID_HANDLE (%#lx)", (unsigned long)s);
    s = BCryptGenRandom(NULL, a, 64, BCRYPT_USE_SYSTEM_PREFERRED_RNG | 0x100);
    ok(s == (NTSTATUS)0xC000000D, "an unknown flag is STATUS_INVALID_PARAMETER (%#lx)", (unsigned long)s);

    HMODULE prims = LoadLibraryA("bcryptprimitives.dll");
    ProcessPrngFn prng = (ProcessPrngFn)GetProcAddress(prims, "ProcessPrng");
    ok(prims && prng, "bcryptprimitives.dll loads and exports ProcessPrng");
    memset(a, 0, 256);
    memset(b, 0, 256);
    ok(prng && prng(a, 256) && prng(b, 256), "ProcessPrng returns TRUE");
    ok(not_all_zero(a, 256) && differs(a, b, 256), "and fills the buffer with fresh data");
    return done();
}
