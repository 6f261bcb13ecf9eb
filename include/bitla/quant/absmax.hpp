// bitla/quant/absmax.hpp — per-row (per-token) absmax int8 activations: X ≈ diag(scale) · Q.
//
//     auto a = bitla::quantize_absmax(x);
//     a.values  Matrix<int8_t> M x K, q = round(x · 127 / max_k |x_mk|) in [-127, 127]
//     a.scale   Matrix<float> M x 1, scale_m = max_k |x_mk| / 127, so x ≈ q · scale
//
// This is BitNet's activation_quant (max clamped below at 1e-5, so an all-zero row gives
// zeros). The codes stay in [-127, 127]: -128 never occurs, so q and -q are both int8.
// Errors (bitla::error, before any output exists): NaN/Inf in X, an empty X.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "../core/matrix.hpp"
#include "../core/scaled_rows.hpp"

BITLA_BEGIN_NAMESPACE

struct Int8Quantized {
    Matrix<std::int8_t> values;  ///< M x K codes
    Matrix<float> scale;         ///< M x 1, x ≈ values · scale

    /// The operand the products take (a view: the result must outlive it).
    operator Int8Rows() const& { return {values.view(), scale.flat()}; }
    operator Int8Rows() const&& = delete;

    [[nodiscard]] Matrix<float> dequantize() const {
        Matrix<float> out(values.rows(), values.cols());
        for (std::size_t r = 0; r < values.rows(); ++r)
            for (std::size_t c = 0; c < values.cols(); ++c) out(r, c) = values(r, c) * scale(r, 0);
        return out;
    }
};

template <dense_matrix M>
[[nodiscard]] Int8Quantized quantize_absmax(const M& x_in) {
    const auto x = const_view(x_in);
    detail::check_quant_input(x, "x");
    Int8Quantized out{Matrix<std::int8_t>(x.rows, x.cols), Matrix<float>(x.rows, 1)};
    for (std::size_t r = 0; r < x.rows; ++r) {
        float mx = 0;
        for (std::size_t c = 0; c < x.cols; ++c) mx = std::max(mx, std::abs(static_cast<float>(x(r, c))));
        mx = std::max(mx, 1e-5f);
        const float mul = 127.0f / mx;
        for (std::size_t c = 0; c < x.cols; ++c)
            out.values(r, c) = static_cast<std::int8_t>(
                std::clamp(std::nearbyint(static_cast<float>(x(r, c)) * mul), -127.0f, 127.0f));
        out.scale(r, 0) = mx / 127.0f;
    }
    return out;
}

BITLA_END_NAMESPACE
