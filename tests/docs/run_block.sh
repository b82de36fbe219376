#!/bin/sh
# Runs one documentation block's test (tests/docs/CMakeLists.txt):
#   run_block.sh CMAKE BUILD_DIR TARGET CONFIG PROGRAM RUN [SCRIPT]
# Builds TARGET (the compiler's errors name the markdown line, through #line), then, by RUN:
# none: done; plain: PROGRAM with no arguments in an empty temporary directory; otherwise SCRIPT
# with PROGRAM as its argument, in an empty temporary directory. Exit 77 means skipped.
cmake=$1 build=$2 target=$3 config=$4 program=$5 run=$6 script=$7
if ! "$cmake" --build "$build" --target "$target" ${config:+--config "$config"}; then
  echo "docs: this block does not compile (the errors above name its markdown file and line)" >&2
  exit 1
fi
[ "$run" = none ] && { echo "docs: $target compiles and links"; exit 0; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mutauth-doc.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
if [ "$run" = plain ]; then
  "$program"
else
  sh "$script" "$program"
fi
