#!/usr/bin/env bash
# Installs the Debian packages the project runs and tests with, when missing: ffmpeg (decoding), espeak-ng (test
# speech), cmake and g++ (whisper-cli), unzip (zip checks), python3-onnx for Debian's /usr/bin/python3 (tests build small ONNX models),
# the French and English word lists (the glossary never turns an ordinary word into a name), and
# chromium (transcript.html's tests and `make screenshot` open the page in it).
# Needs root for apt-get; without it, prints what to install and goes on.
set -euo pipefail
missing=()
for pair in ffmpeg:ffmpeg ffprobe:ffmpeg espeak-ng:espeak-ng cmake:cmake g++:g++ unzip:unzip ip:iproute2 unshare:util-linux chromium:chromium; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
for pair in french:wfrench american-english:wamerican british-english:wbritish; do
  [ -f "/usr/share/dict/${pair%%:*}" ] || missing+=("${pair#*:}")
done
/usr/bin/python3 -c 'import onnx, numpy' >/dev/null 2>&1 || missing+=(python3-onnx python3-numpy)
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
readarray -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" != "0" ]; then
  echo "system packages missing: ${missing[*]} — install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 0
fi
echo "apt-get: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
