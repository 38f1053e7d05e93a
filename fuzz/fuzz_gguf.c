/* libFuzzer target: the GGUF reader (header, metadata, tensor infos, data
 * layout and lavin's metadata view) on arbitrary bytes. A clean rejection
 * must be one line; an accepted file must only describe bytes inside the
 * input, and every string it yields must be readable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/ckpt_set.h"
#include "checkpoint/gguf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lavin_ckpt_set s = { 0 };
    char err[512] = "";
    int r = lavin_gguf_parse(data, size, "fuzz.gguf", &s, err, sizeof(err));
    if (r < 0 && (strncmp(err, "fuzz.gguf: ", 11) || strchr(err, '\n')))
        abort();
    size_t chars = 0;
    for (size_t i = 0; r >= 0 && i < s.count; i++) {
        const lavin_ckpt_tensor *t = &s.tensors[i];
        const uint8_t *p = t->data;
        uint64_t bytes;
        if (t->nbytes && (p < data || t->nbytes > size || p > data + size - t->nbytes))
            abort();
        if (lavin_ckpt_tensor_bytes(t->dtype, t->ndim, t->shape, &bytes) < 0 || bytes != t->nbytes)
            abort();
        chars += strlen(t->name) + (t->why ? strlen(t->why) : 0);
    }
    for (size_t i = 0; r >= 0 && i < 2 * s.nmeta; i++)
        chars += strlen(s.meta[i]);
    lavin_ckpt_set_free(&s);
    /* Used, so that the reads above are not optimised away: every string
     * and byte handed out must be readable (ASan checks them). */
    if (chars == SIZE_MAX)
        abort();
    return 0;
}
