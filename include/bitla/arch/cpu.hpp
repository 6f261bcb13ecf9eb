// bitla/arch/cpu.hpp — what this CPU and OS can run, and what this translation unit's
// compiler flags enable, as one set of features the ISA table's `needs` column reads.
//
// x86-64: CPUID and XGETBV (xsimd 8.1's probe reads no XGETBV, whether the OS saves the
// AVX / AVX-512 register state, and knows no VPOPCNTDQ, BITALG or VNNI). aarch64 Linux:
// getauxval(AT_HWCAP / AT_HWCAP2). Elsewhere: nothing (generic only). Compiled only into
// the caller's baseline translation units; it needs no ISA flags.
#pragma once

#include <cstdint>

#include "isa.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define BITLA_X86 1
#else
#define BITLA_X86 0
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#define BITLA_AARCH64_LINUX 1
#else
#define BITLA_AARCH64_LINUX 0
#endif

// A unit compiled to emulate AVX-512 levels (SIMDe; tests on hosts without them) defines
// these, and counts the emulated features as enabled by its flags.
#if !defined(BITLA_EMULATE_AVX512BW)
#define BITLA_EMULATE_AVX512BW 0
#endif
#if !defined(BITLA_EMULATE_AVX512_VPOPCNT)
#define BITLA_EMULATE_AVX512_VPOPCNT 0
#endif
#if !defined(BITLA_EMULATE_AVX512_VNNI)
#define BITLA_EMULATE_AVX512_VNNI 0
#endif

BITLA_BEGIN_NAMESPACE

struct CpuFeatures {
    // x86-64
    bool popcnt = false, avx2 = false, fma = false, bmi2 = false, avx_vnni = false;
    bool avx512f = false, avx512bw = false, avx512dq = false, avx512vl = false;
    bool avx512_vpopcntdq = false, avx512_bitalg = false, avx512_vnni = false;
    bool os_ymm = false;  ///< XCR0 has SSE and AVX state
    bool os_zmm = false;  ///< XCR0 has the opmask and both halves of the ZMM state too
    // aarch64
    bool neon = false;     ///< Advanced SIMD (ARMv8.0)
    bool dotprod = false;  ///< sdot / udot (ARMv8.2 DotProd)
    bool i8mm = false;     ///< smmla / usmmla / usdot (ARMv8.6 I8MM)
};

namespace detail {
#if BITLA_X86
inline std::uint64_t read_xcr0() {
    std::uint32_t lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (std::uint64_t{hi} << 32) | lo;
}
#endif
}  // namespace detail

/// Reads the CPU's features (cheap enough to call once; bitla caches the result).
[[nodiscard]] inline CpuFeatures detect_cpu() noexcept {
    CpuFeatures f;
#if BITLA_X86
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (__get_cpuid(0, &a, &b, &c, &d) == 0) return f;
    const unsigned max_leaf = a;
    __get_cpuid(1, &a, &b, &c, &d);
    const bool osxsave = (c >> 27) & 1;
    f.popcnt = (c >> 23) & 1;
    f.fma = (c >> 12) & 1;
    if (osxsave) {
        const std::uint64_t xcr0 = detail::read_xcr0();
        f.os_ymm = (xcr0 & 0x6) == 0x6;
        f.os_zmm = (xcr0 & 0xe6) == 0xe6;
    }
    if (max_leaf >= 7) {
        __get_cpuid_count(7, 0, &a, &b, &c, &d);
        const unsigned subleaves = a;
        f.avx2 = (b >> 5) & 1;
        f.bmi2 = (b >> 8) & 1;
        f.avx512f = (b >> 16) & 1;
        f.avx512dq = (b >> 17) & 1;
        f.avx512bw = (b >> 30) & 1;
        f.avx512vl = (b >> 31) & 1;
        f.avx512_vnni = (c >> 11) & 1;
        f.avx512_bitalg = (c >> 12) & 1;
        f.avx512_vpopcntdq = (c >> 14) & 1;
        if (subleaves >= 1) {
            __get_cpuid_count(7, 1, &a, &b, &c, &d);
            f.avx_vnni = (a >> 4) & 1;
        }
    }
#elif BITLA_AARCH64_LINUX
    // Bits of the Linux aarch64 hwcaps ABI (asm/hwcap.h), spelled out so no kernel header
    // of a particular age is needed.
    const unsigned long hw = ::getauxval(AT_HWCAP), hw2 = ::getauxval(AT_HWCAP2);
    f.neon = (hw >> 1) & 1;      // HWCAP_ASIMD
    f.dotprod = (hw >> 20) & 1;  // HWCAP_ASIMDDP
    f.i8mm = (hw2 >> 13) & 1;    // HWCAP2_I8MM
#elif defined(__aarch64__)
    f.neon = true;  // Advanced SIMD is part of every AArch64 CPU; no portable probe for more
#endif
    return f;
}

/// The features this translation unit's compiler flags let it use (the OS state is assumed).
[[nodiscard]] constexpr CpuFeatures compiler_features() noexcept {
    CpuFeatures f;
#if defined(__POPCNT__)
    f.popcnt = true;
#endif
#if defined(__AVX2__)
    f.avx2 = f.os_ymm = true;
#endif
#if defined(__FMA__)
    f.fma = true;
#endif
#if defined(__BMI2__)
    f.bmi2 = true;
#endif
#if defined(__AVXVNNI__)
    f.avx_vnni = true;
#endif
#if defined(__AVX512F__)
    f.avx512f = f.os_zmm = true;
#endif
#if defined(__AVX512BW__)
    f.avx512bw = true;
#endif
#if defined(__AVX512DQ__)
    f.avx512dq = true;
#endif
#if defined(__AVX512VL__)
    f.avx512vl = true;
#endif
#if defined(__AVX512VPOPCNTDQ__)
    f.avx512_vpopcntdq = true;
#endif
#if defined(__AVX512BITALG__)
    f.avx512_bitalg = true;
#endif
#if defined(__AVX512VNNI__)
    f.avx512_vnni = true;
#endif
#if BITLA_EMULATE_AVX512BW
    f.avx512f = f.avx512bw = f.avx512dq = f.avx512vl = f.os_zmm = true;
#endif
#if BITLA_EMULATE_AVX512_VPOPCNT
    f.avx512_vpopcntdq = f.avx512_bitalg = true;
#endif
#if BITLA_EMULATE_AVX512_VNNI
    f.avx512_vnni = true;
#endif
#if defined(__ARM_NEON)
    f.neon = true;
#endif
#if defined(__ARM_FEATURE_DOTPROD)
    f.dotprod = true;
#endif
#if defined(__ARM_FEATURE_MATMUL_INT8)
    f.i8mm = true;
#endif
    return f;
}

/// True when features f include everything ISA i needs (its row and its ancestors').
[[nodiscard]] constexpr bool has_features(const CpuFeatures& f, isa i) noexcept {
    bool own = false;
    switch (i) {
#define BITLA_DETAIL_ISA_NEEDS(name, parent, platform, simd, flags, needs) \
    case isa::name: own = (needs); break;
        BITLA_ISA_TABLE(BITLA_DETAIL_ISA_NEEDS)
#undef BITLA_DETAIL_ISA_NEEDS
    }
    return own && (i == isa::generic || has_features(f, parent(i)));
}

/// True when the CPU and OS (features f, from detect_cpu) can run kernels built for `i`.
[[nodiscard]] constexpr bool cpu_supports(const CpuFeatures& f, isa i) noexcept {
    return on_build_platform(i) && has_features(f, i);
}

BITLA_END_NAMESPACE
