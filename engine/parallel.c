/*
 * parallel.c - OpenMP behind a small interface (see parallel.h).
 *
 * Tasks are scheduled dynamically, one at a time, because their costs vary
 * (a block of paths where many trusts fail costs more than a quiet one).
 */
#include "parallel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

int tr__threads_default(int threads)
{
#ifdef _OPENMP
    int t = threads > 0 ? threads : omp_get_max_threads();
    return t < 1 ? 1 : t > TR__MAX_THREADS ? TR__MAX_THREADS : t;
#else
    (void)threads;
    return 1;
#endif
}

int tr__parallel_for(size_t n, int threads, void (*job)(void *ctx, size_t i), void *ctx)
{
    int used = 1;
#ifdef _OPENMP
    int nt = tr__threads_default(threads);
    if (n > 0 && (size_t)nt > n) nt = (int)n; /* no thread without a task */
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (long long i = 0; i < (long long)n; i++) {
        job(ctx, (size_t)i);
        if (i == 0) used = omp_get_num_threads();
    }
#else
    (void)threads;
    for (size_t i = 0; i < n; i++)
        job(ctx, i);
#endif
    return used;
}

int tr__parallel_workers(size_t n, int threads, const tr__workers *w, void *ctx, int *failed)
{
    int used = 1;
#ifdef _OPENMP
    /* finish runs one thread at a time. A lock of this call's own, not a
     * named critical section: that would be a global symbol
     * (.gomp_critical_user_NAME) exported from the shared library. */
    omp_lock_t finishing;
    omp_init_lock(&finishing);
#pragma omp parallel num_threads(tr__threads_default(threads))
#else
    (void)threads;
#endif
    {
        void *local = NULL;
        int ok = w->start(ctx, &local) == 0;
        if (!ok) tr__flag_set(failed);
#ifdef _OPENMP
#pragma omp single
        used = omp_get_num_threads();
        /* (the implicit barrier of `single`: every thread has started) */
#pragma omp for schedule(dynamic, 1)
#endif
        for (long long i = 0; i < (long long)n; i++) {
            if (!ok || tr__flag_get(failed)) continue;
            w->task(ctx, local, (size_t)i);
        }
#ifdef _OPENMP
        omp_set_lock(&finishing);
        w->finish(ctx, local, ok);
        omp_unset_lock(&finishing);
#else
        w->finish(ctx, local, ok);
#endif
    }
#ifdef _OPENMP
    omp_destroy_lock(&finishing);
#endif
    return used;
}

void tr__flag_set(int *flag)
{
    __atomic_store_n(flag, 1, __ATOMIC_RELAXED);
}

void tr__flag_clear(int *flag)
{
    __atomic_store_n(flag, 0, __ATOMIC_RELAXED);
}

int tr__flag_get(const int *flag)
{
    return __atomic_load_n(flag, __ATOMIC_RELAXED);
}

int tr__flag_claim(int *flag)
{
    return __atomic_exchange_n(flag, 1, __ATOMIC_RELAXED) == 0;
}

uint64_t tr__atomic_add(uint64_t *x, uint64_t v)
{
    return __atomic_add_fetch(x, v, __ATOMIC_RELAXED);
}
