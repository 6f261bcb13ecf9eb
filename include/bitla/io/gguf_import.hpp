// bitla/io/gguf_import.hpp — GGUF tensors into the bitla types that hold them exactly, and
// onto the add-only products (pack_add) with the scales the file gives.
//
//   file type      import                          bitla result                        pack_add scales
//   TQ2_0          import_ternary<L = code2>(t)    GroupScaled<TernaryPacked<L>>, G 256  per group (fp16 d)
//   TQ1_0          import_ternary<enc::base3>(t)   GroupScaled<TernaryPacked<base3>>     per group (fp16 d)
//   I2_S           import_i2_s<L = code2>(t)       AbsmeanQuantized<L> {values, γ}       per tensor (float32)
//   Q1_0           import_q1_0(t)                  GroupScaled<BitPacked<sign>>, G 128   per group: 2d, -d
//   Q2_0           import_q2_0(t)                  HqqQuantized {codes, d, zero 1}, G 64 hqq: d, -d
//
// Every layout holds the values exactly (any ternary layout serves TQ1_0 and TQ2_0; base3
// keeps TQ1_0's 1.6 bits). The scales are the file's own (fp16 d is exact in the packed
// fp16 metadata), so `pack_add(import_...(t))` runs with results equal to the file's
// dequantization: in integers, exactly d · (x · values) per block, summed over blocks. One
// exception: Q1_0 packs as sign bits whose stored group scale is 2d (w = 2q - 1), which fp16
// cannot hold for |d| > 32752; pack_add rejects such a block (argument "scale").
// Errors (bitla::error, argument = the tensor's file): a type the call does not take, a tensor
// without values, what dequantize rejects (gguf_decode.hpp), and a TQ2_0 code 3: ggml (and
// dequantize) decode it as 2·d, which no ternary layout holds.
#pragma once

#include <cstddef>
#include <utility>

#include "../gemm/add_weights.hpp"
#include "gguf_decode.hpp"

BITLA_BEGIN_NAMESPACE

/// Values with one scale per group of `group_size` consecutive values of a row:
/// W[n, k] = values[n, k] · scale[n, k / group_size]. The result of importing TQ1_0, TQ2_0
/// (groups of 256) and Q1_0 (128).
template <class V>
struct GroupScaled {
    V values;                    ///< N x K
    Matrix<float> scale;         ///< N x K/G
    std::size_t group_size = 0;  ///< G

    [[nodiscard]] Matrix<float> dequantize() const {
        Matrix<float> out = values.template unpack<float>();
        for (std::size_t r = 0; r < out.rows(); ++r)
            for (std::size_t c = 0; c < out.cols(); ++c) out(r, c) *= scale(r, c / group_size);
        return out;
    }
    /// The scales as pack_add takes them (a view: the result must outlive it).
    [[nodiscard]] WeightScales scales() const& { return WeightScales::per_group(scale.view(), group_size); }
    WeightScales scales() const&& = delete;
};

template <class V>
[[nodiscard]] AddWeights pack_add(const GroupScaled<V>& w) {
    return pack_add(w.values, w.scales());
}

namespace detail {

inline void require_type(const GgufTensor& t, bool ok, const char* call, const char* takes) {
    require(ok, t.file, "tensor '", t.name, "' is ", name(t.type), ": ", call, " takes ", takes);
}

/// N x K/G: the scale of each group of G values (G a multiple of the block).
template <class C>
[[nodiscard]] Matrix<float> group_scales(const Blocks<C>& b, std::size_t g) {
    const std::size_t rows = b.t.rows(), groups = b.t.cols() / g;
    Matrix<float> s(rows, groups);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t j = 0; j < groups; ++j) s(r, j) = b.scale_at(r, j * g);
    return s;
}

/// The values as ternary; a TQ2_0 code 3 (ggml decodes it as 2·d, dequantize too) is an
/// error naming the tensor and value.
template <ternary_layout L, class C>
[[nodiscard]] TernaryPacked<L> ternary_values(const Blocks<C>& b) {
    const GgufTensor& t = b.t;
    TernaryPacked<L> out(t.rows(), t.cols());
    for (std::size_t r = 0; r < out.rows(); ++r)
        for (std::size_t c = 0; c < out.cols(); ++c) {
            const int v = b.value(r, c);
            require(v <= 1, t.file, "tensor '", t.name, "' (", name(C::type), "): value (", r, ", ", c, ") (block ",
                    (r * t.cols() + c) / C::values, ") has code 3, which decodes to 2 * d: not ternary (dequantize reads it)");
            if (v != 0) out.set(r, c, v);
        }
    return out;
}

}  // namespace detail

/// TQ1_0 or TQ2_0 as ternary values with their per-256 scales d.
template <ternary_layout L = enc::code2>
[[nodiscard]] GroupScaled<TernaryPacked<L>> import_ternary(const GgufTensor& t) {
    detail::require_type(t, t.type == GgufType::tq1_0 || t.type == GgufType::tq2_0, "import_ternary", "TQ1_0 or TQ2_0");
    GroupScaled<TernaryPacked<L>> out;
    detail::with_checked_blocks(t, [&](const auto& b) {
        out = {detail::ternary_values<L>(b), detail::group_scales(b, 256), 256};
    });
    return out;
}

/// bitnet.cpp's I2_S as ternary values with the tensor's one float32 scale.
template <ternary_layout L = enc::code2>
[[nodiscard]] AbsmeanQuantized<L> import_i2_s(const GgufTensor& t) {
    detail::require_type(t, t.type == GgufType::i2_s, "import_i2_s", "I2_S");
    AbsmeanQuantized<L> out;
    detail::with_checked_blocks(t, [&](const auto& b) { out = {detail::ternary_values<L>(b), b.scale(0)}; });
    return out;
}

/// Q1_0 as ±1 sign bits with their per-128 scales d.
[[nodiscard]] inline GroupScaled<BitPacked<enc::sign>> import_q1_0(const GgufTensor& t) {
    detail::require_type(t, t.type == GgufType::q1_0, "import_q1_0", "Q1_0");
    GroupScaled<BitPacked<enc::sign>> out;
    detail::with_checked_blocks(t, [&](const auto& b) {
        auto bits = BitPacked<enc::sign>::generate(t.rows(), t.cols(),
                                                   [&](std::size_t r, std::size_t c) { return b.value(r, c) > 0; });
        out = {std::move(bits), detail::group_scales(b, 128), 128};
    });
    return out;
}

/// Q2_0 as 2-bit codes q = value + 1 in HQQ's form W = (q - zero)·scale, zero = 1, groups
/// of 64 along K (axis 1): pack_add(q) and WeightScales::hqq(q) take it as they take HQQ's.
[[nodiscard]] inline HqqQuantized import_q2_0(const GgufTensor& t) {
    detail::require_type(t, t.type == GgufType::q2_0, "import_q2_0", "Q2_0");
    HqqQuantized out;
    detail::with_checked_blocks(t, [&](const auto& b) {
        out.values = BitPlanes::from_codes(t.rows(), t.cols(), 2,
                                           [&](std::size_t r, std::size_t c) { return b.value(r, c) + 1; });
        out.scale = detail::group_scales(b, 64);
    });
    out.zero = Matrix<float>(out.scale.rows(), out.scale.cols());
    for (auto& z : out.zero.flat()) z = 1.0f;
    out.nbits = 2;
    out.group_size = 64;
    out.axis = 1;
    return out;
}

BITLA_END_NAMESPACE
