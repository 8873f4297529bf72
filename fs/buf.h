/*
 * A growable text buffer for the content of generated files. The buffer owns `data`; free it
 * with fs_buf_free(). An allocation failure is remembered and reported once, by fs_buf_error().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct fs_buf {
        char *data;
        size_t len, size;
        bool failed;
};

/* Appends len bytes of text (not NUL-ended): memory only, no format to read. */
void fs_buf_append(struct fs_buf *buf, const char *text, size_t len);
void fs_buf_printf(struct fs_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 0, or -ENOMEM when an append failed. */
int fs_buf_error(const struct fs_buf *buf);
void fs_buf_free(struct fs_buf *buf);
