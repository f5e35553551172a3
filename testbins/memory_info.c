/*
 * memory_info.c - KUSER_SHARED_DATA (read-only at 0x7FFE0000, Windows 10
 * 22H2's version numbers, clocks kept current), GlobalMemoryStatusEx,
 * GetProcessMemoryInfo, GetSystemInfo, GetLargePageMinimum and pointer
 * probing, against their documentation.
 */
#include <windows.h>
#include <psapi.h>
#include "tap.h"

#define KUSER ((volatile unsigned char *)0x7FFE0000)

static LONGLONG ksystem_time(ULONG off)
{
    for (;;) {
        LONG high1 = *(volatile LONG *)(KUSER + off + 4);
        ULONG low = *(volatile ULONG *)(KUSER + off);
        LONG high2 = *(volatile LONG *)(KUSER + off + 8);
        if (high1 == high2)
            return ((LONGLONG)high1 << 32) | low;
    }
}

int main(void)
{
    plan(35);
    MEMORY_BASIC_INFORMATION m;
    ok(VirtualQuery((void *)KUSER, &m, sizeof m) && m.State == MEM_COMMIT && m.Protect == PAGE_READONLY
           && m.RegionSize == 4096 && m.AllocationBase == (void *)KUSER,
       "KUSER_SHARED_DATA is one committed read-only page (protect %lx)", m.Protect);
    is_int(*(volatile ULONG *)(KUSER + 0x260), 19045, "NtBuildNumber");
    is_int(*(volatile ULONG *)(KUSER + 0x26C), 10, "NtMajorVersion");
    is_int(*(volatile ULONG *)(KUSER + 0x270), 0, "NtMinorVersion");
    ok(*(volatile USHORT *)(KUSER + 0x2C) == IMAGE_FILE_MACHINE_AMD64, "ImageNumberLow is AMD64");
    DWORD old;
    ok(!VirtualProtect((void *)KUSER, 4096, PAGE_READWRITE, &old), "KUSER_SHARED_DATA cannot be made writable");
    ok(!VirtualFree((void *)KUSER, 0, MEM_RELEASE), "nor released");

    LONGLONG i0 = ksystem_time(0x8);
    Sleep(100);
    LONGLONG i1 = ksystem_time(0x8);
    ok(i1 - i0 >= 900000 && i1 - i0 < 20000000, "InterruptTime advances with the clock (%lld in 100 ms)", i1 - i0);
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    LONGLONG now = ((LONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    LONGLONG st = ksystem_time(0x14);
    ok(st - now < 500000 && now - st < 500000, "SystemTime is current (off by %lld)", now - st);
    ULONGLONG ticks = *(volatile ULONGLONG *)(KUSER + 0x320);
    ULONG mult = *(volatile ULONG *)(KUSER + 0x4);
    ULONGLONG tick_ms = (ticks * mult) >> 24;
    DWORD gtc = GetTickCount();
    ok(tick_ms <= gtc + 100 && gtc <= tick_ms + 100, "TickCount * TickCountMultiplier agrees with GetTickCount (%llu vs %lu)",
       tick_ms, gtc);

    MEMORYSTATUSEX ms;
    ms.dwLength = sizeof ms - 1;
    SetLastError(0);
    ok(!GlobalMemoryStatusEx(&ms) && GetLastError() == ERROR_INVALID_PARAMETER,
       "GlobalMemoryStatusEx with a wrong dwLength: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    ms.dwLength = sizeof ms;
    ok(GlobalMemoryStatusEx(&ms), "GlobalMemoryStatusEx");
    ok(ms.ullTotalPhys > 64 << 20 && ms.ullAvailPhys <= ms.ullTotalPhys && ms.ullAvailPhys > 0,
       "physical memory: %llu MiB, %llu MiB available", ms.ullTotalPhys >> 20, ms.ullAvailPhys >> 20);
    ok(ms.dwMemoryLoad <= 100, "memory load %lu%%", ms.dwMemoryLoad);
    ok(ms.ullTotalPageFile >= ms.ullTotalPhys, "commit limit at least the RAM");
    ok(ms.ullTotalVirtual == 0x7FFFFFFE0000ULL, "user address space is 128 TiB - 128 KiB (%llx)", ms.ullTotalVirtual);
    ok(ms.ullAvailVirtual < ms.ullTotalVirtual && ms.ullAvailVirtual > ms.ullTotalVirtual - (64ULL << 30),
       "available virtual %llx", ms.ullAvailVirtual);
    void *big = VirtualAlloc(NULL, 1 << 30, MEM_RESERVE, PAGE_READWRITE);
    MEMORYSTATUSEX ms2;
    ms2.dwLength = sizeof ms2;
    GlobalMemoryStatusEx(&ms2);
    ok(big && ms.ullAvailVirtual - ms2.ullAvailVirtual >= (1 << 30) - (16 << 20),
       "a 1 GiB reservation shows in ullAvailVirtual (dropped %llu MiB)", (ms.ullAvailVirtual - ms2.ullAvailVirtual) >> 20);
    VirtualFree(big, 0, MEM_RELEASE);
    MEMORYSTATUS legacy;
    GlobalMemoryStatus(&legacy);
    ok(legacy.dwLength == sizeof legacy && legacy.dwTotalPhys == ms.ullTotalPhys, "GlobalMemoryStatus");

    PROCESS_MEMORY_COUNTERS_EX pc, pc2;
    memset(&pc, 0, sizeof pc);
    ok(GetProcessMemoryInfo(GetCurrentProcess(), (PROCESS_MEMORY_COUNTERS *)&pc, sizeof pc), "GetProcessMemoryInfo");
    ok(pc.cb == sizeof pc, "cb says PROCESS_MEMORY_COUNTERS_EX");
    ok(pc.WorkingSetSize > 0 && pc.PeakWorkingSetSize >= pc.WorkingSetSize, "working set %llu KiB, peak %llu KiB",
       (unsigned long long)pc.WorkingSetSize >> 10, (unsigned long long)pc.PeakWorkingSetSize >> 10);
    ok(pc.PageFaultCount > 0, "page faults counted (%lu)", pc.PageFaultCount);
    ok(pc.PrivateUsage == pc.PagefileUsage && pc.PeakPagefileUsage >= pc.PagefileUsage, "private usage is the commit charge");
    char *mem = VirtualAlloc(NULL, 32 << 20, MEM_COMMIT, PAGE_READWRITE);
    for (int i = 0; i < (32 << 20); i += 4096)
        mem[i] = 1;
    memset(&pc2, 0, sizeof pc2);
    GetProcessMemoryInfo(GetCurrentProcess(), (PROCESS_MEMORY_COUNTERS *)&pc2, sizeof pc2);
    ok(pc2.PagefileUsage - pc.PagefileUsage >= (32 << 20), "committing 32 MiB raises PagefileUsage (%llu MiB)",
       (unsigned long long)(pc2.PagefileUsage - pc.PagefileUsage) >> 20);
    ok(pc2.WorkingSetSize - pc.WorkingSetSize >= (30 << 20), "touching it raises WorkingSetSize (%llu MiB)",
       (unsigned long long)(pc2.WorkingSetSize - pc.WorkingSetSize) >> 20);
    VirtualFree(mem, 0, MEM_RELEASE);
    SetLastError(0);
    ok(!GetProcessMemoryInfo(GetCurrentProcess(), (PROCESS_MEMORY_COUNTERS *)&pc, 16) && GetLastError() == ERROR_INSUFFICIENT_BUFFER,
       "GetProcessMemoryInfo with a short buffer: ERROR_INSUFFICIENT_BUFFER (%lu)", GetLastError());

    SYSTEM_INFO si;
    GetSystemInfo(&si);
    ok(si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_AMD64 && si.dwNumberOfProcessors >= 1, "GetSystemInfo: AMD64, %lu processors",
       si.dwNumberOfProcessors);
    ok(si.dwPageSize == 4096 && si.dwAllocationGranularity == 65536, "GetSystemInfo: page and granularity");
    ok(GetLargePageMinimum() == 2 << 20, "GetLargePageMinimum is 2 MiB");
    ULONGLONG kb = 0;
    ok(GetPhysicallyInstalledSystemMemory(&kb) && kb * 1024 >= ms.ullTotalPhys, "GetPhysicallyInstalledSystemMemory (%llu KiB)", kb);

    char *r = VirtualAlloc(NULL, 4096, MEM_RESERVE, PAGE_READWRITE);
    ok(!IsBadStringPtrA("hello", 100) && IsBadStringPtrA(r, 10) && !IsBadStringPtrA(r, 0), "IsBadStringPtrA");
    ok(!IsBadStringPtrW(L"wide", 100), "IsBadStringPtrW");
    ok(!IsBadCodePtr((FARPROC)main) && IsBadCodePtr((FARPROC)r), "IsBadCodePtr");
    ok(IsBadReadPtr((void *)0x1000, 1) && IsBadWritePtr((void *)KUSER, 4), "NULL page unreadable, KUSER_SHARED_DATA unwritable");
    VirtualFree(r, 0, MEM_RELEASE);
    return done();
}
