// bitla/kernels/add.hpp — the add-only kernel family (AddKernels, kernels/add_kernels.hpp):
// every ISA folder's set, and `make`, which picks Arch's own folder's set or its nearest
// ancestor's.
#pragma once

#include "add_kernels.hpp"
#include "generic/add.hpp"
#include "avx2/add.hpp"
#include "avx512bw/add.hpp"
#include "neon/add.hpp"

BITLA_BEGIN_NAMESPACE

template <class Arch>
AddKernels AddKernels::make() noexcept {
    return kernels::add_family<Arch>(Arch{}, kernels::pick{});
}

BITLA_END_NAMESPACE
