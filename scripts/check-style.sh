#!/usr/bin/env bash
# make check-style: the house rules of ../shared/docs/STYLE.md and docs/DESIGN.md that a
# machine can check, over src/. Each finding is printed as file:line: rule: detail; any finding
# fails (exit 1). Rules:
#   length     a function body longer than FUNC_MAX lines (STYLE: functions fit on a screen)
#   banned     sprintf vsprintf strcpy strcat strncat strncpy strtok gets atoi atol sscanf
#   layer      an #include of a layer above the file's own (Makefile LAYERS; cmd is the top)
#   errors     the forms DESIGN.md retired: an int result explained in a `char *why` buffer
#              (return the module's result enum; a detail message beside an enum is fine), a
#              bare negative return other than -1, "NULL on out of memory" (allocation failure
#              is fatal, base/mem.h)
#   header     a file without its opening comment, a header without its RAFIKI_<DIR>_<NAME>_H
#              guard or without a "Threads:" note in its opening comment (DESIGN.md: which calls
#              may be made from where, and which may block)
set -uo pipefail
cd "$(dirname "$0")/.."
FUNC_MAX=${FUNC_MAX:-70}
layers=$(sed -n 's/^LAYERS *:= *//p' Makefile)
layers="$layers cmd"
findings=$(mktemp)
trap 'rm -f "$findings"' EXIT

files=$(find src -name '*.[ch]' | sort)

# length: a body runs from a line "{" at column 0 to the next "}" at column 0.
for f in $(find src -name '*.c' | sort); do
  awk -v f="$f" -v max="$FUNC_MAX" '
    /^[A-Za-z_].*\(/ && !/;[[:space:]]*$/ { sig = $0; sigline = NR }
    /^\{/ { start = NR; name = sig; sub(/\(.*/, "", name); n = split(name, w, /[ *]+/); name = w[n] }
    /^\}/ && start { len = NR - start - 1; if (len > max) printf "%s:%d: length: %s is %d lines (max %d)\n", f, sigline, name, len, max; start = 0 }
  ' "$f"
done >>"$findings"

# banned calls, outside comments and strings (a rough strip: // and /* */ on one line, "...")
for f in $files; do
  sed -e 's://.*$::' -e 's:/\*.*\*/::g' -e 's/"\([^"\\]\|\\.\)*"/""/g' "$f" |
    grep -nwE 'sprintf|vsprintf|strcpy|strcat|strncat|strncpy|strtok|gets|atoi|atol|sscanf' |
    grep -vE '^\s*[0-9]+:\s*\*' | sed "s#^\([0-9]*\):.*#$f:\1: banned: unsafe call (STYLE.md)#"
done >>"$findings"

# layers: src/<layer>/x includes only "<same or lower layer>/..."
rank() { local i=0 l; for l in $layers; do [ "$l" = "$1" ] && { echo $i; return; }; i=$((i + 1)); done; echo -1; }
for f in $files; do
  own=${f#src/}; own=${own%%/*}; ro=$(rank "$own")
  grep -nE '^#include "[a-z_]+/' "$f" | while IFS=: read -r n inc; do
    t=${inc#*\"}; t=${t%%/*}; rt=$(rank "$t")
    [ "$rt" -gt "$ro" ] && echo "$f:$n: layer: $own includes $t, a layer above it"
  done
done >>"$findings"

# error-return forms
for f in $files; do
  grep -nE '^(static )?int [a-z_0-9]+\(.*[(,] ?char \*why' "$f" | sed "s#^\([0-9]*\):.*#$f:\1: errors: an int with a why/cap message; return the module's result enum#"
  grep -nE '^\s*return -[2-9][0-9]*;' "$f" | sed "s#^\([0-9]*\):.*#$f:\1: errors: a bare negative code; return the module's result enum#"
  grep -niE 'NULL (on|for) (OOM|out of memory)' "$f" | sed "s#^\([0-9]*\):.*#$f:\1: errors: says NULL on out of memory; allocation failure is fatal (base/mem.h)#"
done >>"$findings"

# opening comments and guards
for f in $files; do
  head -1 "$f" | grep -q '^/\*' || echo "$f:1: header: no opening comment saying what the file is for"
  case $f in
    *.h)
      d=$(basename "$(dirname "$f")" | tr a-z A-Z); b=$(basename "$f" .h | tr a-z A-Z)
      grep -q "^#ifndef RAFIKI_${d}_${b}_H" "$f" || echo "$f:1: header: guard is not RAFIKI_${d}_${b}_H"
      # not grep -q: it would stop reading, and under pipefail awk's SIGPIPE fails the pipe
      awk 'NR == 1, /\*\//' "$f" | grep -i 'thread' >/dev/null ||
        echo "$f:1: header: its opening comment has no Threads: note"
      ;;
  esac
done >>"$findings"

if [ -s "$findings" ]; then
  sort -u "$findings"
  echo "check-style: $(sort -u "$findings" | wc -l) finding(s)" >&2
  exit 1
fi
echo "check-style: src/ clean ($(echo "$files" | wc -l) files)"
