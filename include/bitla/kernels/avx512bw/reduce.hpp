// bitla/kernels/avx512bw/reduce.hpp — horizontal sums for the AVX-512 kernels: one vector's
// 16 lanes to a scalar, and 8 or 16 vectors at once to one lane each (the add-only GEMV tiles
// and the low-rank expand). One tree for all of them: 128-bit quarters (q0 + q2) + (q1 + q3),
// then the four lanes (l0 + l2) + (l1 + l3). So a float row sum has the same bits whether it
// was reduced alone or with 7 or 15 others, and results never depend on where a range of
// rows starts. The many-row forms transpose as they add (24 ops for 8 rows, 47 for 16) where
// a store and 16 scalar adds per row cost a binary GEMV tile (K = 4096) a fifth of its
// instructions. (maskz forms with a full mask: GCC 12 at -O3 warns that the plain ones read
// an undefined register.)
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX512BW

#include "intrinsics.hpp"

#include <cstddef>

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct Avx512Reduce {
    static BITLA_ALWAYS_INLINE int hsum(__m512i v) noexcept {
        const __m256i h = _mm256_add_epi32(_mm512_maskz_extracti64x4_epi64(0xf, v, 0), _mm512_maskz_extracti64x4_epi64(0xf, v, 1));
        const __m128i q = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
        const __m128i p = _mm_add_epi32(q, _mm_unpackhi_epi64(q, q));
        return _mm_cvtsi128_si32(_mm_add_epi32(p, _mm_shuffle_epi32(p, 0x55)));
    }
    static BITLA_ALWAYS_INLINE float hsum_ps(__m512 v) noexcept {
        const __m256 h = _mm256_add_ps(_mm512_maskz_extractf32x8_ps(0xff, v, 0), _mm512_maskz_extractf32x8_ps(0xff, v, 1));
        const __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
        const __m128 p = _mm_add_ps(q, _mm_movehl_ps(q, q));
        return _mm_cvtss_f32(_mm_add_ss(p, _mm_movehdup_ps(p)));
    }
    /// Lane j: the sum of v[j]'s lanes.
    static BITLA_ALWAYS_INLINE __m256i hsum8(const __m512i (&v)[8]) noexcept {
        return _mm512_maskz_extracti64x4_epi64(0xf, _mm512_maskz_permutexvar_epi32(0xffff, rows8(), tree8<false>(v)), 0);
    }
    static BITLA_ALWAYS_INLINE __m256 hsum8_ps(const __m512 (&v)[8]) noexcept {
        __m512i b[8];
        bits(v, 0, b);
        const __m512i r = _mm512_maskz_permutexvar_epi32(0xffff, rows8(), tree8<true>(b));
        return _mm512_maskz_extractf32x8_ps(0xff, _mm512_castsi512_ps(r), 0);
    }
    static BITLA_ALWAYS_INLINE __m512 hsum16_ps(const __m512 (&v)[16]) noexcept {
        const __m512i rows16 = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 16, 20, 24, 28, 17, 21, 25, 29);
        __m512i lo[8], hi[8];
        bits(v, 0, lo), bits(v, 8, hi);
        return _mm512_castsi512_ps(_mm512_maskz_permutex2var_epi32(0xffff, tree8<true>(lo), rows16, tree8<true>(hi)));
    }

private:
    /// Where tree8 leaves row j: rows 0..3 in lane 0 of quarters 0..3, rows 4..7 in lane 1
    /// (a function, not a static: nothing AVX-512 may run at start-up).
    static BITLA_ALWAYS_INLINE __m512i rows8() noexcept {
        return _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    template <std::size_t N>
    static BITLA_ALWAYS_INLINE void bits(const __m512 (&v)[N], int first, __m512i (&b)[8]) noexcept {
        for (int j = 0; j < 8; ++j) b[j] = _mm512_castps_si512(v[first + j]);
    }
    /// The 8 sums, quarter k holding row k in lane 0 and row k + 4 in lane 1. The shuffles
    /// only move bits, so int and float lanes share them; Float picks the add.
    template <bool Float>
    static BITLA_ALWAYS_INLINE __m512i tree8(const __m512i (&v)[8]) noexcept {
        const auto add = [](__m512i a, __m512i b) __attribute__((always_inline)) {
            if constexpr (Float) return _mm512_castps_si512(_mm512_add_ps(_mm512_castsi512_ps(a), _mm512_castsi512_ps(b)));
            else return _mm512_add_epi32(a, b);
        };
        __m512i s[4], t[2];
        for (int i = 0; i < 4; ++i)  // rows a, b: [a q0+q2, a q1+q3, b q0+q2, b q1+q3]
            s[i] = add(_mm512_maskz_shuffle_i64x2(0xff, v[2 * i], v[2 * i + 1], 0x44),
                       _mm512_maskz_shuffle_i64x2(0xff, v[2 * i], v[2 * i + 1], 0xee));
        for (int i = 0; i < 2; ++i)  // quarter k: row 4i + k's four lanes
            t[i] = add(_mm512_maskz_shuffle_i64x2(0xff, s[2 * i], s[2 * i + 1], 0x88),
                       _mm512_maskz_shuffle_i64x2(0xff, s[2 * i], s[2 * i + 1], 0xdd));
        const __m512i p = add(_mm512_maskz_unpacklo_epi32(0xffff, t[0], t[1]), _mm512_maskz_unpackhi_epi32(0xffff, t[0], t[1]));
        return add(p, _mm512_maskz_shuffle_epi32(0xffff, p, _MM_PERM_BADC));
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX512BW
