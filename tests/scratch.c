#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavformat/avformat.h>

#include "tests/scratch.h"

void scratch_remove(const char *dir)
{
    DIR *d = opendir(dir);
    char p[512];
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

int scratch_check(scratch_tally *t, const char *what, int ok)
{
    if (ok)
        t->passed++;
    else
        t->failed++;
    if (!ok || t->verbose)
        printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    return ok;
}

uint64_t scratch_xorshift(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

int scratch_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int scratch_count(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strstr(e->d_name, part) != NULL;
    if (d)
        closedir(d);
    return n;
}

int scratch_audio_stats(const char *path, int64_t *packets, double *seconds)
{
    AVFormatContext *fmt = NULL;
    AVPacket *pkt = av_packet_alloc();
    *packets = 0;
    *seconds = 0;
    int s = -1;
    if (pkt && avformat_open_input(&fmt, path, NULL, NULL) >= 0 && avformat_find_stream_info(fmt, NULL) >= 0)
        s = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    int64_t dur = 0;
    while (s >= 0 && av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == s) {
            (*packets)++;
            dur += pkt->duration;
        }
        av_packet_unref(pkt);
    }
    if (s >= 0)
        *seconds = (double)dur * av_q2d(fmt->streams[s]->time_base);
    avformat_close_input(&fmt);
    av_packet_free(&pkt);
    return s >= 0 ? 0 : -1;
}
