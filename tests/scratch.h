/* What the media tests share: checks, random bytes and scratch folders. */
#ifndef LAVIN_TESTS_SCRATCH_H
#define LAVIN_TESTS_SCRATCH_H

#include <stdint.h>

typedef struct scratch_tally {
    int passed, failed, verbose;
} scratch_tally;

/* Counts a check; prints it when it failed, or always when verbose.
 * Returns ok. */
int scratch_check(scratch_tally *t, const char *what, int ok);

/* Advances a xorshift64 state and returns it. */
uint64_t scratch_xorshift(uint64_t *state);

int scratch_exists(const char *path);

/* Files in dir whose names hold part: ".tmp-" counts the temporary files
 * the writers left behind. */
int scratch_count(const char *dir, const char *part);

/* Removes dir and the files in it (one level: the tests make no subfolders). */
void scratch_remove(const char *dir);

/* Packet count and summed duration (seconds) of path's first audio stream;
 * -1 when it cannot be read or has none. */
int scratch_audio_stats(const char *path, int64_t *packets, double *seconds);

#endif
