/*
 * fileio.c - file I/O through the C runtime (msvcrt's stdio).
 *
 * The harness runs this in a fresh, empty working directory and checks it
 * is empty again afterwards. Windows behaviour checked:
 *   - the process's current directory is an absolute DOS path, and a file
 *     is the same whether named relative to it or absolutely, with '\' or
 *     '/' separators, in any letter case;
 *   - text mode ("w", "r", "a") writes "\n" as "\r\n" and reads "\r\n"
 *     back as "\n"; binary mode ("wb", "rb") passes bytes through;
 *   - fseek/ftell with SEEK_SET, SEEK_CUR and SEEK_END; fread stops short at
 *     end of file, setting the end-of-file indicator, not the error one;
 *   - fopen of a missing file for reading fails with errno ENOENT; rename
 *     and remove work, and rename does not replace an existing file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "tap.h"

#define TEXT_FILE "fileio_text.tmp"
#define BIN_FILE "fileio_bin.tmp"
#define ABS_NAME "fileio_abs.tmp"
#define MISSING "fileio_missing.tmp"
#define RENAMED "fileio_renamed.tmp"

/* Reads a whole file in binary mode; returns its length or -1. */
static long slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    size_t n;
    if (!f)
        return -1;
    n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
    return (long)n;
}

/* Writes a string in the given mode; returns 1 on success. */
static int spill(const char *path, const char *mode, const char *text)
{
    FILE *f = fopen(path, mode);
    size_t len = strlen(text);
    if (!f)
        return 0;
    if (fwrite(text, 1, len, f) != len) {
        fclose(f);
        return 0;
    }
    return fclose(f) == 0;
}

static void test_text_mode(void)
{
    char buf[256];
    FILE *f;

    ok(spill(TEXT_FILE, "w", "line one\nline two\n"), "fopen \"w\", fwrite, fclose");
    is_int(slurp(TEXT_FILE, buf, sizeof buf), 20, "text mode wrote 20 bytes for 18 characters");
    is_str(buf, "line one\r\nline two\r\n", "on disk each \\n is \\r\\n");

    f = fopen(TEXT_FILE, "r");
    ok(f != NULL, "fopen \"r\"");
    if (!f)
        return;
    is_str(fgets(buf, sizeof buf, f), "line one\n", "fgets in text mode reads \\r\\n as \\n");
    is_int(fread(buf, 1, sizeof buf, f), 9, "fread in text mode reads the rest as 9 characters");
    buf[9] = '\0';
    is_str(buf, "line two\n", "... ending in \\n");
    ok(feof(f) && !ferror(f), "short fread: end of file, no error");
    ok(fgets(buf, sizeof buf, f) == NULL, "fgets at end of file returns NULL");
    fclose(f);

    /* "a" appends at the end, still in text mode. */
    ok(spill(TEXT_FILE, "a", "line three\n"), "fopen \"a\" appends");
    is_int(slurp(TEXT_FILE, buf, sizeof buf), 32, "the file grew by 12 bytes");
    is_str(buf, "line one\r\nline two\r\nline three\r\n", "appended text follows the old");

    /* fprintf and fputs format into the stream. */
    f = fopen(TEXT_FILE, "w");
    ok(f != NULL, "fopen \"w\" truncates");
    if (!f)
        return;
    is_int(fprintf(f, "%d-%s-%.2f|%5s|%-3d|%x\n", 42, "abc", 1.5, "r", 7, 255), 25,
           "fprintf returns the characters written (before \\n translation)");
    ok(fputs("put\n", f) >= 0, "fputs returns a non-negative value");
    is_int(fclose(f), 0, "fclose returns 0");
    slurp(TEXT_FILE, buf, sizeof buf);
    is_str(buf, "42-abc-1.50|    r|7  |ff\r\nput\r\n", "fprintf and fputs wrote the expected text");

    is_int(remove(TEXT_FILE), 0, "remove returns 0");
    errno = 0;
    f = fopen(TEXT_FILE, "r");
    ok(f == NULL && errno == ENOENT, "a removed file is gone");
}

static void test_binary_mode(void)
{
    unsigned char data[256], back[300];
    FILE *f;
    int i, same;

    for (i = 0; i < 256; ++i)
        data[i] = (unsigned char)i;
    f = fopen(BIN_FILE, "wb");
    ok(f != NULL, "fopen \"wb\"");
    if (!f)
        return;
    is_int(fwrite(data, 1, 256, f), 256, "fwrite of 256 bytes (including \\n and \\x1a)");
    is_int(ftell(f), 256, "ftell after writing is 256");
    fclose(f);

    f = fopen(BIN_FILE, "rb");
    ok(f != NULL, "fopen \"rb\"");
    if (!f)
        return;
    is_int(fread(back, 1, sizeof back, f), 256, "fread in binary mode reads all 256 bytes");
    same = memcmp(data, back, 256) == 0;
    ok(same, "binary mode reads back the bytes written");
    ok(feof(f) && !ferror(f), "end of file, no error");
    clearerr(f);
    ok(!feof(f), "clearerr resets the end-of-file indicator");

    /* Seeking. */
    is_int(fseek(f, 0, SEEK_END), 0, "fseek SEEK_END");
    is_int(ftell(f), 256, "ftell at the end is the file size");
    fseek(f, -16, SEEK_END);
    is_int(ftell(f), 240, "fseek -16 from SEEK_END");
    is_int(fgetc(f), 240, "fgetc there reads byte 240");
    fseek(f, 10, SEEK_SET);
    fseek(f, 5, SEEK_CUR);
    is_int(ftell(f), 15, "fseek 10 SEEK_SET then 5 SEEK_CUR is at 15");
    is_int(fgetc(f), 15, "fgetc reads byte 15 and advances");
    is_int(ftell(f), 16, "ftell is 16");

    /* ungetc pushes one character back in front of the stream. */
    is_int(ungetc('X', f), 'X', "ungetc returns the character pushed back");
    is_int(fgetc(f), 'X', "fgetc returns the pushed-back character");
    is_int(fgetc(f), 16, "then the stream continues where it was");

    fseek(f, 0, SEEK_END);
    is_int(fgetc(f), EOF, "fgetc at end of file returns EOF");
    ok(feof(f) && !ferror(f), "feof is set, ferror is not");
    fclose(f);

    /* fputc writes single bytes; "r+b" updates in place. */
    f = fopen(BIN_FILE, "r+b");
    ok(f != NULL, "fopen \"r+b\"");
    if (!f)
        return;
    fseek(f, 100, SEEK_SET);
    is_int(fputc('Z', f), 'Z', "fputc returns the character written");
    fseek(f, 100, SEEK_SET);
    is_int(fgetc(f), 'Z', "the byte was overwritten in place");
    fseek(f, 0, SEEK_END);
    is_int(ftell(f), 256, "updating did not change the size");
    fclose(f);
}

static void test_paths(void)
{
    char cwd[MAX_PATH], path[MAX_PATH + 32], buf[64];
    FILE *f;
    int rc, err;
    DWORD len = GetCurrentDirectoryA(sizeof cwd, cwd);

    diag("current directory: %s", cwd);
    ok(len > 2 && len == strlen(cwd) && cwd[1] == ':' && cwd[2] == '\\',
       "GetCurrentDirectoryA returns an absolute path and its length");
    snprintf(path, sizeof path, "%s%s%s", cwd, cwd[len - 1] == '\\' ? "" : "\\", ABS_NAME);

    ok(spill(path, "wb", "absolute"), "write through the absolute path %s", path);
    is_int(slurp(ABS_NAME, buf, sizeof buf), 8, "read it back through the relative name");
    is_str(buf, "absolute", "same contents");
    ok(spill("./" ABS_NAME, "wb", "relative"), "write through ./name with a forward slash");
    is_int(slurp(path, buf, sizeof buf), 8, "read it back through the absolute path");
    is_str(buf, "relative", "same contents");
    is_int(slurp("FILEIO_ABS.TMP", buf, sizeof buf), 8, "file names are case-insensitive");

    /* Missing files. */
    errno = 0;
    f = fopen(MISSING, "r");
    err = errno;
    ok(f == NULL, "fopen of a missing file for reading returns NULL");
    is_int(err, ENOENT, "... with errno ENOENT");
    errno = 0;
    rc = remove(MISSING);
    err = errno;
    is_int(rc, -1, "remove of a missing file returns -1");
    is_int(err, ENOENT, "... with errno ENOENT");

    /* rename moves; it does not replace an existing file. */
    is_int(rename(ABS_NAME, RENAMED), 0, "rename returns 0");
    ok(slurp(ABS_NAME, buf, sizeof buf) == -1, "the old name is gone");
    ok(slurp(RENAMED, buf, sizeof buf) == 8 && strcmp(buf, "relative") == 0,
       "the new name has the contents");
    ok(rename(RENAMED, BIN_FILE) != 0, "rename onto an existing file fails");
    ok(slurp(RENAMED, buf, sizeof buf) == 8, "... and leaves the source in place");

    is_int(remove(RENAMED), 0, "remove the renamed file");
    is_int(remove(BIN_FILE), 0, "remove the binary file");
}

int main(void)
{
    plan(62);
    test_text_mode();
    test_binary_mode();
    test_paths();
    return done();
}
