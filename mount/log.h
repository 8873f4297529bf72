/*
 * Where the daemon reports: stderr in the foreground, syslog (as "licensefs") once detached.
 */
#pragma once

#include <stdbool.h>

void log_to_syslog(void);
/* Routes libfuse's own messages through log_line's channel. */
void log_capture_fuse(void);
void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
