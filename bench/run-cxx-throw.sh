#!/bin/sh
# Builds bench/cxx_throw.cpp for Linux and Windows and runs it natively,
# under Wine and under casement (target/release/casement), 3 runs each.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${BENCH_BUILD:-/tmp/bench-build-cxx-throw}
mkdir -p "$out"
g++ -O2 -o "$out/cxx_throw" "$here/cxx_throw.cpp"
x86_64-w64-mingw32-g++ -O2 -static -o "$out/cxx_throw.exe" "$here/cxx_throw.cpp"
for i in 1 2 3; do
    echo "native:   $("$out/cxx_throw")"
    echo "wine:     $(cd /tmp && WINEDEBUG=-all /usr/lib/wine/wine64 "$out/cxx_throw.exe")"
    echo "casement: $("$root/target/release/casement" "$out/cxx_throw.exe")"
done
