#!/usr/bin/env bash
# Installs what Gale needs from Debian's packages, and only what is missing. Idempotent:
# a second run installs nothing and takes a fraction of a second. Needs root (or sudo)
# only when something is missing. Packages named as arguments are checked too (what a
# benchmark needs beyond `make test`: bench/http/setup.sh).
#
#   scripts/setup.sh               # what make run / make test need
#   scripts/setup.sh nginx wrk     # ... and these
set -euo pipefail

packages=(
  # build
  bazel-bootstrap bazel-platforms bazel-rules-java g++ make python3
  # libraries (docs/build.md says why each one)
  libabsl-dev libconcurrentqueue-dev libgtest-dev
  # peers of the side-by-side benchmarks, built with the rest so they cannot rot
  libboost-dev libcaf-dev libuv1-dev
  # the end-to-end tests' clients (tests/http/http_e2e_test.py, tests/net/examples_test.sh)
  curl
  # measuring tools used by scripts/bench.sh
  strace
  "$@"
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
