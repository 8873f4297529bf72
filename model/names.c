/*
 * The rules for names and values: what a SKU, group name, UPN, display text, country code and
 * seat count may be. Each check returns 0 or a -errno with the reason recorded, so callers just
 * pass the result on. Also how names and times are written where people read them (a path of
 * the tree, a line of the audit log), and the names of a path resolved to row ids.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* ISO 3166-1 alpha-2, the officially assigned codes, sorted for bsearch. */
static const char countries[][3] = {
        "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX",
        "AZ", "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ",
        "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK",
        "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM",
        "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR",
        "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS",
        "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN",
        "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN",
        "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV",
        "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ",
        "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI",
        "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
        "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC",
        "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV",
        "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR",
        "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
        "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
};

/*
 * Decodes one UTF-8 sequence at s; returns its length and the code point in *cp, or 0 for an
 * invalid sequence (overlong, surrogate, beyond U+10FFFF, truncated).
 */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
        size_t len, i;
        uint32_t c;

        if (s[0] < 0x80) {
                *cp = s[0];
                return 1;
        }
        if ((s[0] & 0xe0) == 0xc0) {
                len = 2;
                c = s[0] & 0x1f;
        } else if ((s[0] & 0xf0) == 0xe0) {
                len = 3;
                c = s[0] & 0x0f;
        } else if ((s[0] & 0xf8) == 0xf0) {
                len = 4;
                c = s[0] & 0x07;
        } else {
                return 0;
        }
        for (i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (s[i] & 0x3f);
        }
        if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
            c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                return 0;
        *cp = c;
        return len;
}

bool text_is_utf8(const char *text)
{
        const unsigned char *s = (const unsigned char *)text;
        uint32_t cp;
        size_t n;

        for (; *s; s += n)
                if (!(n = utf8_decode(s, &cp)))
                        return false;
        return true;
}

static bool is_control(uint32_t cp)
{
        return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

static bool is_blank(uint32_t cp)
{
        return cp == ' ' || cp == 0xa0 || cp == 0x2007 || cp == 0x202f || cp == 0x3000 ||
               (cp >= 0x2000 && cp <= 0x200b);
}

/* Checks UTF-8 and control characters (and blanks when `no_blanks`) of a non-empty text. */
static int check_chars(const char *text, size_t max, const char *what, bool no_blanks)
{
        const unsigned char *s = (const unsigned char *)text;
        size_t len = strlen(text), n;
        uint32_t cp;

        if (len == 0)
                return refuse(-EINVAL, "%s is empty", what);
        if (len > max)
                return refuse(max == MODEL_NAME_MAX ? -ENAMETOOLONG : -EINVAL,
                              "%s is longer than %zu bytes", what, max);
        for (; *s; s += n) {
                n = utf8_decode(s, &cp);
                if (n == 0)
                        return refuse(-EINVAL, "%s is not valid UTF-8", what);
                if (is_control(cp))
                        return refuse(-EINVAL, "%s contains a control character", what);
                if (no_blanks && is_blank(cp))
                        return refuse(-EINVAL, "%s contains a blank", what);
        }
        return 0;
}

int check_name(const char *name, const char *what)
{
        return check_chars(name, MODEL_NAME_MAX, what, false);
}

int check_text(const char *text, const char *what)
{
        return check_chars(text, MODEL_TEXT_MAX, what, false);
}

int check_upn(const char *upn)
{
        const char *at;
        int r;

        r = check_chars(upn, MODEL_NAME_MAX, "user principal name", true);
        if (r < 0)
                return r;
        at = strchr(upn, '@');
        if (!at || at == upn || at[1] == '\0' || strchr(at + 1, '@'))
                return refuse(-EINVAL, "user principal name '%s' is not of the form local@domain",
                              upn);
        return 0;
}

int check_upn_named(const char *upn, const char *what)
{
        (void)what;
        return check_upn(upn);
}

static int compare_code(const void *a, const void *b)
{
        return memcmp(a, b, 2);
}

int check_country(const char *code, char ret[3])
{
        char upper[3];

        if (strlen(code) != 2)
                return refuse(-EINVAL, "'%s' is not a two-letter country code", code);
        upper[0] = (code[0] >= 'a' && code[0] <= 'z') ? code[0] - 'a' + 'A' : code[0];
        upper[1] = (code[1] >= 'a' && code[1] <= 'z') ? code[1] - 'a' + 'A' : code[1];
        upper[2] = '\0';
        if (!bsearch(upper, countries, sizeof(countries) / sizeof(countries[0]),
                     sizeof(countries[0]), compare_code))
                return refuse(-EINVAL, "'%s' is not an ISO 3166-1 alpha-2 country code", code);
        memcpy(ret, upper, 3);
        return 0;
}

int check_count(int64_t n, const char *what)
{
        if (n < 0 || n > MODEL_COUNT_MAX)
                return refuse(-EINVAL, "%s must be between 0 and %d", what, MODEL_COUNT_MAX);
        return 0;
}

int model_guid_normalise(const char *text, char ret[MODEL_SKU_ID_MAX + 1])
{
        static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
        char out[MODEL_SKU_ID_MAX + 1];
        size_t i;

        for (i = 0; shape[i]; i++) {
                if (shape[i] == '-' ? text[i] != '-' : !isxdigit((unsigned char)text[i]))
                        return refuse(-EINVAL, "'%s' is not a GUID", text);
                out[i] = (char)tolower((unsigned char)text[i]);
        }
        if (text[i] != '\0')
                return refuse(-EINVAL, "'%s' is not a GUID", text);
        out[i] = '\0';
        memcpy(ret, out, sizeof(out));
        return 0;
}

int model_name_encode(const char *name, char *ret, size_t size)
{
        size_t n = 0;

        for (; *name; name++) {
                const char *piece = *name == '%' ? "%25" : *name == '/' ? "%2F" : NULL;
                size_t piece_len = piece ? 3 : 1;

                if (n + piece_len >= size)
                        return -ENAMETOOLONG;
                if (piece)
                        memcpy(ret + n, piece, 3);
                else
                        ret[n] = *name;
                n += piece_len;
        }
        ret[n] = '\0';
        return 0;
}

/*
 * Writes n (0..10^width) as width decimal digits at out. Records and listings show a time per
 * line, so a time is formatted by hand: gmtime_r takes glibc's time zone lock and strftime
 * interprets its format, several times the cost of the arithmetic.
 */
static void digits(char *out, int64_t n, int width)
{
        while (width-- > 0) {
                out[width] = (char)('0' + n % 10);
                n /= 10;
        }
}

void model_time_format(time_t t, char ret[MODEL_TIME_MAX])
{
        /* The proleptic Gregorian date of a day count since 1970 (H. Hinnant's civil_from_days). */
        int64_t days = t / 86400, secs = t % 86400, era, year;
        unsigned doe, yoe, doy, mp, month, day;
        struct tm tm;

        if (secs < 0) {
                secs += 86400;
                days--;
        }
        days += 719468;
        era = (days >= 0 ? days : days - 146096) / 146097;
        doe = (unsigned)(days - era * 146097);
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        day = doy - (153 * mp + 2) / 5 + 1;
        month = mp < 10 ? mp + 3 : mp - 9;
        year = (int64_t)yoe + era * 400 + (month <= 2);
        if (year < 1000 || year > 9999) {
                /* Years strftime writes with other than four digits: as it writes them. */
                if (!gmtime_r(&t, &tm) ||
                    !strftime(ret, MODEL_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm))
                        snprintf(ret, MODEL_TIME_MAX, "%lld", (long long)t);
                return;
        }
        memcpy(ret, "0000-00-00T00:00:00Z", 21);
        digits(ret, year, 4);
        digits(ret + 5, month, 2);
        digits(ret + 8, day, 2);
        digits(ret + 11, secs / 3600, 2);
        digits(ret + 14, secs / 60 % 60, 2);
        digits(ret + 17, secs % 60, 2);
}

/* What may follow a time's seconds: a fraction of them (dropped), then "Z" or nothing. */
static bool utc_tail(const char *tail)
{
        if (*tail == '.' && isdigit((unsigned char)tail[1]))
                for (tail++; isdigit((unsigned char)*tail); tail++)
                        ;
        return strcmp(tail, *tail == 'Z' ? "Z" : "") == 0;
}

int model_time_parse(const char *text, time_t *ret)
{
        int year, month, day, hour = 0, minute = 0, second = 0, used = 0;
        struct tm tm = { 0 }, back;
        time_t t;

        if (sscanf(text, "%4d-%2d-%2d%n", &year, &month, &day, &used) != 3 || used != 10)
                return refuse(-EINVAL, "'%.40s' is not a date (YYYY-MM-DD, or "
                              "YYYY-MM-DDTHH:MM:SSZ in UTC)", text);
        if (text[10] == 'T' && (sscanf(text + 11, "%2d:%2d:%2d%n", &hour, &minute, &second,
                                       &used) != 3 || used != 8 ||
                                !utc_tail(text + 19)))
                return refuse(-EINVAL, "'%.40s' is not a date-time (YYYY-MM-DDTHH:MM:SSZ, "
                              "in UTC)", text);
        if (text[10] != '\0' && text[10] != 'T')
                return refuse(-EINVAL, "'%.40s' is not a date (YYYY-MM-DD)", text);
        tm.tm_year = year - 1900;
        tm.tm_mon = month - 1;
        tm.tm_mday = day;
        tm.tm_hour = hour;
        tm.tm_min = minute;
        tm.tm_sec = second;
        t = timegm(&tm);
        /* timegm carries 31 April into May: a date is real when it reads back the same. */
        if (year < 1970 || t < 0 || !gmtime_r(&t, &back) || back.tm_year != tm.tm_year ||
            back.tm_mon != tm.tm_mon || back.tm_mday != day || back.tm_hour != hour ||
            back.tm_min != minute || back.tm_sec != second)
                return refuse(-EINVAL, "'%.40s' is no such date", text);
        *ret = t;
        return 0;
}

int path_resolve(struct model *m, const char *sku, const char *group, const char *upn,
                 struct path_ids *ret)
{
        struct path_ids ids = { 0 };
        struct id_lookup want[3];
        size_t count = 0;
        int r;

        if (sku)
                want[count++] = (struct id_lookup){ LOOKUP_PRODUCT, sku, &ids.product };
        if (group)
                want[count++] = (struct id_lookup){ LOOKUP_GROUP, group, &ids.group };
        if (upn)
                want[count++] = (struct id_lookup){ LOOKUP_USER, upn, &ids.user };
        r = ids_lookup(m, want, count);
        if (r >= 0)
                *ret = ids;
        return r;
}
