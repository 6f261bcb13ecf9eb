// bitla/arch/isa_table.hpp — the one table of instruction sets. Everything that lists ISAs
// is generated from it: the `isa` enum, names and parents (arch/isa.hpp), the tags kernels
// are templated on and what a unit's compiler flags enable (arch/table.hpp), what the CPU
// must support (arch/cpu.hpp), the dispatch table (arch/dispatch.hpp), and, read by CMake,
// the compiler flags of each per-ISA unit and the ODR symbol scan's list
// (cmake/bitlaDispatch.cmake). A new ISA is one row here and one folder kernels/<name>/
// (docs/porting.md).
//
// X(name, parent, platform, simd, flags, needs)
//   name      enumerator isa::<name>, tag arch::<name>, folder kernels/<name>/
//   parent    the ISA it extends: its tag derives from the parent's, so a kernel written
//             for the parent serves it until it has its own; a CPU that runs it runs the parent
//   platform  x86_64, aarch64, or any (generic)
//   simd      the xsimd architecture of its vectors (void: none)
//   flags     compiler flags it adds to its parent's (one string; CMake reads this column)
//   needs     CPU features it adds to its parent's, over `f` (a CpuFeatures, arch/cpu.hpp):
//             checked against the CPU at run time and the compiler's macros at build time
//
// Rows are in order of preference: of two ISAs a CPU runs, the later row is faster, and a
// parent always comes before its children. Each row stays on one line (CMake parses it).
#pragma once

// clang-format off
#define BITLA_ISA_TABLE(X) \
    X(generic,        generic,        any,     void,            "",                                            true) \
    X(avx2,           generic,        x86_64,  xsimd::avx2,     "-falign-loops=64 -mavx2 -mfma -mbmi2 -mpopcnt", f.avx2 && f.fma && f.bmi2 && f.popcnt && f.os_ymm) \
    X(avx_vnni,       avx2,           x86_64,  xsimd::avx2,     "-mavxvnni",                                   f.avx_vnni) \
    X(avx512bw,       avx2,           x86_64,  xsimd::avx512bw, "-mavx512f -mavx512bw -mavx512dq -mavx512vl",  f.avx512f && f.avx512bw && f.avx512dq && f.avx512vl && f.os_zmm) \
    X(avx512_vpopcnt, avx512bw,       x86_64,  xsimd::avx512bw, "-mavx512vpopcntdq -mavx512bitalg",            f.avx512_vpopcntdq && f.avx512_bitalg) \
    X(avx512_vnni,    avx512_vpopcnt, x86_64,  xsimd::avx512bw, "-mavx512vnni",                                f.avx512_vnni) \
    X(neon,           generic,        aarch64, xsimd::neon64,   "",                                            f.neon) \
    X(neon_dotprod,   neon,           aarch64, xsimd::neon64,   "-march=armv8.2-a+dotprod",                    f.dotprod) \
    X(neon_i8mm,      neon_dotprod,   aarch64, xsimd::neon64,   "-march=armv8.6-a+dotprod+i8mm",               f.i8mm)
// clang-format on
