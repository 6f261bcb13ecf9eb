// bitla/arch/table.hpp — the one table of instruction sets: for each ISA, its tag type
// (what kernels are templated on), the xsimd architecture its vectors use, and whether
// this translation unit's compiler flags enable it. What the CPU must support to run it
// is in arch/cpu.hpp (`cpu_supports`); the compiler flags that build it are in
// cmake/bitlaDispatch.cmake. A new ISA is one folder kernels/<name>/, one row here, one
// row in each of those two, and one enumerator in arch/isa.hpp.
//
// | tag                  | xsimd arch      | enabled by                                      |
// |----------------------|-----------------|-------------------------------------------------|
// | arch::generic        | none (scalar)   | always                                          |
// | arch::avx2           | xsimd::avx2     | __AVX2__ __FMA__ __BMI2__ __POPCNT__            |
// | arch::avx512bw       | xsimd::avx512bw | + __AVX512F__ __AVX512BW__ __AVX512DQ__ __AVX512VL__ |
// | arch::avx512_vpopcnt | xsimd::avx512bw | + __AVX512VPOPCNTDQ__ __AVX512BITALG__          |
// | arch::avx512_vnni    | xsimd::avx512bw | + __AVX512VNNI__                                |
#pragma once

#include <xsimd/xsimd.hpp>

#include "isa.hpp"

#if defined(__AVX2__) && defined(__FMA__) && defined(__BMI2__) && defined(__POPCNT__)
#define BITLA_FLAGS_AVX2 1
#else
#define BITLA_FLAGS_AVX2 0
#endif
#if BITLA_FLAGS_AVX2 && defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && defined(__AVX512VL__)
#define BITLA_FLAGS_AVX512BW 1
#else
#define BITLA_FLAGS_AVX512BW 0
#endif
#if BITLA_FLAGS_AVX512BW && defined(__AVX512VPOPCNTDQ__) && defined(__AVX512BITALG__)
#define BITLA_FLAGS_AVX512_VPOPCNT 1
#else
#define BITLA_FLAGS_AVX512_VPOPCNT 0
#endif
#if BITLA_FLAGS_AVX512_VPOPCNT && defined(__AVX512VNNI__)
#define BITLA_FLAGS_AVX512_VNNI 1
#else
#define BITLA_FLAGS_AVX512_VNNI 0
#endif

namespace bitla::inline v0::arch {

struct generic {
    static constexpr isa id = isa::generic;
};
struct avx2 {
    static constexpr isa id = isa::avx2;
    using simd = xsimd::avx2;
};
struct avx512bw {
    static constexpr isa id = isa::avx512bw;
    using simd = xsimd::avx512bw;
};
struct avx512_vpopcnt {
    static constexpr isa id = isa::avx512_vpopcnt;
    using simd = xsimd::avx512bw;
};
struct avx512_vnni {
    static constexpr isa id = isa::avx512_vnni;
    using simd = xsimd::avx512bw;
};

/// True when this translation unit's compiler flags can build kernels for `i`.
[[nodiscard]] constexpr bool flags_enable(isa i) noexcept {
    switch (i) {
        case isa::generic: return true;
        case isa::avx2: return BITLA_FLAGS_AVX2;
        case isa::avx512bw: return BITLA_FLAGS_AVX512BW;
        case isa::avx512_vpopcnt: return BITLA_FLAGS_AVX512_VPOPCNT;
        case isa::avx512_vnni: return BITLA_FLAGS_AVX512_VNNI;
    }
    return false;
}

}  // namespace bitla::inline v0::arch

/// Calls X(tag) for every ISA but generic (the ISAs that get their own translation unit
/// in runtime-dispatch mode).
#define BITLA_FOR_EACH_SIMD_ISA(X) X(avx2) X(avx512bw) X(avx512_vpopcnt) X(avx512_vnni)
