// bitla/kernels/generic/bit_ops.hpp — bit_ops for plain C++20: one 64-bit word per
// "register", std::popcount. Always compiled; tile 4 x 4.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include "../bit_ops.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct generic_bit_ops {
    using reg = std::uint64_t;
    static constexpr std::size_t lanes = 1, mr = 4, nr = 4;

    static reg zero() noexcept { return 0; }
    static reg load(const std::uint64_t* p) noexcept { return *p; }
    static reg broadcast(const std::uint64_t* p) noexcept { return *p; }
    static reg xor_popcount_add(reg acc, reg a, reg b) noexcept {
        return acc + static_cast<reg>(std::popcount(a ^ b));
    }
    static void store_u32(std::uint32_t* out, reg acc) noexcept { *out = static_cast<std::uint32_t>(acc); }
    static void store_dot_i32(std::int32_t* out, reg acc, std::int32_t k) noexcept {
        *out = static_cast<std::int32_t>(std::int64_t{k} - 2 * static_cast<std::int64_t>(acc));
    }
    static std::uint64_t reduce(reg acc) noexcept { return acc; }
};
template <class Arch>
generic_bit_ops<Arch> bit_ops_for(arch::generic, pick);

}  // namespace kernels
BITLA_END_NAMESPACE
