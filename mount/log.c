/*
 * The daemon's one log channel: lines on stderr while in the foreground, syslog after
 * log_to_syslog(), which the program calls when it detaches.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "log.h"

static bool use_syslog;

void log_to_syslog(void)
{
        openlog("licensefs", LOG_PID, LOG_DAEMON);
        use_syslog = true;
}

void log_line(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        if (use_syslog) {
                vsyslog(LOG_NOTICE, fmt, ap);
        } else {
                fputs("licensefs: ", stderr);
                vfprintf(stderr, fmt, ap);
                fputc('\n', stderr);
        }
        va_end(ap);
}
