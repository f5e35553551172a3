/*
 * sections.c - file mappings and views (memoryapi.h / winbase.h): one file
 * mapped through two views and written through a second file handle, every
 * write seen everywhere; offsets, sizes, protections, copy-on-write, named
 * and paging-file mappings, FlushViewOfFile, UnmapViewOfFile, and the
 * errors Windows gives for misuse.
 */
#include <windows.h>
#include "tap.h"

#define FILE_NAME "sections_test.bin"
#define SIZE (3 * 65536)

static MEMORY_BASIC_INFORMATION q(const void *p)
{
    MEMORY_BASIC_INFORMATION m;
    memset(&m, 0, sizeof m);
    VirtualQuery(p, &m, sizeof m);
    return m;
}

int main(void)
{
    plan(51);
    DeleteFileA(FILE_NAME);
    HANDLE f = CreateFileA(FILE_NAME, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                           CREATE_ALWAYS, 0, NULL);
    ok(f != INVALID_HANDLE_VALUE, "create the file");
    static char buf[SIZE];
    for (int i = 0; i < SIZE; i++)
        buf[i] = (char)(i % 251);
    DWORD n = 0;
    ok(WriteFile(f, buf, SIZE, &n, NULL) && n == SIZE, "write %d bytes", SIZE);

    HANDLE m = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    ok(m != NULL, "CreateFileMapping(PAGE_READWRITE) of the whole file");
    char *v1 = MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    char *v2 = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    ok(v1 && v2 && v1 != v2, "two views at two addresses (%p, %p)", v1, v2);
    ok(((ULONG_PTR)v1 & 0xFFFF) == 0 && ((ULONG_PTR)v2 & 0xFFFF) == 0, "views start at 64 KiB boundaries");
    ok(v1 && memcmp(v1, buf, SIZE) == 0, "the view shows the file's contents");
    MEMORY_BASIC_INFORMATION mi = q(v1 + 5000);
    ok(mi.Type == MEM_MAPPED && mi.State == MEM_COMMIT && mi.AllocationBase == v1 && mi.Protect == PAGE_READWRITE
           && mi.AllocationProtect == PAGE_READWRITE,
       "VirtualQuery: mapped, committed, read-write (type %lx protect %lx)", mi.Type, mi.Protect);
    ok(mi.BaseAddress == v1 + 4096 && mi.RegionSize == SIZE - 4096, "the view's region size");

    /* Coherence: view to view, view to file, file to view. */
    v1[100] = 'A';
    ok(v2[100] == 'A', "a write through one view shows in the other");
    HANDLE f2 = CreateFileA(FILE_NAME, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                            OPEN_EXISTING, 0, NULL);
    ok(f2 != INVALID_HANDLE_VALUE, "a second handle to the file");
    char c = 0;
    SetFilePointer(f2, 100, NULL, FILE_BEGIN);
    ok(ReadFile(f2, &c, 1, &n, NULL) && n == 1 && c == 'A', "ReadFile through the second handle sees the view's write");
    SetFilePointer(f2, 70000, NULL, FILE_BEGIN);
    ok(WriteFile(f2, "XYZ", 3, &n, NULL) && n == 3, "WriteFile through the second handle");
    ok(!memcmp(v1 + 70000, "XYZ", 3) && !memcmp(v2 + 70000, "XYZ", 3), "both views see the file write");
    ok(FlushViewOfFile(v1, 0), "FlushViewOfFile of the whole view");
    ok(FlushViewOfFile(v1 + 4096, 10), "FlushViewOfFile of part of it");

    /* Views at an offset. */
    char *v3 = MapViewOfFile(m, FILE_MAP_READ, 0, 65536, 8000);
    ok(v3 && v3[70000 - 65536] == 'X' && v3[1] == buf[65537], "a view at offset 64 KiB");
    ok(q(v3).RegionSize == 8192 && q(v3).Protect == PAGE_READONLY, "an 8000-byte read-only view spans two pages");
    SetLastError(0);
    ok(MapViewOfFile(m, FILE_MAP_READ, 0, 4096, 4096) == NULL && GetLastError() == ERROR_MAPPED_ALIGNMENT,
       "an offset off the 64 KiB granularity: ERROR_MAPPED_ALIGNMENT (%lu)", GetLastError());
    ok(MapViewOfFile(m, FILE_MAP_READ, 0, 0, SIZE + 1) == NULL && GetLastError() == ERROR_ACCESS_DENIED,
       "a view larger than the mapping: ERROR_ACCESS_DENIED (%lu)", GetLastError());
    ok(MapViewOfFile(m, FILE_MAP_READ, 0, SIZE + 65536, 0) == NULL, "an offset past the end fails");

    /* Copy-on-write view. */
    char *cw = MapViewOfFile(m, FILE_MAP_COPY, 0, 0, 0);
    ok(cw && q(cw).Protect == PAGE_WRITECOPY, "FILE_MAP_COPY view is PAGE_WRITECOPY (%lx)", q(cw).Protect);
    v1[200] = 'B';
    ok(cw && cw[200] == 'B', "an unwritten copy-on-write page follows the file");
    cw[300] = 'C';
    ok(v1[300] != 'C' && v2[300] != 'C', "a copy-on-write write stays private");
    ok(q(cw).Protect == PAGE_READWRITE && q(cw).RegionSize == 4096, "the written page becomes PAGE_READWRITE (%lx)", q(cw).Protect);
    ok(q(cw + 4096).Protect == PAGE_WRITECOPY, "the next page is still PAGE_WRITECOPY");
    UnmapViewOfFile(cw);

    /* VirtualProtect inside a view follows the mapping's protection. */
    DWORD old;
    ok(VirtualProtect(v1, 4096, PAGE_READONLY, &old) && old == PAGE_READWRITE, "VirtualProtect a view page read-only");
    ok(!VirtualProtect(v1, 4096, PAGE_EXECUTE_READWRITE, &old), "but not beyond the mapping's protection");
    VirtualProtect(v1, 4096, PAGE_READWRITE, &old);

    /* Unmapping; the views outlive the mapping handle. */
    ok(CloseHandle(m), "close the mapping handle");
    v2[400] = 'D';
    SetFilePointer(f2, 400, NULL, FILE_BEGIN);
    ok(ReadFile(f2, &c, 1, &n, NULL) && c == 'D', "a view stays live after its mapping handle is closed");
    ok(UnmapViewOfFile(v1 + 123), "UnmapViewOfFile with an address inside the view");
    ok(q(v1).State == MEM_FREE, "the unmapped view is free");
    SetLastError(0);
    ok(!UnmapViewOfFile(v1) && GetLastError() == ERROR_INVALID_ADDRESS,
       "unmapping it again: ERROR_INVALID_ADDRESS (%lu)", GetLastError());
    UnmapViewOfFile(v2);
    UnmapViewOfFile(v3);

    /* Protection rules. */
    HANDLE ro = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
    ok(ro != NULL, "a read-only mapping");
    ok(MapViewOfFile(ro, FILE_MAP_WRITE, 0, 0, 0) == NULL && GetLastError() == ERROR_ACCESS_DENIED,
       "a writable view of it: ERROR_ACCESS_DENIED (%lu)", GetLastError());
    CloseHandle(ro);
    ok(CreateFileMappingA(f, NULL, PAGE_EXECUTE, 0, 0, NULL) == NULL && GetLastError() == ERROR_INVALID_PARAMETER,
       "PAGE_EXECUTE mapping: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    HANDLE grow = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, SIZE + 65536, NULL);
    ok(grow != NULL && GetFileSize(f, NULL) == SIZE + 65536, "a larger read-write mapping grows the file (%lu)", GetFileSize(f, NULL));
    CloseHandle(grow);
    HANDLE empty = CreateFileA("sections_empty.bin", GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    ok(CreateFileMappingA(empty, NULL, PAGE_READWRITE, 0, 0, NULL) == NULL && GetLastError() == ERROR_FILE_INVALID,
       "mapping an empty file with size 0: ERROR_FILE_INVALID (%lu)", GetLastError());
    CloseHandle(empty);
    DeleteFileA("sections_empty.bin");

    /* Paging-file backed, named. */
    ok(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0, NULL) == NULL
           && GetLastError() == ERROR_INVALID_PARAMETER,
       "a paging-file mapping needs a size: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    HANDLE p1 = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 100000, "Local\\casement_mm_sections");
    ok(p1 && GetLastError() == 0, "a named paging-file mapping");
    HANDLE p2 = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 100000, "Local\\casement_mm_sections");
    ok(p2 && GetLastError() == ERROR_ALREADY_EXISTS, "creating it again opens it: ERROR_ALREADY_EXISTS");
    HANDLE p3 = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, "Local\\casement_mm_sections");
    ok(p3 != NULL, "OpenFileMapping by name");
    char *a = MapViewOfFile(p1, FILE_MAP_ALL_ACCESS, 0, 0, 0), *b = MapViewOfFile(p3, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    ok(a && b && a[99999] == 0, "paging-file memory starts zeroed");
    strcpy(a + 65536, "shared");
    ok(b && !strcmp(b + 65536, "shared"), "views through different handles share the memory");
    ok(OpenFileMappingA(FILE_MAP_READ, FALSE, "Local\\casement_mm_nonexistent") == NULL && GetLastError() == ERROR_FILE_NOT_FOUND,
       "OpenFileMapping of a missing name: ERROR_FILE_NOT_FOUND (%lu)", GetLastError());
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, "Local\\casement_mm_event");
    ok(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, "Local\\casement_mm_event") == NULL
           && GetLastError() == ERROR_INVALID_HANDLE,
       "a name taken by an event: ERROR_INVALID_HANDLE (%lu)", GetLastError());
    CloseHandle(ev);

    /* SEC_RESERVE: views start reserved and are committed with VirtualAlloc. */
    HANDLE r = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0, 65536, NULL);
    char *rv = r ? MapViewOfFile(r, FILE_MAP_ALL_ACCESS, 0, 0, 0) : NULL;
    ok(rv && q(rv).State == MEM_RESERVE && q(rv).Type == MEM_MAPPED, "a SEC_RESERVE view is reserved");
    ok(rv && VirtualAlloc(rv, 4096, MEM_COMMIT, PAGE_READWRITE) == rv && q(rv).State == MEM_COMMIT,
       "VirtualAlloc(MEM_COMMIT) commits a page of it");
    if (rv)
        rv[10] = 1;

    /* SEC_IMAGE: this program's own file, mapped as an image the way the
     * loader maps it. */
    char self[MAX_PATH];
    GetModuleFileNameA(NULL, self, MAX_PATH);
    HANDLE sf = CreateFileA(self, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE img = CreateFileMappingA(sf, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL);
    ok(img != NULL, "CreateFileMapping(SEC_IMAGE) of this program");
    unsigned char *iv = img ? MapViewOfFile(img, FILE_MAP_READ, 0, 0, 0) : NULL;
    ok(iv && iv[0] == 'M' && iv[1] == 'Z' && iv != (unsigned char *)GetModuleHandleA(NULL),
       "MapViewOfFile of it: a second copy of the image (%p)", iv);
    IMAGE_NT_HEADERS64 *nt = iv ? (IMAGE_NT_HEADERS64 *)(iv + ((IMAGE_DOS_HEADER *)iv)->e_lfanew) : NULL;
    ok(iv && q(iv).Type == MEM_IMAGE && q(iv).AllocationBase == iv
           && q(iv + nt->OptionalHeader.BaseOfCode).Protect == PAGE_EXECUTE_READ,
       "the view is MEM_IMAGE with its code execute-read");
    ok(iv && UnmapViewOfFile(iv) && q(iv).State == MEM_FREE, "UnmapViewOfFile of the image view");
    CloseHandle(img);
    CloseHandle(sf);

    UnmapViewOfFile(a);
    UnmapViewOfFile(b);
    CloseHandle(f);
    CloseHandle(f2);
    DeleteFileA(FILE_NAME);
    return done();
}
