#!/usr/bin/env bash
# Runs clang-tidy (the repo's .clang-tidy) over every C++ source. Uses Debian's
# clang-tidy-16: clang 14's headers lack std::source_location, which Gale uses,
# so clang-tidy 14 cannot parse the code. Installs it if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v clang-tidy-16 >/dev/null; then
  as_root=()
  [ "$(id -u)" -ne 0 ] && as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq clang-tidy-16
fi

flags=$(mktemp -d)
trap 'rm -rf "$flags"' EXIT
printf -- '-std=c++20\n-I%s\n-xc++\n' "$PWD" > "$flags/compile_flags.txt"
# clang-tidy finds compile_flags.txt in a parent of each file: link it in.
ln -sf "$flags/compile_flags.txt" compile_flags.txt
trap 'rm -rf "$flags" compile_flags.txt' EXIT

mapfile -t sources < <(git ls-files '*.cc')
output=$(clang-tidy-16 --quiet "${sources[@]}" 2>/dev/null | grep -E "warning:|error:" | sort -u || true)
if [ -n "$output" ]; then
  echo "$output"
  echo "clang-tidy: $(echo "$output" | wc -l) findings"
  exit 1
fi
echo "clang-tidy: no findings in ${#sources[@]} files"
