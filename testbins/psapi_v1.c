/*
 * psapi_v1.c - a program built with PSAPI_VERSION=1 imports
 * GetProcessMemoryInfo from psapi.dll (which forwards to kernel32's
 * K32GetProcessMemoryInfo on Windows 7 and later).
 */
#define PSAPI_VERSION 1
#include <windows.h>
#include <psapi.h>
#include "tap.h"

int main(void)
{
    plan(3);
    PROCESS_MEMORY_COUNTERS pc;
    memset(&pc, 0, sizeof pc);
    ok(GetProcessMemoryInfo(GetCurrentProcess(), &pc, sizeof pc), "psapi.dll GetProcessMemoryInfo");
    ok(pc.cb == sizeof pc && pc.WorkingSetSize > 0, "PROCESS_MEMORY_COUNTERS filled (working set %llu KiB)",
       (unsigned long long)pc.WorkingSetSize >> 10);
    HMODULE psapi = GetModuleHandleA("psapi.dll");
    ok(psapi && GetProcAddress(psapi, "GetProcessMemoryInfo") == GetProcAddress(GetModuleHandleA("kernel32.dll"), "K32GetProcessMemoryInfo"),
       "psapi.dll's GetProcessMemoryInfo is kernel32's K32GetProcessMemoryInfo");
    return done();
}
