// bitla/kernels/low_rank.hpp — `LowRankKernels`: the float kernels of the low-rank
// epilogue y += (x·Aᵀ)·Bᵀ (expr/compiled.hpp), one set per ISA.
//
//   project(x, k, a, lda, rows, t)    t[r] = Σ_k x[k]·a[r·lda + k]        for r < rows
//   expand(b, ldb, n, r, t, y)        y[i] += Σ_j t[j]·b[i·ldb + j]       for i < n
//
// Written once over xsimd::batch<float, Arch::simd>, so every ISA with vectors (AVX2 and
// up, NEON) runs them at its own width; the generic unit keeps plain loops. project runs four independent FMA chains per row of A; expand at rank 16 with
// packed rows (ldb = 16) sums `size` rows at once and reduces them with one transposing
// tree (xsimd::haddp) instead of a horizontal sum per row, which was a visible part of the
// fused GEMV (docs/performance.md). A tail of fewer rows is padded with zero rows, so a
// row's result never depends on where its range starts (thread counts never change it);
// results differ between ISAs only in float summation order. The AVX-512 levels keep their
// own rank-16 expand (kernels/avx512bw/low_rank.hpp): xsimd 8.1's haddp for avx512f returns
// rows 2-5 and 10-13 in the wrong lanes.
#pragma once

#include <cstddef>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "select.hpp"

BITLA_BEGIN_NAMESPACE

struct LowRankKernels {
    void (*project)(const float* x, std::size_t k, const float* a, std::size_t lda, std::size_t rows, float* t) = nullptr;
    void (*expand)(const float* b, std::size_t ldb, std::size_t n, std::size_t r, const float* t, float* y) = nullptr;

    template <class Arch>
    static LowRankKernels make() noexcept;
};

namespace kernels {

/// Floats per vector of an xsimd architecture (1: no vectors).
template <class S>
constexpr std::size_t float_lanes() noexcept {
    if constexpr (std::is_void_v<S>) return 1;
    else return xsimd::batch<float, S>::size;
}

template <class Arch>
void low_rank_project(const float* x, std::size_t k, const float* a, std::size_t lda, std::size_t rows, float* t) {
    using S = typename Arch::simd;
    for (std::size_t r = 0; r < rows; ++r) {
        const float* ar = a + r * lda;
        float s = 0;
        std::size_t i = 0;
        // A streams from DRAM once per call: fetch 8 KiB ahead (docs/performance.md,
        // "Prefetch"; past the row's end it fetches the next row).
        const auto prefetch = [&](std::size_t step) {
            for (std::size_t q = 0; q < step; q += 16) __builtin_prefetch(ar + i + q + 2048, 0, 3);
        };
        if constexpr (std::is_void_v<S>) {
            // No vectors: 64 independent lanes the compiler may still vectorise.
            constexpr std::size_t lanes = 64;
            float acc[lanes] = {};
            for (; i + lanes <= k; i += lanes) {
                prefetch(lanes);
                for (std::size_t l = 0; l < lanes; ++l) acc[l] += x[i + l] * ar[i + l];
            }
            for (; i < k; ++i) s += x[i] * ar[i];
            for (std::size_t l = 0; l < lanes; ++l) s += acc[l];
        } else {
            using B = xsimd::batch<float, S>;
            constexpr std::size_t w = B::size, step = 4 * w;
            B acc[4] = {B(0.0f), B(0.0f), B(0.0f), B(0.0f)};
            for (; i + step <= k; i += step) {
                prefetch(step);
                for (std::size_t u = 0; u < 4; ++u)
                    acc[u] = xsimd::fma(B::load_unaligned(x + i + u * w), B::load_unaligned(ar + i + u * w), acc[u]);
            }
            s = xsimd::hadd((acc[0] + acc[1]) + (acc[2] + acc[3]));
        }
        for (; i < k; ++i) s += x[i] * ar[i];
        t[r] = s;
    }
}

template <class Arch>
void low_rank_expand(const float* b, std::size_t ldb, std::size_t n, std::size_t r, const float* t, float* y) {
    using S = typename Arch::simd;
    // Vectors of up to 8 floats: xsimd 8.1's 16-lane haddp misplaces rows (see above).
    if constexpr (float_lanes<S>() > 1 && float_lanes<S>() <= 8) {
        using B = xsimd::batch<float, S>;
        constexpr std::size_t w = B::size, per_row = 16 / w;
        if (r == 16 && ldb == 16) {  // the common rank: one row of B is 16 / w vectors
            B tv[per_row];
            for (std::size_t c = 0; c < per_row; ++c) tv[c] = B::load_unaligned(t + c * w);
            for (std::size_t i = 0; i < n; i += w) {
                const std::size_t m = n - i < w ? n - i : w;
                B v[w];
                for (std::size_t j = 0; j < w; ++j) {
                    v[j] = B(0.0f);
                    if (j < m)
                        for (std::size_t c = 0; c < per_row; ++c)
                            v[j] = xsimd::fma(B::load_unaligned(b + (i + j) * 16 + c * w), tv[c], v[j]);
                }
                const B sums = xsimd::haddp(v);
                if (m == w) {
                    (B::load_unaligned(y + i) + sums).store_unaligned(y + i);
                } else {
                    alignas(64) float part[w];
                    sums.store_aligned(part);
                    for (std::size_t j = 0; j < m; ++j) y[i + j] += part[j];
                }
            }
            return;
        }
    }
    for (std::size_t i = 0; i < n; ++i) {
        const float* bi = b + i * ldb;
        float s = 0;
        for (std::size_t j = 0; j < r; ++j) s += t[j] * bi[j];
        y[i] += s;
    }
}

/// The expand each ISA uses: the one above unless a kernels/<isa>/low_rank.hpp has its own.
template <class Arch>
void expand_for(arch::generic, pick, const float* b, std::size_t ldb, std::size_t n, std::size_t r, const float* t,
                float* y) {
    low_rank_expand<Arch>(b, ldb, n, r, t, y);
}
template <class Arch>
void expand(const float* b, std::size_t ldb, std::size_t n, std::size_t r, const float* t, float* y) {
    expand_for<Arch>(Arch{}, pick{}, b, ldb, n, r, t, y);
}

}  // namespace kernels

BITLA_END_NAMESPACE

#include "avx512bw/low_rank.hpp"

BITLA_BEGIN_NAMESPACE

template <class Arch>
LowRankKernels LowRankKernels::make() noexcept {
    return {&kernels::low_rank_project<Arch>, &kernels::expand<Arch>};
}

BITLA_END_NAMESPACE
