// bitla/quant/hqq_quantized.hpp — `HqqQuantized`, what quantize_hqq returns (quant/hqq.hpp):
// n-bit codes with a scale and a zero per group, W ≈ (values - zero) · scale. Its own header
// so the products (gemm/add_weights.hpp) take it without the quantizer's code.
#pragma once

#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

#include "../core/bit_planes.hpp"
#include "../core/matrix.hpp"

BITLA_BEGIN_NAMESPACE

struct HqqQuantized {
    BitPlanes values;     ///< N x K codes in [0, max_level()]
    Matrix<float> scale;  ///< per group: N x (K/G) (axis 1) or 1 x (N·K/G) (axis 0)
    Matrix<float> zero;   ///< same shape as scale
    float nbits = 0;
    std::size_t group_size = 0;
    int axis = 1;
    /// faithful mode: mean |W - Wr| of each optimizer iteration, in order (the last one is
    /// the iteration that stopped, when early stopping stopped it). Empty otherwise.
    std::vector<float> errors;

    [[nodiscard]] int max_level() const noexcept { return static_cast<int>(std::lround(std::exp2(nbits) - 1)); }
    [[nodiscard]] std::size_t rows() const noexcept { return values.rows(); }
    [[nodiscard]] std::size_t cols() const noexcept { return values.cols(); }
    [[nodiscard]] std::size_t groups() const noexcept { return rows() * cols() / group_size; }
    /// The group of element (r, c): its row and column in `scale` and `zero`.
    [[nodiscard]] std::pair<std::size_t, std::size_t> group_of(std::size_t r, std::size_t c) const noexcept {
        if (axis == 1) return {r, c / group_size};
        return {0, (r * cols() + c) % groups()};
    }
    /// (Wq - zero) · scale, N x K.
    [[nodiscard]] Matrix<float> dequantize() const {
        Matrix<float> out(rows(), cols());
        const auto v = values.view();
        for (std::size_t r = 0; r < rows(); ++r)
            for (std::size_t c = 0; c < cols(); ++c) {
                const auto [gr, gc] = group_of(r, c);
                out(r, c) = (static_cast<float>(v(r, c)) - zero(gr, gc)) * scale(gr, gc);
            }
        return out;
    }
};

BITLA_END_NAMESPACE
