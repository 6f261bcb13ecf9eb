// bitla/arch/isa.hpp — the instruction sets bitla has kernels for, in ascending order.
//
// Each ISA is one folder `kernels/<name>/`, one row in arch/table.hpp (its tag and what
// the CPU must support) and one row in cmake/bitlaDispatch.cmake (its compiler flags).
// The levels nest: each implies every feature of the ones before it, so limiting bitla to
// an ISA allows exactly it and those before it, and a kernel family that has nothing
// better at some level reuses the level below. (A CPU with VNNI but no VPOPCNTDQ, such as
// Cascade Lake, therefore runs the avx512bw level.)
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "../core/config.hpp"

namespace bitla::inline v0 {

enum class isa : int {
    generic = 0,         ///< plain C++20 (std::popcount): the reference every other ISA is tested against
    avx2 = 1,            ///< AVX2 + FMA + BMI2 + POPCNT: no vector popcount (nibble lookup)
    avx512bw = 2,        ///< AVX-512 F/BW/DQ/VL without VPOPCNTDQ (byte lookup popcount)
    avx512_vpopcnt = 3,  ///< + VPOPCNTDQ and BITALG: native 64-bit lane popcount
    avx512_vnni = 4,     ///< avx512_vpopcnt + VNNI (vpdpbusd u8 x s8 dot products)
};

inline constexpr std::array all_isas = {isa::generic, isa::avx2, isa::avx512bw, isa::avx512_vpopcnt, isa::avx512_vnni};
inline constexpr std::size_t isa_count = all_isas.size();

[[nodiscard]] constexpr std::string_view name(isa i) noexcept {
    switch (i) {
        case isa::generic: return "generic";
        case isa::avx2: return "avx2";
        case isa::avx512bw: return "avx512bw";
        case isa::avx512_vpopcnt: return "avx512_vpopcnt";
        case isa::avx512_vnni: return "avx512_vnni";
    }
    return "unknown";
}

/// The ISA with this folder name, if any.
[[nodiscard]] constexpr std::optional<isa> parse_isa(std::string_view s) noexcept {
    for (isa i : all_isas)
        if (name(i) == s) return i;
    return std::nullopt;
}

[[nodiscard]] constexpr std::size_t index(isa i) noexcept { return static_cast<std::size_t>(i); }

}  // namespace bitla::inline v0
