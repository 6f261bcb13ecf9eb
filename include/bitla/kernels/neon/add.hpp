// bitla/kernels/neon/add.hpp — the add-only kernel family for the aarch64 levels: the shared
// tiles and GEMV composition (kernels/add_tiles.hpp, add_gemv.hpp) over the NEON primitives
// (add_ops.hpp: sdot on neon_dotprod and neon_i8mm, smull + pairwise adds on neon).
//   dot_i8   tiles up to 2 x 2
//   dot_f32  one activation row x one weight row at a time, codes widened to floats
//   gemv_i8  two rows of a panel at a time, the panel prefetched ahead
//   gemv_out, groups: GenericAdd's loops (auto-vectorised)
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_NEON

#include "../add_gemv.hpp"
#include "../add_tiles.hpp"
#include "../generic/add.hpp"
#include "add_ops.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
AddKernels add_family(arch::neon, pick) noexcept {  // and its descendants
    using Ops = NeonAddOps<Arch>;
    using T = AddTiles<Ops>;
    return {&T::dot_i8, &T::dot_f32, &GenericAdd<Arch>::groups, Ops::mr, Ops::nr,
            &AddGemv<Ops>::gemv_i8, &GenericAdd<Arch>::gemv_out};
}

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_NEON
