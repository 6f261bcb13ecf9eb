// bitla/core/scaled_rows.hpp — quantized operands that travel with their scales: the
// products take a scale inside its operand, never as a separate argument.
//
//     Int8Rows{x, scale}     M x K int8 rows, x[m, k] ≈ values(m, k) · scale[m]   (gemm, prepare)
//     Int8Vector{x, scale}   one int8 row, x[k] ≈ values[k] · scale              (gemv)
//     SignRows{bits, scale}  ±1 bit rows, one scale per row (XNOR-Net β, α)     (xnor_gemm, xnor_gemv)
//
// An empty scale span means all ones. The bundles view their data (nothing is copied); the
// quantizers' results convert to them (`Int8Rows{quantize_absmax(x)}` held in a variable,
// `SignRows{quantize_sign(w)}` likewise: a temporary result would leave the view dangling,
// so that conversion does not compile).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "bit_view.hpp"
#include "concepts.hpp"
#include "matrix.hpp"

BITLA_BEGIN_NAMESPACE

/// int8 activation rows with one float scale per row (absmax quantization); empty scale = 1.
struct Int8Rows {
    MatrixView<const std::int8_t> values;
    std::span<const float> scale;

    Int8Rows() = default;
    Int8Rows(MatrixView<const std::int8_t> v, std::span<const float> s = {}) : values(v), scale(s) {}
};

/// One int8 activation row with its scale (the GEMV operand).
struct Int8Vector {
    std::span<const std::int8_t> values;
    float scale = 1.0f;
};

/// ±1 bit rows with one float scale per row; empty scale = 1.
struct SignRows {
    BitView<enc::sign> values;
    std::span<const float> scale;

    SignRows() = default;
    template <sign_bits B>
    SignRows(const B& b, std::span<const float> s = {}) : values(b.view()), scale(s) {}
};

BITLA_END_NAMESPACE
