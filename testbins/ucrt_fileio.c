/*
 * ucrt_fileio.c - streams and low-level I/O of a UCRT program: fopen
 * modes, fwrite/fread, fputs/fgets, fprintf/fscanf, fseek/ftell, text-mode
 * CR/LF translation, _fileno/_isatty/_open/_read/_close, errno for a
 * missing file, stdin/stdout/stderr through __acrt_iob_func. Built against
 * ucrtbase (tests/ucrt.rs runs it in a scratch directory).
 */
#include <errno.h>
#include <fcntl.h>
#include <direct.h>
#include <io.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <sys/stat.h>
#include <time.h>
#include "tap.h"

int main(void)
{
    char line[64];
    plan(43);

    FILE *f = fopen("ucrt_fileio.txt", "w");
    ok(f != NULL, "fopen for writing");
    is_int(fputs("first line\n", f), 0, "fputs");
    is_int(fprintf(f, "%d %s %.2f\n", 42, "word", 2.5), 13, "fprintf returns the count");
    is_int((int)fwrite("raw\n", 1, 4, f), 4, "fwrite");
    is_int(fclose(f), 0, "fclose");

    f = fopen("ucrt_fileio.txt", "rb");
    ok(f != NULL, "fopen for reading, binary");
    size_t n = fread(line, 1, sizeof line - 1, f);
    line[n] = 0;
    is_str(line, "first line\r\n42 word 2.50\r\nraw\r\n", "text mode wrote CR LF");
    is_int((int)ftell(f), (int)n, "ftell at the end");
    fclose(f);

    /* File status. */
    struct _stat64 st;
    ok(_stat64("ucrt_fileio.txt", &st) == 0 && (st.st_mode & _S_IFMT) == _S_IFREG &&
           st.st_size == (long long)n && (st.st_mode & (_S_IREAD | _S_IWRITE)) == (_S_IREAD | _S_IWRITE) &&
           st.st_nlink == 1,
       "_stat64 of the file: regular, its size, readable and writable");
    time_t now = time(NULL);
    ok(st.st_mtime <= now + 2 && st.st_mtime >= now - 120, "... modified just now");
    struct stat plain;
    ok(stat(".", &plain) == 0 && (plain.st_mode & _S_IFMT) == _S_IFDIR && (plain.st_mode & _S_IEXEC),
       "stat of a directory");
    errno = 0;
    ok(_stat64("missing.txt", &st) == -1 && errno == ENOENT, "_stat64 of a missing file: ENOENT");
    errno = 0;
    ok(_stat64("ucrt_*.txt", &st) == -1 && errno == ENOENT, "_stat64 of a wildcard: ENOENT");
    f = fopen("ucrt_fileio.txt", "r");
    ok(_fstat64(_fileno(f), &st) == 0 && st.st_size == (long long)n && (st.st_mode & _S_IFMT) == _S_IFREG,
       "_fstat64 of an open file");
    fclose(f);
    errno = 0;
    ok(_fstat64(99, &st) == -1 && errno == EBADF, "_fstat64 of a bad descriptor: EBADF");

    f = fopen("ucrt_fileio.txt", "r");
    is_str(fgets(line, sizeof line, f), "first line\n", "fgets in text mode drops the CR");
    int num = 0;
    char word[16] = "";
    double d = 0;
    ok(fscanf(f, "%d %15s %lf", &num, word, &d) == 3 && num == 42 && !strcmp(word, "word") &&
           d == 2.5,
       "fscanf");
    is_int(fseek(f, 0, SEEK_SET), 0, "fseek to the start");
    is_int(fgetc(f), 'f', "fgetc after fseek");
    ok(_fileno(f) > 2, "_fileno of a file is past the standard ones");
    is_int(_isatty(_fileno(f)), 0, "a file is not a tty");
    fclose(f);

    int fd = _open("ucrt_fileio.txt", _O_RDONLY | _O_BINARY);
    ok(fd >= 0, "_open");
    is_int(_read(fd, line, 5), 5, "_read");
    ok(memcmp(line, "first", 5) == 0, "_read's bytes");
    is_int(_close(fd), 0, "_close");

    /* Wide characters through a text stream (ANSI code page bytes). */
    f = fopen("ucrt_fileio.txt", "w");
    ok(fputws(L"wide line\n", f) == 0 && fputwc(L'x', f) == L'x', "fputws and fputwc");
    fclose(f);
    f = fopen("ucrt_fileio.txt", "r");
    wchar_t wl[32];
    ok(fgetws(wl, 32, f) && !wcscmp(wl, L"wide line\n"), "fgetws reads through the newline");
    ok(fgetwc(f) == L'x' && fgetwc(f) == WEOF, "fgetwc, then WEOF");
    fclose(f);
    f = fopen("ucrt_fileio.txt", "r");
    int wn = 0;
    wchar_t ww[16];
    ok(fwscanf(f, L"%ls %ls %d", ww, wl, &wn) == 2 && !wcscmp(ww, L"wide") && !wcscmp(wl, L"line"),
       "fwscanf stops at a field that does not match");
    ok(fgetwc(f) == L'x' && fgetwc(f) == WEOF, "... the blanks %%d skipped gone, the 'x' pushed back");
    fclose(f);

    /* Wide paths. */
    ok(_wmkdir(L"dir\u00e9") == 0 && _waccess(L"dir\u00e9", 0) == 0, "_wmkdir and _waccess");
    errno = 0;
    ok(_wmkdir(L"dir\u00e9") == -1 && errno == EEXIST, "_wmkdir of an existing directory: EEXIST");
    ok(_wchdir(L"dir\u00e9") == 0, "_wchdir");
    wchar_t *cwd = _wgetcwd(NULL, 0);
    ok(cwd && wcslen(cwd) > 4 && !wcscmp(cwd + wcslen(cwd) - 4, L"dir\u00e9"), "_wgetcwd allocates the path");
    free(cwd);
    ok(_wchdir(L"..") == 0, "_wchdir back");
    f = _wfopen(L"w\u00e9.txt", L"w");
    fclose(f);
    ok(_wrename(L"w\u00e9.txt", L"dir\u00e9\\moved.txt") == 0 && _waccess(L"dir\u00e9\\moved.txt", 6) == 0,
       "_wrename into the directory");
    errno = 0;
    ok(_wrmdir(L"dir\u00e9") == -1 && errno == ENOTEMPTY, "_wrmdir of a non-empty directory: ENOTEMPTY");
    ok(_wremove(L"dir\u00e9\\moved.txt") == 0 && _wrmdir(L"dir\u00e9") == 0, "_wremove and _wrmdir");
    errno = 0;
    ok(_waccess(L"dir\u00e9", 0) == -1 && errno == ENOENT, "_waccess of what is gone: ENOENT");

    errno = 0;
    ok(fopen("no-such-file.txt", "r") == NULL && errno == ENOENT, "fopen of a missing file: ENOENT");
    is_int(remove("ucrt_fileio.txt"), 0, "remove");

    ok(stdout == __acrt_iob_func(1) && _fileno(stdout) == 1 && _fileno(stderr) == 2,
       "stdout and stderr are descriptors 1 and 2");
    is_int(fputs("to stderr\n", stderr), 0, "fputs to stderr");
    return done();
}
