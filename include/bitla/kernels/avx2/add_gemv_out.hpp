// bitla/kernels/avx2/add_gemv_out.hpp — GEMV's per-row epilogue for AVX2 and the AVX-512
// levels (gemv_out in the contract of kernels/add.hpp): 8 rows of a panel a vector, their
// row terms one 32-byte load each from the panel's terms block (core/add_layout.hpp);
// partial panels through zero-padded copies (for_out_blocks), so a row's result does not
// depend on where its slice starts or ends. d = q_mul·v + qa is formed in double (exact),
// rounded to float once; the row terms use fused multiply-adds. Included by
// kernels/avx2/add.hpp.
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX2

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct Avx2GemvOut {
    static void gemv_out(std::size_t rows, const GemvOutArgs& a, float* y) noexcept {
        const __m256 xs = _mm256_set1_ps(a.xscale);
        if (a.vf != nullptr) {
            for_out_blocks(rows, a, y, [&](const GemvOutArgs& b, float* out) {
                const __m256 t = _mm256_mul_ps(xs, _mm256_loadu_ps(b.vf));
                _mm256_storeu_ps(out, b.bias != nullptr ? _mm256_add_ps(t, _mm256_loadu_ps(b.bias)) : t);
            });
            return;
        }
        const __m256d qm = _mm256_set1_pd(a.q_mul), qa = _mm256_set1_pd(a.qa);
        const __m256 fx = _mm256_set1_ps(a.fx);
        with_out_terms(a, [&]<bool Rs, bool Rz, bool Bias>() {
            for_out_blocks(rows, a, y, [&](const GemvOutArgs& b, float* out) __attribute__((always_inline)) {
                const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.vi));
                const __m256d lo = _mm256_fmadd_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(v)), qm, qa);
                const __m256d hi = _mm256_fmadd_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(v, 1)), qm, qa);
                const __m256 d = _mm256_set_m128(_mm256_cvtpd_ps(hi), _mm256_cvtpd_ps(lo));
                __m256 t = d;
                if constexpr (Rs) t = _mm256_mul_ps(_mm256_loadu_ps(reinterpret_cast<const float*>(b.terms)), d);
                if constexpr (Rz) t = _mm256_fmadd_ps(_mm256_loadu_ps(reinterpret_cast<const float*>(b.terms + 32)), fx, t);
                t = _mm256_mul_ps(xs, t);
                if constexpr (Bias) t = _mm256_add_ps(t, _mm256_loadu_ps(b.bias));
                _mm256_storeu_ps(out, t);
            });
        });
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX2
