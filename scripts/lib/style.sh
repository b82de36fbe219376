# shellcheck shell=bash
# mutauth — the layout and lint checks of the test command (scripts/test phases "format" and
# "tidy"). Source this file; it defines functions only. Each returns 0 when clean, 1 on a finding
# or an error, 77 when it cannot run here (the tool is missing, or nothing is listed to check).
#
#   source "$repo/scripts/lib/style.sh"
#   check_format            # clang-format-14 --dry-run --Werror over what .clang-format-files lists
#   check_tidy [BUILD_DIR]  # clang-tidy-14 (.clang-tidy) over include/ and tools/
#   apply_format            # formats every tracked C/C++ file and lists them all (".") in
#                           # .clang-format-files: the one commit that turns the format check on
#
# .clang-format-files: one git pathspec a line ('#' starts a comment). Of the tracked files each
# matches, the C and C++ sources and headers are checked. Until the tree is formatted it lists
# nothing and check_format is skipped; a line "." checks everything.
#
# check_tidy reads BUILD_DIR/compile_commands.json of a Clang build (default: build/asan, which
# the test command has just built; without it, build/dev-clang is configured — not built: the
# translation units it lints are the project's own sources and the generated tests/headers/ files).

_style_repo() { (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P); }

_style_tool() {  # name: prints the path of NAME-14 or NAME when it is version 14
  local t
  for t in "$1-14" "$1"; do
    if command -v "$t" >/dev/null 2>&1 && "$t" --version 2>/dev/null | grep -q 'version 14\.'; then
      command -v "$t"
      return 0
    fi
  done
  return 1
}

# Prints the tracked C/C++ files that .clang-format-files selects, one a line.
style_format_files() {
  local repo list
  repo=$(_style_repo) || return 1
  list="$repo/.clang-format-files"
  [[ -f $list ]] || return 0
  local -a specs=()
  local line
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%%#*}
    line=${line#"${line%%[![:space:]]*}"}
    line=${line%"${line##*[![:space:]]}"}
    [[ -n $line ]] && specs+=("$line")
  done <"$list"
  ((${#specs[@]})) || return 0
  git -C "$repo" ls-files -- "${specs[@]}" | grep -E '\.(hpp|cpp|h|c)$'
}

check_format() {
  local repo cf
  repo=$(_style_repo) || return 1
  if ! cf=$(_style_tool clang-format); then
    echo "check_format: SKIPPED: clang-format 14 is not installed (Debian: clang-format-14)"
    return 77
  fi
  if ! git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "check_format: SKIPPED: $repo is not a git work tree (the file list comes from git ls-files)"
    return 77
  fi
  local -a files
  mapfile -t files < <(style_format_files)
  if ((${#files[@]} == 0)); then
    echo "check_format: SKIPPED: .clang-format-files lists no files (the tree is not formatted yet)"
    return 77
  fi
  local bad=0 f
  for f in "${files[@]}"; do
    # --Werror: a file that would change is an error; the diagnostics show each place.
    if ! (cd "$repo" && "$cf" --style=file --dry-run --Werror "$f"); then
      echo "check_format: $f is not formatted (fix: $cf -i $f)"
      bad=1
    fi
  done
  if ((bad)); then return 1; fi
  echo "check_format: ${#files[@]} files formatted as .clang-format says"
}

apply_format() {
  local repo cf
  repo=$(_style_repo) || return 1
  cf=$(_style_tool clang-format) || { echo "apply_format: clang-format 14 is not installed"; return 1; }
  local -a files
  mapfile -t files < <(git -C "$repo" ls-files -- '*.hpp' '*.cpp' '*.h' '*.c')
  (cd "$repo" && "$cf" --style=file -i "${files[@]}") || return 1
  {
    echo "# The files scripts/lib/style.sh check_format holds to .clang-format: one git pathspec a line."
    echo "."
  } >"$repo/.clang-format-files"
  echo "apply_format: ${#files[@]} files formatted; .clang-format-files now lists everything"
}

# Prints the translation units check_tidy lints, from a compile_commands.json.
style_tidy_units() {
  local db=$1 repo=$2
  python3 - "$db" "$repo" <<'EOF'
import json, sys
db, repo = sys.argv[1], sys.argv[2]
seen = set()
for entry in json.load(open(db)):
    f = entry["file"]
    # tools/ sources, and the one-header TUs of tests/headers (one a public header).
    if f.startswith(repo + "/tools/") or "/tests/headers/" in f:
        if f not in seen:
            seen.add(f)
            print(f)
EOF
}

check_tidy() {
  local repo tidy build
  repo=$(_style_repo) || return 1
  if ! tidy=$(_style_tool clang-tidy); then
    echo "check_tidy: SKIPPED: clang-tidy 14 is not installed (Debian: clang-tidy-14)"
    return 77
  fi
  build=${1:-}
  if [[ -z $build ]]; then
    if [[ -f $repo/build/asan/compile_commands.json ]]; then
      build=$repo/build/asan
    else
      build=$repo/build/dev-clang
      if ! command -v clang++ >/dev/null 2>&1; then
        echo "check_tidy: SKIPPED: no Clang build and no clang++ to configure one"
        return 77
      fi
      echo "check_tidy: configuring $build (preset dev-clang) for its compile_commands.json"
      (cd "$repo" && cmake --preset dev-clang --log-level=WARNING >/dev/null) || return 1
    fi
  fi
  if [[ ! -f $build/compile_commands.json ]]; then
    echo "check_tidy: $build/compile_commands.json is missing (configure with CMAKE_EXPORT_COMPILE_COMMANDS=ON)"
    return 1
  fi
  local -a units
  mapfile -t units < <(style_tidy_units "$build/compile_commands.json" "$repo")
  # The header TUs prove include/ is covered; without them the check would pass on nothing.
  if ! printf '%s\n' "${units[@]}" | grep -q '/tests/headers/'; then
    echo "check_tidy: no tests/headers/ translation units in $build/compile_commands.json"
    return 1
  fi
  echo "check_tidy: ${#units[@]} translation units from $build"
  # Two at a time (the machine's cores); --config-file because the generated TUs live in the
  # build tree, outside the directories where clang-tidy would look for .clang-tidy.
  local out rc
  out=$(mktemp)
  printf '%s\n' "${units[@]}" | xargs -P2 -n1 "$tidy" -p "$build" --config-file="$repo/.clang-tidy" \
    --quiet >"$out" 2>&1
  rc=$?
  grep -E -A3 '(warning|error):' "$out" | grep -v -E '^[0-9]+ (warnings?|errors?) generated\.$'
  rm -f "$out"
  if ((rc != 0)); then
    echo "check_tidy: FAILED (the findings are above; .clang-tidy says why each check is on)"
    return 1
  fi
  echo "check_tidy: clean"
}
