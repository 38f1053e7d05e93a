/* A restricted unpickler for the data.pkl of torch.save state dicts. It
 * builds plain data (dicts, lists, tuples, strings, numbers) and knows a
 * fixed list of globals: OrderedDict, torch's tensor rebuild functions and
 * the storage types. Any other global, and any opcode outside that subset,
 * is rejected; nothing from the file is ever called. */
#ifndef LAVIN_CHECKPOINT_PICKLE_H
#define LAVIN_CHECKPOINT_PICKLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/tensor.h"

/* One tensor of the state dict, as torch describes it: a strided view of a
 * storage that lives in the record data/<key>. */
typedef struct lavin_pkl_tensor {
    char *name;
    char *key;
    lavin_dtype dtype;
    size_t elsize;
    int64_t storage_numel;
    int64_t offset;               /* in elements */
    int ndim;
    int64_t shape[LAVIN_MAX_DIMS];
    int64_t stride[LAVIN_MAX_DIMS];
} lavin_pkl_tensor;

/* Unpickles data and returns the state dict (the value under "state_dict"
 * when the top-level dict has one that is a dict, else the top-level dict
 * itself) as tensors in dict order. Free with lavin_pickle_free. */
int lavin_pickle_state_dict(const uint8_t *data, size_t size, const char *file,
                            lavin_pkl_tensor **out, size_t *count, char *err, size_t err_size);
void lavin_pickle_free(lavin_pkl_tensor *t, size_t count);

#endif
