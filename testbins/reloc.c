/*
 * reloc.c - base relocation of a DLL whose preferred base is taken.
 *
 * reloc_dll.dll is linked at 0x140000000, the executable's own base, so it
 * cannot load there: Windows maps it at another address (aligned to the
 * 64 KiB allocation granularity) and applies its base relocations, fixing
 * every absolute address in it. The executable's own absolute pointers (a
 * static table of function pointers) must work too, wherever it loaded.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "tap.h"

#define RELOC_DLL_PREFERRED_BASE 0x140000000ull

struct reloc_entry {
    const char *name;
    int (*fn)(int);
    int *data;
};

__declspec(dllimport) extern int reloc_dll_global;
__declspec(dllimport) extern const struct reloc_entry reloc_dll_const_table[];
__declspec(dllimport) extern void *reloc_dll_data_table[];
__declspec(dllimport) int *reloc_dll_global_address(void);
__declspec(dllimport) int *reloc_dll_other_address(void);
__declspec(dllimport) void *reloc_dll_function_address(int i);

static int exe_square(int x) { return x * x; }
static int exe_negate(int x) { return -x; }

/* The executable's own absolute pointers. volatile keeps the compiler from
 * folding the calls into direct ones. */
static int (*volatile exe_table[])(int) = {exe_square, exe_negate};
static const char *volatile exe_strings[] = {"first", "second"};

static uintptr_t image_size(HMODULE module)
{
    const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)module;
    const IMAGE_NT_HEADERS64 *nt = (const IMAGE_NT_HEADERS64 *)((const char *)module + dos->e_lfanew);
    return nt->OptionalHeader.SizeOfImage;
}

static int inside(const void *p, HMODULE module, uintptr_t size)
{
    return (uintptr_t)p >= (uintptr_t)module && (uintptr_t)p < (uintptr_t)module + size;
}

int main(void)
{
    HMODULE exe = GetModuleHandleA(NULL);
    HMODULE dll = GetModuleHandleA("reloc_dll.dll");
    uintptr_t size;
    int *global;

    plan(19);
    diag("exe at %p, reloc_dll.dll at %p", (void *)exe, (void *)dll);
    ok(dll != NULL, "reloc_dll.dll is loaded");
    if (!dll)
        return done();
    size = image_size(dll);

    ok(dll != exe, "the DLL is not at the executable's base");
    ok((uintptr_t)dll != RELOC_DLL_PREFERRED_BASE, "the DLL is not at its taken preferred base");
    is_int((uintptr_t)dll & 0xffff, 0, "the DLL base is 64 KiB aligned");

    global = reloc_dll_global_address();
    ok(inside(global, dll, size), "a DLL global (RIP-relative) lies inside the DLL's image");
    ok(&reloc_dll_global == global, "the imported data address matches");
    is_int(*global, 1234, "the global holds its initial value");

    /* Absolute addresses in .data. */
    ok(reloc_dll_data_table[0] == global, "relocated .data pointer to the global");
    ok(reloc_dll_data_table[1] == reloc_dll_other_address(), "relocated .data pointer to a static");
    ok(reloc_dll_data_table[2] == reloc_dll_function_address(0), "relocated .data function pointer");
    is_int(((int (*)(int))reloc_dll_data_table[3])(21), 42, "calling through a relocated pointer");

    /* Absolute addresses in read-only .rdata. */
    ok(reloc_dll_const_table[0].data == global, "relocated .rdata pointer to the global");
    ok(inside(reloc_dll_const_table[1].name, dll, size) &&
           strcmp(reloc_dll_const_table[1].name, "times_two") == 0,
       "relocated .rdata string pointer");
    ok((void *)reloc_dll_const_table[1].fn == reloc_dll_function_address(1),
       "relocated .rdata function pointer");
    is_int(reloc_dll_const_table[0].fn(41), 42, "call through .rdata pointer 0");
    is_int(reloc_dll_const_table[1].fn(21), 42, "call through .rdata pointer 1");

    /* The executable's own absolute pointers. */
    ok(inside((void *)exe_table[0], exe, image_size(exe)), "the exe's function table points into it");
    ok(exe_table[0](6) == 36 && exe_table[1](6) == -6, "calls through the exe's table");
    ok(strcmp(exe_strings[0], "first") == 0 && strcmp(exe_strings[1], "second") == 0,
       "the exe's string table");

    return done();
}
