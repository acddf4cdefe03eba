/*
 * fileio.h - reading a whole file (private): the one file reader of the
 * library, used by the config loader, the importer and the report.
 *
 * Writing files is not the library's job: the application stores the
 * documents the library makes (the command does it in engine/cli/).
 */
#ifndef TR_FILEIO_H
#define TR_FILEIO_H

#include <stddef.h>

#include "trustrisk/error.h"

/*
 * Read the whole of `file` (at most `max` bytes) into *data, NUL-terminated
 * (the NUL is not counted in *len), which the caller frees with free().
 * A regular file larger than `max` is refused before any of it is read;
 * other files (pipes, devices) are read up to one byte past the limit.
 * Problems are added to `err` naming the file: a name that leads nowhere
 * is TR_E_INPUT ("cannot open: No such file or directory", followed by
 * "; " and `hint` when hint is not NULL), and so is a folder or a file too
 * large; any other failure to read is TR_E_IO; TR_E_NOMEM. On failure
 * *data is NULL and *len 0.
 */
tr_status tr__file_read(const char *file, size_t max, const char *hint, char **data, size_t *len,
                        tr_error *err);

#endif /* TR_FILEIO_H */
