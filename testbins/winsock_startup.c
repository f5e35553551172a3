/*
 * winsock_startup.c - Windows Sockets start-up bookkeeping as the
 * WSAStartup/WSACleanup documentation describes it: version negotiation,
 * WSADATA, the start count, and the thread's error code.
 */
#include <winsock2.h>
#include <windows.h>
#include "tap.h"

int main(void)
{
    WSADATA d;
    plan(12);
    memset(&d, 0xAA, sizeof d);
    is_int(WSAStartup(MAKEWORD(2, 2), &d), 0, "WSAStartup(2.2) succeeds");
    is_int(d.wVersion, MAKEWORD(2, 2), "wVersion is the version asked for");
    is_int(d.wHighVersion, MAKEWORD(2, 2), "wHighVersion is 2.2");
    is_str(d.szSystemStatus, "Running", "szSystemStatus");
    ok(d.szDescription[0] != 0 && strlen(d.szDescription) <= WSADESCRIPTION_LEN, "szDescription is a string");
    is_int(WSAStartup(MAKEWORD(1, 1), &d), 0, "WSAStartup(1.1) succeeds too");
    is_int(d.wVersion, MAKEWORD(1, 1), "and uses 1.1");
    is_int(WSAStartup(MAKEWORD(3, 0), &d), 0, "a version above 2.2 is answered with 2.2");
    is_int(d.wVersion, MAKEWORD(2, 2), "wVersion then is 2.2");
    is_int(WSAStartup(MAKEWORD(0, 9), &d), WSAVERNOTSUPPORTED, "version 0.9 is WSAVERNOTSUPPORTED");
    /* Three successful starts: three cleanups succeed, the fourth fails. */
    ok(WSACleanup() == 0 && WSACleanup() == 0 && WSACleanup() == 0, "each start is matched by one cleanup");
    ok(WSACleanup() == SOCKET_ERROR && WSAGetLastError() == WSANOTINITIALISED,
       "one cleanup too many fails with WSANOTINITIALISED");
    return done();
}
