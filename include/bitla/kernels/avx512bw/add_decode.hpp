// bitla/kernels/avx512bw/add_decode.hpp — the AVX-512 levels' decoders and dot product
// (Avx512Add): u8·s8 dot into dword lanes (vpdpbusd or vpmaddubsw + vpmaddwd), a panel row's
// bit, a base-3 step, a step of n-bit planes, and the grouped epilogue of one row. The
// tiles (add.hpp, add_f32.hpp) and the GEMV (add_gemv.hpp) are written over them.
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX512BW

#include "intrinsics.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../../core/add_layout.hpp"
#include "reduce.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct Avx512Add : Avx512Reduce<Arch> {
    using Avx512Reduce<Arch>::hsum;
    using Avx512Reduce<Arch>::hsum_ps;
    static constexpr bool vnni = arch::extends_v<Arch, arch::avx512_vnni>;

    /// acc + the u8·s8 dot products of q and x per dword. GCC 12 gets vpdpbusd as inline
    /// asm with the accumulator tied ("+v"): from the intrinsic it copies each accumulator
    /// to a new register every step and spills (docs/performance.md, "Code generation").
    static BITLA_ALWAYS_INLINE __m512i dp(__m512i acc, __m512i q, __m512i x) noexcept {
        if constexpr (vnni) {
#if defined(__GNUC__) && !defined(__clang__) && !BITLA_EMULATE_AVX512_VNNI
            __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(q), "v"(x));
            return acc;
#else
            return _mm512_dpbusd_epi32(acc, q, x);
#endif
        }
        else return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(q, x), _mm512_set1_epi16(1)));
    }
    /// Bits codes: the bit of a panel's row r in every byte (core/add_layout.hpp).
    static BITLA_ALWAYS_INLINE __m512i row_bit(std::size_t r) noexcept {
        return _mm512_set1_epi8(static_cast<char>(1u << r));
    }
    static BITLA_ALWAYS_INLINE __mmask64 mask_at(const std::uint8_t* p) noexcept {
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        return _cvtu64_mask64(v);
    }
    /// One base-3 step (core/ternary_base3.hpp): the leading trit of each byte as a code 0, 1
    /// or 2 (byte >= 86, >= 171), and the byte times 3 mod 256, which brings up the next trit.
    /// The constants are the caller's, hoisted out of its loops.
    static BITLA_ALWAYS_INLINE __m512i next_trit(__m512i& c, __m512i t86, __m512i t171, __m512i one,
                                                  __m512i two) noexcept {
        const __mmask64 k1 = _mm512_cmpge_epu8_mask(c, t86);
        const __mmask64 k2 = _mm512_cmpge_epu8_mask(c, t171);
        c = _mm512_add_epi8(_mm512_add_epi8(c, c), c);
        return _mm512_mask_mov_epi8(_mm512_maskz_mov_epi8(k1, one), k2, two);
    }

    /// One step of n-bit planes: one masked add of 2^i per plane i.
    static BITLA_ALWAYS_INLINE __m512i plane(const AddLayout& l, const std::uint8_t* w, std::size_t t) noexcept {
        const std::size_t stride = 8 * static_cast<std::size_t>(l.bits);
        __m512i q = _mm512_setzero_si512();
        for (int b = 0; b < l.bits; ++b)
            q = _mm512_mask_add_epi8(q, mask_at(w + l.phys(l.code_offset() + stride * t + 8 * static_cast<std::size_t>(b))),
                                     q, _mm512_set1_epi8(static_cast<char>(1 << b)));
        return q;
    }

    static float groups(const float* c, const std::uint16_t* s, const std::uint16_t* u, const float* xs,
                        std::size_t n) noexcept {
        __m512 y = _mm512_setzero_ps();
        std::size_t g = 0;
        for (; g + 16 <= n; g += 16) {
            const __m512 sv = _mm512_maskz_cvtph_ps(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + g)));
            const __m512 uv = _mm512_maskz_cvtph_ps(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(u + g)));
            y = _mm512_fmadd_ps(sv, _mm512_loadu_ps(c + g), y);
            y = _mm512_fmadd_ps(uv, _mm512_loadu_ps(xs + g), y);
        }
        if (g < n) {
            const __mmask16 k = static_cast<__mmask16>((1u << (n - g)) - 1);
            const __m512 sv = _mm512_maskz_cvtph_ps(0xffff, _mm256_maskz_loadu_epi16(k, s + g));
            const __m512 uv = _mm512_maskz_cvtph_ps(0xffff, _mm256_maskz_loadu_epi16(k, u + g));
            y = _mm512_fmadd_ps(sv, _mm512_maskz_loadu_ps(k, c + g), y);
            y = _mm512_fmadd_ps(uv, _mm512_maskz_loadu_ps(k, xs + g), y);
        }
        return hsum_ps(y);
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX512BW
