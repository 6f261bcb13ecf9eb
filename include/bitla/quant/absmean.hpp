// bitla/quant/absmean.hpp — BitNet b1.58 ternarisation: W ≈ γ · T, T in {-1, 0, +1}.
//
//     auto t = bitla::quantize_absmean(w);             // TernaryPacked<enc::planes> by default
//     t.values  T = clamp(round(W / γ), -1, 1)         round half to even, as torch.round
//     t.scale   γ = max(mean |W|, 1e-5) over the whole matrix (BitNet's weight_quant)
//
// As in the reference code the division is a multiplication by 1/γ in float32.
// Errors (bitla::error, before any output exists): NaN/Inf in W, an empty W.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "../core/matrix.hpp"
#include "../core/ternary_packed.hpp"

BITLA_BEGIN_NAMESPACE

template <ternary_layout L = enc::planes>
struct AbsmeanQuantized {
    TernaryPacked<L> values;  ///< N x K ternary
    float scale = 0;          ///< the one scale γ

    /// γ · T, N x K.
    [[nodiscard]] Matrix<float> dequantize() const {
        Matrix<float> out = values.template unpack<float>();
        for (auto& x : out.flat()) x *= scale;
        return out;
    }
};

template <ternary_layout L = enc::planes, dense_matrix M>
[[nodiscard]] AbsmeanQuantized<L> quantize_absmean(const M& w_in) {
    const auto w = const_view(w_in);
    detail::check_quant_input(w, "w");
    double sum = 0;
    for (std::size_t r = 0; r < w.rows; ++r)
        for (std::size_t c = 0; c < w.cols; ++c) sum += std::abs(static_cast<double>(w(r, c)));
    const float gamma = std::max(static_cast<float>(sum / static_cast<double>(w.rows * w.cols)), 1e-5f);
    const float inv = 1.0f / gamma;
    AbsmeanQuantized<L> out{TernaryPacked<L>(w.rows, w.cols), gamma};
    for (std::size_t r = 0; r < w.rows; ++r)
        for (std::size_t c = 0; c < w.cols; ++c) {
            const float v = std::clamp(std::nearbyint(static_cast<float>(w(r, c)) * inv), -1.0f, 1.0f);
            if (v != 0) out.values.set(r, c, static_cast<int>(v));
        }
    return out;
}

BITLA_END_NAMESPACE
