// bitla/kernels/select.hpp — how a kernel family finds an ISA's implementation.
//
// Each ISA folder declares, for each family it implements, an overload taking its own tag:
//
//     template <class Arch> avx2_bit_ops<Arch> bit_ops_for(arch::avx2, pick);
//     template <class Arch> AddKernels add_family(arch::avx2, pick) noexcept;
//
// and the family calls `f<Arch>(Arch{}, pick{})`. Tags derive from their parents'
// (arch/table.hpp), so overload resolution picks Arch's own folder or else its nearest
// ancestor's — a new ISA starts with its parent's kernels and overrides them one family at
// a time. The implementation is always instantiated on Arch itself, so no symbol compiled
// with one ISA unit's flags is shared with another's. `pick`, a type of this namespace,
// makes argument-dependent lookup find every folder's overload whatever order the headers
// were included in.
#pragma once

#include "../arch/table.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

struct pick {};

}  // namespace kernels
BITLA_END_NAMESPACE
