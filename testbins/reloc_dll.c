/*
 * reloc_dll.c - the DLL of the relocation test (see reloc.c).
 *
 * The harness links it with -Wl,--image-base,0x140000000, the base the
 * executable also asks for, so the loader must map it elsewhere and apply
 * its base relocations. The tables below hold absolute addresses
 * (IMAGE_REL_BASED_DIR64 entries); the functions compute the same addresses
 * RIP-relative, which needs no relocation, so comparing the two shows
 * whether relocations were applied.
 */
#include <windows.h>

__declspec(dllexport) int reloc_dll_global = 1234;
static int reloc_dll_other = 5678;

static int add_one(int x) { return x + 1; }
static int times_two(int x) { return x * 2; }

struct reloc_entry {
    const char *name;
    int (*fn)(int);
    int *data;
};

/* Written to by nothing: lands in .rdata, which the loader must relocate
 * even though the section is read-only. */
__declspec(dllexport) const struct reloc_entry reloc_dll_const_table[] = {
    {"add_one", add_one, &reloc_dll_global},
    {"times_two", times_two, &reloc_dll_other},
};

/* Writable data with absolute pointers: lands in .data. */
__declspec(dllexport) void *reloc_dll_data_table[] = {
    &reloc_dll_global,
    &reloc_dll_other,
    (void *)add_one,
    (void *)times_two,
};

__declspec(dllexport) int *reloc_dll_global_address(void) { return &reloc_dll_global; }
__declspec(dllexport) int *reloc_dll_other_address(void) { return &reloc_dll_other; }

__declspec(dllexport) void *reloc_dll_function_address(int i)
{
    return i == 0 ? (void *)add_one : (void *)times_two;
}
