#!/bin/sh
# Build the libFuzzer target for the config loader (tests/fuzz/fuzz_config.c)
# with clang, AddressSanitizer and UndefinedBehaviorSanitizer.
# Usage: tests/fuzz/build.sh [BUILD_DIR]   (default: build-fuzz)
# Produces BUILD_DIR/fuzz_config. See tests/fuzz/README.md for running it.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-"$root/build-fuzz"}
mkdir -p "$out"
CC=${CC:-clang}
# shellcheck disable=SC2046
$CC -std=c11 -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -D_POSIX_C_SOURCE=200809L -Wno-unknown-pragmas \
    -I "$root/include" -I "$root/engine" \
    "$root"/engine/*.c "$root/tests/fuzz/fuzz_config.c" \
    $(pkg-config --cflags --libs gsl libcjson) -fopenmp -lm \
    -o "$out/fuzz_config"
echo "built $out/fuzz_config"
