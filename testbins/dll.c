/*
 * dll.c - a native PE DLL the executable imports, and the module APIs.
 *
 * Windows behaviour checked (DllMain, GetModuleHandle, GetProcAddress,
 * LoadLibrary, FreeLibrary in libloaderapi.h):
 *   - DllMain(DLL_PROCESS_ATTACH) of an imported DLL runs once, before main,
 *     with the module's base as hinstDLL and a non-NULL lpvReserved (a
 *     static load);
 *   - imported functions and data resolve to the DLL's own objects;
 *   - GetModuleHandle matches a loaded module by name in any case, with
 *     ".dll" added when the extension is left off;
 *   - GetProcAddress finds an export by name and by ordinal (low word, high
 *     word zero); a missing name gives NULL and ERROR_PROC_NOT_FOUND (127);
 *   - LoadLibrary of a loaded DLL returns the same handle and raises its
 *     reference count without calling DllMain again; LoadLibrary of a
 *     missing DLL gives NULL and ERROR_MOD_NOT_FOUND (126).
 */
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "tap.h"

__declspec(dllimport) extern int dll_lib_attach_count;
__declspec(dllimport) extern int dll_lib_detach_count;
__declspec(dllimport) extern DWORD dll_lib_attach_reason;
__declspec(dllimport) extern HINSTANCE dll_lib_hinst;
__declspec(dllimport) extern int dll_lib_attach_reserved_nonnull;
__declspec(dllimport) extern int dll_lib_shared;
__declspec(dllimport) int dll_lib_add(int a, int b);
__declspec(dllimport) int dll_lib_get_shared(void);
__declspec(dllimport) const char *dll_lib_name(void);

/* Finds an export's ordinal by walking the module's export directory, as
 * laid out in the PE format: ordinal = Base + AddressOfNameOrdinals[i]. */
static WORD export_ordinal(HMODULE module, const char *name)
{
    const BYTE *base = (const BYTE *)module;
    const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)base;
    const IMAGE_NT_HEADERS64 *nt = (const IMAGE_NT_HEADERS64 *)(base + dos->e_lfanew);
    const IMAGE_DATA_DIRECTORY *dir = &nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_EXPORT];
    const IMAGE_EXPORT_DIRECTORY *exports;
    const DWORD *names;
    const WORD *ordinals;
    DWORD i;

    if (!dir->VirtualAddress)
        return 0;
    exports = (const IMAGE_EXPORT_DIRECTORY *)(base + dir->VirtualAddress);
    names = (const DWORD *)(base + exports->AddressOfNames);
    ordinals = (const WORD *)(base + exports->AddressOfNameOrdinals);
    for (i = 0; i < exports->NumberOfNames; ++i)
        if (strcmp((const char *)(base + names[i]), name) == 0)
            return (WORD)(exports->Base + ordinals[i]);
    return 0;
}

int main(void)
{
    /* Read first: nothing in main may run before these are recorded. */
    int attach_count = dll_lib_attach_count;
    DWORD attach_reason = dll_lib_attach_reason;
    HMODULE h, again, k32;
    FARPROC by_name, by_ordinal;
    DWORD (WINAPI *get_last_error)(void);
    char path[MAX_PATH];
    DWORD len;
    WORD ordinal;

    plan(32);

    /* DllMain ran before main. */
    is_int(attach_count, 1, "DllMain(DLL_PROCESS_ATTACH) ran once before main");
    is_int(attach_reason, DLL_PROCESS_ATTACH, "the reason was DLL_PROCESS_ATTACH");
    is_int(dll_lib_attach_reserved_nonnull, 1, "lpvReserved is non-NULL for a static load");
    is_int(dll_lib_detach_count, 0, "no DLL_PROCESS_DETACH yet");

    /* Module handles. */
    h = GetModuleHandleA("dll_lib.dll");
    ok(h != NULL, "GetModuleHandleA(\"dll_lib.dll\")");
    ok(h == (HMODULE)dll_lib_hinst, "equals the hinstDLL DllMain received");
    ok(GetModuleHandleA("DLL_LIB.DLL") == h, "module names match in any case");
    ok(GetModuleHandleA("dll_lib") == h, "\".dll\" is added to a name without extension");
    ok(GetModuleHandleA(NULL) != h, "GetModuleHandleA(NULL) is the executable, not the DLL");
    len = GetModuleFileNameA(h, path, sizeof path);
    diag("dll_lib.dll: %s", path);
    ok(len == strlen(path) && len > 12 && _stricmp(path + len - 12, "\\dll_lib.dll") == 0,
       "GetModuleFileNameA(dll) ends with \\dll_lib.dll");

    /* Imported functions and data. */
    is_int(dll_lib_add(40, 2), 42, "imported function dll_lib_add");
    is_str(dll_lib_name(), "dll_lib", "imported function returning a DLL string");
    is_int(dll_lib_shared, 5, "imported data has the DLL's initial value");
    dll_lib_shared = 99;
    is_int(dll_lib_get_shared(), 99, "a write through imported data is seen by the DLL");

    /* GetProcAddress by name. */
    by_name = GetProcAddress(h, "dll_lib_add");
    ok(by_name == (FARPROC)dll_lib_add, "GetProcAddress by name equals the imported address");
    ok(by_name && ((int (*)(int, int))(void *)by_name)(1, 2) == 3, "and can be called");
    ok((void *)GetProcAddress(h, "dll_lib_shared") == (void *)&dll_lib_shared,
       "GetProcAddress of exported data gives its address");
    SetLastError(0xdeadbeef);
    ok(GetProcAddress(h, "dll_lib_no_such_export") == NULL, "GetProcAddress of a missing name is NULL");
    is_int(GetLastError(), ERROR_PROC_NOT_FOUND, "... with ERROR_PROC_NOT_FOUND (127)");
    ok(GetProcAddress(h, "DLL_LIB_ADD") == NULL, "GetProcAddress names are case-sensitive");

    /* GetProcAddress by ordinal (one past the first, so that an ordinal
     * mistaken for an index shows). */
    ordinal = export_ordinal(h, "dll_lib_name");
    diag("dll_lib_name has ordinal %u", ordinal);
    ok(ordinal > 1, "the export directory names dll_lib_name");
    by_ordinal = GetProcAddress(h, MAKEINTRESOURCEA(ordinal));
    ok(by_ordinal == (FARPROC)dll_lib_name && by_ordinal == GetProcAddress(h, "dll_lib_name"),
       "GetProcAddress by ordinal gives the export's address");
    ok(GetProcAddress(h, MAKEINTRESOURCEA(0xfff0)) == NULL, "GetProcAddress of an unused ordinal is NULL");

    /* LoadLibrary of a loaded DLL: same handle, DllMain not run again. */
    again = LoadLibraryA("dll_lib.dll");
    ok(again == h, "LoadLibraryA of the imported DLL returns its handle");
    is_int(dll_lib_attach_count, 1, "... without running DllMain again");
    ok(again && FreeLibrary(again), "FreeLibrary drops that reference");
    ok(GetModuleHandleA("dll_lib.dll") == h && dll_lib_detach_count == 0,
       "the DLL stays loaded for its import reference");

    SetLastError(0xdeadbeef);
    ok(LoadLibraryA("casement_nonexistent.dll") == NULL, "LoadLibraryA of a missing DLL is NULL");
    is_int(GetLastError(), ERROR_MOD_NOT_FOUND, "... with ERROR_MOD_NOT_FOUND (126)");

    /* kernel32 is a module like any other. */
    k32 = GetModuleHandleA("kernel32.dll");
    ok(k32 != NULL, "GetModuleHandleA(\"kernel32.dll\")");
    get_last_error = (DWORD (WINAPI *)(void))(void *)GetProcAddress(k32, "GetLastError");
    ok(get_last_error != NULL, "GetProcAddress(kernel32, \"GetLastError\")");
    SetLastError(0xbeef);
    ok(get_last_error && get_last_error() == 0xbeef, "calling it returns the value SetLastError set");

    return done();
}
