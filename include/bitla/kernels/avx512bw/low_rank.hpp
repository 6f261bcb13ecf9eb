// bitla/kernels/avx512bw/low_rank.hpp — the AVX-512 low-rank expand (kernels/low_rank.hpp)
// for rank 16 with packed rows (ldb = 16, one row of B is one vector): 16 rows at a time,
// each multiplied by t, and the 16 products summed across their lanes by one transposing
// tree (Avx512Reduce::hsum16_ps, 47 ops for 16 rows instead of a horizontal sum per row,
// which was a visible part of the fused GEMV: docs/performance.md). Every row is reduced by
// the same tree, and a tail of fewer than 16 rows is masked, not done another way: a row's result does not
// depend on where its range starts (thread counts never change it). Other ranks and
// strides use the generic loop. Intrinsics only (no xsimd calls: out-of-line xsimd
// functions would be shared, with different flags, by the AVX-512 units).
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX512BW

#include "intrinsics.hpp"

#include <cstddef>

#include "reduce.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct Avx512LowRank {
    using R = Avx512Reduce<Arch>;

    /// y[i] += Σ_j t[j]·b[16 i + j] for i < n.
    static void expand16(const float* b, std::size_t n, const float* t, float* y) noexcept {
        const __m512 tv = _mm512_loadu_ps(t);
        __m512 v[16];
        std::size_t i = 0;
        for (; i + 16 <= n; i += 16) {
            for (std::size_t j = 0; j < 16; ++j) v[j] = _mm512_mul_ps(_mm512_loadu_ps(b + (i + j) * 16), tv);
            _mm512_storeu_ps(y + i, _mm512_add_ps(_mm512_loadu_ps(y + i), R::hsum16_ps(v)));
        }
        if (i == n) return;
        const std::size_t m = n - i;
        for (std::size_t j = 0; j < 16; ++j)
            v[j] = j < m ? _mm512_mul_ps(_mm512_loadu_ps(b + (i + j) * 16), tv) : _mm512_setzero_ps();
        const auto km = static_cast<__mmask16>((1u << m) - 1u);
        _mm512_mask_storeu_ps(y + i, km, _mm512_add_ps(_mm512_maskz_loadu_ps(km, y + i), R::hsum16_ps(v)));
    }
};

template <class Arch>
void expand_for(arch::avx512bw, pick, const float* b, std::size_t ldb, std::size_t n, std::size_t r, const float* t,
                float* y) {
    if (r == 16 && ldb == 16) return Avx512LowRank<Arch>::expand16(b, n, t, y);
    low_rank_expand<Arch>(b, ldb, n, r, t, y);
}

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX512BW
