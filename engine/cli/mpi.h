/*
 * mpi.h - the command under mpirun (private to the CLI; the library never
 * uses MPI).
 *
 * The same `trustrisk` binary serves one process and K: it starts MPI only
 * when a launcher started it (mpirun sets OMPI_COMM_WORLD_SIZE, PMIx
 * launchers PMIX_RANK, PMI launchers PMI_SIZE), so a plain run never
 * touches MPI. Built without MPI (CMake TR_MPI=OFF, or no MPI found) the
 * functions below are those of one process, and cli_mpi_start refuses a
 * launch of several processes, which would otherwise each do the whole run.
 *
 * Only the main thread calls MPI (MPI_THREAD_FUNNELED): OpenMP threads
 * within a rank never do. Every function here that talks to the other
 * ranks must be called by every rank, in the same order.
 */
#ifndef TR_CLI_MPI_H
#define TR_CLI_MPI_H

#include <stddef.h>

#include "trustrisk/trustrisk.h"

/**
 * Start MPI when a launcher started this process. Returns 0, or the exit
 * status to end with (a message printed): MPI failed to start, or several
 * processes were launched and this build has no MPI.
 */
int cli_mpi_start(int *argc, char ***argv);

/** End MPI, if it was started. */
void cli_mpi_end(void);

/** This process's rank (0 when not under MPI). */
int cli_mpi_rank(void);

/** The number of processes (1 when not under MPI). */
int cli_mpi_size(void);

/**
 * Every rank's exit status becomes one that all share: the most serious of
 * them, in the order 1 (run-time failure), 2 (bad input), 3 (interrupted),
 * 0. *rank0 (when not NULL) receives rank 0's own status, so that a rank
 * can leave a problem that rank 0 also had for rank 0 to report.
 */
int cli_mpi_agree(int status, int *rank0);

/** Non-zero on every rank when `flag` is non-zero on any. */
int cli_mpi_any(int flag);

/**
 * Every rank's bytes to rank 0, in messages of at most 1 GiB, so that
 * states of any size pass: `data` (`len` bytes from malloc, taken over and
 * freed here; NULL with `status` != TR_OK when this rank has none, having
 * failed). On rank 0, (*all)[r] and (*lens)[r] receive rank r's bytes (free
 * each, then the arrays); on the other ranks both are NULL. Returns TR_OK
 * on every rank, or on every rank the same failure: the status of a rank
 * that had no bytes (rank 0's message names it), or TR_E_NOMEM when rank 0
 * cannot hold them all.
 */
tr_status cli_mpi_gather(void *data, size_t len, tr_status status, void ***all, size_t **lens,
                         tr_error *err);

#endif /* TR_CLI_MPI_H */
