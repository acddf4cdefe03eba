#!/usr/bin/env bash
# Install trustrisk into a temporary prefix and build a tiny program against
# it twice, through CMake's find_package(trustrisk) and through pkg-config,
# then run both and the installed command. Done for the default static
# library and for a shared one (-DBUILD_SHARED_LIBS=ON), whose exported
# symbols (nm -D) must be exactly the functions the installed headers
# declare TR_API. Everything happens in a temporary folder, removed at the
# end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jobs=${TR_JOBS:-2}

mkdir -p "$work/consumer"
cat > "$work/consumer/main.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <trustrisk/trustrisk.h>
int main(void)
{
    gsl_set_error_handler_off(); /* the host's job: trustrisk/run.h */
    const char *cfg = "{\"horizon_months\":12,\"trusts\":[{\"id\":\"t\",\"cash\":1,"
                      "\"income\":120,\"expenditure\":121,\"cost_growth\":{\"dist\":"
                      "\"pert\",\"min\":0,\"mode\":0.02,\"max\":0.05}}]}";
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
find_package(trustrisk 0.1 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(GSL REQUIRED IMPORTED_TARGET gsl)
add_executable(consumer main.c)
target_link_libraries(consumer PRIVATE trustrisk::trustrisk PkgConfig::GSL)
C

for kind in static shared; do
  shared=OFF
  [ "$kind" = shared ] && shared=ON
  prefix="$work/prefix-$kind"
  echo "test-install: $kind library: build and install into a temporary prefix"
  cmake -S "$root" -B "$work/build-$kind" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$prefix" -DBUILD_SHARED_LIBS="$shared" \
    -DTR_BUILD_TESTS=OFF -DTR_BUILD_BENCH=OFF >/dev/null
  cmake --build "$work/build-$kind" -j"$jobs" >/dev/null
  cmake --install "$work/build-$kind" >/dev/null
  for f in include/trustrisk/trustrisk.h lib/pkgconfig/trustrisk.pc bin/trustrisk \
           lib/cmake/trustrisk/trustriskConfig.cmake lib/cmake/trustrisk/trustriskConfigVersion.cmake \
           lib/cmake/trustrisk/trustriskTargets.cmake share/man/man1/trustrisk.1 \
           share/trustrisk/schemas/config.schema.json share/trustrisk/schemas/manifest.schema.json \
           share/trustrisk/schemas/results.schema.json share/trustrisk/schemas/comparison.schema.json \
           share/trustrisk/schemas/sensitivity.schema.json; do
    [ -e "$prefix/$f" ] || { echo "test-install: $f was not installed" >&2; exit 1; }
  done
  "$prefix/bin/trustrisk" --version

  if [ "$kind" = shared ]; then
    echo "test-install: shared library: exports only the public API"
    lib=$(find "$prefix" -name 'libtrustrisk.so' | head -n 1)
    [ -n "$lib" ] || { echo "test-install: no libtrustrisk.so installed" >&2; exit 1; }
    exported=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort)
    declared=$(grep -ho 'TR_API[^(]*(' "$prefix/include/trustrisk/"*.h | grep -o 'tr_[a-z0-9_]*($' \
               | tr -d '(' | sort)
    if [ -z "$declared" ] || [ "$exported" != "$declared" ]; then
      echo "test-install: nm -D lists other symbols than the TR_API functions" \
           "(< exported, > declared):" >&2
      diff <(echo "$exported") <(echo "$declared") >&2 || true
      exit 1
    fi
    echo "test-install: $(echo "$exported" | wc -l) symbols exported, every one a public tr_ function"
  fi

  echo "test-install: $kind library: consumer through find_package(trustrisk)"
  cmake -S "$work/consumer" -B "$work/consumer/build-$kind" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$work/consumer/build-$kind" >/dev/null
  "$work/consumer/build-$kind/consumer"

  echo "test-install: $kind library: consumer through pkg-config"
  static=""
  [ "$kind" = static ] && static="--static"
  # shellcheck disable=SC2046
  cc -o "$work/consumer/pc-$kind" "$work/consumer/main.c" \
    $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags $static --libs trustrisk gsl)
  LD_LIBRARY_PATH="$prefix/lib" "$work/consumer/pc-$kind"
done
echo "test-install: find_package and pkg-config consumers built and ran (static and shared)"
