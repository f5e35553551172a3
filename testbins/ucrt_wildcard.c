/*
 * ucrt_wildcard.c - wildcard expansion of the arguments, as a program
 * linked with setargv.obj asks for it (_configure_narrow_argv with
 * _crt_argv_expanded_arguments): each pattern becomes the names it
 * matches, with its directory part; a pattern matching nothing stays.
 * tests/ucrt.rs runs it in a directory holding wa.txt, WB.txt, c.dat and
 * sub/x.c, with the arguments "w*.txt" "none*.zzz" "sub\\?.c" "plain".
 */
#include <stdlib.h>
#include <string.h>
#include "tap.h"

int __cdecl _configure_narrow_argv(int mode);

int main(void)
{
    plan(7);
    is_int(_configure_narrow_argv(2), 0, "_configure_narrow_argv(_crt_argv_expanded_arguments)");
    is_int(__argc, 6, "__argc counts the matches");
    is_str(__argv[1], "wa.txt", "first match");
    is_str(__argv[2], "WB.txt", "second match (case-insensitive order)");
    is_str(__argv[3], "none*.zzz", "a pattern with no match stays");
    is_str(__argv[4], "sub\\x.c", "the directory part is kept");
    is_str(__argv[5], "plain", "plain arguments are untouched");
    return done();
}
