#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint/checkpoint.h"
#include "checkpoint/ckpt_set.h"
#include "core/error.h"
#include "checkpoint/gguf.h"
#include "checkpoint/safetensors.h"
#include "checkpoint/torchzip.h"

struct lavin_checkpoint {
    char *path;
    const char *format;
    void *map;
    size_t map_size;
    lavin_ckpt_set set;
    const lavin_ckpt_tensor **index;   /* by name, for find */
};

static int map_file(lavin_checkpoint *ck, char *err, size_t err_size)
{
    /* O_NONBLOCK so that a FIFO given by mistake fails below instead of
     * waiting for a writer. */
    int fd = open(ck->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return lavin_err_buf(err, err_size, LAVIN_EIO, "%s: %s", ck->path, strerror(errno));
    struct stat st;
    int r = 0;
    if (fstat(fd, &st) < 0)
        r = lavin_err_buf(err, err_size, LAVIN_EIO, "%s: %s", ck->path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        r = lavin_err_buf(err, err_size, LAVIN_EIO, "%s: not a regular file", ck->path);
    else if (st.st_size == 0)
        r = lavin_err_buf(err, err_size, LAVIN_EFORMAT, "%s: file is empty", ck->path);
    else if ((uint64_t)st.st_size > SIZE_MAX)
        r = lavin_err_buf(err, err_size, LAVIN_EIO, "%s: file is too large to map", ck->path);
    if (r >= 0) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            r = lavin_err_buf(err, err_size, LAVIN_EIO, "%s: mmap failed: %s", ck->path, strerror(errno));
        } else {
            ck->map = m;
            ck->map_size = (size_t)st.st_size;
        }
    }
    close(fd);
    return r;
}

static int parse(lavin_checkpoint *ck, char *err, size_t err_size)
{
    const uint8_t *d = ck->map;
    size_t n = ck->map_size;
    if (n >= 4 && !memcmp(d, "PK\x03\x04", 4)) {
        ck->format = "PyTorch";
        return lavin_torchzip_parse(d, n, ck->path, 1, &ck->set, err, err_size);
    }
    if (n >= 2 && d[0] == 0x80 && d[1] <= 5)
        return lavin_err_buf(err, err_size, LAVIN_EUNSUPPORTED,
                             "%s: legacy (pre-1.6, not zip) torch.save format; re-save it with a newer torch",
                             ck->path);
    if (lavin_gguf_sniff(d, n)) {
        ck->format = "GGUF";
        return lavin_gguf_parse(d, n, ck->path, &ck->set, err, err_size);
    }
    if (lavin_safetensors_sniff(d, n)) {
        ck->format = "safetensors";
        return lavin_safetensors_parse(d, n, ck->path, &ck->set, err, err_size);
    }
    return lavin_err_buf(err, err_size, LAVIN_EFORMAT,
                         "%s: neither a safetensors file, a GGUF file nor a PyTorch zip checkpoint", ck->path);
}

int lavin_checkpoint_open(const char *path, lavin_checkpoint **out, char *err, size_t err_size)
{
    if (!out)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "checkpoint: no output handle given");
    *out = NULL;
    if (!path)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "checkpoint: no path given");
    lavin_checkpoint *ck = calloc(1, sizeof(*ck));
    if (!ck || !(ck->path = strdup(path))) {
        free(ck);
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", path);
    }
    int r = map_file(ck, err, err_size);
    if (r >= 0)
        r = parse(ck, err, err_size);
    if (r >= 0)
        r = lavin_ckpt_index(ck->set.tensors, ck->set.count, &ck->index, ck->path, err, err_size);
    if (r < 0) {
        lavin_checkpoint_close(&ck);
        return r;
    }
    *out = ck;
    return 0;
}

void lavin_checkpoint_close(lavin_checkpoint **ckp)
{
    lavin_checkpoint *ck = ckp ? *ckp : NULL;
    if (!ck)
        return;
    lavin_ckpt_set_free(&ck->set);
    free(ck->index);
    if (ck->map)
        munmap(ck->map, ck->map_size);
    free(ck->path);
    free(ck);
    *ckp = NULL;
}

size_t lavin_checkpoint_count(const lavin_checkpoint *ck)
{
    return ck ? ck->set.count : 0;
}

const lavin_ckpt_tensor *lavin_checkpoint_tensor(const lavin_checkpoint *ck, size_t i)
{
    return ck && i < ck->set.count ? &ck->set.tensors[i] : NULL;
}

static int find_cmp(const void *key, const void *elem)
{
    return strcmp(key, (*(const lavin_ckpt_tensor *const *)elem)->name);
}

const lavin_ckpt_tensor *lavin_checkpoint_find(const lavin_checkpoint *ck, const char *name)
{
    if (!ck || !name || !ck->set.count)
        return NULL;
    const lavin_ckpt_tensor *const *hit = bsearch(name, ck->index, ck->set.count, sizeof(*ck->index),
                                                  find_cmp);
    return hit ? *hit : NULL;
}

const char *lavin_checkpoint_metadata(const lavin_checkpoint *ck, const char *key)
{
    if (!ck || !key)
        return NULL;
    for (size_t i = 0; i < ck->set.nmeta; i++)
        if (!strcmp(ck->set.meta[2 * i], key))
            return ck->set.meta[2 * i + 1];
    return NULL;
}

const char *lavin_checkpoint_metadata_key(const lavin_checkpoint *ck, size_t i)
{
    return ck && i < ck->set.nmeta ? ck->set.meta[2 * i] : NULL;
}

const char *lavin_checkpoint_format(const lavin_checkpoint *ck)
{
    return ck ? ck->format : NULL;
}

const char *lavin_checkpoint_path(const lavin_checkpoint *ck)
{
    return ck ? ck->path : NULL;
}
