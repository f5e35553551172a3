/*
 * dll_lib.c - the native DLL of the DLL test (see dll.c).
 *
 * DllMain records what the loader passed it; the executable checks those
 * records from main, which Windows runs only after every statically
 * imported DLL has been initialised.
 */
#include <windows.h>

__declspec(dllexport) int dll_lib_attach_count;
__declspec(dllexport) int dll_lib_detach_count;
__declspec(dllexport) DWORD dll_lib_attach_reason = 0xffffffff;
__declspec(dllexport) HINSTANCE dll_lib_hinst;
__declspec(dllexport) int dll_lib_attach_reserved_nonnull = -1;

/* Data the executable imports and changes; the DLL sees the same object. */
__declspec(dllexport) int dll_lib_shared = 5;

__declspec(dllexport) int dll_lib_add(int a, int b) { return a + b; }
__declspec(dllexport) int dll_lib_get_shared(void) { return dll_lib_shared; }
__declspec(dllexport) const char *dll_lib_name(void) { return "dll_lib"; }

BOOL WINAPI DllMain(HINSTANCE hinst, DWORD reason, LPVOID reserved)
{
    switch (reason) {
    case DLL_PROCESS_ATTACH:
        ++dll_lib_attach_count;
        dll_lib_attach_reason = reason;
        dll_lib_hinst = hinst;
        /* lpvReserved is non-NULL for static loads, NULL for dynamic. */
        dll_lib_attach_reserved_nonnull = reserved != NULL;
        break;
    case DLL_PROCESS_DETACH:
        ++dll_lib_detach_count;
        break;
    }
    return TRUE;
}
