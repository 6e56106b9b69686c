#!/usr/bin/env bash
# Runs the whole test suite three times — plain, under ASan+UBSan, under TSan — and ends
# with one line "N passed, M failed" counting test cases over all three runs, read from
# the test.xml files of each invocation (found through its build event file). Exits
# non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

configs=("" "--config=asan" "--config=tsan")
passed=0
failed=0
status=0

for config in "${configs[@]}"; do
  name=${config#--config=}
  name=${name:-plain}
  echo "=== ${name}: bazel test ${config} //..."
  # Build everything (examples and benchmarks too, so they cannot rot), test the tests.
  bep=$(mktemp)
  bazel test ${config} --build_event_json_file="$bep" //... 2>&1 | grep -vE '^\s*$'
  bazel_status=${PIPESTATUS[0]}
  read -r p f < <(python3 scripts/count_test_cases.py "$bep")
  rm -f "$bep"
  if [ "$bazel_status" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1  # a build failure or a crash that left no test.xml still counts as a failure
  fi
  echo "${name}: ${p} passed, ${f} failed"
  passed=$((passed + p))
  failed=$((failed + f))
  [ "$bazel_status" -ne 0 ] && status=1
done

if [ "${CI:-}" = "true" ]; then
  bazel shutdown >/dev/null 2>&1 || true
fi
echo "${passed} passed, ${failed} failed"
exit $status
