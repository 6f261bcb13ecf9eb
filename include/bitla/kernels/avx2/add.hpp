// bitla/kernels/avx2/add.hpp — add-only tile kernels for AVX2. For now the generic
// kernels compiled with AVX2 flags (the compiler vectorises the step loops); the AVX-512
// levels have the hand-written kernels (kernels/avx512bw/add.hpp).
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX2

#include "../generic/add.hpp"

namespace bitla::inline v0::kernels {

template <class Arch>
struct AddImpl<Arch, std::enable_if_t<Arch::id == isa::avx2>> {
    static AddKernels family() noexcept {
        using G = GenericAdd<Arch>;
        return {&G::dot_i8, &G::dot_i8, &G::dot_f32, &G::groups, 4, 4, &G::gemv_i8};
    }
};

}  // namespace bitla::inline v0::kernels

#endif  // BITLA_FLAGS_AVX2
