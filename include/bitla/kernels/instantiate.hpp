// bitla/kernels/instantiate.hpp — the body of a per-ISA translation unit (runtime dispatch).
//
// `bitla_enable_runtime_dispatch(target)` (cmake/bitlaDispatch.cmake) generates, for each
// ISA, a file compiled with that ISA's flags that reads
//
//     #include <bitla/kernels/instantiate.hpp>
//     BITLA_INSTANTIATE_ISA(avx2)
//
// which explicitly instantiates `detail::family_for<Family, arch::avx2>` for every kernel
// family. Everything such a file defines is a template specialised on the ISA's tag, so
// no symbol compiled with wide instructions is shared with baseline code (tests/odr
// checks this with a symbol scan).
#pragma once

#include "../arch/dispatch.hpp"
#include "families.hpp"

BITLA_BEGIN_NAMESPACE
namespace detail {

template <class Family, class Arch>
Family family_for() noexcept {
    return Family::template make<Arch>();
}

}  // namespace detail
BITLA_END_NAMESPACE

#define BITLA_DETAIL_INSTANTIATE_FAMILY(Family, tag) \
    template Family bitla::detail::family_for<Family, bitla::arch::tag>() noexcept;

#define BITLA_INSTANTIATE_ISA(tag)                                                                   \
    static_assert(bitla::arch::flags_enable(bitla::arch::tag::id),                                 \
                  "this translation unit must be compiled with the flags of ISA " #tag             \
                  " (see cmake/bitlaDispatch.cmake)");                                            \
    BITLA_FOR_EACH_FAMILY_OF(BITLA_DETAIL_INSTANTIATE_FAMILY, tag)
