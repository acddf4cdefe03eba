/*
 * fuzz_config.c - libFuzzer target for the config loader.
 *
 * Every input is handed to tr_config_load_buffer as an untrusted config
 * file. The loader must never crash, leak or read out of bounds (the build
 * adds AddressSanitizer and UndefinedBehaviorSanitizer), and must keep its
 * contract: success returns a config and no diagnostics; failure returns
 * TR_E_INPUT (or TR_E_NOMEM), no config and at least one diagnostic. A
 * broken contract is turned into a crash with __builtin_trap so that the
 * fuzzer records the input. Accepted configs are also described, and every
 * diagnostic printed, to /dev/null, so that those paths are fuzzed too.
 * Build and run: see tests/fuzz/README.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "trustrisk/trustrisk.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Opened once: fopen per input would dominate the fuzzer's time. */
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    devnull = fopen("/dev/null", "w");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tr_error err;
    tr_config *cfg = NULL;
    tr_error_init(&err);
    tr_status st = tr_config_load_buffer((const char *)data, size, "fuzz.json", &cfg, &err);
    if (st == TR_OK) {
        if (!cfg || err.count != 0 || tr_config_trust_count(cfg) == 0) {
            __builtin_trap();
        }
        int h = tr_config_horizon(cfg);
        if (h < 1 || h > 120 || strlen(tr_config_sha256(cfg)) != 64) {
            __builtin_trap();
        }
        (void)tr_config_name(cfg);
        (void)tr_config_paths(cfg);
        (void)tr_config_seed(cfg);
        (void)tr_config_scheme_count(cfg);
        (void)tr_config_consortium_count(cfg);
        (void)tr_config_factor_count(cfg);
        (void)tr_config_copula(cfg);
        if (devnull) {
            tr_config_describe(cfg, devnull);
        }
    } else {
        if (cfg || (st != TR_E_INPUT && st != TR_E_NOMEM) || (err.count == 0 && !err.truncated)) {
            __builtin_trap();
        }
        for (size_t i = 0; i < err.count; i++) {
            if (!err.diags[i].message) {
                __builtin_trap();
            }
        }
        if (devnull) {
            tr_error_print(&err, devnull);
        }
    }
    tr_config_free(cfg);
    tr_error_clear(&err);
    return 0;
}
