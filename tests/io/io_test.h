/* Checkpoint reader tests: a counter of cases and a scratch folder. */
#ifndef LAVIN_TESTS_IO_IO_TEST_H
#define LAVIN_TESTS_IO_IO_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "checkpoint/checkpoint.h"
#include "tests/scratch.h"

typedef struct iot {
    const char *data_dir;   /* tests/data/io */
    char tmp_dir[64];
    scratch_tally tally;
} iot;

/* Records a case; returns ok. */
int iot_check(iot *t, const char *what, int ok);
/* "tmp_dir/name" into buf. */
const char *iot_tmp(iot *t, const char *name, char *buf, size_t size);
/* "data_dir/name" into buf. */
const char *iot_data(iot *t, const char *name, char *buf, size_t size);
int iot_write(const char *path, const void *data, size_t size);
/* Whole file into a malloc'd buffer; NULL on failure. */
uint8_t *iot_read(const char *path, size_t *size);

/* Whether tmp_dir holds no writer's temporary file (".tmp") and no file
 * named bad, which a failed write must not have left. */
int iot_no_leftovers(iot *t, const char *bad);

/* Whether every prefix of the file at path, written to tmp_dir/cut_name,
 * fails to open with one line naming it; prints the prefixes that do not. */
int iot_rejects_truncations(iot *t, const char *path, const char *cut_name);

/* Opening path must fail with code (0 = any negative code), a one-line
 * message that names the file and contains needle (NULL = anything). */
int iot_rejects(iot *t, const char *what, const char *path, int code, const char *needle);

void iot_safetensors(iot *t);
void iot_torchzip(iot *t);
void iot_gguf(iot *t);

#endif
