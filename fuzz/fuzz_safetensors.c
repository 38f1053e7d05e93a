/* libFuzzer target: the safetensors header parser on arbitrary bytes. A
 * clean rejection must be one line; an accepted file must only describe
 * bytes inside the input. */
#include <stdlib.h>
#include <string.h>

#include "checkpoint/ckpt_set.h"
#include "checkpoint/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lavin_ckpt_set s = { 0 };
    char err[512] = "";
    int r = lavin_safetensors_parse(data, size, "fuzz", &s, err, sizeof(err));
    if (r < 0 && (strncmp(err, "fuzz: ", 6) || strchr(err, '\n')))
        abort();
    for (size_t i = 0; r >= 0 && i < s.count; i++) {
        const lavin_ckpt_tensor *t = &s.tensors[i];
        const uint8_t *p = t->data;
        if (t->nbytes && (p < data || t->nbytes > size || p > data + size - t->nbytes))
            abort();
    }
    lavin_ckpt_set_free(&s);
    return 0;
}
