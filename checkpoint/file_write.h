/* How the checkpoint writers put a file in place: written to a temporary
 * file beside it, synced, then renamed over the path, so that a reader never
 * sees half a file and a failed write leaves nothing behind. */
#ifndef LAVIN_CHECKPOINT_FILE_WRITE_H
#define LAVIN_CHECKPOINT_FILE_WRITE_H

#include <stddef.h>
#include <stdio.h>

/* Writes the file's bytes to f; -1 (with errno set) on failure. */
typedef int (*lavin_file_fill_fn)(FILE *f, void *user);

/* Creates path through fill. LAVIN_EIO naming path on failure. */
int lavin_file_write(const char *path, lavin_file_fill_fn fill, void *user, char *err, size_t err_size);

/* fwrite of size bytes; -1 on a short write. */
int lavin_file_put(FILE *f, const void *data, size_t size);

#endif
