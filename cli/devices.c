#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "lavin/lavin.h"

static const char *type_name(enum lavin_device_type t)
{
    static const char *names[] = { "discrete", "integrated", "virtual", "cpu", "other" };
    return (unsigned)t < 5 ? names[t] : "other";
}

int lavin_cmd_devices(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: lavin devices\n\nLists the Vulkan devices lavin can use; pick one with --device or LAVIN_DEVICE.\n");
        return LAVIN_EXIT_OK;
    }
    if (argc > 1) {
        fprintf(stderr, "lavin devices: unexpected argument '%s'\n", argv[1]);
        return LAVIN_EXIT_USAGE;
    }
    lavin_device_info infos[16];
    char err[512];
    int n = lavin_list_devices(infos, 16, err, sizeof(err));
    if (n < 0) {
        fprintf(stderr, "lavin devices: %s\n", err);
        return LAVIN_EXIT_FAIL;
    }
    for (int i = 0; i < n && i < 16; i++) {
        const lavin_device_info *d = &infos[i];
        char feats[256];
        lavin_features_string(d->features, feats, sizeof(feats));
        printf("%d: %s (%s, Vulkan %u.%u.%u)\n", d->index, d->name, type_name(d->type),
               d->api_version >> 22, (d->api_version >> 12) & 0x3ff, d->api_version & 0xfff);
        printf("   memory %.0f MiB, max allocation %.0f MiB, storage range %.0f MiB, shared %u KiB, subgroup %u\n",
               d->device_local_bytes / 1048576.0, d->max_allocation_size / 1048576.0,
               d->max_storage_buffer_range / 1048576.0, d->max_shared_memory / 1024, d->subgroup_size);
        printf("   features: %s\n", feats[0] ? feats : "(none)");
    }
    return LAVIN_EXIT_OK;
}
