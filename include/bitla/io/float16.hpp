// bitla/io/float16.hpp — the 16-bit float formats model files store, as bits: IEEE binary16
// to float with infinities and NaN (core/add_layout.hpp's half_to_float covers the finite
// values the kernels' metadata holds), bfloat16 both ways. Shared by the GGUF and
// safetensors readers and writers.
#pragma once

#include <bit>
#include <cstdint>

#include "../core/add_layout.hpp"

BITLA_BEGIN_NAMESPACE
namespace detail {

/// IEEE binary16 -> float, exact, infinities and NaN included.
[[nodiscard]] inline float half_bits_to_float(std::uint16_t h) noexcept {
    if ((h & 0x7c00u) != 0x7c00u) return half_to_float(h);
    const std::uint32_t f = (std::uint32_t{h & 0x8000u} << 16) | 0x7f800000u | (std::uint32_t{h & 0x3ffu} << 13);
    return std::bit_cast<float>(f);
}

/// bfloat16 -> float (exact).
[[nodiscard]] inline float bf16_to_float(std::uint16_t h) noexcept { return std::bit_cast<float>(std::uint32_t{h} << 16); }

/// float -> bfloat16, round to nearest even (NaN stays a quiet NaN).
[[nodiscard]] inline std::uint16_t float_to_bf16(float f) noexcept {
    const std::uint32_t u = std::bit_cast<std::uint32_t>(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40u);
    return static_cast<std::uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

}  // namespace detail
BITLA_END_NAMESPACE
