/*
 * missing_import.c - imports imp_f2, which imp_lib.dll does not export.
 *
 * Windows refuses to start the process: STATUS_ENTRYPOINT_NOT_FOUND
 * (0xC0000139), "The procedure entry point imp_f2 could not be located in
 * the dynamic link library imp_lib.dll". main never runs.
 */
#include <stdio.h>

__declspec(dllimport) int imp_f1(void);
__declspec(dllimport) int imp_f2(void);

int main(void)
{
    printf("main ran: %d %d\n", imp_f1(), imp_f2());
    return 0;
}
