// bitla/kernels/isa_probe.hpp — the smallest kernel family: it reports which ISA's
// translation unit it was compiled in and how wide that unit's popcount kernels' registers
// are. Tests use it to show that dispatch runs what it says it runs.
#pragma once

#include <cstddef>

#include "bit_ops.hpp"

BITLA_BEGIN_NAMESPACE

struct IsaProbe {
    isa id = isa::generic;
    std::size_t (*vector_bits)() = nullptr;  ///< bits in one register of the unit's bit_ops (64: generic)

    template <class Arch>
    static IsaProbe make() noexcept;
};

namespace kernels {
template <class Arch>
std::size_t vector_bits() {
    return bit_ops<Arch>::lanes * 64;
}
}  // namespace kernels

template <class Arch>
IsaProbe IsaProbe::make() noexcept {
    return {Arch::id, &kernels::vector_bits<Arch>};
}

BITLA_END_NAMESPACE
