#include <stdlib.h>
#include <string.h>

#include "lavin/context.h"
#include "checkpoint/manifest.h"

typedef struct {
    const lavin_checkpoint *ck;
    const lavin_logger *log;
    lavin_manifest_report *r;
    unsigned char *seen;
} check_state;

static void shape_text(char *buf, size_t n, int ndim, const int64_t *shape)
{
    size_t len = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ndim && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (len < n)
        snprintf(buf + len, n - len, "]");
}

static void check_one(void *user, const char *name, int ndim, const int64_t *shape)
{
    check_state *st = user;
    st->r->expected++;
    const lavin_ckpt_tensor *t = lavin_checkpoint_find(st->ck, name);
    if (!t) {
        st->r->missing++;
        lavin_logf(st->log, LAVIN_LOG_WARN, "%s: missing:     %s", lavin_checkpoint_path(st->ck), name);
        return;
    }
    for (size_t i = 0; i < lavin_checkpoint_count(st->ck); i++)
        if (lavin_checkpoint_tensor(st->ck, i) == t)
            st->seen[i] = 1;
    int same = t->ndim == ndim;
    for (int i = 0; same && i < ndim; i++)
        same = t->shape[i] == shape[i];
    if (!same) {
        char want[96], got[96];
        shape_text(want, sizeof(want), ndim, shape);
        shape_text(got, sizeof(got), t->ndim, t->shape);
        st->r->misshaped++;
        lavin_logf(st->log, LAVIN_LOG_WARN, "%s: mis-shaped:  %s is %s, expected %s", lavin_checkpoint_path(st->ck),
                   name, got, want);
    }
}

int lavin_manifest_check(lavin_manifest_list list, const void *cfg, const lavin_checkpoint *ck, const lavin_logger *log,
                         lavin_manifest_report *r)
{
    size_t n = lavin_checkpoint_count(ck);
    check_state st = { ck, log, r, calloc(n ? n : 1, 1) };
    memset(r, 0, sizeof(*r));
    if (!st.seen)
        return LAVIN_ENOMEM;
    list(cfg, check_one, &st);
    for (size_t i = 0; i < n; i++)
        if (!st.seen[i]) {
            r->unexpected++;
            lavin_logf(log, LAVIN_LOG_WARN, "%s: unexpected:  %s", lavin_checkpoint_path(ck),
                       lavin_checkpoint_tensor(ck, i)->name);
        }
    free(st.seen);
    return r->missing || r->unexpected || r->misshaped ? LAVIN_EFORMAT : 0;
}
