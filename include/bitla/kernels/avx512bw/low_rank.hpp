// bitla/kernels/avx512bw/low_rank.hpp — the AVX-512 low-rank expand (kernels/low_rank.hpp)
// for rank 16 with packed rows (ldb = 16, one row of B is one vector): 16 rows at a time,
// each multiplied by t, and the 16 products summed across their lanes by one transposing
// tree (unpack, shuffle, 128-bit-lane shuffles: 45 ops for 16 rows instead of a horizontal
// sum per row, which cost 12–20 µs of a 4096-row fused GEMV). Every row is reduced by the
// same tree, ((e0 + e2) + (e1 + e3)) within each 128-bit lane, then (L0 + L1) + (L2 + L3),
// and a tail of fewer than 16 rows is masked, not done another way: a row's result does
// not depend on where its range starts (thread counts never change it). Other ranks and
// strides use the generic loop. Intrinsics only (no xsimd calls: out-of-line xsimd
// functions would be shared, with different flags, by the AVX-512 units).
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX512BW

#include <immintrin.h>

#include <cstddef>

namespace bitla::inline v0::kernels {

template <class Arch>
struct Avx512LowRank {
    // (maskz forms with a full mask: GCC 12 at -O3 warns that the plain ones read an
    // undefined register.)
    static constexpr __mmask16 all = 0xffff;

    /// Lane sums of v[0..15], in row order.
    static BITLA_ALWAYS_INLINE __m512 sum16(const __m512 (&v)[16]) noexcept {
        __m512 r[8], w[4];
        for (int p = 0; p < 8; ++p)  // lane L: [a0+a2, b0+b2, a1+a3, b1+b3] of rows a, b = 2p, 2p+1
            r[p] = _mm512_add_ps(_mm512_maskz_unpacklo_ps(all, v[2 * p], v[2 * p + 1]),
                                 _mm512_maskz_unpackhi_ps(all, v[2 * p], v[2 * p + 1]));
        for (int q = 0; q < 4; ++q)  // lane L: the lane sums of rows 4q .. 4q+3
            w[q] = _mm512_add_ps(_mm512_shuffle_ps(r[2 * q], r[2 * q + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                                 _mm512_shuffle_ps(r[2 * q], r[2 * q + 1], _MM_SHUFFLE(3, 2, 3, 2)));
        const auto pair = [](__m512 a, __m512 b) __attribute__((always_inline)) {  // [a L0+L1, a L2+L3, b .., b ..]
            return _mm512_add_ps(_mm512_maskz_shuffle_f32x4(all, a, b, _MM_SHUFFLE(2, 0, 2, 0)),
                                 _mm512_maskz_shuffle_f32x4(all, a, b, _MM_SHUFFLE(3, 1, 3, 1)));
        };
        return pair(pair(w[0], w[1]), pair(w[2], w[3]));
    }

    /// y[i] += Σ_j t[j]·b[16 i + j] for i < n.
    static void expand16(const float* b, std::size_t n, const float* t, float* y) noexcept {
        const __m512 tv = _mm512_loadu_ps(t);
        __m512 v[16];
        std::size_t i = 0;
        for (; i + 16 <= n; i += 16) {
            for (int j = 0; j < 16; ++j) v[j] = _mm512_mul_ps(_mm512_loadu_ps(b + (i + j) * 16), tv);
            _mm512_storeu_ps(y + i, _mm512_add_ps(_mm512_loadu_ps(y + i), sum16(v)));
        }
        if (i == n) return;
        const std::size_t m = n - i;
        for (std::size_t j = 0; j < 16; ++j)
            v[j] = j < m ? _mm512_mul_ps(_mm512_loadu_ps(b + (i + j) * 16), tv) : _mm512_setzero_ps();
        const auto km = static_cast<__mmask16>((1u << m) - 1u);
        _mm512_mask_storeu_ps(y + i, km, _mm512_add_ps(_mm512_maskz_loadu_ps(km, y + i), sum16(v)));
    }
};

template <class Arch>
struct LowRankImpl<Arch, std::enable_if_t<(Arch::id >= isa::avx512bw)>> {
    static void expand(const float* b, std::size_t ldb, std::size_t n, std::size_t r, const float* t, float* y) {
        if (r == 16 && ldb == 16) return Avx512LowRank<Arch>::expand16(b, n, t, y);
        low_rank_expand<Arch>(b, ldb, n, r, t, y);
    }
};

}  // namespace bitla::inline v0::kernels

#endif  // BITLA_FLAGS_AVX512BW
