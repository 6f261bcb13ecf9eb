// bitla/kernels/low_rank.hpp — `LowRankKernels`: the float kernels of the low-rank
// epilogue y += (x·Aᵀ)·Bᵀ (expr/compiled.hpp), one set per ISA.
//
//   project(x, k, a, lda, rows, t)    t[r] = Σ_k x[k]·a[r·lda + k]        for r < rows
//   expand(b, ldb, n, r, t, y)        y[i] += Σ_j t[j]·b[i·ldb + j]       for i < n
//
// project is written once with 64 independent accumulator lanes and compiled in every ISA's
// unit with that ISA's flags (the compiler vectorises it at its vector width); expand has an
// xsimd path for the common rank 16 (one vector per row of B, W rows reduced together) and
// a plain loop for the rest. Results differ between ISAs only in float summation order.
#pragma once

#include <array>
#include <cstddef>

#include "../arch/table.hpp"

namespace bitla::inline v0 {

struct LowRankKernels {
    void (*project)(const float* x, std::size_t k, const float* a, std::size_t lda, std::size_t rows, float* t) = nullptr;
    void (*expand)(const float* b, std::size_t ldb, std::size_t n, std::size_t r, const float* t, float* y) = nullptr;

    template <class Arch>
    static LowRankKernels make() noexcept;
};

namespace kernels {

template <class Arch>
void low_rank_project(const float* x, std::size_t k, const float* a, std::size_t lda, std::size_t rows, float* t) {
    // 64 lanes: four independent 512-bit FMA chains per row (one would wait on its latency).
    constexpr std::size_t lanes = 64;
    for (std::size_t r = 0; r < rows; ++r) {
        const float* ar = a + r * lda;
        float acc[lanes] = {};
        std::size_t i = 0;
        for (; i + lanes <= k; i += lanes)
            for (std::size_t l = 0; l < lanes; ++l) acc[l] += x[i + l] * ar[i + l];
        float s = 0;
        for (; i < k; ++i) s += x[i] * ar[i];
        for (std::size_t l = 0; l < lanes; ++l) s += acc[l];
        t[r] = s;
    }
}

// GCC 12 at -O3 flags the _mm512_undefined_ps inside xsimd's AVX-512 haddp shuffles as
// maybe-uninitialized (every lane it leaves undefined is overwritten).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
template <class Arch>
void low_rank_expand(const float* b, std::size_t ldb, std::size_t n, std::size_t r, const float* t, float* y) {
    std::size_t i = 0;
    if constexpr (requires { typename Arch::simd; }) {
        // The common rank, r = ldb = 16: a row of B is 16 / W vectors. W rows at a time,
        // each row's products in one vector, then one transposing reduction (xsimd::haddp)
        // gives the W dot products as one vector: no horizontal sum per row.
        using V = xsimd::batch<float, typename Arch::simd>;
        constexpr std::size_t W = V::size;
        if (r == 16 && ldb == 16) {
            // xsimd 8.1's AVX-512 haddp returns the sums in the order 0 1 4 5 2 3 6 7 8 9 12
            // 13 10 11 14 15 (its AVX2 one in order): the order is probed once with one-hot
            // rows, and row l's products are fed where its sum comes out at lane l.
            static const std::array<std::size_t, W> source = [] {
                std::array<std::size_t, V::size> src{};
                alignas(64) float lanes[V::size] = {};
                V probe[V::size];
                for (std::size_t l = 0; l < V::size; ++l) {
                    lanes[0] = static_cast<float>(l);
                    probe[l] = V::load_unaligned(lanes);
                }
                xsimd::haddp(probe).store_unaligned(lanes);
                for (std::size_t p = 0; p < V::size; ++p) src[p] = static_cast<std::size_t>(lanes[p]);
                return src;
            }();
            V tv[16 / W];
            for (std::size_t q = 0; q < 16 / W; ++q) tv[q] = V::load_unaligned(t + q * W);
            for (; i + W <= n; i += W) {
                V rows[W];
                for (std::size_t l = 0; l < W; ++l) {
                    const float* bi = b + (i + l) * 16;
                    V acc = V::load_unaligned(bi) * tv[0];
                    for (std::size_t q = 1; q < 16 / W; ++q) acc = xsimd::fma(V::load_unaligned(bi + q * W), tv[q], acc);
                    rows[source[l]] = acc;
                }
                (V::load_unaligned(y + i) + xsimd::haddp(rows)).store_unaligned(y + i);
            }
        }
    }
    for (; i < n; ++i) {
        const float* bi = b + i * ldb;
        float s = 0;
        for (std::size_t j = 0; j < r; ++j) s += t[j] * bi[j];
        y[i] += s;
    }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
}  // namespace kernels

template <class Arch>
LowRankKernels LowRankKernels::make() noexcept {
    return {&kernels::low_rank_project<Arch>, &kernels::low_rank_expand<Arch>};
}

}  // namespace bitla::inline v0
