/* A model's expected tensors (a manifest, listed through a callback) and a
 * check of a checkpoint against it that reports every missing, unexpected
 * and mis-shaped tensor at once. */
#ifndef LAVIN_CHECKPOINT_MANIFEST_H
#define LAVIN_CHECKPOINT_MANIFEST_H

#include <stdint.h>
#include <stdio.h>

#include "checkpoint/checkpoint.h"
#include "core/log.h"

typedef void (*lavin_manifest_fn)(void *user, const char *name, int ndim, const int64_t *shape);

/* Lists every expected tensor of cfg through fn. */
typedef void (*lavin_manifest_list)(const void *cfg, lavin_manifest_fn fn, void *user);

typedef struct lavin_manifest_report {
    int expected, missing, unexpected, misshaped;
} lavin_manifest_report;

/* Writes one line per problem to log (may be NULL) and counts them; returns
 * LAVIN_EFORMAT when there is any. */
int lavin_manifest_check(lavin_manifest_list list, const void *cfg, const lavin_checkpoint *ck, const lavin_logger *log,
                         lavin_manifest_report *r);

#endif
