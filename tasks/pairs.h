/* Example pairs of an in-context task: a folder of NAME_input.EXT /
 * NAME_target.EXT files (the reference's layout; a pair is matched by the text
 * before the first '_'), or the name of a bundled context under contexts/. */
#ifndef LAVIN_TASKS_PAIRS_H
#define LAVIN_TASKS_PAIRS_H

#include <stddef.h>
#include <stdint.h>

typedef struct lavin_pair {
    char *name, *input, *target; /* input and target are full paths */
} lavin_pair;

typedef struct lavin_pairs {
    char *dir;
    lavin_pair *v; /* sorted by name */
    int n;
} lavin_pairs;

enum lavin_pair_kind { LAVIN_PAIRS_IMAGES, LAVIN_PAIRS_CLIPS };

/* Resolves CONTEXT to a folder: an existing folder path as given, else a
 * bundled name looked up in first_root (NULL: skipped), the installed data
 * folder and the source tree, in that order. */
int lavin_pairs_dir(const char *context, const char *first_root, char *dir, size_t dir_size, char *err,
                    size_t err_size);

/* Lists the pairs of dir whose files are images (PNG, JPEG, WebP, BMP) or
 * clips (MP4, MOV, MKV, WebM, AVI). An input without its target (or the
 * reverse), a name given twice, or no pairs at all is an error naming the
 * file or folder. */
int lavin_pairs_scan(const char *dir, enum lavin_pair_kind kind, lavin_pairs *out, char *err, size_t err_size);
void lavin_pairs_free(lavin_pairs *p);

/* count pair indices into idx: drawn uniformly with replacement from seed as
 * the reference does (idx[k] = splitmix64(seed + splitmix64(k ^ 0x70616972))
 * mod n), or, for count == 0, every pair once in name order (returns n). */
int lavin_pairs_choose(const lavin_pairs *p, int count, uint64_t seed, int *idx);

#endif
