/* Every tensor a J-DiT config expects, and a check of a checkpoint against
 * it that reports every missing, unexpected and mis-shaped tensor. */
#ifndef LAVIN_JDIT_JDIT_MANIFEST_H
#define LAVIN_JDIT_JDIT_MANIFEST_H

#include <stdio.h>

#include "checkpoint/checkpoint.h"
#include "jdit/jdit_config.h"
#include "checkpoint/manifest.h"

void lavin_jdit_manifest(const lavin_jdit_config *cfg, lavin_manifest_fn fn, void *user);

/* lavin_manifest_check() with the J-DiT's manifest. */
int lavin_jdit_check(const lavin_jdit_config *cfg, const lavin_checkpoint *ck, const lavin_logger *log,
                     lavin_manifest_report *r);

#endif
