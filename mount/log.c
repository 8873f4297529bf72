/*
 * The daemon's one log channel: lines on stderr while in the foreground, syslog after
 * log_to_syslog(), which the program calls when it detaches. Control bytes in what is logged
 * (a name may hold a newline) are written as \xNN, so one event is always one line. libfuse's
 * own messages come here too (fuse_set_log_func), so they read like ours.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <fuse_log.h>

#include "log.h"

#define LINE_MAX_BYTES 2048

static bool use_syslog;

void log_to_syslog(void)
{
        openlog("licensefs", LOG_PID, LOG_DAEMON);
        use_syslog = true;
}

/* Copies text into out (size bytes, at least 5), control bytes escaped, always terminated. */
static void escape_controls(const char *text, char *out, size_t size)
{
        size_t n = 0;

        for (; *text && n + 5 < size; text++) {
                unsigned char c = (unsigned char)*text;

                if (c < 0x20 || c == 0x7f)
                        n += (size_t)snprintf(out + n, size - n, "\\x%02x", c);
                else
                        out[n++] = (char)c;
        }
        out[n] = '\0';
}

static void log_va(int priority, const char *fmt, va_list ap)
{
        char raw[LINE_MAX_BYTES], line[4 * LINE_MAX_BYTES];
        const char *text = raw;
        size_t len;

        vsnprintf(raw, sizeof(raw), fmt, ap);
        len = strlen(raw);
        if (len > 0 && raw[len - 1] == '\n')
                raw[len - 1] = '\0';
        if (strncmp(text, "fuse: ", 6) == 0)
                text += 6;
        escape_controls(text, line, sizeof(line));
        if (use_syslog)
                syslog(priority, "%s", line);
        else
                fprintf(stderr, "licensefs: %s\n", line);
}

static void log_fmt(int priority, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        log_va(priority, fmt, ap);
        va_end(ap);
}

void log_line(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        log_va(LOG_NOTICE, fmt, ap);
        va_end(ap);
}

/*
 * libfuse's messages, which it may emit in pieces: they are gathered up to the newline. Its -d
 * request trace goes to stderr as it is.
 */
static void log_from_fuse(enum fuse_log_level level, const char *fmt, va_list ap)
{
        static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
        static char pending[LINE_MAX_BYTES];
        size_t len;
        char *newline;

        if (level == FUSE_LOG_DEBUG) {
                vfprintf(stderr, fmt, ap);
                return;
        }
        pthread_mutex_lock(&lock);
        len = strlen(pending);
        vsnprintf(pending + len, sizeof(pending) - len, fmt, ap);
        while ((newline = strchr(pending, '\n'))) {
                *newline = '\0';
                log_fmt((int)level, "%s", pending);
                memmove(pending, newline + 1, strlen(newline + 1) + 1);
        }
        pthread_mutex_unlock(&lock);
}

void log_capture_fuse(void)
{
        fuse_set_log_func(log_from_fuse);
}
