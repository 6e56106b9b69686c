#!/usr/bin/env bash
# Runs http_e2e_test.py (Bazel 4.2 has no Python toolchain here, so the
# Python test is an sh_test): $1 is the test_server binary.
set -euo pipefail
python=/usr/bin/python3
[ -x "$python" ] || python=python3
exec "$python" "$(dirname "$0")/http_e2e_test.py" "$@"
