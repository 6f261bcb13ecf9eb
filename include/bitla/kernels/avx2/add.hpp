// bitla/kernels/avx2/add.hpp — the add-only kernel family for AVX2: the shared tiles and
// GEMV composition (kernels/add_tiles.hpp, add_gemv.hpp) over the AVX2 primitives
// (add_ops.hpp), whose GEMV takes whole panels of bits and code2 codes through its own
// one-pass kernels (add_gemv_panel.hpp); gemv_out 8 rows a vector (add_gemv_out.hpp).
//   dot_i8   tiles up to 2 x 2
//   dot_f32  code2: whole panels (8-row tiles), else one activation row x one weight row at
//            a time (add_f32_code2.hpp); codes to floats by a table lookup or widening
//   gemv_i8  whole panels: bits (ungrouped) and code2 in one pass each; base3 and the rows
//            around a range's partial panels two at a time
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX2

#include "../add_gemv.hpp"
#include "../add_tiles.hpp"
#include "../generic/add.hpp"
#include "add_gemv_out.hpp"
#include "add_ops.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
AddKernels add_family(arch::avx2, pick) noexcept {
    using Ops = Avx2AddOps<Arch>;
    using T = AddTiles<Ops>;
    return {&T::dot_i8, &T::dot_f32, &GenericAdd<Arch>::groups, Ops::mr, Ops::nr,
            &AddGemv<Ops>::gemv_i8, &Avx2GemvOut<Arch>::gemv_out, 8};
}

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX2
