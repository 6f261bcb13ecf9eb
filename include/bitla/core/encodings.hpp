// bitla/core/encodings.hpp — tags naming how values are encoded in packed storage.
//
// | tag              | values       | storage                                   |
// |------------------|--------------|-------------------------------------------|
// | enc::sign        | {-1, +1}     | 1 bit, bit 1 = +1                          |
// | enc::zero_one    | {0, 1}       | 1 bit, bit 1 = 1                           |
// | enc::planes      | {-1, 0, +1}  | two bit-planes per row: plus, then minus   |
// | enc::code2       | {-1, 0, +1}  | 2-bit code v+1, 4 per byte, low bits first |
// | enc::base3       | {-1, 0, +1}  | 5 trits per byte, fixed-point base 3       |
//
// The same bits mean different things under `sign` and `zero_one` (w01 = (w± + 1) / 2),
// which is why the encoding is part of the type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "config.hpp"

BITLA_BEGIN_NAMESPACE
namespace enc {

struct sign {
    static constexpr const char* name = "sign";
    static constexpr int min_value = -1, max_value = 1;
};
struct zero_one {
    static constexpr const char* name = "zero_one";
    static constexpr int min_value = 0, max_value = 1;
};
struct planes {
    static constexpr const char* name = "planes";
    static constexpr int min_value = -1, max_value = 1;
};
struct code2 {
    static constexpr const char* name = "code2";
    static constexpr int min_value = -1, max_value = 1;
};
struct base3 {
    static constexpr const char* name = "base3";
    static constexpr int min_value = -1, max_value = 1;
};

}  // namespace enc
BITLA_END_NAMESPACE

BITLA_BEGIN_NAMESPACE

template <class E>
concept bit_encoding = std::is_same_v<E, enc::sign> || std::is_same_v<E, enc::zero_one>;

template <class L>
concept ternary_layout =
    std::is_same_v<L, enc::planes> || std::is_same_v<L, enc::code2> || std::is_same_v<L, enc::base3>;

/// 64-bit words in one packed bit row of `cols` values: ceil(cols / 64) rounded up to a
/// multiple of 8, so every row starts on a cache line and spans whole 512-bit registers.
/// The padding bits are zero in every operand, so xor and and contribute nothing there.
[[nodiscard]] constexpr std::size_t padded_words(std::size_t cols) noexcept {
    return (cols + 511) / 512 * 8;
}

/// Bytes in one `enc::code2` row of `cols` values: ceil(cols / 4) rounded up to 64.
/// Padding codes are 1 (the value 0), so padding adds nothing whatever the activations hold.
[[nodiscard]] constexpr std::size_t padded_code2_bytes(std::size_t cols) noexcept {
    return (cols + 255) / 256 * 64;
}

/// Bytes in one `enc::base3` row of `cols` values: ceil(cols / 5) rounded up to 64.
[[nodiscard]] constexpr std::size_t padded_base3_bytes(std::size_t cols) noexcept {
    return ((cols + 4) / 5 + 63) / 64 * 64;
}

BITLA_END_NAMESPACE
