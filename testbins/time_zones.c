/*
 * time_zones.c - calendar time and time zones: FILETIME <-> SYSTEMTIME,
 * CompareFileTime, the clock setters, GetTimeZoneInformation and the
 * conversions between UTC and local time across daylight-saving changes.
 *
 * Usage: time_zones.exe utc|new_york|berlin - the zone the process runs in
 * (the test harness sets TZ to match); expectations are the Windows rules of
 * those zones ("UTC", "Eastern Standard Time", "W. Europe Standard Time").
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>
#include "tap.h"

typedef LONG(NTAPI *query_system_information_fn)(ULONG, void *, ULONG, ULONG *);

static ULONGLONG ft_u64(FILETIME ft)
{
    return (ULONGLONG)ft.dwHighDateTime << 32 | ft.dwLowDateTime;
}

static FILETIME u64_ft(ULONGLONG v)
{
    FILETIME ft = {(DWORD)v, (DWORD)(v >> 32)};
    return ft;
}

static SYSTEMTIME st(WORD y, WORD mo, WORD d, WORD h, WORD mi)
{
    SYSTEMTIME s = {y, mo, 0, d, h, mi, 0, 0};
    return s;
}

/* "Y-M-D h:m" of a SYSTEMTIME, for comparisons that show what went wrong. */
static const char *fmt(const SYSTEMTIME *s)
{
    static char buf[4][64];
    static int n;
    char *b = buf[n++ % 4];
    snprintf(b, 64, "%04u-%02u-%02u %02u:%02u dow %u", s->wYear, s->wMonth, s->wDay, s->wHour,
              s->wMinute, s->wDayOfWeek);
    return b;
}

static void to_local(TIME_ZONE_INFORMATION *tz, SYSTEMTIME utc, const char *want, const char *what)
{
    SYSTEMTIME local;
    BOOL r = SystemTimeToTzSpecificLocalTime(tz, &utc, &local);
    ok(r, "%s: SystemTimeToTzSpecificLocalTime succeeds", what);
    is_str(r ? fmt(&local) : "", want, "%s: local time", what);
}

static void to_utc(TIME_ZONE_INFORMATION *tz, SYSTEMTIME local, const char *want, const char *what)
{
    SYSTEMTIME utc;
    BOOL r = TzSpecificLocalTimeToSystemTime(tz, &local, &utc);
    ok(r, "%s: TzSpecificLocalTimeToSystemTime succeeds", what);
    is_str(r ? fmt(&utc) : "", want, "%s: UTC time", what);
}

static void is_rule(const SYSTEMTIME *got, WORD month, WORD occurrence, WORD hour, const char *what)
{
    ok(got->wYear == 0 && got->wMonth == month && got->wDayOfWeek == 0 && got->wDay == occurrence &&
           got->wHour == hour && got->wMinute == 0,
       "%s is Sunday #%u of month %u at %u:00 (got %u/%u dow %u #%u %u:%02u)", what, occurrence, month,
       hour, got->wYear, got->wMonth, got->wDayOfWeek, got->wDay, got->wHour, got->wMinute);
}

static void conversions(void)
{
    SYSTEMTIME s;
    FILETIME ft;

    /* 1601-01-01 (a Monday) is FILETIME 0; 1970-01-01 (a Thursday) is
     * 116444736000000000. */
    ft = u64_ft(0);
    ok(FileTimeToSystemTime(&ft, &s), "FileTimeToSystemTime(0)");
    is_str(fmt(&s), "1601-01-01 00:00 dow 1", "FILETIME 0 is 1601-01-01, a Monday");
    ft = u64_ft(116444736000000000ULL + 10000ULL * 1234);
    ok(FileTimeToSystemTime(&ft, &s), "FileTimeToSystemTime(1970)");
    is_str(fmt(&s), "1970-01-01 00:00 dow 4", "the Unix epoch is a Thursday");
    ok(s.wSecond == 1 && s.wMilliseconds == 234, "seconds and milliseconds (%u.%03u)", s.wSecond,
       s.wMilliseconds);

    s = st(2024, 2, 29, 23, 59);
    s.wSecond = 59;
    s.wMilliseconds = 999;
    s.wDayOfWeek = 6; /* ignored on input */
    ok(SystemTimeToFileTime(&s, &ft), "SystemTimeToFileTime(2024-02-29 23:59:59.999)");
    is_int(ft_u64(ft), 133537247999990000LL, "2024-02-29 23:59:59.999 as a FILETIME");
    ok(FileTimeToSystemTime(&ft, &s) && s.wDayOfWeek == 4, "2024-02-29 is a Thursday");

    /* Out-of-range fields: ERROR_INVALID_PARAMETER. */
    static const SYSTEMTIME bad[] = {
        {2023, 2, 0, 29, 0, 0, 0, 0}, {2024, 13, 0, 1, 0, 0, 0, 0}, {2024, 0, 0, 1, 0, 0, 0, 0},
        {2024, 1, 0, 0, 0, 0, 0, 0},  {2024, 1, 0, 1, 24, 0, 0, 0}, {2024, 1, 0, 1, 0, 60, 0, 0},
        {2024, 1, 0, 1, 0, 0, 60, 0}, {2024, 1, 0, 1, 0, 0, 0, 1000}, {1600, 12, 0, 31, 0, 0, 0, 0},
        {2024, 4, 0, 31, 0, 0, 0, 0},
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        SetLastError(0xdeadbeef);
        BOOL r = SystemTimeToFileTime(&bad[i], &ft);
        ok(!r && GetLastError() == ERROR_INVALID_PARAMETER,
           "SystemTimeToFileTime rejects %s (r=%d, error %lu)", fmt(&bad[i]), r, GetLastError());
    }
    ft = u64_ft(0x8000000000000000ULL);
    SetLastError(0xdeadbeef);
    ok(!FileTimeToSystemTime(&ft, &s) && GetLastError() == ERROR_INVALID_PARAMETER,
       "FileTimeToSystemTime rejects FILETIMEs from 0x8000000000000000 (error %lu)",
       GetLastError());

    /* MS-DOS dates and times: 2-second resolution, 1980 to 2107. */
    WORD fat_date = 0, fat_time = 0;
    s = st(2020, 9, 13, 12, 26);
    s.wSecond = 41;
    SystemTimeToFileTime(&s, &ft);
    ok(FileTimeToDosDateTime(&ft, &fat_date, &fat_time), "FileTimeToDosDateTime succeeds");
    is_int(fat_date, (2020 - 1980) << 9 | 9 << 5 | 13, "the FAT date");
    is_int(fat_time, 12 << 11 | 26 << 5 | 20, "the FAT time (seconds / 2)");
    ok(DosDateTimeToFileTime(fat_date, fat_time, &ft) && FileTimeToSystemTime(&ft, &s) &&
           s.wSecond == 40 && s.wMinute == 26 && s.wDay == 13,
       "DosDateTimeToFileTime inverts it to the even second");
    s = st(1979, 12, 31, 23, 59);
    SystemTimeToFileTime(&s, &ft);
    SetLastError(0xdeadbeef);
    ok(!FileTimeToDosDateTime(&ft, &fat_date, &fat_time) && GetLastError() == ERROR_INVALID_PARAMETER,
       "1979 has no MS-DOS date: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    SetLastError(0xdeadbeef);
    ok(!DosDateTimeToFileTime(0, 0, &ft) && GetLastError() == ERROR_INVALID_PARAMETER,
       "MS-DOS date 0 (month 0) is invalid: ERROR_INVALID_PARAMETER (%lu)", GetLastError());

    /* CompareFileTime compares the unsigned 64-bit values. */
    FILETIME a = u64_ft(5), b = u64_ft(0x100000000ULL), c = u64_ft(0x8000000000000000ULL);
    is_int(CompareFileTime(&a, &b), -1, "CompareFileTime: less");
    is_int(CompareFileTime(&b, &a), 1, "CompareFileTime: greater");
    is_int(CompareFileTime(&b, &b), 0, "CompareFileTime: equal");
    is_int(CompareFileTime(&c, &a), 1, "CompareFileTime: unsigned");

    /* GetSystemTime agrees with GetSystemTimeAsFileTime. */
    FILETIME now;
    GetSystemTimeAsFileTime(&now);
    GetSystemTime(&s);
    ok(SystemTimeToFileTime(&s, &ft), "GetSystemTime gives a valid time");
    ok(ft_u64(ft) + 10000000ULL * 5 > ft_u64(now) && ft_u64(ft) < ft_u64(now) + 10000000ULL * 5,
       "GetSystemTime is GetSystemTimeAsFileTime");

    /* A program may not set the clock: the privilege is not held. A bad
     * time is rejected first. */
    SetLastError(0xdeadbeef);
    ok(!SetSystemTime(&s) && GetLastError() == ERROR_PRIVILEGE_NOT_HELD,
       "SetSystemTime: ERROR_PRIVILEGE_NOT_HELD (%lu)", GetLastError());
    SetLastError(0xdeadbeef);
    ok(!SetLocalTime(&s) && GetLastError() == ERROR_PRIVILEGE_NOT_HELD,
       "SetLocalTime: ERROR_PRIVILEGE_NOT_HELD (%lu)", GetLastError());
    SetLastError(0xdeadbeef);
    ok(!SetSystemTime(&bad[0]) && GetLastError() == ERROR_INVALID_PARAMETER,
       "SetSystemTime of an invalid time: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
}

/* An explicit southern-hemisphere zone (AUS Eastern: UTC+10, daylight time
 * from the first Sunday of October 2:00 to the first Sunday of April 3:00),
 * independent of the zone the process runs in. */
static void explicit_zone(void)
{
    TIME_ZONE_INFORMATION tz = {0};
    tz.Bias = -600;
    tz.DaylightBias = -60;
    tz.DaylightDate = (SYSTEMTIME){0, 10, 0, 1, 2, 0, 0, 0};
    tz.StandardDate = (SYSTEMTIME){0, 4, 0, 1, 3, 0, 0, 0};
    to_local(&tz, st(2026, 1, 15, 0, 0), "2026-01-15 11:00 dow 4", "Sydney summer");
    to_local(&tz, st(2026, 7, 15, 0, 0), "2026-07-15 10:00 dow 3", "Sydney winter");
    /* 2026-04-05 03:00 AEDT = 2026-04-04 16:00 UTC. */
    to_local(&tz, st(2026, 4, 4, 15, 59), "2026-04-05 02:59 dow 0", "before the April change");
    to_local(&tz, st(2026, 4, 4, 16, 0), "2026-04-05 02:00 dow 0", "after the April change");
    to_utc(&tz, st(2026, 12, 25, 12, 0), "2026-12-25 01:00 dow 5", "Sydney Christmas noon");

    /* A zone without daylight time: one bias all year. */
    TIME_ZONE_INFORMATION fixed = {0};
    fixed.Bias = -330;
    to_local(&fixed, st(2026, 6, 1, 0, 0), "2026-06-01 05:30 dow 1", "India");
    to_utc(&fixed, st(2026, 6, 1, 5, 30), "2026-06-01 00:00 dow 1", "India back");

    SYSTEMTIME out, badtime = {2026, 2, 0, 30, 0, 0, 0, 0};
    SetLastError(0xdeadbeef);
    ok(!SystemTimeToTzSpecificLocalTime(&tz, &badtime, &out) &&
           GetLastError() == ERROR_INVALID_PARAMETER,
       "SystemTimeToTzSpecificLocalTime of an invalid time: ERROR_INVALID_PARAMETER (%lu)",
       GetLastError());
}

/* The Windows names of the zone: its registry key, standard and daylight
 * names (the IANA zones map to Windows keys as CLDR's windowsZones does). */
static void names(const char *zone, const TIME_ZONE_INFORMATION *tz,
                  const DYNAMIC_TIME_ZONE_INFORMATION *dtz)
{
    const WCHAR *key, *standard, *daylight;
    if (!strcmp(zone, "utc")) {
        key = L"UTC";
        standard = daylight = L"Coordinated Universal Time";
    } else if (!strcmp(zone, "new_york")) {
        key = standard = L"Eastern Standard Time";
        daylight = L"Eastern Daylight Time";
    } else if (!strcmp(zone, "dublin")) {
        key = standard = L"GMT Standard Time";
        daylight = L"GMT Daylight Time";
    } else {
        key = standard = L"W. Europe Standard Time";
        daylight = L"W. Europe Daylight Time";
    }
    ok(!wcscmp(tz->StandardName, standard), "StandardName is %ls", standard);
    ok(!wcscmp(tz->DaylightName, daylight), "DaylightName is %ls", daylight);
    ok(!wcscmp(dtz->TimeZoneKeyName, key), "TimeZoneKeyName is %ls (got %ls)", key,
       dtz->TimeZoneKeyName);
    ok(!dtz->DynamicDaylightTimeDisabled, "dynamic daylight time is not disabled");
}

static void current_zone(const char *zone)
{
    TIME_ZONE_INFORMATION tz;
    memset(&tz, 0xcc, sizeof tz);
    DWORD id = GetTimeZoneInformation(&tz);
    diag("zone id %lu, bias %ld, names \"%ls\" / \"%ls\"", id, tz.Bias, tz.StandardName,
         tz.DaylightName);
    ok(tz.StandardName[0] != 0, "StandardName is set");
    if (!strcmp(zone, "utc")) {
        is_int(id, TIME_ZONE_ID_UNKNOWN, "UTC: TIME_ZONE_ID_UNKNOWN (no daylight time)");
        is_int(tz.Bias, 0, "UTC: Bias 0");
        is_int(tz.StandardDate.wMonth, 0, "UTC: no StandardDate");
        is_int(tz.DaylightDate.wMonth, 0, "UTC: no DaylightDate");
    } else if (!strcmp(zone, "new_york")) {
        ok(id == TIME_ZONE_ID_STANDARD || id == TIME_ZONE_ID_DAYLIGHT, "New York: id %lu", id);
        is_int(tz.Bias, 300, "New York: Bias 300");
        is_int(tz.StandardBias, 0, "New York: StandardBias 0");
        is_int(tz.DaylightBias, -60, "New York: DaylightBias -60");
        ok(tz.DaylightName[0] != 0, "DaylightName is set");
        is_rule(&tz.DaylightDate, 3, 2, 2, "New York: DaylightDate");
        is_rule(&tz.StandardDate, 11, 1, 2, "New York: StandardDate");
        /* 2026-03-08 02:00 EST = 07:00 UTC; 2026-11-01 02:00 EDT = 06:00 UTC. */
        to_local(NULL, st(2026, 3, 8, 6, 59), "2026-03-08 01:59 dow 0", "NY before spring forward");
        to_local(NULL, st(2026, 3, 8, 7, 0), "2026-03-08 03:00 dow 0", "NY after spring forward");
        to_local(NULL, st(2026, 11, 1, 5, 59), "2026-11-01 01:59 dow 0", "NY before fall back");
        to_local(NULL, st(2026, 11, 1, 6, 0), "2026-11-01 01:00 dow 0", "NY after fall back");
        /* The rule applies to other years: 2024's change was March 10. */
        to_local(NULL, st(2024, 3, 10, 7, 0), "2024-03-10 03:00 dow 0", "NY 2024 spring forward");
        to_local(NULL, st(2024, 3, 9, 7, 0), "2024-03-09 02:00 dow 6", "NY 2024 day before");
        to_utc(NULL, st(2026, 7, 1, 12, 0), "2026-07-01 16:00 dow 3", "NY summer noon");
        to_utc(NULL, st(2026, 1, 15, 12, 0), "2026-01-15 17:00 dow 4", "NY winter noon");
    } else if (!strcmp(zone, "berlin")) {
        ok(id == TIME_ZONE_ID_STANDARD || id == TIME_ZONE_ID_DAYLIGHT, "Berlin: id %lu", id);
        is_int(tz.Bias, -60, "Berlin: Bias -60");
        is_int(tz.StandardBias, 0, "Berlin: StandardBias 0");
        is_int(tz.DaylightBias, -60, "Berlin: DaylightBias -60");
        ok(tz.DaylightName[0] != 0, "DaylightName is set");
        is_rule(&tz.DaylightDate, 3, 5, 2, "Berlin: DaylightDate");
        is_rule(&tz.StandardDate, 10, 5, 3, "Berlin: StandardDate");
        /* 2026-03-29 02:00 CET = 01:00 UTC; 2026-10-25 03:00 CEST = 01:00 UTC. */
        to_local(NULL, st(2026, 3, 29, 0, 59), "2026-03-29 01:59 dow 0", "Berlin before spring");
        to_local(NULL, st(2026, 3, 29, 1, 0), "2026-03-29 03:00 dow 0", "Berlin after spring");
        to_local(NULL, st(2026, 10, 25, 0, 59), "2026-10-25 02:59 dow 0", "Berlin before autumn");
        to_local(NULL, st(2026, 10, 25, 1, 0), "2026-10-25 02:00 dow 0", "Berlin after autumn");
        to_utc(NULL, st(2026, 7, 1, 12, 0), "2026-07-01 10:00 dow 3", "Berlin summer noon");
        to_utc(NULL, st(2026, 1, 15, 12, 0), "2026-01-15 11:00 dow 4", "Berlin winter noon");
    } else if (!strcmp(zone, "dublin")) {
        /* Windows' "GMT Standard Time": summer is the daylight time, even
         * though tzdata calls Irish winter time the "daylight" one. */
        ok(id == TIME_ZONE_ID_STANDARD || id == TIME_ZONE_ID_DAYLIGHT, "Dublin: id %lu", id);
        is_int(tz.Bias, 0, "Dublin: Bias 0");
        is_int(tz.DaylightBias, -60, "Dublin: DaylightBias -60");
        is_rule(&tz.DaylightDate, 3, 5, 1, "Dublin: DaylightDate");
        is_rule(&tz.StandardDate, 10, 5, 2, "Dublin: StandardDate");
        to_local(NULL, st(2026, 3, 29, 1, 0), "2026-03-29 02:00 dow 0", "Dublin after spring");
        to_local(NULL, st(2026, 10, 25, 1, 0), "2026-10-25 01:00 dow 0", "Dublin after autumn");
    } else {
        ok(0, "unknown zone argument %s", zone);
    }

    /* The bias in force now drives FileTimeToLocalFileTime, whatever the
     * date converted, and GetLocalTime. */
    LONG bias = tz.Bias + (id == TIME_ZONE_ID_DAYLIGHT ? tz.DaylightBias : tz.StandardBias);
    LONGLONG bias_ticks = (LONGLONG)bias * 60 * 10000000;
    FILETIME utc = u64_ft(133537247999990000ULL), local, back;
    ok(FileTimeToLocalFileTime(&utc, &local), "FileTimeToLocalFileTime succeeds");
    is_int((LONGLONG)(ft_u64(utc) - ft_u64(local)), bias_ticks, "local = UTC - current bias");
    ok(LocalFileTimeToFileTime(&local, &back), "LocalFileTimeToFileTime succeeds");
    is_int(ft_u64(back), ft_u64(utc), "LocalFileTimeToFileTime inverts it");

    SYSTEMTIME s_utc, s_local;
    FILETIME f_utc, f_local;
    GetSystemTime(&s_utc);
    GetLocalTime(&s_local);
    SystemTimeToFileTime(&s_utc, &f_utc);
    SystemTimeToFileTime(&s_local, &f_local);
    LONGLONG diff = (LONGLONG)(ft_u64(f_utc) - ft_u64(f_local)) - bias_ticks;
    ok(diff > -50000000 && diff < 50000000, "GetLocalTime = GetSystemTime - bias (off by %lld)",
       diff);

    DYNAMIC_TIME_ZONE_INFORMATION dtz;
    memset(&dtz, 0xcc, sizeof dtz);
    DWORD did = GetDynamicTimeZoneInformation(&dtz);
    is_int(did, id, "GetDynamicTimeZoneInformation returns the same id");
    ok(dtz.Bias == tz.Bias && !memcmp(&dtz.StandardDate, &tz.StandardDate, sizeof(SYSTEMTIME)) &&
           !memcmp(&dtz.DaylightDate, &tz.DaylightDate, sizeof(SYSTEMTIME)),
       "GetDynamicTimeZoneInformation has the same rules");
    names(zone, &tz, &dtz);

    /* The native class underneath: exact length, bad pointers. */
    query_system_information_fn query = (query_system_information_fn)(void *)GetProcAddress(
        GetModuleHandleA("ntdll.dll"), "NtQuerySystemInformation");
    BYTE raw[172];
    ULONG len = 0;
    is_int(query(44, raw, sizeof raw, &len), 0, "SystemCurrentTimeZoneInformation succeeds");
    is_int(len, 172, "ReturnLength is sizeof(RTL_TIME_ZONE_INFORMATION)");
    /* The names may be localized and the dates reordered (TIME_FIELDS)
     * by kernel32: compare the biases, at the same offsets. */
    ok(*(LONG *)raw == tz.Bias && *(LONG *)(raw + 84) == tz.StandardBias &&
           *(LONG *)(raw + 168) == tz.DaylightBias,
       "it has the biases GetTimeZoneInformation returns");
    is_int((ULONG)query(44, raw, 100, &len), 0xC0000004, "short buffer: STATUS_INFO_LENGTH_MISMATCH");
    is_int((ULONG)query(44, (void *)16, sizeof raw, NULL), 0xC0000005,
           "bad buffer: STATUS_ACCESS_VIOLATION");
}

static const char *date_fmt(DWORD flags, SYSTEMTIME t, const char *picture)
{
    static char b[128];
    if (!GetDateFormatA(0x409, flags, &t, picture, b, sizeof b))
        snprintf(b, sizeof b, "(failed, error %lu)", GetLastError());
    return b;
}

static const char *time_fmt(DWORD flags, SYSTEMTIME t, const char *picture)
{
    static char b[128];
    if (!GetTimeFormatA(0x409, flags, &t, picture, b, sizeof b))
        snprintf(b, sizeof b, "(failed, error %lu)", GetLastError());
    return b;
}

/* GetDateFormat / GetTimeFormat in en-US, with the documented pictures. */
static void formats(void)
{
    SYSTEMTIME t = st(2026, 3, 8, 13, 5);
    t.wSecond = 9;
    t.wDayOfWeek = 3; /* wrong on purpose: the weekday is computed */
    is_str(date_fmt(DATE_SHORTDATE, t, NULL), "3/8/2026", "short date");
    is_str(date_fmt(DATE_LONGDATE, t, NULL), "Sunday, March 8, 2026", "long date");
    is_str(date_fmt(0, t, "ddd',' dd MMM yy"), "Sun, 08 Mar 26", "a date picture");
    is_str(date_fmt(0, t, "'It''s' yyyy"), "It's 2026", "quoted text in a picture");
    is_int(GetDateFormatA(0x409, DATE_SHORTDATE, &t, NULL, NULL, 0), 9,
           "cchDate 0: the size needed, with the NUL");
    char small[4];
    SetLastError(0xdeadbeef);
    ok(!GetDateFormatA(0x409, DATE_SHORTDATE, &t, NULL, small, sizeof small) &&
           GetLastError() == ERROR_INSUFFICIENT_BUFFER,
       "short buffer: ERROR_INSUFFICIENT_BUFFER (%lu)", GetLastError());
    SetLastError(0xdeadbeef);
    ok(!GetDateFormatA(0x409, DATE_SHORTDATE, &t, "yyyy", small, sizeof small) &&
           GetLastError() == ERROR_INVALID_FLAGS,
       "a picture with DATE_SHORTDATE: ERROR_INVALID_FLAGS (%lu)", GetLastError());
    SYSTEMTIME bad = st(2026, 2, 30, 0, 0);
    SetLastError(0xdeadbeef);
    ok(!GetDateFormatA(0x409, DATE_SHORTDATE, &bad, NULL, small, sizeof small) &&
           GetLastError() == ERROR_INVALID_PARAMETER,
       "February 30: ERROR_INVALID_PARAMETER (%lu)", GetLastError());

    is_str(time_fmt(0, t, NULL), "1:05:09 PM", "default time");
    is_str(time_fmt(TIME_NOSECONDS, t, NULL), "1:05 PM", "TIME_NOSECONDS");
    is_str(time_fmt(TIME_NOMINUTESORSECONDS, t, NULL), "1 PM", "TIME_NOMINUTESORSECONDS");
    is_str(time_fmt(TIME_NOTIMEMARKER, t, NULL), "1:05:09", "TIME_NOTIMEMARKER");
    is_str(time_fmt(0, t, "HH'h'mm"), "13h05", "a time picture");
    is_str(time_fmt(0, st(2026, 1, 1, 0, 7), "hh:mm tt"), "12:07 AM", "midnight is 12 AM");
    WCHAR w[32];
    ok(GetTimeFormatW(0x409, 0, &t, L"H:mm:ss", w, 32) == 9 && !wcscmp(w, L"13:05:09"),
       "GetTimeFormatW");
    ok(GetDateFormatW(0x409, 0, &t, L"MMMM", w, 32) == 6 && !wcscmp(w, L"March"),
       "GetDateFormatW");
}

int main(int argc, char **argv)
{
    formats();
    conversions();
    explicit_zone();
    current_zone(argc > 1 ? argv[1] : "");
    return done();
}
