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
#include "add_tile_mmla.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

/// The primitives plus the GEMV hooks (kernels/add_gemv.hpp) and the neon_i8mm tile
/// override the shared composition asks for (kernels/add_tiles.hpp).
template <class Arch>
struct NeonAdd : NeonAddOps<Arch> {
    using Base = NeonAddOps<Arch>;
    using typename Base::acc;

    // ---- GEMV (kernels/add_gemv.hpp) ------------------------------------------------------
    using gacc = float32x4_t;
    static constexpr std::size_t prefetch_bytes = 8192;
    static BITLA_ALWAYS_INLINE gacc gzero() noexcept { return vdupq_n_f32(0); }
    static BITLA_ALWAYS_INLINE float ghsum(gacc y) noexcept { return vaddvq_f32(y); }
    static BITLA_ALWAYS_INLINE float32x4_t half4(const std::uint16_t* p) noexcept {
        return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
    }
    static BITLA_ALWAYS_INLINE void group(gacc& y, const acc& a, const std::uint16_t* s, const std::uint16_t* u,
                                          const float* xs) noexcept {
        for (int r = 0; r < 4; ++r) {
            y = vfmaq_f32(y, vcvtq_f32_s32(a.v[r]), half4(s + 4 * r));
            y = vfmaq_f32(y, half4(u + 4 * r), vld1q_f32(xs + 4 * r));
        }
    }
#if BITLA_FLAGS_NEON_I8MM
    /// neon_i8mm: ungrouped tiles of 2 .. 4 activation rows with smmla (add_tile_mmla.hpp).
    template <AddCodes C>
    static BITLA_ALWAYS_INLINE bool tile(const AddLayout& l, const AddTileArgs& a) noexcept {
        if constexpr (Base::i8mm) return NeonMmlaTile<NeonAddOps<Arch>>::template tile<C>(l, a);
        return false;
    }
#endif
};

template <class Arch>
AddKernels add_family(arch::neon, pick) noexcept {  // and its descendants
    using Ops = NeonAdd<Arch>;
    using T = AddTiles<Ops>;
    return {&T::dot_i8, &T::dot_f32, &GenericAdd<Arch>::groups, Ops::mr, Ops::nr,
            &AddGemv<Ops>::gemv_i8, &GenericAdd<Arch>::gemv_out};
}

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_NEON
