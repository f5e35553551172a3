#!/bin/sh
# Rebuilds the casement inspect test fixtures with mingw-w64 (binutils 2.40).
# The images are never run; they only need to exercise every directory inspect prints.
set -eu
cd "$(dirname "$0")"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

# x86-64 DLL: named, ordinal-only, data and forwarded (by name and by ordinal) exports.
x86_64-w64-mingw32-gcc -Os -s -nostdlib -shared -o tiny.dll dll.c dll.def \
    -Wl,-e,DllMain -Wl,--build-id

# x86-64 exe: imports by name and by ordinal, a delay-load import, TLS, .pdata
# with a handler and a chained entry, a CodeView record naming a PDB.
x86_64-w64-mingw32-dlltool -d ord.def -l "$t/libord.a"
x86_64-w64-mingw32-gcc -Os -s -nostdlib -o tiny.exe exe.c tables.s -Wl,-e,start \
    -L"$t" -lord -lkernel32 -Wl,--pdb="$t/tiny.pdb" -Wl,-Map="$t/tiny.map"
# ld does not know tables.s holds delay-load descriptors: point data
# directory 13 at them, found in the link map.
python3 - "$t/tiny.map" tiny.exe <<'PY'
import re, struct, sys
text = open(sys.argv[1]).read()
va = int(re.search(r"0x([0-9a-f]+)\s+delay_import_descriptors", text).group(1), 16)
img = bytearray(open(sys.argv[2], "rb").read())
pe = struct.unpack_from("<I", img, 0x3c)[0]
opt = pe + 24
base = struct.unpack_from("<Q", img, opt + 24)[0]
struct.pack_into("<II", img, opt + 112 + 13 * 8, va - base, 64)
open(sys.argv[2], "wb").write(img)
PY

# PE32 exe: imports, an export, TLS, HIGHLOW relocations.
i686-w64-mingw32-gcc -Os -s -nostdlib -o tiny32.exe pe32.c -Wl,-e,_start \
    -Wl,--dynamicbase -lkernel32 -Wl,--build-id
