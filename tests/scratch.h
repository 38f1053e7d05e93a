/* The media tests' scratch folders. */
#ifndef LAVIN_TESTS_SCRATCH_H
#define LAVIN_TESTS_SCRATCH_H

/* Removes dir and the files in it (one level: the tests make no subfolders). */
void scratch_remove(const char *dir);

#endif
