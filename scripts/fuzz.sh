#!/usr/bin/env bash
# Builds the http/ parser fuzzer (tests/http/fuzz/request_parser_fuzzer.cc)
# with clang 14's libFuzzer, ASan and UBSan, and runs it for
# ${SECONDS_TO_RUN:-600} seconds over a corpus seeded with valid and invalid
# requests. Not a Bazel target: Bazel builds Gale with gcc, which has no
# libFuzzer. Exits non-zero when the fuzzer finds a crash (the reproducer is
# left in $OUT). Installs Debian's clang-14 and libclang-rt-14-dev if missing.
#
#   scripts/fuzz.sh                        # 10 minutes
#   SECONDS_TO_RUN=60 OUT=/tmp/f scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v clang++-14 >/dev/null ||
  ! dpkg -s libclang-rt-14-dev >/dev/null 2>&1; then
  as_root=()
  [ "$(id -u)" -ne 0 ] && as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq \
    clang-14 libclang-rt-14-dev
fi

OUT=${OUT:-/tmp/gale-fuzz}
corpus="$OUT/corpus"
mkdir -p "$corpus"

# The parser sources need nothing but the standard library (no Abseil).
sources=(
  tests/http/fuzz/request_parser_fuzzer.cc
  http/request_parser.cc
  http/chunked_decoder.cc
  http/percent.cc
)
binary="$OUT/request_parser_fuzzer"
clang++-14 -std=c++20 -O1 -g -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I. "${sources[@]}" -o "$binary"

# Seeds: a few requests of each kind, valid and not; the fuzzer mutates them.
seed() { printf '%b' "$2" > "$corpus/seed-$1"; }
seed get 'GET /index.html?a=1&b=%20x HTTP/1.1\r\nHost: example.com\r\nUser-Agent: seed\r\n\r\n'
seed pipelined 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'
seed post 'POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n\r\nq=a+b&\r\nGET / HTTP/1.0\r\n\r\n'
seed chunked 'POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n'
seed absolute 'GET http://example.org:8080/p?q=%2F HTTP/1.1\r\nHost: other\r\n\r\n'
seed connect 'CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n'
seed options 'OPTIONS * HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'
seed leading-crlf '\r\n\r\nGET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n'
seed bare-lf 'GET / HTTP/1.1\nHost: h\n\n'
seed obs-fold 'GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n'
seed te-cl 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'
seed gzip 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'
seed version 'GET / HTTP/2.0\r\n\r\n'
seed cl-dup 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\nContent-Length: 6\r\n\r\n'
seed bad-chunk 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n'

log="$OUT/fuzz.log"
echo "fuzzing for ${SECONDS_TO_RUN:-600}s; corpus $corpus, log $log"
status=0
# -artifact_prefix puts crash-* reproducers in $OUT, not in the repo.
"$binary" "$corpus" -max_total_time="${SECONDS_TO_RUN:-600}" \
  -max_len=4096 -print_final_stats=1 -artifact_prefix="$OUT/" \
  >"$log" 2>&1 || status=$?
grep -E "^stat::|Done [0-9]+ runs" "$log" || true
if [ "$status" -ne 0 ]; then
  tail -n 40 "$log"
  echo "fuzz: crash (exit $status); reproducers in $OUT/"
  exit "$status"
fi
echo "fuzz: no crash"
