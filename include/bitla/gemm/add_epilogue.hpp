// bitla/gemm/add_epilogue.hpp — the GEMV driver's per-row epilogue (gemm/add.hpp,
// AddDriver::run_gemv): one slice of rows kernel sums turned into float outputs.
//
// Each present term (row scale, zero term, bias) is a template flag, so every loop is
// branch-free and vectorises. The earlier single loop with `bias ? bias[j] : 0` selects
// cost 4 cycles a row at baseline flags and 16 with AVX-512 (GCC made the selects masked
// loads from the null pointer, a microcode assist per vector): a fifth of a DRAM-bound GEMV.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bitla::inline v0::detail {

/// Grouped rows (the kernel applied the group scales and zeros): y = xscale·v + bias.
inline void gemv_epilogue(std::size_t rows, const float* v, const float* bias, float xscale, float* y) noexcept {
    if (bias != nullptr)
        for (std::size_t j = 0; j < rows; ++j) y[j] = xscale * v[j] + bias[j];
    else
        for (std::size_t j = 0; j < rows; ++j) y[j] = xscale * v[j];
}

template <bool Rs, bool Rz, bool Bias>
void gemv_epilogue_terms(std::size_t rows, const std::int32_t* v, const float* rs, const float* rz, const float* bias,
                         double q_mul, double qa, float fx, float xscale, float* y) noexcept {
    for (std::size_t j = 0; j < rows; ++j) {
        // d = q_mul·v + q_add·Σx is exact in double (|d| < 2^53): one rounding to float, as
        // int64 -> float would give, and it vectorises at baseline SSE2.
        const float d = static_cast<float>(q_mul * static_cast<double>(v[j]) + qa);
        float t = d;
        if constexpr (Rs) t = rs[j] * d;
        if constexpr (Rz) t = t + rz[j] * fx;
        t = xscale * t;
        if constexpr (Bias) t = t + bias[j];
        y[j] = t;
    }
}

/// Ungrouped rows: y = xscale·(rs·d + rz·fx) + bias with d = q_mul·v + qa (rs, rz, bias:
/// nullptr when absent).
inline void gemv_epilogue(std::size_t rows, const std::int32_t* v, const float* rs, const float* rz,
                          const float* bias, double q_mul, double qa, float fx, float xscale, float* y) noexcept {
    using Fn = void (*)(std::size_t, const std::int32_t*, const float*, const float*, const float*, double, double,
                        float, float, float*) noexcept;
    static constexpr Fn by_terms[8] = {
        &gemv_epilogue_terms<false, false, false>, &gemv_epilogue_terms<false, false, true>,
        &gemv_epilogue_terms<false, true, false>,  &gemv_epilogue_terms<false, true, true>,
        &gemv_epilogue_terms<true, false, false>,  &gemv_epilogue_terms<true, false, true>,
        &gemv_epilogue_terms<true, true, false>,   &gemv_epilogue_terms<true, true, true>,
    };
    const int which = (rs != nullptr ? 4 : 0) | (rz != nullptr ? 2 : 0) | (bias != nullptr ? 1 : 0);
    by_terms[which](rows, v, rs, rz, bias, q_mul, qa, fx, xscale, y);
}

}  // namespace bitla::inline v0::detail
