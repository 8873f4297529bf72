/*
 * The growable text buffer generated files are rendered into.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"

void fs_buf_printf(struct fs_buf *buf, const char *fmt, ...)
{
        va_list ap;
        size_t need;
        char *grown;
        int n;

        if (buf->failed)
                return;
        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
                buf->failed = true;
                return;
        }
        need = buf->len + (size_t)n + 1;
        if (need > buf->size) {
                size_t size = buf->size ? buf->size : 256;

                while (size < need)
                        size *= 2;
                grown = realloc(buf->data, size);
                if (!grown) {
                        buf->failed = true;
                        return;
                }
                buf->data = grown;
                buf->size = size;
        }
        va_start(ap, fmt);
        vsnprintf(buf->data + buf->len, buf->size - buf->len, fmt, ap);
        va_end(ap);
        buf->len += (size_t)n;
}

int fs_buf_error(const struct fs_buf *buf)
{
        return buf->failed ? -ENOMEM : 0;
}

void fs_buf_free(struct fs_buf *buf)
{
        free(buf->data);
        *buf = (struct fs_buf){ 0 };
}
