/*
 * missing_k32_import.c - imports KERNEL32.dll!CasementNoSuchFunction, which
 * no kernel32 exports (linked against an import library made from
 * kernel32_nosuch.def).
 *
 * Windows refuses to start the process with STATUS_ENTRYPOINT_NOT_FOUND
 * (0xC0000139); main never runs.
 */
#include <stdio.h>

__declspec(dllimport) int CasementNoSuchFunction(void);

int main(void)
{
    printf("main ran: %d\n", CasementNoSuchFunction());
    return 0;
}
