// bitla/quant/sign.hpp — XNOR-Net binarisation: W (N x K) ≈ diag(α) · sign(W).
//
//     auto b = bitla::quantize_sign(w);
//     b.values  BitPacked<enc::sign>, +1 where w >= 0 (sign(0) = +1), -1 where w < 0
//     b.scale   Matrix<float> N x 1, α_n = mean_k |w_nk| — the scale that minimises
//               ||w_n - α·sign(w_n)||₂ for fixed signs (Rastegari et al. 2016)
//
// Errors (bitla::error, before any output exists): NaN/Inf in W, an empty W.
#pragma once

#include <cmath>
#include <cstddef>

#include "../core/bit_packed.hpp"
#include "../core/matrix.hpp"
#include "../core/scaled_rows.hpp"

BITLA_BEGIN_NAMESPACE

struct SignQuantized {
    BitPacked<enc::sign> values;  ///< N x K signs
    Matrix<float> scale;          ///< N x 1 per-row scales α

    /// The operand the XNOR products take (a view: the result must outlive it).
    operator SignRows() const& { return {values, scale.flat()}; }
    operator SignRows() const&& = delete;

    /// α_n · sign(w_nk), N x K.
    [[nodiscard]] Matrix<float> dequantize() const {
        Matrix<float> out(values.rows(), values.cols());
        const auto v = values.view();
        for (std::size_t r = 0; r < values.rows(); ++r)
            for (std::size_t c = 0; c < values.cols(); ++c) out(r, c) = scale(r, 0) * static_cast<float>(v(r, c));
        return out;
    }
};

template <dense_matrix M>
[[nodiscard]] SignQuantized quantize_sign(const M& w_in) {
    const auto w = const_view(w_in);
    detail::check_quant_input(w, "w");
    SignQuantized out{pack_sign(w), Matrix<float>(w.rows, 1)};
    for (std::size_t r = 0; r < w.rows; ++r) {
        double sum = 0;
        for (std::size_t c = 0; c < w.cols; ++c) sum += std::abs(static_cast<double>(w(r, c)));
        out.scale(r, 0) = static_cast<float>(sum / static_cast<double>(w.cols));
    }
    return out;
}

BITLA_END_NAMESPACE
