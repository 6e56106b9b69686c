#!/usr/bin/env bash
# Installs what bench/http/run_http.sh needs from Debian's packages, and only what is
# missing: the peers (nginx, Tornado for /usr/bin/python3) and the measuring tools (wrk,
# strace, curl, GNU time, pgrep). Idempotent, like scripts/setup.sh: a second run installs
# nothing. Needs root (or sudo) only when something is missing. Kept apart from
# scripts/setup.sh, which installs what `make test` needs.
set -euo pipefail

# The installing itself is scripts/setup.sh's, given the extra packages.
packages=(nginx python3-tornado wrk strace curl time procps)
"$(dirname "$0")/../../scripts/setup.sh" "${packages[@]}" >&2

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi

# Where no policy-rc.d keeps services from starting, the package starts the system's
# nginx (port 80, as www-data); the benchmark runs its own, so stop that one by its pid.
pid_file=/run/nginx.pid
if [ -s "$pid_file" ]; then
  pid=$(cat "$pid_file")
  if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = nginx ]; then
    echo "bench/http/setup: stopping the nginx service the package started (pid $pid)" >&2
    "${as_root[@]}" kill -QUIT "$pid" 2>/dev/null || true
  fi
fi
