#!/usr/bin/env bash
# Builds whisper-cli from the whisper.cpp source shipped in the nodejs-whisper npm package, so the
# project needs no git clone or network beyond npm. Used by `make install` and the Dockerfile.
#
# WHISPER_CPU_LEVEL=auto (default): ggml picks its CPU code at start. The CPU backend is built once per
#   variant in WHISPER_CPU_VARIANTS, each a libggml-cpu-<variant>.so next to whisper-cli; ggml loads the
#   best one the CPU supports (it scans the executable's folder, then the current folder). haswell is the
#   AVX2 floor, so the binary still runs on an AVX2-only CPU; skylakex adds AVX-512, icelake VNNI and VBMI,
#   sapphirerapids AMX. whisper-cli finds libwhisper/libggml through its rpath ($ORIGIN): copy bin/ as a whole.
# WHISPER_CPU_LEVEL=avx2: one static binary, AVX2/FMA/F16C only (the build before runtime dispatch); with
#   WHISPER_PREFIX=.cache/whisper-avx2 it is what bench/whisper-builds.bench.ts compares against.
# To force one level of the auto build (for measurement), build it with WHISPER_CPU_VARIANTS=<one variant>.
#
# Idempotent: kept as is when bin/whisper-cli is newer than the source's CMakeLists.txt and was built with the
# same level and variants (bin/build-config records them); FORCE=1 rebuilds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="${WHISPER_SRC:-$ROOT/node_modules/nodejs-whisper/cpp/whisper.cpp}"
PREFIX="${WHISPER_PREFIX:-vendor/whisper.cpp}"
[[ "$PREFIX" = /* ]] || PREFIX="$ROOT/$PREFIX"
BUILD_SRC="$PREFIX/src"      # copy of the source: never build inside node_modules
BUILD_DIR="$PREFIX/build"
BIN_DIR="$PREFIX/bin"
BIN="$BIN_DIR/whisper-cli"
STAMP="$BIN_DIR/build-config"
JOBS="${JOBS:-$(nproc)}"
LEVEL="${WHISPER_CPU_LEVEL:-auto}"
# For the x86 hosts Cloud Run may give us: AMD Rome/Milan (haswell), Skylake and Cascade Lake (skylakex), Ice Lake
# and AMD Genoa (icelake), Sapphire Rapids and later (sapphirerapids). On a Sapphire Rapids core, AMX makes the
# encoder ≈ 2.5× faster than AVX2, AVX-512 alone ≈ 6 % (bench/whisper-builds.bench.ts), so finer AVX-512 variants
# (cascadelake, zen4: add them here) were left out. Each variant adds ≈ 20 s on 2 cores: these four take ≈ 1m45,
# the avx2 level ≈ 1 min, "all" (ggml's 14 x86 variants) ≈ 4 min.
VARIANTS="${WHISPER_CPU_VARIANTS:-haswell skylakex icelake sapphirerapids}"

if [[ ! -f "$SRC/CMakeLists.txt" ]]; then
  echo "build-whisper: no whisper.cpp source at $SRC" >&2
  echo "build-whisper: run 'npm ci' first (the source ships inside the nodejs-whisper package)" >&2
  exit 1
fi

VERSION="$(sed -n 's/^project("whisper.cpp" VERSION \([0-9.]*\)).*/\1/p' "$SRC/CMakeLists.txt")"

case "$LEVEL" in
  avx2) CONFIG="whisper.cpp ${VERSION:-?} level=avx2 static" ;;
  auto) CONFIG="whisper.cpp ${VERSION:-?} level=auto variants=$(echo $VARIANTS)" ;;
  *) echo "build-whisper: WHISPER_CPU_LEVEL=$LEVEL: expected auto or avx2" >&2; exit 1 ;;
esac

if [[ -x "$BIN" && "$BIN" -nt "$SRC/CMakeLists.txt" && -f "$STAMP" && "$(cat "$STAMP")" == "$CONFIG" && "${FORCE:-0}" != "1" ]]; then
  echo "build-whisper: $BIN is up to date ($CONFIG); FORCE=1 to rebuild"
  exit 0
fi

for tool in cmake c++; do
  command -v "$tool" >/dev/null || { echo "build-whisper: '$tool' not found; install cmake and a C++ compiler (apt-get install cmake g++)" >&2; exit 1; }
done

echo "build-whisper: copying whisper.cpp ${VERSION:-?} source $SRC -> $BUILD_SRC"
rm -rf "$BUILD_SRC"
mkdir -p "$BUILD_SRC"
# Skip the package's own build outputs and models: only sources are needed.
tar -C "$SRC" --exclude=./build --exclude='./models/*.bin' -cf - . | tar -C "$BUILD_SRC" -xf -
# GCC 12's _tile_loadconfig (Debian bookworm, the image's compiler) declares that it reads 8 bytes of the 64-byte
# tile config, so -O3 drops the stores of the tile shapes and the first tileloadd of a q8_0 matmul raises SIGILL
# (sapphirerapids variant only). Load the config with an asm operand that covers the whole struct.
sed -i 's/^\( *\)_tile_loadconfig(&tc);/\1__asm__ volatile("ldtilecfg %0" :: "m"(tc)); \/\/ build-whisper.sh: GCC 12 drops the stores/' \
  "$BUILD_SRC/ggml/src/ggml-cpu/amx/mmq.cpp"
# A build directory configured for another level or variant list keeps stale cache entries and libraries.
if [[ ! -f "$BUILD_DIR/build-config" || "$(cat "$BUILD_DIR/build-config")" != "$CONFIG" ]]; then
  rm -rf "$BUILD_DIR"
fi

COMMON=(-DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF
  -DWHISPER_BUILD_TESTS=OFF -DWHISPER_BUILD_EXAMPLES=ON -DWHISPER_BUILD_SERVER=OFF
  -DWHISPER_SDL2=OFF -DWHISPER_CURL=OFF)
if [[ "$LEVEL" == avx2 ]]; then
  echo "build-whisper: configuring (Release, static, AVX2/FMA/F16C, no native tuning) in $BUILD_DIR"
  cmake -S "$BUILD_SRC" -B "$BUILD_DIR" "${COMMON[@]}" \
    -DBUILD_SHARED_LIBS=OFF -DGGML_BACKEND_DL=OFF -DGGML_CPU_ALL_VARIANTS=OFF \
    -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
else
  if [[ "$VARIANTS" != all ]]; then
    # ggml's CMake builds every x86 variant or none; keep only the listed calls in the copy.
    LISTS="$BUILD_SRC/ggml/src/CMakeLists.txt"
    known="$(sed -n 's/^ *ggml_add_cpu_backend_variant(\([a-z0-9_]*\) .*/\1/p' "$LISTS" | tr '\n' ' ')"
    for v in $VARIANTS; do
      [[ " $known " == *" $v "* ]] || { echo "build-whisper: WHISPER_CPU_VARIANTS: no variant '$v' in ggml (known: $known)" >&2; exit 1; }
    done
    awk -v keep=" $(echo $VARIANTS) " '
      match($0, /^ *ggml_add_cpu_backend_variant\([a-z0-9_.]+/) {
        name = substr($0, RSTART, RLENGTH); sub(/^ *ggml_add_cpu_backend_variant\(/, "", name)
        if (index(keep, " " name " ") == 0) next
      }
      { print }' "$LISTS" > "$LISTS.tmp" && mv "$LISTS.tmp" "$LISTS"
  fi
  echo "build-whisper: configuring (Release, shared, CPU variants chosen at start: $VARIANTS) in $BUILD_DIR"
  cmake -S "$BUILD_SRC" -B "$BUILD_DIR" "${COMMON[@]}" \
    -DBUILD_SHARED_LIBS=ON -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON \
    -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON -DCMAKE_INSTALL_RPATH='$ORIGIN'
fi
echo "$CONFIG" > "$BUILD_DIR/build-config"

echo "build-whisper: building whisper-cli with -j$JOBS"
cmake --build "$BUILD_DIR" --config Release --target whisper-cli -j"$JOBS"

# Install into a fresh folder, then swap it in: no library of an earlier build is left next to the binary.
STAGE="$PREFIX/bin.new"
rm -rf "$STAGE"
mkdir -p "$STAGE"
install -m 0755 "$BUILD_DIR/bin/whisper-cli" "$STAGE/whisper-cli"
if [[ "$LEVEL" == auto ]]; then
  # The shared libraries under their SONAME (what the loader asks for), and every CPU variant (dlopen'ed by ggml).
  for lib in $(readelf -d "$BUILD_DIR"/bin/whisper-cli "$BUILD_DIR"/bin/lib*.so* 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(lib\(whisper\|ggml\)[^]]*\)\]/\1/p' | sort -u); do
    install -m 0644 "$BUILD_DIR/bin/$lib" "$STAGE/$lib"
  done
  install -m 0644 "$BUILD_DIR"/bin/libggml-cpu-*.so "$STAGE/"
fi
echo "$CONFIG" > "$STAGE/build-config"
rm -rf "$PREFIX/bin.old"
[[ ! -e "$BIN_DIR" ]] || mv "$BIN_DIR" "$PREFIX/bin.old"
mv "$STAGE" "$BIN_DIR"
rm -rf "$PREFIX/bin.old"
echo "build-whisper: installed $BIN ($CONFIG): $(cd "$BIN_DIR" && echo *)"
help="$("$BIN" --help 2>&1 || true)"
grep -m1 '^usage:' <<<"$help" || { echo "build-whisper: $BIN --help did not print its usage:" >&2; echo "$help" | tail -n 5 >&2; exit 1; }
# ggml loads the CPU variant silently or not at all (dlopen errors are hidden in Release builds): say which one.
if [[ "$LEVEL" == auto ]]; then
  grep -m1 '^load_backend: loaded CPU backend from ' <<<"$help" || { echo "build-whisper: $BIN loaded no CPU backend" >&2; exit 1; }
fi
