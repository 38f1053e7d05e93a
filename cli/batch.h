/* lavin batch, registered in cli/main.c beside the commands of
 * cli/commands.h; its exit statuses are in cli/batch_runner.h. */
#ifndef LAVIN_CLI_BATCH_H
#define LAVIN_CLI_BATCH_H

int lavin_cmd_batch(int argc, char **argv);

#endif
