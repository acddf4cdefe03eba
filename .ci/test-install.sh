#!/usr/bin/env bash
# Install trustrisk into a temporary prefix and build a tiny program against
# it twice: through CMake's find_package(trustrisk) and through pkg-config.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake -S "$root" -B "$work/build" -DCMAKE_INSTALL_PREFIX="$work/prefix" \
  -DTR_BUILD_TESTS=OFF -DTR_BUILD_BENCH=OFF >/dev/null
cmake --build "$work/build" -j2 >/dev/null
cmake --install "$work/build" >/dev/null

mkdir -p "$work/consumer"
cat > "$work/consumer/main.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <trustrisk/trustrisk.h>
int main(void)
{
    const char *cfg = "{\"horizon_months\":12,\"trusts\":[{\"id\":\"t\",\"cash\":1,"
                      "\"income\":120,\"expenditure\":121}]}";
    tr_error err;
    tr_error_init(&err);
    tr_config *c = NULL;
    if (tr_config_load_buffer(cfg, strlen(cfg), "inline", &c, &err) != TR_OK) return 1;
    tr_run_options opt;
    tr_run_options_init(&opt, c);
    opt.paths = 100;
    tr_results *r = NULL;
    if (tr_run(c, &opt, &r, &err) != TR_OK) return 1;
    printf("trustrisk %s ran %d months\n", tr_version(), tr_config_horizon(c));
    tr_results_free(r);
    tr_config_free(c);
    return 0;
}
C
cat > "$work/consumer/CMakeLists.txt" <<'C'
cmake_minimum_required(VERSION 3.18)
project(consumer C)
find_package(trustrisk REQUIRED)
add_executable(consumer main.c)
target_link_libraries(consumer PRIVATE trustrisk::trustrisk)
C
cmake -S "$work/consumer" -B "$work/consumer/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer/build" >/dev/null
"$work/consumer/build/consumer"

export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
cc -o "$work/consumer/pc" "$work/consumer/main.c" $(pkg-config --cflags --static --libs trustrisk)
"$work/consumer/pc"
echo "install test: find_package and pkg-config consumers built and ran"
