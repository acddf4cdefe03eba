/*
 * progress.c - the command's progress bar and final line (progress.h).
 *
 * The bar is one line redrawn in place with a carriage return:
 *
 *   run [##########..........]  52.3 %  5230/10000 paths  1850 paths/s  ETA 0:03
 *
 * The rate is the average since the start (paths done / seconds elapsed),
 * which is steadier than an instantaneous rate with the bursty callbacks of
 * a blocked parallel loop; the time left is the paths remaining at that
 * rate. Redraws are limited to ten a second so that a fast run does not
 * spend its time writing to the terminal.
 */
#include "progress.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#define BAR_CELLS 24
#define REDRAW_SECONDS 0.1

static double now_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0.0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* h:mm:ss or m:ss; "--:--" when unknown. */
static void format_duration(char *s, size_t n, double seconds)
{
    if (!(seconds >= 0) || seconds > 1e8) {
        snprintf(s, n, "--:--");
        return;
    }
    unsigned long t = (unsigned long)(seconds + 0.5);
    if (t >= 3600)
        snprintf(s, n, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(s, n, "%lu:%02lu", t / 60, t % 60);
}

void cli_progress_init(cli_progress *p, cli_progress_mode mode, FILE *fp, const char *label)
{
    memset(p, 0, sizeof *p);
    p->fp = fp;
    p->label = label ? label : "";
    p->quiet = mode == TR_CLI_PROGRESS_QUIET || fp == NULL;
    if (mode == TR_CLI_PROGRESS_BAR)
        p->bar = 1;
    else if (mode == TR_CLI_PROGRESS_AUTO && fp != NULL)
        p->bar = isatty(fileno(fp));
    if (p->quiet) p->bar = 0;
    p->start = now_seconds();
    p->last_draw = -1.0;
}

void cli_progress_update(void *user, uint64_t done, uint64_t total)
{
    cli_progress *p = user;
    if (p == NULL || !p->bar) return;
    double t = now_seconds();
    if (p->drawn && done < total && t - p->last_draw < REDRAW_SECONDS) return;
    p->last_draw = t;

    double frac = total > 0 ? (double)done / (double)total : 1.0;
    if (frac > 1) frac = 1;
    int cells = (int)(frac * BAR_CELLS);
    char bar[BAR_CELLS + 1];
    for (int i = 0; i < BAR_CELLS; i++)
        bar[i] = i < cells ? '#' : '.';
    bar[BAR_CELLS] = '\0';

    double elapsed = t - p->start;
    double rate = elapsed > 0 && done > 0 ? (double)done / elapsed : 0.0;
    char eta[32];
    if (done >= total)
        snprintf(eta, sizeof eta, "0:00");
    else if (rate > 0)
        format_duration(eta, sizeof eta, (double)(total - done) / rate);
    else
        format_duration(eta, sizeof eta, -1);

    char line[256];
    int w =
        snprintf(line, sizeof line, "%s%s[%s] %5.1f %%  %llu/%llu paths  %.0f paths/s  ETA %s%s%s",
                 p->label, *p->label ? " " : "", bar, 100.0 * frac, (unsigned long long)done,
                 (unsigned long long)total, rate, eta, *p->note ? "  " : "", p->note);
    if (w < 0) return;
    if (w >= (int)sizeof line) w = (int)sizeof line - 1;
    /* Pad with blanks over a longer previous line. */
    fprintf(p->fp, "\r%s%*s", line, p->last_width > w ? p->last_width - w : 0, "");
    fflush(p->fp);
    p->last_width = w;
    p->drawn = 1;
}

void cli_progress_note(cli_progress *p, const char *note)
{
    if (p) snprintf(p->note, sizeof p->note, "%s", note);
}

void cli_progress_clear(cli_progress *p)
{
    if (p == NULL || !p->drawn) return;
    fprintf(p->fp, "\r%*s\r", p->last_width, "");
    fflush(p->fp);
    p->drawn = 0;
}

void cli_progress_finish(cli_progress *p, uint64_t paths, double seconds)
{
    if (p == NULL || p->quiet) return;
    cli_progress_clear(p);
    char took[48] = "";
    if (seconds >= 60) {
        char d[32];
        format_duration(d, sizeof d, seconds);
        snprintf(took, sizeof took, " (%s)", d);
    }
    double rate = seconds > 0 ? (double)paths / seconds : 0.0;
    fprintf(p->fp, "%s%s%llu paths in %.2f s%s, %.0f paths/s\n", p->label, *p->label ? ": " : "",
            (unsigned long long)paths, seconds, took, rate);
    fflush(p->fp);
}
