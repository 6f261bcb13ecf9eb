// bitla/io/gguf_decode.hpp — a GGUF tensor's values as the file means them.
//
//     bitla::Matrix<float> w = bitla::dequantize(f.tensor("blk.0.ffn_up.weight"));   // N x K
//
// `dequantize` decodes F32, F16, BF16, TQ1_0, TQ2_0, Q1_0, Q2_0 and I2_S (block_codecs.hpp)
// into an N x K matrix (N: every dimension after the first), each value computed as the
// file's own dequantization does: float(value) · d. Before it decodes, `check_blocks`
// rejects what no dequantization can mean: a non-finite block scale d, a non-finite I2_S
// tensor scale, an I2_S code 3; a tensor without values is an N x 0 (or 0 x K) matrix, made
// without visiting its rows. Errors (bitla::error, argument = the tensor's file): a type
// bitla does not decode, and those, naming the tensor, block or value, and what was found.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "../core/add_layout.hpp"
#include "../core/matrix.hpp"
#include "block_codecs.hpp"
#include "float16.hpp"
#include "gguf_reader.hpp"

BITLA_BEGIN_NAMESPACE
namespace detail {

/// The blocks of a tensor in format C: block b starts at data + b·C::bytes; value (r, c)
/// is value (r·K + c) % C::values of block (r·K + c) / C::values.
template <class C>
struct Blocks {
    const GgufTensor& t;

    [[nodiscard]] std::size_t count() const noexcept { return t.rows() * t.cols() / C::values; }
    [[nodiscard]] const std::byte* block(std::size_t b) const noexcept { return t.data.data() + b * C::bytes; }
    /// The scale of block b: its fp16 d, or I2_S's float32 after the codes.
    [[nodiscard]] float scale(std::size_t b) const noexcept {
        if constexpr (std::is_same_v<C, gguf_codec::I2_S>) return load_le<float>(t.data.data() + count() * C::bytes);
        else return half_bits_to_float(load_le<std::uint16_t>(block(b) + C::d_at));
    }
    [[nodiscard]] int value(std::size_t r, std::size_t c) const noexcept {
        const std::size_t i = r * t.cols() + c;
        return C::value(block(i / C::values), i % C::values);
    }
    [[nodiscard]] float scale_at(std::size_t r, std::size_t c) const noexcept {
        return scale((r * t.cols() + c) / C::values);
    }
};

/// Throws unless every scale of t is finite and (I2_S) no code is 3.
template <class C>
void check_blocks(const Blocks<C>& b) {
    const GgufTensor& t = b.t;
    if constexpr (std::is_same_v<C, gguf_codec::I2_S>) {
        require(std::isfinite(b.scale(0)), t.file, "tensor '", t.name, "' (I2_S): the tensor scale is ", b.scale(0));
        for (std::size_t k = 0; k < b.count(); ++k)
            for (std::size_t j = 0; j < C::values; ++j)
                require(C::code(b.block(k), j) != 3, t.file, "tensor '", t.name, "' (I2_S): value ",
                        k * C::values + j, " (block ", k, ", byte ", j % 32, ") has code 3, which I2_S does not define");
    } else {
        for (std::size_t k = 0; k < b.count(); ++k)
            require(std::isfinite(b.scale(k)), t.file, "tensor '", t.name, "' (", name(C::type), "): block ", k,
                    " (row ", k * C::values / t.cols(), ") has scale d = ", b.scale(k));
    }
}

/// Throws unless t's bytes are exactly what its type and shape take (a GgufTensor made by
/// hand may disagree; one from GgufFile never does).
inline void check_size(const GgufTensor& t) {
    std::string why;
    const auto bytes = tensor_bytes(t.type, t.shape, why);
    require(bytes.has_value() && *bytes == t.data.size() && !t.shape.empty() && t.shape.size() <= 4, t.file,
            "tensor '", t.name, "' (", name(t.type), ", ", t.shape.size(), " dimensions) has ", t.data.size(),
            " bytes; its shape needs ", bytes.value_or(0), " ", why);
}

/// f(Blocks<C>) for a block type, after check_blocks; bitla::error for other types and
/// for a tensor without values (whose rows, up to 2^63 of them, would be visited for nothing).
template <class F>
decltype(auto) with_checked_blocks(const GgufTensor& t, F&& f) {
    check_size(t);
    require(t.rows() != 0 && t.cols() != 0, t.file, "tensor '", t.name, "' (", name(t.type), ", ", t.rows(), " x ",
            t.cols(), ") has no values to decode");
    bool done = false;
    gguf_codec::visit(t.type, [&](auto codec) {
        const Blocks<decltype(codec)> b{t};
        check_blocks(b);
        f(b);
        done = true;
    });
    require(done, t.file, "tensor '", t.name, "': type ", name(t.type), " is not a block format bitla decodes");
}

}  // namespace detail

/// The tensor's values, N x K, as the file's own dequantization computes them.
[[nodiscard]] inline Matrix<float> dequantize(const GgufTensor& t) {
    detail::check_size(t);
    Matrix<float> out(t.rows(), t.cols());
    const std::size_t n = t.rows() * t.cols();
    if (n == 0 && info(t.type).decodable) return out;  // N x 0 or 0 x K: no rows to visit
    float* y = out.flat().data();
    const std::byte* p = t.data.data();
    switch (t.type) {
        case GgufType::f32:
            for (std::size_t i = 0; i < n; ++i) y[i] = detail::load_le<float>(p + 4 * i);
            return out;
        case GgufType::f16:
            for (std::size_t i = 0; i < n; ++i) y[i] = detail::half_bits_to_float(detail::load_le<std::uint16_t>(p + 2 * i));
            return out;
        case GgufType::bf16:
            for (std::size_t i = 0; i < n; ++i) y[i] = detail::bf16_to_float(detail::load_le<std::uint16_t>(p + 2 * i));
            return out;
        default: break;
    }
    detail::with_checked_blocks(t, [&](const auto& b) {
        for (std::size_t r = 0; r < t.rows(); ++r)
            for (std::size_t c = 0; c < t.cols(); ++c) out(r, c) = static_cast<float>(b.value(r, c)) * b.scale_at(r, c);
    });
    return out;
}

BITLA_END_NAMESPACE
