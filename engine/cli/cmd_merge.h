/*
 * cmd_merge.h - `trustrisk merge` (cmd_merge.c).
 */
#ifndef TR_CLI_CMD_MERGE_H
#define TR_CLI_CMD_MERGE_H

/* `trustrisk merge STATE_OR_DIR... --out DIR [--report] [--xlsx] [--manifest
 * MANIFEST [--paths N] [--seed S]]` with the arguments after "merge" (a
 * batch's shards with --manifest). Returns the exit status: 0 done, 2 bad input (arguments,
 * a state missing, damaged, duplicated or of another run), 1 run-time
 * failure. */
int cli_cmd_merge(int argc, char **argv);

#endif /* TR_CLI_CMD_MERGE_H */
