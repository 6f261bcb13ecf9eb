// bitla/io/safetensors_dtype.hpp — the element types of safetensors files and their bytes:
// names and sizes, little-endian loads and stores, and the exact conversions between F32,
// F16, BF16 and float.
//
// `Dtype` lists the types in the reference implementation's order (huggingface/safetensors,
// `Dtype`, "increasing alignment"): its writer sorts tensors by that order, descending, then
// by name, and bitla's writer does the same so that it reproduces the reference's bytes.
// Sub-byte types (F4, F6_*) have no whole-byte size and are refused as unknown.
#pragma once

#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "../core/add_layout.hpp"  // detail::float_to_half
#include "float16.hpp"
#include "../core/config.hpp"

BITLA_BEGIN_NAMESPACE
namespace safetensors {

enum class Dtype : std::uint8_t { BOOL, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64 };

struct DtypeInfo {
    Dtype dtype;
    std::string_view name;
    std::size_t size;  ///< bytes per element
    bool is_integer;   ///< BOOL and the U*/I* types
};

inline constexpr std::array<DtypeInfo, 16> dtype_table{{
    {Dtype::BOOL, "BOOL", 1, true},       {Dtype::U8, "U8", 1, true},         {Dtype::I8, "I8", 1, true},
    {Dtype::F8_E5M2, "F8_E5M2", 1, false}, {Dtype::F8_E4M3, "F8_E4M3", 1, false}, {Dtype::F8_E8M0, "F8_E8M0", 1, false},
    {Dtype::I16, "I16", 2, true},         {Dtype::U16, "U16", 2, true},       {Dtype::F16, "F16", 2, false},
    {Dtype::BF16, "BF16", 2, false},      {Dtype::I32, "I32", 4, true},       {Dtype::U32, "U32", 4, true},
    {Dtype::F32, "F32", 4, false},        {Dtype::F64, "F64", 8, false},      {Dtype::I64, "I64", 8, true},
    {Dtype::U64, "U64", 8, true},
}};

[[nodiscard]] constexpr const DtypeInfo& info(Dtype d) noexcept { return dtype_table[static_cast<std::size_t>(d)]; }
[[nodiscard]] constexpr std::string_view name(Dtype d) noexcept { return info(d).name; }
[[nodiscard]] constexpr std::size_t element_size(Dtype d) noexcept { return info(d).size; }
/// The dtype a header names, or nothing for a name this reader does not know.
[[nodiscard]] constexpr std::optional<Dtype> parse_dtype(std::string_view s) noexcept {
    for (const auto& d : dtype_table)
        if (d.name == s) return d.dtype;
    return std::nullopt;
}
/// The dtypes that hold float exactly and that floats convert to: F32, F16, BF16.
[[nodiscard]] constexpr bool is_float_dtype(Dtype d) noexcept {
    return d == Dtype::F32 || d == Dtype::F16 || d == Dtype::BF16;
}

namespace detail {

/// Unsigned little-endian load of `n` (1..8) bytes: no alignment assumed (a file's tensor
/// data need not be aligned), independent of the host's byte order.
[[nodiscard]] inline std::uint64_t load_le(const std::uint8_t* p, std::size_t n) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = n; i-- > 0;) v = v << 8 | p[i];
    return v;
}
inline void store_le(std::uint8_t* p, std::uint64_t v, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

/// Element i of a float tensor (F32, F16 or BF16) as float: exact.
[[nodiscard]] inline float load_float(Dtype d, const std::uint8_t* data, std::size_t i) noexcept {
    const std::size_t n = element_size(d);
    const std::uint64_t bits = load_le(data + i * n, n);
    if (d == Dtype::F32) return std::bit_cast<float>(static_cast<std::uint32_t>(bits));
    if (d == Dtype::F16) return bitla::detail::half_bits_to_float(static_cast<std::uint16_t>(bits));
    return bitla::detail::bf16_to_float(static_cast<std::uint16_t>(bits));
}

/// The bits of v in d (F32, F16 or BF16), rounded to nearest even; `exact` says whether
/// the stored value equals v (NaN: whether it stays NaN).
[[nodiscard]] inline std::uint32_t float_bits(Dtype d, float v, bool& exact) noexcept {
    if (d == Dtype::F32) {
        exact = true;
        return std::bit_cast<std::uint32_t>(v);
    }
    // float_to_half rounds past 65504 to infinity and keeps infinities and NaN.
    const std::uint16_t h = d == Dtype::F16 ? bitla::detail::float_to_half(v) : bitla::detail::float_to_bf16(v);
    const float back = d == Dtype::F16 ? bitla::detail::half_bits_to_float(h) : bitla::detail::bf16_to_float(h);
    exact = std::isnan(v) ? std::isnan(back) : back == v;
    return h;
}

}  // namespace detail

/// v rounded to the nearest value of d (F32, F16 or BF16; ties to even): what a tensor of
/// that dtype can hold. Writers refuse inexact values, so round first where that is meant.
[[nodiscard]] inline float round_to(Dtype d, float v) noexcept {
    bool exact = false;
    const std::uint32_t bits = detail::float_bits(d, v, exact);
    std::uint8_t b[4]{};
    detail::store_le(b, bits, 4);
    return d == Dtype::F32 ? v : detail::load_float(d, b, 0);
}

}  // namespace safetensors
BITLA_END_NAMESPACE
