// bitla/kernels/low_rank.hpp — `LowRankKernels`: the float kernels of the low-rank
// epilogue y += (x·Aᵀ)·Bᵀ (expr/compiled.hpp), one set per ISA.
//
//   project(x, k, a, lda, rows, t)    t[r] = Σ_k x[k]·a[r·lda + k]        for r < rows
//   expand(b, ldb, n, r, t, y)        y[i] += Σ_j t[j]·b[i·ldb + j]       for i < n
//
// Both are written once, with 64 (project) or 16 (expand) independent accumulator lanes, and compiled in every
// ISA's unit with that ISA's flags (the compiler vectorises them at its vector width);
// the AVX-512 levels replace expand at rank 16 (kernels/avx512bw/low_rank.hpp: 16 rows
// summed at once, not one horizontal sum per row). Results differ between ISAs only in
// float summation order, and never with the range a row is computed in.
#pragma once

#include <cstddef>
#include <type_traits>

#include "select.hpp"

BITLA_BEGIN_NAMESPACE

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
        for (; i + lanes <= k; i += lanes) {
            // A streams from DRAM once per call: fetch 8 KiB ahead (docs/performance.md,
            // "Prefetch"; past the row's end it fetches the next row).
            for (std::size_t q = 0; q < lanes; q += 16) __builtin_prefetch(ar + i + q + 2048, 0, 3);
            for (std::size_t l = 0; l < lanes; ++l) acc[l] += x[i + l] * ar[i + l];
        }
        float s = 0;
        for (; i < k; ++i) s += x[i] * ar[i];
        for (std::size_t l = 0; l < lanes; ++l) s += acc[l];
        t[r] = s;
    }
}

template <class Arch>
void low_rank_expand(const float* b, std::size_t ldb, std::size_t n, std::size_t r, const float* t, float* y) {
    constexpr std::size_t lanes = 16;
    if (r == 16 && ldb == 16) {  // the common rank: one row of B is one vector
        for (std::size_t i = 0; i < n; ++i) {
            float acc[lanes];
            for (std::size_t l = 0; l < lanes; ++l) acc[l] = t[l] * b[i * 16 + l];
            float s = 0;
            for (std::size_t l = 0; l < lanes; ++l) s += acc[l];
            y[i] += s;
        }
        return;
    }
    for (std::size_t i = 0; i < n; ++i) {
        const float* bi = b + i * ldb;
        float s = 0;
        for (std::size_t j = 0; j < r; ++j) s += t[j] * bi[j];
        y[i] += s;
    }
}

/// The expand each ISA uses: the loop above unless a kernels/<isa>/low_rank.hpp has its own.
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
