/*
 * cmd_sensitivity.h - `trustrisk sensitivity` (cmd_sensitivity.c).
 */
#ifndef TR_CLI_CMD_SENSITIVITY_H
#define TR_CLI_CMD_SENSITIVITY_H

/* `trustrisk sensitivity CONFIG --out DIR [options]` with the arguments
 * after "sensitivity". Returns the exit status: 0 done, 2 bad input
 * (arguments, config, --out), 1 run-time error. */
int cli_cmd_sensitivity(int argc, char **argv);

#endif /* TR_CLI_CMD_SENSITIVITY_H */
