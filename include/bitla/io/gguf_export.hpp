// bitla/io/gguf_export.hpp — bitla's quantized matrices as GGUF tensors (`to_gguf`), ready
// for write_gguf.
//
//     auto q = bitla::quantize_absmean(w);
//     auto t = bitla::to_gguf("blk.0.ffn_up.weight", bitla::GgufType::tq2_0, q);
//     std::vector<bitla::GgufTensor> ts = {t.view()};      // t must outlive ts
//     bitla::write_gguf("layer.gguf", ts);
//
//   source                              formats                         scale written
//   AbsmeanQuantized (γ per tensor)     TQ1_0, TQ2_0, Q2_0, I2_S        d = fp16(γ) per block; I2_S: γ (float32)
//   SignQuantized (α per row)           Q1_0, TQ1_0, TQ2_0, Q2_0        d = fp16(α_n) per block
//   GroupScaled<V> (G a multiple of     TQ1_0, TQ2_0, Q1_0, Q2_0        d = fp16(scale) per block
//     the block)                        (as the values allow)
//   HqqQuantized, zero = 1, axis 1      Q2_0 (and others, codes <= 2)   d = fp16(scale) per block
//   MatrixView<const float>             F32, F16, BF16                  —
//
// Values are written exactly; the scales are rounded to fp16 (nearest even) where the
// format stores fp16, so importing an export gives the same values and, when the scales
// were fp16 already (an import's are), the same scales: the bytes round-trip exactly.
// Errors (bitla::error, nothing returned): K not a multiple of the format's block
// (argument "values"); a value the format cannot hold — zero in Q1_0, above +1 in a ternary
// format — naming the element ("values"); a scale that is not finite or beyond fp16
// ("scale"); an HQQ zero point other than 1, or groups along the other axis ("zero", "q");
// a format the source cannot go to ("type").
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gguf_import.hpp"
#include "gguf_writer.hpp"

BITLA_BEGIN_NAMESPACE
namespace detail {

[[nodiscard]] inline std::uint16_t fp16_scale(float s, std::size_t r, std::size_t c) {
    const std::uint16_t h = float_to_half(s);
    require(std::isfinite(s) && (h & 0x7c00u) != 0x7c00u, "scale", "the scale of row ", r, ", column ", c, " is ", s,
            ": not a finite fp16 value (|d| <= 65504)");
    return h;
}

/// rows x cols values in block format `type`: value(r, c) an int, scale(r, c) the scale of
/// the block holding (r, c) (asked at each block's first value).
template <class Value, class Scale>
[[nodiscard]] GgufTensorData encode_blocks(std::string name, GgufType type, std::size_t rows, std::size_t cols,
                                           Value value, Scale scale) {
    GgufTensorData out{std::move(name), type, {cols, rows}, {}};
    const bool known = gguf_codec::visit(type, [&](auto codec) {
        using C = decltype(codec);
        require(cols % C::values == 0, "values", "K = ", cols, " is not a multiple of ", bitla::name(type),
                "'s block of ", C::values);
        const std::size_t blocks = rows * cols / C::values;
        std::size_t tail = 0;
        if constexpr (std::is_same_v<C, gguf_codec::I2_S>) tail = C::tail;
        out.bytes.resize(blocks * C::bytes + tail);
        int v[256];
        for (std::size_t b = 0; b < blocks; ++b) {
            const std::size_t r = b * C::values / cols, c0 = b * C::values % cols;
            for (std::size_t j = 0; j < C::values; ++j) {
                v[j] = value(r, c0 + j);
                const bool zero_ok = type != GgufType::q1_0;
                require(v[j] >= C::min_value && v[j] <= C::max_value && (zero_ok || v[j] != 0), "values", "values(", r,
                        ", ", c0 + j, ") = ", v[j], " is outside what ", bitla::name(type), " holds (",
                        zero_ok ? "" : "non-zero ", C::min_value, " .. ", C::max_value, ")");
            }
            std::byte* dst = out.bytes.data() + b * C::bytes;
            if constexpr (std::is_same_v<C, gguf_codec::I2_S>) C::encode(v, dst);
            else C::encode(v, fp16_scale(scale(r, c0), r, c0), dst);
        }
        if constexpr (std::is_same_v<C, gguf_codec::I2_S>) {
            const float s = scale(0, 0);
            require(std::isfinite(s), "scale", "the I2_S tensor scale is ", s);
            store_le(out.bytes.data() + blocks * C::bytes, s);
        }
    });
    require(known, "type", bitla::name(type), " is not a block format bitla writes from quantized values");
    return out;
}

/// Per-group scales fit a block format whose blocks each lie in one group (I2_S has one
/// scale per tensor).
inline void check_groups(GgufType type, std::size_t group_size) {
    require(type != GgufType::i2_s, "type", "I2_S has one scale per tensor, not per group");
    const std::size_t block = info(type).block;
    require(block != 0 && group_size % block == 0, "type", bitla::name(type), "'s blocks of ", block,
            " values do not each lie in one group of ", group_size);
}

}  // namespace detail

/// BitNet ternary values with their one scale γ.
template <ternary_layout L>
[[nodiscard]] GgufTensorData to_gguf(std::string name, GgufType type, const AbsmeanQuantized<L>& q) {
    const auto v = q.values.view();
    return detail::encode_blocks(std::move(name), type, v.rows, v.cols, v,
                                 [&](std::size_t, std::size_t) { return q.scale; });
}

/// I2_S needs one scale per tensor: GroupScaled and per-row sources go to the block formats.
template <class V>
[[nodiscard]] GgufTensorData to_gguf(std::string name, GgufType type, const GroupScaled<V>& w) {
    detail::check_groups(type, w.group_size);
    const auto v = w.values.view();
    return detail::encode_blocks(std::move(name), type, v.rows, v.cols, v,
                                 [&](std::size_t r, std::size_t c) { return w.scale(r, c / w.group_size); });
}

/// XNOR-Net signs with their per-row α.
[[nodiscard]] inline GgufTensorData to_gguf(std::string name, GgufType type, const SignQuantized& q) {
    detail::require(type != GgufType::i2_s, "type", "I2_S has one scale per tensor, not per row");
    const auto v = q.values.view();
    return detail::encode_blocks(std::move(name), type, v.rows, v.cols, v,
                                 [&](std::size_t r, std::size_t) { return q.scale(r, 0); });
}

/// HQQ codes whose zero point is 1 everywhere (Q2_0's (q - 1)·d), groups along K.
[[nodiscard]] inline GgufTensorData to_gguf(std::string name, GgufType type, const HqqQuantized& q) {
    detail::require(q.axis == 1, "q", "q.axis = ", q.axis, ": GGUF blocks run along K (HqqOptions::axis = 1)");
    for (std::size_t i = 0; i < q.zero.flat().size(); ++i)
        detail::require(q.zero.flat()[i] == 1.0f, "zero", "zero point ", i, " is ", q.zero.flat()[i],
                        ": GGUF's Q2_0 holds (q - 1)·d, zero point 1");
    detail::check_groups(type, q.group_size);
    const auto v = q.values.view();
    return detail::encode_blocks(
        std::move(name), type, v.rows, v.cols, [&](std::size_t r, std::size_t c) { return v(r, c) - 1; },
        [&](std::size_t r, std::size_t c) { return q.scale(r, c / q.group_size); });
}

/// Float values as F32, F16 or BF16 (rounded to nearest even; a finite value beyond F16's
/// range is an error, not infinity).
[[nodiscard]] inline GgufTensorData to_gguf(std::string name, GgufType type, MatrixView<const float> m) {
    const std::size_t bytes = type == GgufType::f32 ? 4 : 2;
    detail::require(type == GgufType::f32 || type == GgufType::f16 || type == GgufType::bf16, "type",
                    bitla::name(type), " is not a float format (F32, F16, BF16)");
    GgufTensorData out{std::move(name), type, {m.cols, m.rows}, std::vector<std::byte>(m.rows * m.cols * bytes)};
    std::byte* p = out.bytes.data();
    for (std::size_t r = 0; r < m.rows; ++r)
        for (std::size_t c = 0; c < m.cols; ++c, p += bytes) {
            const float x = m(r, c);
            if (type == GgufType::f32) detail::store_le(p, x);
            else if (type == GgufType::bf16) detail::store_le(p, detail::float_to_bf16(x));
            else {
                const std::uint16_t h = detail::float_to_half(x);
                detail::require(!std::isfinite(x) || (h & 0x7c00u) != 0x7c00u, "values", "values(", r, ", ", c,
                                ") = ", x, " is beyond F16's range (|x| <= 65504)");
                detail::store_le(p, h);
            }
        }
    return out;
}

BITLA_END_NAMESPACE
