#!/usr/bin/env bash
# The test command (`npm test`, which `make test` and CI run): every test file, or the ones given, with Node's test
# runner. Tests never leave loopback: Google client libraries are told not to look for the GCE metadata server, and
# where the machine allows it (root with unshare), the suite runs in a network namespace holding only `lo`, so a
# stray connection fails instead of leaving the machine. Elsewhere it runs plainly, saying so.
#   bash scripts/run-tests.sh                          the whole suite
#   bash scripts/run-tests.sh test/lib/*.test.ts       some files
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export METADATA_SERVER_DETECTION=none
if [ "$#" -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' | sort); fi
cmd=(node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" "${files[@]}")
if [ "${JDR_TESTS_ISOLATED:-}" = "1" ]; then
  exec "${cmd[@]}"
fi
if [ "$(id -u)" = "0" ] && command -v unshare >/dev/null && command -v ip >/dev/null && unshare -n true 2>/dev/null; then
  echo "run-tests: in a network namespace with loopback only"
  exec unshare -n bash -c 'ip link set lo up && JDR_TESTS_ISOLATED=1 exec "$@"' run-tests "${cmd[@]}"
fi
if [ "${CI:-}" = "true" ]; then
  echo "run-tests: CI must run the suite without a network (root, unshare and iproute2's ip); this machine cannot" >&2
  exit 1
fi
echo "run-tests: not isolated from the network (needs root, unshare and ip); running plainly"
exec "${cmd[@]}"
