#!/bin/sh
# Builds bench/heap_mt.c for Linux and Windows and runs it natively, under
# Wine and under casement (target/release/casement), best of 3 runs each.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${BENCH_BUILD:-/tmp/bench-build-heap-mt}
mkdir -p "$out"
gcc -O2 -pthread -o "$out/heap_mt" "$here/heap_mt.c"
x86_64-w64-mingw32-gcc -O2 -o "$out/heap_mt.exe" "$here/heap_mt.c"
echo "== native (glibc malloc)"
"$out/heap_mt" 3
echo "== wine ($(/usr/lib/wine/wine64 --version 2>/dev/null || echo wine64))"
(cd /tmp && WINEDEBUG=-all /usr/lib/wine/wine64 "$out/heap_mt.exe" 3)
(cd /tmp && WINEDEBUG=-all /usr/lib/wine/wine64 "$out/heap_mt.exe" 3 malloc)
echo "== casement"
"$root/target/release/casement" "$out/heap_mt.exe" 3
"$root/target/release/casement" "$out/heap_mt.exe" 3 malloc
