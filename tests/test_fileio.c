/*
 * test_fileio.c - the library's one file reader (engine/fileio.c): whole
 * files NUL-terminated, limits before reading, bad input told from I/O
 * failures, and the file named in every message.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/tr-fileio-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void write_file(const char *file, const char *data, size_t len)
{
    FILE *fp = fopen(file, "wb");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(data, 1, len, fp), len);
    fclose(fp);
}

Test(fileio, reads_whole_files_nul_terminated)
{
    make_dir();
    char file[128];
    snprintf(file, sizeof file, "%s/a", dir);
    write_file(file, "ab\0cd", 5);
    tr_error err;
    tr_error_init(&err);
    char *data = NULL;
    size_t len = 0;
    cr_assert_eq(tr__file_read(file, 100, NULL, &data, &len, &err), TR_OK);
    cr_expect_eq(len, 5);
    cr_expect_eq(memcmp(data, "ab\0cd", 6), 0);
    free(data);
    write_file(file, "", 0);
    cr_assert_eq(tr__file_read(file, 100, NULL, &data, &len, &err), TR_OK);
    cr_expect_eq(len, 0);
    cr_expect_eq(data[0], '\0');
    free(data);
    /* exactly at the limit is fine, one byte more is not */
    write_file(file, "0123456789", 10);
    cr_assert_eq(tr__file_read(file, 10, NULL, &data, &len, &err), TR_OK);
    free(data);
    cr_expect_eq(err.count, 0);
    cr_assert_eq(tr__file_read(file, 9, NULL, &data, &len, &err), TR_E_INPUT);
    cr_expect_null(data);
    cr_expect_eq(len, 0);
    cr_expect_not_null(strstr(err.diags[0].message, "too large"));
    cr_expect_str_eq(err.diags[0].file, file);
    tr_error_clear(&err);
    unlink(file);
    rmdir(dir);
}

Test(fileio, a_pipe_is_read_up_to_its_limit)
{
    int fd[2];
    cr_assert_eq(pipe(fd), 0);
    cr_assert_eq(write(fd[1], "0123456789", 10), 10);
    close(fd[1]);
    char name[64];
    snprintf(name, sizeof name, "/dev/fd/%d", fd[0]);
    tr_error err;
    tr_error_init(&err);
    char *data = NULL;
    size_t len = 0;
    cr_assert_eq(tr__file_read(name, 5, NULL, &data, &len, &err), TR_E_INPUT);
    cr_expect_not_null(strstr(err.diags[0].message, "too large"));
    tr_error_clear(&err);
    close(fd[0]);
}

Test(fileio, missing_files_and_folders_are_bad_input)
{
    make_dir();
    char file[128];
    snprintf(file, sizeof file, "%s/none", dir);
    tr_error err;
    tr_error_init(&err);
    char *data = NULL;
    size_t len = 0;
    cr_assert_eq(tr__file_read(file, 100, "make it first", &data, &len, &err), TR_E_INPUT);
    cr_expect_str_eq(err.diags[0].file, file);
    cr_expect_not_null(strstr(err.diags[0].message, "cannot open: "));
    cr_expect_not_null(strstr(err.diags[0].message, "; make it first"));
    cr_assert_eq(tr__file_read(dir, 100, NULL, &data, &len, &err), TR_E_INPUT);
    cr_expect_not_null(strstr(err.diags[1].message, "is a directory"));
    cr_expect_null(data);
    tr_error_clear(&err);
    rmdir(dir);
}
