/*
 * mpi.c - the command under mpirun (mpi.h). Compiled with MPI when CMake
 * found it (TR_HAVE_MPI), else as the functions of one process.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi.h"

#if defined(TR_HAVE_MPI)
#include <mpi.h>
#endif

/* Exit statuses ordered by how serious they are: 0, 3, 2, 1. */
static int severity(int status)
{
    static const int order[4] = {0, 3, 2, 1};
    for (int k = 0; k < 4; k++)
        if (order[k] == status) return k;
    return 3;
}

static int status_of(int sev)
{
    static const int order[4] = {0, 3, 2, 1};
    return order[sev >= 0 && sev < 4 ? sev : 3];
}

/* The number of processes a launcher says it started (0: none said). */
static long launched_size(void)
{
    static const char *const vars[2] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"};
    for (int k = 0; k < 2; k++) {
        const char *v = getenv(vars[k]);
        if (v && *v) return strtol(v, NULL, 10);
    }
    return 0;
}

#if defined(TR_HAVE_MPI)

static int started, rank_, size_ = 1;

/* Bytes in one message: MPI counts are ints. */
#define CHUNK (UINT64_C(1) << 30)
#define TAG_BYTES 7401

int cli_mpi_start(int *argc, char ***argv)
{
    if (launched_size() == 0 && getenv("PMIX_RANK") == NULL) return 0;
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "trustrisk: MPI could not start\n");
        return 1;
    }
    started = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    return 0;
}

void cli_mpi_end(void)
{
    if (started) MPI_Finalize();
    started = 0;
}

int cli_mpi_rank(void)
{
    return rank_;
}

int cli_mpi_size(void)
{
    return size_;
}

int cli_mpi_agree(int status, int *rank0)
{
    if (size_ == 1) {
        if (rank0) *rank0 = status;
        return status;
    }
    int mine[2] = {severity(status), rank_ == 0 ? status : 0}, all[2] = {0, 0};
    MPI_Allreduce(mine, all, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rank0) *rank0 = all[1];
    return status_of(all[0]);
}

int cli_mpi_any(int flag)
{
    int mine = flag != 0, any = mine;
    if (size_ > 1) MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return any;
}

/* Move n bytes between rank `from` and rank 0, in chunks. */
static void transfer(char *buf, uint64_t n, int from, uint64_t chunk)
{
    for (uint64_t off = 0; off < n; off += chunk) {
        int count = (int)(n - off < chunk ? n - off : chunk);
        if (rank_ == from)
            MPI_Send(buf + off, count, MPI_BYTE, 0, TAG_BYTES, MPI_COMM_WORLD);
        else
            MPI_Recv(buf + off, count, MPI_BYTE, from, TAG_BYTES, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
    }
}

tr_status cli_mpi_gather(void *data, size_t len, tr_status status, void ***all, size_t **lens,
                         tr_error *err)
{
    *all = NULL;
    *lens = NULL;
    int n = size_;
    uint64_t mine[2] = {status == TR_OK ? (uint64_t)len : 0, (uint64_t)status};
    uint64_t *info = rank_ == 0 ? calloc(2 * (size_t)n, sizeof *info) : NULL;
    void **bufs = rank_ == 0 ? calloc((size_t)n, sizeof *bufs) : NULL;
    size_t *sizes = rank_ == 0 ? calloc((size_t)n, sizeof *sizes) : NULL;
    if (rank_ == 0 && (!info || !bufs || !sizes)) {
        fprintf(stderr, "trustrisk: out of memory gathering the ranks' states\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Gather(mine, 2, MPI_UINT64_T, info, 2, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    /* Rank 0 says whether to go on, and the chunk size (smaller in tests). */
    uint64_t ctrl[2] = {TR_OK, CHUNK};
    if (rank_ == 0) {
        const char *test = getenv("TRUSTRISK_TEST_MPI_CHUNK");
        if (test && strtoull(test, NULL, 10) > 0 && strtoull(test, NULL, 10) < CHUNK)
            ctrl[1] = strtoull(test, NULL, 10);
        for (int r = 0; r < n; r++)
            if (info[2 * r + 1] != TR_OK) {
                ctrl[0] = info[2 * r + 1];
                tr_error_add(err, (tr_status)ctrl[0], NULL, NULL, 0, 0,
                             "rank %d of %d could not give its state (%s)", r, n,
                             tr_status_string((tr_status)ctrl[0]));
            }
        sizes[0] = len;
        bufs[0] = data;
        data = NULL;
        for (int r = 1; r < n && ctrl[0] == TR_OK; r++) {
            sizes[r] = (size_t)info[2 * r];
            bufs[r] = malloc(sizes[r] ? sizes[r] : 1);
            if (!bufs[r])
                ctrl[0] = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0,
                                       "out of memory receiving rank %d's state (%zu bytes)", r,
                                       sizes[r]);
        }
    }
    MPI_Bcast(ctrl, 2, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (ctrl[0] == TR_OK)
        for (int r = 1; r < n; r++) {
            if (rank_ == r) transfer(data, len, r, ctrl[1]);
            if (rank_ == 0) transfer(bufs[r], sizes[r], r, ctrl[1]);
        }
    free(data);
    free(info);
    if (ctrl[0] != TR_OK || rank_ != 0) {
        for (int r = 0; bufs && r < n; r++)
            free(bufs[r]);
        free(bufs);
        free(sizes);
        return (tr_status)ctrl[0];
    }
    *all = bufs;
    *lens = sizes;
    return TR_OK;
}

#else /* one process */

int cli_mpi_start(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    long n = launched_size();
    if (n <= 1) return 0;
    fprintf(stderr,
            "trustrisk: started as one of %ld processes by an MPI launcher, but this trustrisk "
            "was built without MPI, so each would do the whole run. Rebuild it with MPI "
            "(Debian: libopenmpi-dev; CMake -DTR_MPI=ON), or start one process\n",
            n);
    return 2;
}

void cli_mpi_end(void) {}

int cli_mpi_rank(void)
{
    return 0;
}

int cli_mpi_size(void)
{
    return 1;
}

int cli_mpi_agree(int status, int *rank0)
{
    if (rank0) *rank0 = status;
    return status_of(severity(status));
}

int cli_mpi_any(int flag)
{
    return flag != 0;
}

tr_status cli_mpi_gather(void *data, size_t len, tr_status status, void ***all, size_t **lens,
                         tr_error *err)
{
    *all = NULL;
    *lens = NULL;
    if (status != TR_OK) {
        free(data);
        return status;
    }
    *all = malloc(sizeof **all);
    *lens = malloc(sizeof **lens);
    if (!*all || !*lens) {
        free(*all);
        free(*lens);
        free(data);
        *all = NULL;
        *lens = NULL;
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    }
    (*all)[0] = data;
    (*lens)[0] = len;
    return TR_OK;
}

#endif
