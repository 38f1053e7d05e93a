#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint/file_write.h"
#include "core/error.h"

int lavin_file_put(FILE *f, const void *data, size_t size)
{
    return size && fwrite(data, 1, size, f) != size ? -1 : 0;
}

int lavin_file_write(const char *path, lavin_file_fill_fn fill, void *user, char *err, size_t err_size)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", path);
    snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
    int r = 0;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        r = lavin_err_buf(err, err_size, LAVIN_EIO, "%s: cannot create a temporary file: %s", path,
                          strerror(errno));
    } else {
        /* mkstemp makes the file private; a checkpoint is ordinary data. */
        if (fchmod(fd, 0644) < 0) {
            close(fd);
            fd = -1;
        }
        FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
        if (!f && fd >= 0)
            close(fd);
        int bad = !f || fill(f, user) < 0 || fflush(f) || fsync(fileno(f));
        int e = errno;
        if (f && fclose(f) && !bad) {
            bad = 1;
            e = errno;
        }
        if (!bad && rename(tmp, path) < 0) {
            bad = 1;
            e = errno;
        }
        if (bad) {
            unlink(tmp);
            r = lavin_err_buf(err, err_size, LAVIN_EIO, "%s: write failed: %s", path, strerror(e));
        }
    }
    free(tmp);
    return r;
}
