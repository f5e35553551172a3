/* files_case.c - case-insensitive names over a case-sensitive host file
 * system. The harness (tests/files.rs) creates Data.txt ("upper") and
 * data.TXT ("lower"), two names Windows would see as one: an exact
 * spelling must reach its own file, and any other spelling one of them. */
#include <windows.h>
#include <string.h>
#include "tap.h"

static const char *contents(const char *name, char *buf, DWORD size)
{
    HANDLE h = CreateFileA(name, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    DWORD n = 0;
    buf[0] = 0;
    if (h == INVALID_HANDLE_VALUE)
        return "(cannot open)";
    ReadFile(h, buf, size - 1, &n, NULL);
    buf[n] = 0;
    CloseHandle(h);
    return buf;
}

int main(void)
{
    char buf[32];
    is_str(contents("Data.txt", buf, sizeof buf), "upper", "Data.txt opens Data.txt");
    is_str(contents("data.TXT", buf, sizeof buf), "lower", "data.TXT opens data.TXT");
    const char *other = contents("DATA.TXT", buf, sizeof buf);
    ok(strcmp(other, "upper") == 0 || strcmp(other, "lower") == 0, "DATA.TXT opens one of them (%s)", other);
    char again[32];
    is_str(contents("dAtA.tXt", again, sizeof again), other, "and every other spelling the same one");
    is_str(contents(".\\DATA.txt", buf, sizeof buf), other, "also through .\\");
    return done();
}
