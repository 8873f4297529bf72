/*
 * The growable text buffer generated files are rendered into.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Makes room for `more` bytes and a NUL after buf->len: false when it could not. */
static bool buf_reserve(struct fs_buf *buf, size_t more)
{
        size_t need = buf->len + more + 1, size;
        char *grown;

        if (buf->failed)
                return false;
        if (need <= buf->size)
                return true;
        for (size = buf->size ? buf->size : 256; size < need; size *= 2)
                ;
        grown = realloc(buf->data, size);
        if (!grown) {
                buf->failed = true;
                return false;
        }
        buf->data = grown;
        buf->size = size;
        return true;
}

void fs_buf_append(struct fs_buf *buf, const char *text, size_t len)
{
        if (!buf_reserve(buf, len))
                return;
        memcpy(buf->data + buf->len, text, len);
        buf->len += len;
        buf->data[buf->len] = '\0';
}

/* Formats into the room left first: a second pass only when the text did not fit. */
void fs_buf_printf(struct fs_buf *buf, const char *fmt, ...)
{
        size_t room = buf->size - buf->len;
        va_list ap;
        int n;

        if (buf->failed)
                return;
        va_start(ap, fmt);
        n = vsnprintf(buf->data ? buf->data + buf->len : NULL, buf->data ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
                buf->failed = true;
                return;
        }
        if ((size_t)n >= room || !buf->data) {
                if (!buf_reserve(buf, (size_t)n))
                        return;
                va_start(ap, fmt);
                vsnprintf(buf->data + buf->len, buf->size - buf->len, fmt, ap);
                va_end(ap);
        }
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
