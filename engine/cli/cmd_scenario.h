/*
 * cmd_scenario.h - `trustrisk scenario` (cmd_scenario.c).
 */
#ifndef TR_CLI_CMD_SCENARIO_H
#define TR_CLI_CMD_SCENARIO_H

/* `trustrisk scenario MANIFEST [--print ID] [--paths N] [--seed S]` with the arguments after
 * "scenario"; `usage` is the command's help text. Returns the exit status:
 * 0 done, 2 bad input (arguments, manifest, unknown ID), 1 run-time error. */
int cli_cmd_scenario(int argc, char **argv, const char *usage);

#endif /* TR_CLI_CMD_SCENARIO_H */
