#!/bin/sh
# Compiler launcher for units that exist only for their warnings: runs the compile command's
# front end (-fsyntax-only: templates instantiated, warnings issued, no code generated) and
# leaves an empty object file where the command names one, so the build sees it done.
out=
prev=
for arg in "$@"; do
  [ "$prev" = "-o" ] && out=$arg
  prev=$arg
done
"$@" -fsyntax-only || exit
[ -z "$out" ] || : > "$out"
