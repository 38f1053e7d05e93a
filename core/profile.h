/* Per-op GPU timing from timestamp queries around each dispatch, summed by
 * op name; lavin_profile_report() (lavin/context.h) formats the table. */
#ifndef LAVIN_CORE_PROFILE_H
#define LAVIN_CORE_PROFILE_H

#include "core/context.h"

int lavin_profile_init(lavin_context *ctx);
void lavin_profile_destroy(lavin_context *ctx);

void lavin_profile_begin(lavin_context *ctx, VkCommandBuffer cmd);
/* Writes the timestamp before (end = 0) or after (end = 1) a dispatch. */
void lavin_profile_mark(lavin_context *ctx, VkCommandBuffer cmd, const char *op, double flops,
                        double bytes, int end);
/* True when the query pool cannot take another dispatch. */
int lavin_profile_full(const lavin_context *ctx);
/* Reads the timestamps of the submission that just finished. */
int lavin_profile_collect(lavin_context *ctx);


#endif
