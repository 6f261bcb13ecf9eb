// bitla/arch/isa.hpp — the instruction sets bitla has kernel slots for, generated from the
// table in arch/isa_table.hpp.
//
// ISAs form families, one chain per platform, each level implying its parent:
//   x86-64   generic -> avx2 -> avx512bw -> avx512_vpopcnt -> avx512_vnni,
//                       avx2 -> avx_vnni (a branch: AVX2 + 256-bit vpdpbusd)
//   aarch64  generic -> neon -> neon_dotprod -> neon_i8mm
// Limiting bitla to an ISA allows it and its ancestors (`extends`). The enumerators are in
// order of preference (the table's row order), not a chain: compare ISAs with `extends`,
// never with < or >=.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "../core/config.hpp"
#include "isa_table.hpp"

BITLA_BEGIN_NAMESPACE

enum class isa : int {
#define BITLA_DETAIL_ISA_ENUM(name, parent, platform, simd, flags, needs) name,
    BITLA_ISA_TABLE(BITLA_DETAIL_ISA_ENUM)
#undef BITLA_DETAIL_ISA_ENUM
};

/// Every ISA of every platform, in order of preference.
inline constexpr std::array all_isas = {
#define BITLA_DETAIL_ISA_LIST(name, parent, platform, simd, flags, needs) isa::name,
    BITLA_ISA_TABLE(BITLA_DETAIL_ISA_LIST)
#undef BITLA_DETAIL_ISA_LIST
};
inline constexpr std::size_t isa_count = all_isas.size();

[[nodiscard]] constexpr std::size_t index(isa i) noexcept { return static_cast<std::size_t>(i); }

namespace detail {
/// One row of the table, as data.
struct IsaRow {
    std::string_view name, platform;
    isa parent;
};
inline constexpr IsaRow isa_rows[] = {
#define BITLA_DETAIL_ISA_ROW(name, parent, platform, simd, flags, needs) {#name, #platform, isa::parent},
    BITLA_ISA_TABLE(BITLA_DETAIL_ISA_ROW)
#undef BITLA_DETAIL_ISA_ROW
};
}  // namespace detail

/// The ISA's name (its folder kernels/<name>/ and the value BITLA_ISA takes).
[[nodiscard]] constexpr std::string_view name(isa i) noexcept { return detail::isa_rows[index(i)].name; }

/// The ISA i extends (generic's parent is generic).
[[nodiscard]] constexpr isa parent(isa i) noexcept { return detail::isa_rows[index(i)].parent; }

/// The platform whose CPUs can have i: "x86_64", "aarch64" or "any".
[[nodiscard]] constexpr std::string_view platform(isa i) noexcept { return detail::isa_rows[index(i)].platform; }

/// True when `i` is `base` or descends from it: a CPU that runs i runs base, and base's
/// kernels are valid under i's flags.
[[nodiscard]] constexpr bool extends(isa i, isa base) noexcept {
    for (;; i = parent(i)) {
        if (i == base) return true;
        if (i == isa::generic) return false;
    }
}

/// The ISA with this name, if any.
[[nodiscard]] constexpr std::optional<isa> parse_isa(std::string_view s) noexcept {
    for (isa i : all_isas)
        if (name(i) == s) return i;
    return std::nullopt;
}

/// The platform this program is built for, in the table's terms.
inline constexpr std::string_view build_platform =
#if defined(__x86_64__) || defined(_M_X64)
    "x86_64";
#elif defined(__aarch64__) || defined(_M_ARM64)
    "aarch64";
#else
    "other";
#endif

/// True when i belongs to the platform this program is built for (generic always does).
[[nodiscard]] constexpr bool on_build_platform(isa i) noexcept {
    return platform(i) == "any" || platform(i) == build_platform;
}

BITLA_END_NAMESPACE
