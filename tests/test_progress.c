/*
 * test_progress.c - tests of the command's progress display
 * (engine/cli/progress.c, compiled into this test since it is private to
 * the command and not part of the library).
 *
 * The three modes write to a temporary file: QUIET writes nothing, AUTO on
 * a file (an overnight log) writes only the final line, BAR writes a bar
 * redrawn with carriage returns and then the final line. AUTO on a
 * pseudo-terminal draws the bar. The redraw limit is checked against the
 * time the test itself took, so the test does not depend on the machine's
 * speed.
 */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../engine/cli/progress.c"

static FILE *temp_stream(void)
{
    FILE *fp = tmpfile();
    cr_assert_not_null(fp);
    return fp;
}

static char *contents(FILE *fp)
{
    fflush(fp);
    long n = ftell(fp);
    cr_assert_geq(n, 0);
    rewind(fp);
    char *s = calloc((size_t)n + 1, 1);
    cr_assert_not_null(s);
    cr_assert_eq(fread(s, 1, (size_t)n, fp), (size_t)n);
    return s;
}

static int count_char(const char *s, char c)
{
    int n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

/* Simulate a run of `total` paths reported in `steps` callbacks. */
static void drive(cli_progress *p, uint64_t total, int steps)
{
    for (int i = 1; i <= steps; i++)
        cli_progress_update(p, total * (uint64_t)i / (uint64_t)steps, total);
    cli_progress_finish(p, total, 2.5);
}

Test(progress, quiet_writes_nothing)
{
    FILE *fp = temp_stream();
    cli_progress p;
    cli_progress_init(&p, TR_CLI_PROGRESS_QUIET, fp, "run");
    drive(&p, 10000, 50);
    char *s = contents(fp);
    cr_expect_str_empty(s);
    free(s);
    fclose(fp);
}

Test(progress, auto_on_a_file_writes_only_the_final_line)
{
    FILE *fp = temp_stream();
    cli_progress p;
    cli_progress_init(&p, TR_CLI_PROGRESS_AUTO, fp, "run");
    drive(&p, 10000, 50);
    char *s = contents(fp);
    cr_expect_eq(count_char(s, '\r'), 0, "a bar was drawn into a file: %s", s);
    cr_expect_eq(count_char(s, '\n'), 1);
    cr_expect_str_eq(s, "run: 10000 paths in 2.50 s, 4000 paths/s\n");
    free(s);
    fclose(fp);
}

Test(progress, bar_shows_paths_rate_and_time_left)
{
    FILE *fp = temp_stream();
    cli_progress p;
    cli_progress_init(&p, TR_CLI_PROGRESS_BAR, fp, "run");
    cli_progress_update(&p, 2500, 10000); /* the first call always draws */
    char *s = contents(fp);
    cr_expect_eq(s[0], '\r');
    cr_expect_not_null(strstr(s, "run ["), "%s", s);
    cr_expect_not_null(strstr(s, " 25.0 %"), "%s", s);
    cr_expect_not_null(strstr(s, "2500/10000 paths"), "%s", s);
    cr_expect_not_null(strstr(s, "paths/s"), "%s", s);
    cr_expect_not_null(strstr(s, "ETA "), "%s", s);
    cr_expect_not_null(strstr(s, "######......"), "%s", s);
    cr_expect_eq(count_char(s, '\n'), 0);
    free(s);

    cli_progress_update(&p, 10000, 10000); /* the last call always draws */
    cli_progress_finish(&p, 10000, 2.5);
    s = contents(fp);
    cr_expect_not_null(strstr(s, "100.0 %"), "%s", s);
    cr_expect_not_null(strstr(s, "ETA 0:00"), "%s", s);
    /* The bar is cleared, then the final line ends the output. */
    const char *last = strrchr(s, '\r');
    cr_assert_not_null(last);
    cr_expect_str_eq(last + 1, "run: 10000 paths in 2.50 s, 4000 paths/s\n");
    free(s);
    fclose(fp);
}

Test(progress, bar_redraws_at_most_ten_times_a_second)
{
    FILE *fp = temp_stream();
    cli_progress p;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    cli_progress_init(&p, TR_CLI_PROGRESS_BAR, fp, NULL);
    for (uint64_t i = 1; i <= 100000; i++)
        cli_progress_update(&p, i, 100000);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double elapsed = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
    char *s = contents(fp);
    int draws = count_char(s, '\r');
    /* first + last + one per tenth of a second */
    cr_expect_leq(draws, 3 + (int)(elapsed * 10), "%d redraws in %.3f s", draws, elapsed);
    cr_expect_not_null(strstr(s, "100000/100000 paths"));
    cr_expect_eq(s[1], '[', "no label: the bar starts the line");
    free(s);
    fclose(fp);
}

Test(progress, auto_on_a_terminal_draws_the_bar)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0)
        cr_skip_test("no pseudo-terminal available");
    const char *name = ptsname(master);
    cr_assert_not_null(name);
    FILE *fp = fopen(name, "w");
    cr_assert_not_null(fp);
    cli_progress p;
    cli_progress_init(&p, TR_CLI_PROGRESS_AUTO, fp, "run");
    cr_expect(p.bar, "AUTO chose no bar on a terminal");
    cli_progress_update(&p, 10, 100);
    char buf[512] = {0};
    ssize_t n = read(master, buf, sizeof buf - 1);
    cr_expect_gt(n, 0);
    cr_expect_not_null(strstr(buf, "10/100 paths"), "%s", buf);
    fclose(fp);
    close(master);
}

Test(progress, zero_seconds_and_zero_paths_do_not_divide_by_zero)
{
    FILE *fp = temp_stream();
    cli_progress p;
    cli_progress_init(&p, TR_CLI_PROGRESS_BAR, fp, "run");
    cli_progress_update(&p, 0, 0);
    cli_progress_finish(&p, 0, 0.0);
    char *s = contents(fp);
    cr_expect_not_null(strstr(s, "run: 0 paths in 0.00 s, 0 paths/s\n"), "%s", s);
    cr_expect_null(strstr(s, "nan"));
    cr_expect_null(strstr(s, "inf"));
    free(s);
    fclose(fp);
}

Test(progress, long_runs_show_hours_minutes_seconds)
{
    FILE *fp = temp_stream();
    cli_progress p;
    cli_progress_init(&p, TR_CLI_PROGRESS_AUTO, fp, "run");
    cli_progress_finish(&p, 1000000000, 4000.0);
    char *s = contents(fp);
    cr_expect_str_eq(s, "run: 1000000000 paths in 4000.00 s (1:06:40), 250000 paths/s\n");
    free(s);
    fclose(fp);
}
