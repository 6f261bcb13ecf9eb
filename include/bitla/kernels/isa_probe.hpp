// bitla/kernels/isa_probe.hpp — the smallest kernel family: it reports which ISA's
// translation unit it was compiled in and how wide that unit's vectors are. Tests and the
// portable-binary example use it to show that dispatch runs what it says it runs.
#pragma once

#include <cstddef>

#include "../arch/table.hpp"

namespace bitla::inline v0 {

struct IsaProbe {
    isa id = isa::generic;
    std::size_t (*vector_bits)() = nullptr;  ///< bits in one xsimd register of the unit (64 for generic)

    template <class Arch>
    static IsaProbe make() noexcept;
};

namespace kernels {
template <class Arch>
std::size_t vector_bits() {
    if constexpr (Arch::id == isa::generic) return 64;
    else return xsimd::batch<std::uint8_t, typename Arch::simd>::size * 8;
}
}  // namespace kernels

template <class Arch>
IsaProbe IsaProbe::make() noexcept {
    return {Arch::id, &kernels::vector_bits<Arch>};
}

}  // namespace bitla::inline v0
