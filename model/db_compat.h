/*
 * Transitional: the SQLite names the rule files still use, mapped onto the db layer (db.h), so
 * that every step of the move to db.h builds. /work/seam-rewrite.py converts the rule files and
 * deletes this header together with its include in internal.h.
 */
#pragma once

#ifndef SQLITE_VERSION                  /* not in the backend, which includes sqlite3.h itself */
#define sqlite3_stmt struct sql_stmt
#define sqlite3_column_int64 column_int64
#define sqlite3_column_int(s, col) ((int)column_int64((s), (col)))
#define sqlite3_column_text(s, col) ((const unsigned char *)column_string((s), (col)))
#define sqlite3_column_type(s, col) (column_is_null((s), (col)) ? SQLITE_NULL : 1)
#define sqlite3_reset sql_reset
#define SQLITE_NULL 5
#endif
