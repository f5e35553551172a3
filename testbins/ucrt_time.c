/*
 * ucrt_time.c - <time.h> of a UCRT program: gmtime/_mkgmtime and their
 * ranges, localtime/mktime in the system time zone (tests/ucrt.rs runs it
 * with TZ=America/New_York so daylight time is exercised), asctime,
 * strftime's conversions, its too-small buffer and the invalid-parameter
 * handler for an unknown conversion. Expectations from the C standard
 * and Microsoft's documentation of each function.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tap.h"

static int calls;
static void handler(const wchar_t *e, const wchar_t *f, const wchar_t *file, unsigned l, uintptr_t r)
{
    (void)e; (void)f; (void)file; (void)l; (void)r;
    ++calls;
}

static char buf[128];
static const char *fmt(const char *f, const struct tm *tm)
{
    strftime(buf, sizeof buf, f, tm);
    return buf;
}

int main(void)
{
    plan(26);
    _set_invalid_parameter_handler(handler);

    time_t t = 951827696; /* 2000-02-29 12:34:56 UTC, a Tuesday */
    struct tm *g = gmtime(&t);
    ok(g && g->tm_year == 100 && g->tm_mon == 1 && g->tm_mday == 29 && g->tm_hour == 12 &&
           g->tm_min == 34 && g->tm_sec == 56 && g->tm_wday == 2 && g->tm_yday == 59 &&
           g->tm_isdst == 0,
       "gmtime of 2000-02-29 12:34:56");
    is_str(asctime(g), "Tue Feb 29 12:34:56 2000\n", "asctime");
    is_str(fmt("%Y-%m-%d %H:%M:%S", g), "2000-02-29 12:34:56", "strftime %Y-%m-%d %H:%M:%S");
    is_str(fmt("%a %A %b %B %j %p %I %y %C", g), "Tue Tuesday Feb February 060 PM 12 00 20",
           "strftime names and numbers");
    is_str(fmt("%D|%F|%T|%R|%e|%u %w|%U %W|%G-W%V", g),
           "02/29/00|2000-02-29|12:34:56|12:34|29|2 2|09 09|2000-W09", "strftime C99 conversions");
    is_str(fmt("%c|%x|%X|%#d|%%", g), "02/29/00 12:34:56|02/29/00|12:34:56|29|%",
           "strftime %c %x %X in the C locale, # flag");
    char small[8];
    is_int((int)strftime(small, sizeof small, "%Y-%m-%d", g), 0, "strftime into a buffer too small: 0");
    calls = 0;
    errno = 0;
    ok(strftime(buf, sizeof buf, "%Q", g) == 0 && calls == 1 && errno == EINVAL,
       "strftime of an unknown conversion: invalid parameter");

    struct tm m = {.tm_year = 99, .tm_mon = 12, .tm_mday = 1};
    is_int((int)_mkgmtime(&m), 946684800, "_mkgmtime carries month 12 into the next year");
    ok(m.tm_year == 100 && m.tm_mon == 0 && m.tm_wday == 6 && m.tm_yday == 0, "... and normalises the tm");
    time_t neg = -1;
    errno = 0;
    ok(gmtime(&neg) == NULL && errno == EINVAL, "gmtime before 1970: NULL, EINVAL");
    struct tm s;
    calls = 0;
    ok(gmtime_s(&s, &neg) == EINVAL && s.tm_year == -1 && s.tm_mday == -1, "gmtime_s out of range: EINVAL, fields -1");
    ok(gmtime_s(NULL, &t) == EINVAL && calls == 1, "gmtime_s(NULL): invalid parameter");

    /* Local time in America/New_York. */
    time_t summer = 962726400; /* 2000-07-04 16:00:00 UTC */
    time_t winter = 946746000; /* 2000-01-01 17:00:00 UTC */
    struct tm *l = localtime(&summer);
    ok(l && l->tm_hour == 12 && l->tm_mday == 4 && l->tm_isdst == 1, "localtime in summer: EDT, -4h");
    is_str(fmt("%z", l), "-0400", "strftime %z in daylight time");
    l = localtime(&winter);
    ok(l && l->tm_hour == 12 && l->tm_mday == 1 && l->tm_isdst == 0, "localtime in winter: EST, -5h");
    is_str(fmt("%z", l), "-0500", "strftime %z in standard time");
    struct tm lt = {.tm_year = 100, .tm_mon = 6, .tm_mday = 4, .tm_hour = 12, .tm_isdst = -1};
    is_int((int)mktime(&lt), (int)summer, "mktime of a summer local time");
    ok(lt.tm_isdst == 1 && lt.tm_wday == 2 && lt.tm_yday == 185, "mktime fills isdst, wday, yday");
    struct tm over = {.tm_year = 100, .tm_mon = 0, .tm_mday = 32, .tm_hour = 12, .tm_isdst = -1};
    time_t o = mktime(&over);
    ok(o == 949424400 && over.tm_mon == 1 && over.tm_mday == 1, "mktime normalises January 32");
    is_str(ctime(&winter), "Sat Jan 01 12:00:00 2000\n", "ctime is asctime(localtime)");
    ok(difftime(summer, winter) == 15980400.0, "difftime");

    /* The zone variables after _tzset: Eastern time is 5 hours west,
       with daylight time an hour ahead. */
    _tzset();
    long zone = 0, bias = 0;
    int daylight = 0;
    ok(_get_timezone(&zone) == 0 && zone == 18000, "_get_timezone: 18000 seconds west");
    ok(_get_daylight(&daylight) == 0 && daylight == 1, "_get_daylight: 1");
    ok(_get_dstbias(&bias) == 0 && bias == -3600, "_get_dstbias: -3600");
    size_t need = 0;
    char name[64];
    ok(_get_tzname(&need, NULL, 0, 0) == 0 && need > 1 && _get_tzname(&need, name, sizeof name, 0) == 0 &&
           strlen(name) + 1 == need && !strcmp(name, _tzname[0]),
       "_get_tzname of the standard name (%s)", name);
    return done();
}
