#!/bin/sh
# resolve-placeholders.sh FROM TO: copy FROM/*.yaml to TO, replacing every '$${NAME::default}'
# (always inside a single-quoted YAML scalar, pipeline/migrate/shardingsphere-export.ts) with the
# env var NAME, else the default, doubling ' as single-quoted YAML requires. POSIX sh and awk
# (the proxy image is eclipse-temurin on Ubuntu: dash and mawk). Prints no value.
set -eu
from=$1
to=$2
for file in "$from"/*.yaml; do
  awk '
    {
      rest = $0
      out = ""
      while (match(rest, /\$\$\{[A-Za-z_][A-Za-z0-9_]*::[^}'"'"']*\}/)) {
        inner = substr(rest, RSTART + 3, RLENGTH - 4)
        sep = index(inner, "::")
        name = substr(inner, 1, sep - 1)
        value = (name in ENVIRON) ? ENVIRON[name] : substr(inner, sep + 2)
        gsub(/'"'"'/, "'"''"'", value)
        out = out substr(rest, 1, RSTART - 1) value
        rest = substr(rest, RSTART + RLENGTH)
      }
      print out rest
    }
  ' "$file" > "$to/$(basename "$file")"
done
echo "resolved $(ls "$from"/*.yaml | wc -l) file(s) into $to"
