#!/bin/sh
# Symbol scan for runtime dispatch (usage: scan_isa_symbols.sh isa,isa,... object...; the
# ISA names are the table's, include/bitla/arch/isa_table.hpp, as CMake read them).
#
# Each object named <isa>.cpp.o (a per-ISA unit of bitla's runtime dispatch) is compiled
# with that ISA's flags and linked next to baseline code. Any global or weak symbol it
# defines is shared: the linker keeps one copy for the whole program. So every such
# symbol whose code uses instructions beyond baseline x86-64 (VEX/EVEX encodings, ymm /
# zmm / mask registers, BMI/POPCNT) must carry the unit's own ISA tag,
# bitla::v0::arch::<isa>, in its demangled name. Prints each offender and fails if any.
# Objects with other names are skipped.
set -eu
isas=",$1,"
shift
status=0
checked=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for obj in "$@"; do
  base=$(basename "$obj")
  isa=${base%%.*}
  case "$isas" in *",$isa,"*) ;; *) continue ;; esac
  checked=$((checked + 1))
  # Global (T), weak (W, V) and unique (u) symbols this object defines.
  nm --defined-only "$obj" | awk '$2 ~ /^[TWVu]$/ { print $3 }' | sort -u > "$tmp/shared"
  # Symbols whose disassembly uses wide-ISA instructions.
  objdump -d --no-show-raw-insn "$obj" | awk '
    /^[0-9a-f]+ <.*>:$/ { sym = $2; sub(/^</, "", sym); sub(/>:$/, "", sym); next }
    sym != "" && ($0 ~ /%[yz]mm[0-9]/ || $0 ~ /%k[0-7]/ || $0 ~ /^ +[0-9a-f]+:\tv[a-z]/ ||
                  $0 ~ /^ +[0-9a-f]+:\t(popcnt|lzcnt|tzcnt|andn|bextr|blsi|blsr|blsmsk|bzhi|pdep|pext|rorx|sarx|shlx|shrx|mulx)[ \t]/) {
      print sym }' | sort -u > "$tmp/wide"
  for sym in $(comm -12 "$tmp/shared" "$tmp/wide"); do
    name=$(echo "$sym" | c++filt)
    case "$name" in
      *"bitla::v0::arch::$isa>"* | *"bitla::v0::arch::$isa,"* | *"bitla::v0::arch::$isa "*) ;;
      *) echo "wide-ISA code in a shared symbol without the $isa tag: $name ($obj)"; status=1 ;;
    esac
  done
done
if [ "$checked" -eq 0 ]; then echo "no per-ISA objects among the arguments"; exit 1; fi
[ "$status" -eq 0 ] && echo "scanned $checked per-ISA objects: every shared symbol with wide-ISA code is tagged"
exit $status
