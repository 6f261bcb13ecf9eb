// bitla/io/block_codecs.hpp — the low-bit block formats of GGUF, one struct each: where a
// block keeps value j and its scale, and how to write a block. Little-endian, fp16 d.
//
//   TQ1_0  256 in 54: qs[48] qh[4] d. A byte holds base-3 digits as ceil(v·256/243)
//          (core/ternary_base3.hpp's byte, first digit most significant; qh bytes hold four,
//          the fifth 0). Value 32n+m is digit n of qs[m] (m < 32), 160+16n+m digit n of
//          qs[32+m] (m < 16), 240+4n+j digit n of qh[j]. Value = (digit - 1)·d.
//   TQ2_0  256 in 66: qs[64] d. Value 128i+32l+m is bits 2l..2l+1 of qs[32i+m]; (code - 1)·d.
//   Q1_0   128 in 18: d qs[16]. Value j is bit j%8 of qs[j/8]: 1 -> +d, 0 -> -d.
//   Q2_0    64 in 18: d qs[16]. Value j is bits 2(j%4).. of qs[j/4]: codes 0..3 -> (-1, 0, 1, 2)·d.
//   I2_S   (bitnet.cpp) 128 in 32, no d: byte j holds values j, j+32, j+64, j+96 in bits
//          7-6, 5-4, 3-2, 1-0; codes 0, 1, 2 -> -1, 0, +1 (3 is invalid). The tensor's codes
//          are followed by one float32 scale and 28 unused bytes.
//
// Blocks run over the flattened tensor (row r, column c is value r·K + c; K is a multiple
// of the block). `value` returns the integer value (not the code); `encode` writes one
// block from `values` (each in [min_value, max_value]) and fp16 bits `d`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "../core/ternary_base3.hpp"
#include "byte_stream.hpp"
#include "gguf_types.hpp"

BITLA_BEGIN_NAMESPACE
namespace gguf_codec {

namespace detail {
[[nodiscard]] inline int byte_at(const std::byte* b, std::size_t i) noexcept { return std::to_integer<int>(b[i]); }
[[nodiscard]] inline std::byte to_byte(int v) noexcept { return static_cast<std::byte>(v); }
}  // namespace detail

struct Tq1_0 {
    static constexpr GgufType type = GgufType::tq1_0;
    static constexpr std::size_t values = 256, bytes = 54, d_at = 52;
    static constexpr int min_value = -1, max_value = 1;

    /// Byte index and digit of value j.
    [[nodiscard]] static constexpr std::array<std::size_t, 2> where(std::size_t j) noexcept {
        if (j < 160) return {j % 32, j / 32};
        if (j < 240) return {32 + (j - 160) % 16, (j - 160) / 16};
        return {48 + (j - 240) % 4, (j - 240) / 4};
    }
    [[nodiscard]] static int value(const std::byte* b, std::size_t j) noexcept {
        const auto [at, digit] = where(j);
        return base3::trit(static_cast<std::uint8_t>(detail::byte_at(b, at)), static_cast<int>(digit)) - 1;
    }
    static void encode(const int* v, std::uint16_t d, std::byte* out) noexcept {
        std::array<std::array<int, 5>, 52> digits{};  // unset digits stay 0 (qh's fifth)
        for (std::size_t j = 0; j < values; ++j) {
            const auto [at, digit] = where(j);
            digits[at][digit] = v[j] + 1;
        }
        for (std::size_t i = 0; i < 52; ++i) out[i] = static_cast<std::byte>(base3::encode(digits[i]));
        bitla::detail::store_le(out + d_at, d);
    }
};

struct Tq2_0 {
    static constexpr GgufType type = GgufType::tq2_0;
    static constexpr std::size_t values = 256, bytes = 66, d_at = 64;
    static constexpr int min_value = -1, max_value = 1;

    [[nodiscard]] static int value(const std::byte* b, std::size_t j) noexcept {
        return ((detail::byte_at(b, 32 * (j / 128) + j % 32) >> (2 * (j % 128 / 32))) & 3) - 1;
    }
    static void encode(const int* v, std::uint16_t d, std::byte* out) noexcept {
        for (std::size_t i = 0; i < 64; ++i) {
            int byte = 0;
            for (std::size_t l = 0; l < 4; ++l) byte |= (v[128 * (i / 32) + 32 * l + i % 32] + 1) << (2 * l);
            out[i] = detail::to_byte(byte);
        }
        bitla::detail::store_le(out + d_at, d);
    }
};

struct Q1_0 {
    static constexpr GgufType type = GgufType::q1_0;
    static constexpr std::size_t values = 128, bytes = 18, d_at = 0;
    static constexpr int min_value = -1, max_value = 1;  // never 0

    [[nodiscard]] static int value(const std::byte* b, std::size_t j) noexcept {
        return ((detail::byte_at(b, 2 + j / 8) >> (j % 8)) & 1) ? 1 : -1;
    }
    static void encode(const int* v, std::uint16_t d, std::byte* out) noexcept {
        bitla::detail::store_le(out, d);
        for (std::size_t i = 0; i < 16; ++i) {
            int byte = 0;
            for (std::size_t b = 0; b < 8; ++b) byte |= (v[8 * i + b] > 0 ? 1 : 0) << b;
            out[2 + i] = detail::to_byte(byte);
        }
    }
};

struct Q2_0 {
    static constexpr GgufType type = GgufType::q2_0;
    static constexpr std::size_t values = 64, bytes = 18, d_at = 0;
    static constexpr int min_value = -1, max_value = 2;

    [[nodiscard]] static int value(const std::byte* b, std::size_t j) noexcept {
        return ((detail::byte_at(b, 2 + j / 4) >> (2 * (j % 4))) & 3) - 1;
    }
    static void encode(const int* v, std::uint16_t d, std::byte* out) noexcept {
        bitla::detail::store_le(out, d);
        for (std::size_t i = 0; i < 16; ++i) {
            int byte = 0;
            for (std::size_t b = 0; b < 4; ++b) byte |= (v[4 * i + b] + 1) << (2 * b);
            out[2 + i] = detail::to_byte(byte);
        }
    }
};

/// bitnet.cpp's I2_S: blocks without a scale (the tensor has one, after the codes).
struct I2_S {
    static constexpr GgufType type = GgufType::i2_s;
    static constexpr std::size_t values = 128, bytes = 32;
    static constexpr int min_value = -1, max_value = 1;
    static constexpr std::size_t tail = 32;  ///< float32 scale, then 28 bytes never written

    /// The 2-bit code of value j (3 is invalid: callers check).
    [[nodiscard]] static int code(const std::byte* b, std::size_t j) noexcept {
        return (detail::byte_at(b, j % 32) >> (6 - 2 * (j / 32))) & 3;
    }
    [[nodiscard]] static int value(const std::byte* b, std::size_t j) noexcept { return code(b, j) - 1; }
    static void encode(const int* v, std::byte* out) noexcept {
        for (std::size_t i = 0; i < 32; ++i) {
            int byte = 0;
            for (std::size_t g = 0; g < 4; ++g) byte |= (v[32 * g + i] + 1) << (6 - 2 * g);
            out[i] = detail::to_byte(byte);
        }
    }
};

/// Calls f(Codec{}) for a block type; false for any other type.
template <class F>
bool visit(GgufType t, F&& f) {
    switch (t) {
        case GgufType::tq1_0: f(Tq1_0{}); return true;
        case GgufType::tq2_0: f(Tq2_0{}); return true;
        case GgufType::q1_0: f(Q1_0{}); return true;
        case GgufType::q2_0: f(Q2_0{}); return true;
        case GgufType::i2_s: f(I2_S{}); return true;
        default: return false;
    }
}

}  // namespace gguf_codec
BITLA_END_NAMESPACE
