/*
 * cmd_run.h - `trustrisk run` (cmd_run.c).
 */
#ifndef TR_CLI_CMD_RUN_H
#define TR_CLI_CMD_RUN_H

/* `trustrisk run CONFIG [options]` with the arguments after "run"; `prog`
 * is the command as it was started (argv[0]), for the line that resumes
 * an interrupted run. Returns the exit status: 0 done, 1 run-time failure,
 * 2 bad input, 3 stopped by a signal with its state saved. */
int cli_cmd_run(int argc, char **argv, const char *prog);

#endif /* TR_CLI_CMD_RUN_H */
