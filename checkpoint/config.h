/* Where a model's JSON config comes from, in order: the path given, NAME.json
 * beside the weights, the metadata key "lavin.config" (of a safetensors
 * file, or made from a GGUF file's architecture keys). */
#ifndef LAVIN_CHECKPOINT_CONFIG_H
#define LAVIN_CHECKPOINT_CONFIG_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "checkpoint/checkpoint.h"
#include "core/log.h"

/* *text is the JSON (free it), or NULL when no source has one; *origin says
 * which source (a static string). */
int lavin_config_text(const lavin_checkpoint *ck, const char *config_path, char **text, const char **origin,
                      char *err, size_t err_size);

/* Fails when the checkpoint's metadata ("lavin.model") names another model
 * than want; files without that key pass. */
int lavin_config_model(const lavin_checkpoint *ck, const char *want, const char *pretty, char *err,
                       size_t err_size);

/* Reads one key of a config: returns 1 when it knows the key, 0 when it
 * does not (the key is then logged as a warning and ignored), or an error. */
typedef int (*lavin_config_key_fn)(void *cfg, const cJSON *item, const char *source, char *err, size_t err_size);

/* Walks the JSON object's keys through fn. */
int lavin_config_parse(const char *json, const char *source, lavin_config_key_fn fn, void *cfg,
                       const lavin_logger *log, char *err,
                       size_t err_size);

/* A positive integer config value, or an error naming the key and source. */
int lavin_config_int(const cJSON *item, const char *source, int *out, char *err, size_t err_size);

#endif
