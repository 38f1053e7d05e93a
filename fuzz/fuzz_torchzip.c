/* libFuzzer target: the zip directory, the restricted unpickler and the
 * tensor views, on arbitrary bytes. CRCs are not checked so that mutations
 * reach the pickle; the same bytes also go straight to the unpickler. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/ckpt_set.h"
#include "checkpoint/pickle.h"
#include "checkpoint/torchzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(int r, const char *err, const char *prefix)
{
    if (r < 0 && (strncmp(err, prefix, strlen(prefix)) || strchr(err, '\n')))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lavin_ckpt_set s = { 0 };
    char err[512] = "";
    int r = lavin_torchzip_parse(data, size, "fuzz.pt", 0, &s, err, sizeof(err));
    check_err(r, err, "fuzz.pt: ");
    /* Accepted tensors point into the input or into copies the set owns;
     * reading every byte lets ASan check both. */
    unsigned sum = 0;
    for (size_t i = 0; r >= 0 && i < s.count; i++)
        for (uint64_t k = 0; k < s.tensors[i].nbytes; k++)
            sum += ((const uint8_t *)s.tensors[i].data)[k];
    lavin_ckpt_set_free(&s);

    lavin_pkl_tensor *t = NULL;
    size_t n = 0;
    err[0] = 0;
    r = lavin_pickle_state_dict(data, size, "fuzz.pkl", &t, &n, err, sizeof(err));
    check_err(r, err, "fuzz.pkl: ");
    lavin_pickle_free(t, n);
    /* Used, so that the reads above are not optimised away: every string
     * and byte handed out must be readable (ASan checks them). */
    if (sum == UINT_MAX)
        abort();
    return 0;
}
