#!/usr/bin/env python3
"""Doctests for mutauth's documentation: every C++ code block of README.md and docs/**/*.md
becomes one test source (tests/docs/README.md has the whole convention; this is its summary).

A block is a fenced block whose info string is cpp, c++ or cxx. The last non-blank line before
its opening fence may be an HTML comment that says what the block is:

  (no comment)                       the block must contain `int main`: a whole program,
                                     compiled and linked, not run
  <!-- doctest: run -->              a whole program, run with no arguments in an empty
                                     temporary directory; it must exit 0 (77: skipped)
  <!-- doctest: run-with SCRIPT -->  a whole program, run by tests/docs/harness/SCRIPT.sh
                                     (which makes keys with ssh-keygen, starts peers, ...)
  <!-- doctest: fragment HARNESS -->  a deliberately partial block, compiled inside
                                     tests/docs/harness/HARNESS.cpp: its leading preprocessor
                                     lines replace `// @DOCTEST_PRELUDE@`, the rest replaces
                                     `// @DOCTEST_BODY@`; add `run` or `run-with SCRIPT` to run
                                     the harness's main
  ... export NAME                    also write the source as OUT_DIR/NAME.cpp, for other tests
                                     (the find_package consumer builds README.md's echo program)
  <!-- doctest: ignore REASON -->    not C++ meant to compile (pseudo-code): reported as a
                                     skipped test with REASON, never dropped silently

A block without `int main` and without a comment is a mistake: its test fails and says how to
mark it. The generated sources carry #line directives, so a compiler error names the markdown
file and line. The script writes a CMake manifest (one mutauth_doc_block() call per block, plus
the list of files it read, for CMAKE_CONFIGURE_DEPENDS) and rewrites a source only when its
text changed, so an edit to one block rebuilds one program.

Usage: extract_blocks.py SOURCE_DIR OUT_DIR MANIFEST
"""
import os
import re
import sys

CPP_INFO = {"cpp", "c++", "cxx"}
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^\s`]*)")
MARKER = re.compile(r"^\s*<!--\s*doctest:\s*(.*?)\s*-->\s*$")
MAIN = re.compile(r"\bint\s+main\s*\(")
PRELUDE_MARK = "// @DOCTEST_PRELUDE@"
BODY_MARK = "// @DOCTEST_BODY@"
# Which mutauth target a generated source needs, by the headers it includes.
NEEDS = [("pk", re.compile(r'#\s*include\s*[<"]mutauth/mech/pk/')),
         ("krb5", re.compile(r'#\s*include\s*[<"]mutauth/mech/krb5/')),
         ("asio", re.compile(r'#\s*include\s*[<"]mutauth/asio'))]


def markdown_files(src):
    files = []
    if os.path.isfile(os.path.join(src, "README.md")):
        files.append("README.md")
    dirs = []
    for root, subdirs, names in os.walk(os.path.join(src, "docs")):
        subdirs.sort()
        dirs.append(root)
        for n in sorted(names):
            if n.endswith(".md"):
                files.append(os.path.relpath(os.path.join(root, n), src))
    return files, dirs


def blocks_of(lines):
    """Yields (fence_line, first_code_line, code_lines, marker_text_or_None), 1-based lines."""
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = m.group(1), m.group(2), m.group(3).lower()
        start = i
        j = i + 1
        while j < len(lines):
            c = lines[j].strip()
            if c.startswith(fence[0] * len(fence)) and c.strip(fence[0]) == "":
                break
            j += 1
        if info in CPP_INFO:
            marker = None
            k = start - 1
            while k >= 0 and lines[k].strip() == "":
                k -= 1
            if k >= 0:
                mm = MARKER.match(lines[k])
                if mm:
                    marker = mm.group(1)
            code = [l[len(indent):] if l.startswith(indent) else l for l in lines[start + 1:j]]
            yield start + 1, start + 2, code, marker
        i = j + 1


def cmake_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace(";", "\\;") + '"'


def line_directive(n, path):
    return '#line %d "%s"\n' % (n, path)


def assemble_fragment(code, first, md, harness_path, harness_rel):
    with open(harness_path, encoding="utf-8") as f:
        h = f.read().splitlines()
    if not any(l.strip() == BODY_MARK for l in h):
        return None, "%s has no '%s' line" % (harness_rel, BODY_MARK)
    n = 0
    while n < len(code) and (code[n].strip() == "" or code[n].lstrip().startswith("#")):
        n += 1
    prelude, body = code[:n], code[n:]
    out = []
    if not any(l.strip() == PRELUDE_MARK for l in h) and prelude:
        out.append(line_directive(first, md) + "".join(l + "\n" for l in prelude))
        prelude = []
    out.append(line_directive(1, harness_rel))
    for idx, l in enumerate(h, start=1):
        if l.strip() == PRELUDE_MARK:
            out.append(line_directive(first, md) + "".join(x + "\n" for x in prelude))
            out.append(line_directive(idx + 1, harness_rel))
        elif l.strip() == BODY_MARK:
            out.append(line_directive(first + n, md) + "".join(x + "\n" for x in body))
            out.append(line_directive(idx + 1, harness_rel))
        else:
            out.append(l + "\n")
    return "".join(out), None


def main():
    src, out_dir, manifest = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(out_dir, exist_ok=True)
    harness_dir = os.path.join(src, "tests", "docs", "harness")
    files, dirs = markdown_files(src)
    inputs = [os.path.abspath(__file__)] + [os.path.join(src, f) for f in files] + dirs
    if os.path.isdir(harness_dir):
        inputs.append(harness_dir)
        inputs += [os.path.join(harness_dir, n) for n in sorted(os.listdir(harness_dir))]
    calls, written = [], set()
    for md in files:
        with open(os.path.join(src, md), encoding="utf-8") as f:
            lines = f.read().splitlines()
        slug = re.sub(r"[^A-Za-z0-9]+", "_", md).strip("_")
        for number, (fence, first, code, marker) in enumerate(blocks_of(lines), start=1):
            name = "docs: %s block %d (line %d)" % (md, number, fence)
            target = "doc_%s_%d" % (slug, number)
            kind, run, harness, message, text, export = "program", "none", "", "", None, ""
            words = marker.split() if marker else []
            if words and words[0] == "ignore":
                kind, message = "ignore", " ".join(words[1:])
                if not message:
                    kind, message = "invalid", "'doctest: ignore' needs a reason"
            else:
                w = 0
                while w < len(words) and kind != "invalid":
                    if words[w] == "fragment" and w + 1 < len(words):
                        kind, harness = "fragment", words[w + 1]
                        w += 2
                    elif words[w] == "export" and w + 1 < len(words):
                        export = words[w + 1]
                        w += 2
                    elif words[w] == "run":
                        run = "plain"
                        w += 1
                    elif words[w] == "run-with" and w + 1 < len(words):
                        run = words[w + 1]
                        if not os.path.isfile(os.path.join(harness_dir, run + ".sh")):
                            kind, message = "invalid", "no script tests/docs/harness/%s.sh" % run
                        w += 2
                    else:
                        kind, message = "invalid", "unknown doctest word '%s' in '%s'" % (words[w], marker)
                if kind == "program" and not any(MAIN.search(l) for l in code):
                    kind = "invalid"
                    message = ("this block has no int main: mark it <!-- doctest: fragment HARNESS --> "
                               "(a harness in tests/docs/harness/) or <!-- doctest: ignore REASON -->")
            if kind == "program":
                text = line_directive(first, md) + "".join(l + "\n" for l in code)
            elif kind == "fragment":
                hp = os.path.join(harness_dir, harness + ".cpp")
                if not os.path.isfile(hp):
                    kind, message = "invalid", "no harness tests/docs/harness/%s.cpp" % harness
                else:
                    text, err = assemble_fragment(code, first, md, hp, "tests/docs/harness/%s.cpp" % harness)
                    if err:
                        kind, message = "invalid", err
            needs = []
            source = ""
            if text is not None:
                text = "// Generated by tests/docs/extract_blocks.py from %s line %d. Edit the markdown.\n%s" % (
                    md, fence, text)
                needs = [n for n, rx in NEEDS if rx.search(text)]
                source = os.path.join(out_dir, target + ".cpp")
                old = None
                if os.path.exists(source):
                    with open(source, encoding="utf-8") as f:
                        old = f.read()
                if old != text:
                    with open(source, "w", encoding="utf-8") as f:
                        f.write(text)
                written.add(os.path.basename(source))
                if export:
                    named = os.path.join(out_dir, export + ".cpp")
                    old = None
                    if os.path.exists(named):
                        with open(named, encoding="utf-8") as f:
                            old = f.read()
                    if old != text:
                        with open(named, "w", encoding="utf-8") as f:
                            f.write(text)
                    written.add(export + ".cpp")
            calls.append("mutauth_doc_block(%s %s %s %s %s %s %s)" % (
                cmake_quote(name), target, kind, cmake_quote(run),
                # A CMake list: its ";" must stay a separator (target names need no quoting).
                '"' + ";".join(needs) + '"',
                cmake_quote(source), cmake_quote(message)))
    for stale in os.listdir(out_dir):
        if stale.endswith(".cpp") and stale not in written:
            os.remove(os.path.join(out_dir, stale))
    text = "# Generated by tests/docs/extract_blocks.py.\n"
    text += "set(MUTAUTH_DOC_INPUTS\n" + "".join("  %s\n" % cmake_quote(p) for p in inputs) + ")\n"
    text += "".join(c + "\n" for c in calls)
    with open(manifest, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
