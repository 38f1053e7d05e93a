/* Every op family's test entry point; test_ops.c runs them in this order. */
#ifndef LAVIN_TESTS_FAMILIES_H
#define LAVIN_TESTS_FAMILIES_H

#include "tests/harness.h"

void lt_family_elementwise(lt *t);
void lt_family_matmul(lt *t);
void lt_family_attention(lt *t);
void lt_family_conv(lt *t);
void lt_family_layout(lt *t);
void lt_family_norm(lt *t);
void lt_family_tile(lt *t);
void lt_family_resample(lt *t);
void lt_family_quant(lt *t);

#endif
