#!/bin/sh
# The library as an installed program sees it: `meson install` into a stage
# folder; the library's surface there (soname, no exported symbol outside
# lavin_); then examples/c/depth.c and a C++ caller built with nothing but
# pkg-config's flags and run on the staged shared library, and depth.c
# linked with liblavin.a from lavin.pc's private flags.
# Usage: test_install.sh BUILD_ROOT SOURCE_ROOT VERSION
build=$1
root=$2
version=$3
. "$root/tests/cli_lib.sh"
stage=$tmp/stage

echo "install:"
expect 0 "meson install into a stage folder" meson install -C "$build" --destdir "$stage" --no-rebuild
pc=$(find "$stage" -name lavin.pc | head -n 1)
if [ -z "$pc" ]; then
    echo "  FAIL no lavin.pc installed"
    exit 1
fi
# The .pc names the real prefix; the staged copy of it is under $stage.
export PKG_CONFIG_PATH="${pc%/*}"
prefix=$stage$(pkg-config --variable=prefix lavin)
pc_flags() { pkg-config --define-variable=prefix="$prefix" "$@" lavin; }
lib=$(pc_flags --variable=libdir)
inc=$(pc_flags --variable=includedir)
export LD_LIBRARY_PATH="$lib"

check "pkg-config version is $version" test "$(pc_flags --modversion)" = "$version"
for h in "$root"/include/lavin/*.h; do
    check "header lavin/${h##*/} installed" cmp -s "$h" "$inc/lavin/${h##*/}"
done
check "bundled contexts installed" test -f "$prefix/share/lavin/contexts/depth/README.md"
check "lavin-tiny installed" test -f "$prefix/share/lavin/models/lavin-tiny/lavin_dit.safetensors"

so=$lib/liblavin.so.1
check "soname is liblavin.so.1" sh -c "readelf -d '$so' | grep -q 'SONAME.*\[liblavin\.so\.1\]'"
# Exported: exactly the functions the installed headers mark LAVIN_API (the
# internal lavin_ helpers stay hidden too).
nm -D --defined-only "$so" | awk '{ print $NF }' | sort >"$tmp/exported"
sed -n 's/^LAVIN_API [^(]*[ *]\(lavin_[a-z0-9_]*\)(.*/\1/p' "$inc"/lavin/*.h | sort >"$tmp/declared"
grep -v '^lavin_' "$tmp/exported" >"$tmp/foreign"
comm -13 "$tmp/declared" "$tmp/exported" >"$tmp/extra"
comm -23 "$tmp/declared" "$tmp/exported" >"$tmp/missing"
check "the headers declare the API ($(wc -l <"$tmp/declared") functions)" test -s "$tmp/declared"
check "every exported symbol starts with lavin_" test ! -s "$tmp/foreign"
check "every exported symbol is declared LAVIN_API" test ! -s "$tmp/extra"
check "every LAVIN_API function is exported" test ! -s "$tmp/missing"
for f in foreign extra missing; do
    sed "s/^/       $f: /" "$tmp/$f" | head -10
done

# The example exactly as its README builds it, warnings as errors.
expect 0 "depth.c builds from pkg-config's flags" \
    sh -c "cc -std=c11 -Wall -Wextra -Werror -pedantic '$root/examples/c/depth.c' -o '$tmp/depth' $(pc_flags --cflags --libs)"
# From C++ the extern "C" blocks must hold: a call into each header links.
if command -v c++ >/dev/null; then
    cat >"$tmp/version.cpp" <<'CPP'
#include <cstdio>
#include <lavin/lavin.h>
#include <lavin/media.h>

int main()
{
    lavin_picture pic = lavin_picture();
    lavin_model *m = nullptr;
    lavin_session *s = nullptr;
    lavin_video_input *in = nullptr;
    lavin_picture_free(&pic);
    lavin_model_close(&m);
    lavin_session_destroy(&s);
    lavin_video_input_close(&in);
    std::printf("%s\n", lavin_version());
    return lavin_api_version() == LAVIN_API_VERSION ? 0 : 1;
}
CPP
    expect 0 "a C++ program builds from pkg-config's flags" \
        sh -c "c++ -std=c++11 -Wall -Wextra -Werror -pedantic '$tmp/version.cpp' -o '$tmp/version' $(pc_flags --cflags --libs)"
    expect 0 "and runs on the staged library" "$tmp/version"
    check "lavin_version() is $version" test "$(cat "$tmp/out")" = "$version"
else
    echo "  skip C++: no c++"
fi
# lavin.pc's private part is complete: depth.c links liblavin.a with what
# Requires.private and Libs.private name. Those packages link shared, as
# Debian's FFmpeg cannot link static (its .pc files name static libraries
# Debian does not ship).
requires=$(pc_flags --print-requires-private | awk '{ print $1 }')
static_libs="$lib/liblavin.a $(pkg-config --libs $requires) $(sed -n 's/^Libs.private: //p' "$pc")"
expect 0 "depth.c links liblavin.a with lavin.pc's private flags" \
    sh -c "cc -std=c11 '$root/examples/c/depth.c' -o '$tmp/depth-static' $(pc_flags --cflags) $static_libs"
check "the static build needs no liblavin.so" sh -c "! readelf -d '$tmp/depth-static' | grep -q liblavin"

# The staged library lives outside the folders it was built for: its
# compiled-in data folder (PREFIX/share/lavin) holds nothing unless lavin is
# really installed there, so it finds lavin-tiny and the "depth" context
# through its fallback, the source tree it was built from.
check "depth runs on the staged liblavin.so.1" sh -c "ldd '$tmp/depth' | grep -q '$so'"
scene=$root/examples/scene.png
expect 0 "depth on examples/scene.png" "$tmp/depth" "$scene" "$tmp/depth.png"
cat "$tmp/out" "$tmp/err" | sed 's/^/       /'
png_size() {  # the width x height of a PNG's IHDR
    od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%dx%d\n", $1 * 16777216 + $2 * 65536 + $3 * 256 + $4,
                                                   $5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }'
}
size=$(png_size "$scene")
check "the answer is $size, the picture's size" grep -q " ${size}, depth " "$tmp/out"
check "depth values span part of [0, 1]" \
    awk '/, depth / { exit !($(NF - 2) >= 0 && $(NF - 2) < $NF && $NF <= 1) } END { if (NR != 1) exit 1 }' "$tmp/out"
check "depth.png written at $size" test "$(png_size "$tmp/depth.png")" = "$size"
check "depth.preview.png written" test -s "$tmp/depth.preview.png"

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
