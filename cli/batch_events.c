#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli/batch_events.h"

double batch_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int batch_events_open(batch_events *e, const char *path, char *err, size_t size)
{
    memset(e, 0, sizeof(*e));
    if (!path)
        return 0;
    if (!strcmp(path, "-")) {
        e->f = stdout;
        return 0;
    }
    if (!(e->f = fopen(path, "a"))) {
        snprintf(err, size, "--events %s: cannot open it for writing", path);
        return -1;
    }
    e->own = 1;
    return 0;
}

void batch_events_close(batch_events *e)
{
    if (e->own)
        fclose(e->f);
    memset(e, 0, sizeof(*e));
}

static cJSON *event(const batch_events *e, const char *name, const batch_job *j)
{
    if (!e->f)
        return NULL;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "event", name);
    /* Milliseconds: what a log needs, and a double holds them exactly. */
    cJSON_AddNumberToObject(o, "time", (double)((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000) / 1000.0);
    if (j) {
        cJSON_AddNumberToObject(o, "job", j->index);
        if (j->line)
            cJSON_AddNumberToObject(o, "line", j->line);
    }
    return o;
}

/* One line, flushed at once: whoever follows the file sees each event as it happens. */
static void emit(batch_events *e, cJSON *o)
{
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    if (text) {
        fprintf(e->f, "%s\n", text);
        fflush(e->f);
    }
    free(text);
    cJSON_Delete(o);
}

static void add_string(cJSON *o, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, key, v);
}

void batch_events_begin(batch_events *e, const batch_shard *s, int jobs, int shard_jobs)
{
    cJSON *o = event(e, "batch", NULL);
    cJSON_AddNumberToObject(o, "shard", s->index);
    cJSON_AddNumberToObject(o, "shards", s->count);
    cJSON_AddNumberToObject(o, "jobs", jobs);
    cJSON_AddNumberToObject(o, "shard_jobs", shard_jobs);
    cJSON_AddNumberToObject(o, "pid", (double)getpid());
    emit(e, o);
}

void batch_events_started(batch_events *e, const batch_job *j, const char *kind)
{
    cJSON *o = event(e, "started", j);
    add_string(o, "in", j->in);
    add_string(o, "out", j->out);
    add_string(o, "kind", kind);
    emit(e, o);
}

int batch_events_progress_due(batch_events *e, const lavin_progress *p)
{
    double t = batch_now();
    if (!e->f || (unsigned)p->stage > LAVIN_STAGE_DECODE || (t - e->last_progress < 1.0 && p->step != p->steps))
        return 0;
    e->last_progress = t;
    return 1;
}

void batch_events_progress(batch_events *e, const batch_job *j, const lavin_progress *p)
{
    static const char *const stages[] = { "load", "encode", "sample", "decode" };
    cJSON *o = event(e, "progress", j);
    cJSON_AddStringToObject(o, "stage", stages[p->stage]);
    cJSON_AddNumberToObject(o, "step", p->step);
    cJSON_AddNumberToObject(o, "steps", p->steps);
    cJSON_AddNumberToObject(o, "first", p->first);
    cJSON_AddNumberToObject(o, "count", p->count);
    cJSON_AddNumberToObject(o, "total", p->total);
    emit(e, o);
}

void batch_events_done(batch_events *e, const batch_job *j, double seconds)
{
    cJSON *o = event(e, "done", j);
    add_string(o, "out", j->out);
    cJSON_AddNumberToObject(o, "seconds", (double)(long long)(seconds * 1000 + 0.5) / 1000.0);
    emit(e, o);
}

void batch_events_skipped(batch_events *e, const batch_job *j)
{
    cJSON *o = event(e, "skipped", j);
    add_string(o, "out", j->out);
    emit(e, o);
}

void batch_events_failed(batch_events *e, const batch_job *j, const char *message, int retry)
{
    cJSON *o = event(e, "failed", j);
    add_string(o, "in", j->in);
    add_string(o, "message", message);
    cJSON_AddBoolToObject(o, "retry", retry);
    emit(e, o);
}

void batch_events_end(batch_events *e, int status, const batch_counts *c, double seconds, const char *message)
{
    cJSON *o = event(e, "end", NULL);
    cJSON_AddNumberToObject(o, "status", status);
    cJSON_AddNumberToObject(o, "jobs", c->jobs);
    cJSON_AddNumberToObject(o, "done", c->done);
    cJSON_AddNumberToObject(o, "skipped", c->skipped);
    cJSON_AddNumberToObject(o, "bad", c->bad);
    cJSON_AddNumberToObject(o, "retry", c->retry);
    cJSON_AddNumberToObject(o, "seconds", (double)(long long)(seconds * 1000 + 0.5) / 1000.0);
    if (message && *message)
        cJSON_AddStringToObject(o, "message", message);
    emit(e, o);
}
