/* lavin batch: many pictures and videos through one loaded model, split
 * into shards by a scheduler's index and count, resumable, with events for
 * machines and one progress line for people. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/batch.h"
#include "cli/batch_runner.h"
#include "cli/batch_shard.h"
#include "cli/commands.h"
#include "cli/infer.h"
#include "cli/signals.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lavin batch MANIFEST.jsonl [options]\n"
            "       lavin batch --context CONTEXT --in GLOB|DIR --out-dir DIR [options]\n\n"
            "Runs many jobs with the model loaded once and each context's pairs encoded once. MANIFEST\n"
            "(\"-\": stdin) holds one job a line, a JSON object of lavin run's, video's and predict's\n"
            "long options without their dashes:\n"
            "  {\"context\": \"depth\", \"in\": \"a.jpg\", \"out\": \"a.depth.png\"}\n"
            "  {\"context\": \"depth-clip\", \"clip\": true, \"in\": \"b.mp4\", \"out\": \"b.depth.mp4\", \"steps\": 10}\n"
            "  {\"in\": \"c.mp4\", \"frames\": 12, \"out\": \"c.next.mp4\"}\n"
            "keys: in, out, context, task, size, steps, seed, cfg, pairs, fit, batch, vae-tile, rope,\n"
            "rope-anchor, clip, clip-frames, clip-stride, frames (a prediction of that many frames),\n"
            "context-frames, keep-model-size, only-new. A picture input gives a picture (as lavin run),\n"
            "a video a video (as lavin video), frames a prediction (as lavin predict). The command\n"
            "line's options are every job's defaults.\n"
            "--in takes a glob ('photos/*.jpg') or a folder's pictures and videos instead, each answered\n"
            "into --out-dir as NAME.png (pictures) or NAME.mp4 (videos, predictions).\n\n"
            "shards:  --shard I/N runs the jobs whose index (from 0, in manifest order) modulo N is I.\n"
            "         Without it: SLURM_ARRAY_TASK_ID (less SLURM_ARRAY_TASK_MIN, over _STEP) of\n"
            "         SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) of\n"
            "         --shards N (the Job's completions). --shards N also overrides Slurm's count.\n"
            "resume:  a job whose output exists is skipped (outputs are written whole or not at all);\n"
            "         --force redoes it. Missing output folders are made.\n"
            "events:  --events FILE|- appends JSON lines: batch, started, progress, then one of done\n"
            "         (out, seconds), skipped or failed (message, retry) per job, and end.\n"
            "exit:    0 every job done or already there; 2 bad usage, or the model cannot be read;\n"
            "         3 some jobs failed for their input or options (do not retry);\n"
            "         4 some jobs failed for the device or memory (retry: done jobs are skipped);\n"
            "         a signal (SIGTERM, SIGINT, SIGHUP) ends it by that signal, nothing partial left.\n"
            "The model, device and sampling options are lavin run's (see lavin run --help).\n");
}

typedef struct batch_opts {
    const char *manifest, *in, *out_dir, *shard, *shards, *events;
    int force;
} batch_opts;

/* The command's own options and the manifest (the one argument that is
 * neither an option nor an option's value; "-" for stdin), taken out of
 * argv before lavin run's options are parsed. */
static int take_own(int *argc, char **argv, batch_opts *b)
{
    memset(b, 0, sizeof(*b));
    int kept = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        const char **v = !strcmp(a, "--in") ? &b->in : !strcmp(a, "--out-dir") ? &b->out_dir
                       : !strcmp(a, "--shard") ? &b->shard : !strcmp(a, "--shards") ? &b->shards
                       : !strcmp(a, "--events") ? &b->events : NULL;
        if (!strcmp(a, "--force"))
            b->force = 1;
        else if (v && (i + 1 >= *argc || !argv[i + 1][0])) {
            fprintf(stderr, "lavin batch: %s needs a value (see --help)\n", a);
            return -1;
        } else if (v)
            *v = argv[++i];
        else if ((a[0] != '-' || !strcmp(a, "-")) && !b->manifest)
            b->manifest = a;
        else {
            argv[kept++] = argv[i];
            /* An option's value stays with it, not taken for the manifest. */
            if (a[0] == '-' && a[1] && !infer_is_flag(a) && i + 1 < *argc)
                argv[kept++] = argv[++i];
        }
    }
    *argc = kept;
    return 0;
}

static int check_usage(const batch_opts *b, const infer_opts *o)
{
    const char *why = !b->manifest == !b->in ? "give a MANIFEST or --in, one of the two"
                    : b->in && !b->out_dir ? "--in needs --out-dir"
                    : b->manifest && b->out_dir ? "--out-dir goes with --in; a manifest names each output"
                    : o->out || o->nqueries ? "-o and --query are not batch options: give \"out\" in the manifest, "
                                              "or --in and --out-dir"
                    : NULL;
    if (why)
        fprintf(stderr, "lavin batch: %s (see --help)\n", why);
    return why ? -1 : 0;
}

static int run_shard(batch_runner *r, const batch_manifest *m, const batch_shard *shard, batch_events *ev)
{
    for (int i = 0; i < m->n; i++)
        r->counts.jobs += batch_shard_has(shard, i);
    batch_events_begin(ev, shard, m->n, r->counts.jobs);
    for (int i = 0; i < m->n && !batch_runner_stopped(r); i++)
        if (batch_shard_has(shard, i))
            batch_runner_job(r, &m->jobs[i]);
    batch_runner_flush(r);
    if (batch_runner_stopped(r))
        return r->stop_status;
    return r->counts.retry ? BATCH_EXIT_RETRY : r->counts.bad ? BATCH_EXIT_BAD_INPUT : LAVIN_EXIT_OK;
}

static void summary(const batch_runner *r, const batch_shard *shard, int status, int quiet)
{
    const batch_counts *c = &r->counts;
    if (quiet && r->stop_status < 0)
        return;
    char where[96] = "";
    if (shard->count > 1)
        snprintf(where, sizeof(where), " in shard %d/%d (%s)", shard->index, shard->count, shard->from);
    fprintf(stderr, "lavin batch: %d jobs%s: %d done, %d already there, %d bad, %d to retry%s%s (status %d)\n",
            c->jobs, where, c->done, c->skipped, c->bad, c->retry, r->stop_status >= 0 ? "; stopped: " : "",
            r->stop_status >= 0 ? r->stop_message : "", status);
}

int lavin_cmd_batch(int argc, char **argv)
{
    batch_opts b;
    infer_opts o;
    if (take_own(&argc, argv, &b) < 0)
        return LAVIN_EXIT_USAGE;
    int status = infer_start(argc, argv, "batch", usage, &o);
    if (status >= 0)
        return status;
    if (check_usage(&b, &o) < 0)
        return LAVIN_EXIT_USAGE;
    char err[1024];
    batch_shard shard;
    batch_manifest m = { 0 };
    batch_events ev;
    if (batch_shard_resolve(b.shard, b.shards, &shard, err, sizeof(err)) < 0 ||
        (b.manifest ? batch_manifest_read(b.manifest, &m, err, sizeof(err))
                    : batch_manifest_from_inputs(b.in, b.out_dir, o.frames > 0, &m, err, sizeof(err))) < 0) {
        fprintf(stderr, "lavin batch: %s\n", err);
        batch_manifest_free(&m);
        return LAVIN_EXIT_USAGE;
    }
    if (batch_manifest_check_outputs(&m) < 0) {
        fprintf(stderr, "lavin batch: out of host memory\n");
        batch_manifest_free(&m);
        return LAVIN_EXIT_FAIL;
    }
    if (batch_events_open(&ev, b.events, err, sizeof(err)) < 0) {
        fprintf(stderr, "lavin batch: %s\n", err);
        batch_manifest_free(&m);
        return LAVIN_EXIT_USAGE;
    }
    double start = batch_now();
    batch_runner r;
    /* Every job's options follow the command line's, which are parsed again with them. */
    if ((status = batch_runner_open(&r, &o, argv + 1, argc - 1, b.force, &ev)) < 0) {
        status = run_shard(&r, &m, &shard, &ev);
        batch_events_end(&ev, status, &r.counts, batch_now() - start, r.stop_message);
        summary(&r, &shard, status, o.quiet);
        batch_runner_close(&r);
    }
    batch_events_close(&ev);
    batch_manifest_free(&m);
    return status;
}
