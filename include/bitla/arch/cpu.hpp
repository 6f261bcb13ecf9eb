// bitla/arch/cpu.hpp — what this CPU and OS can run, read with CPUID and XGETBV.
//
// xsimd 8.1's probe reads CPUID but not XGETBV (whether the OS saves the AVX / AVX-512
// register state) and knows no VPOPCNTDQ, BITALG or VNNI, so bitla probes by itself.
// Compiled only into the caller's baseline translation units; it needs no ISA flags.
#pragma once

#include <cstdint>

#include "isa.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define BITLA_X86 1
#else
#define BITLA_X86 0
#endif

namespace bitla::inline v0 {

struct CpuFeatures {
    bool popcnt = false, avx2 = false, fma = false, bmi2 = false;
    bool avx512f = false, avx512bw = false, avx512dq = false, avx512vl = false;
    bool avx512_vpopcntdq = false, avx512_bitalg = false, avx512_vnni = false;
    bool os_ymm = false;  ///< XCR0 has SSE and AVX state
    bool os_zmm = false;  ///< XCR0 has the opmask and both halves of the ZMM state too
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
        f.avx2 = (b >> 5) & 1;
        f.bmi2 = (b >> 8) & 1;
        f.avx512f = (b >> 16) & 1;
        f.avx512dq = (b >> 17) & 1;
        f.avx512bw = (b >> 30) & 1;
        f.avx512vl = (b >> 31) & 1;
        f.avx512_vnni = (c >> 11) & 1;
        f.avx512_bitalg = (c >> 12) & 1;
        f.avx512_vpopcntdq = (c >> 14) & 1;
    }
#endif
    return f;
}

/// True when the CPU and OS can run kernels built for `i` (see arch/table.hpp).
[[nodiscard]] constexpr bool cpu_supports(const CpuFeatures& f, isa i) noexcept {
    const bool avx2 = f.os_ymm && f.avx2 && f.fma && f.bmi2 && f.popcnt;
    const bool avx512 = avx2 && f.os_zmm && f.avx512f && f.avx512bw && f.avx512dq && f.avx512vl;
    const bool vpopcnt = avx512 && f.avx512_vpopcntdq && f.avx512_bitalg;
    switch (i) {
        case isa::generic: return true;
        case isa::avx2: return avx2;
        case isa::avx512bw: return avx512;
        case isa::avx512_vpopcnt: return vpopcnt;
        case isa::avx512_vnni: return vpopcnt && f.avx512_vnni;
    }
    return false;
}

}  // namespace bitla::inline v0
