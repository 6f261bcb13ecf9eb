// bitla/kernels/avx2/add.hpp — the add-only kernel family for AVX2: the shared tiles and
// GEMV composition (kernels/add_tiles.hpp, add_gemv.hpp) over the AVX2 primitives
// (add_ops.hpp), whose GEMV takes whole panels of bits, code2 and base3 codes through its
// own one-pass kernels (add_gemv_panel.hpp, add_gemv_bits.hpp, add_gemv_grouped.hpp,
// add_gemv_base3.hpp); gemv_out 8 rows a vector (add_gemv_out.hpp).
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
#include "add_f32_code2.hpp"
#include "add_gemv_base3.hpp"
#include "add_gemv_bits.hpp"
#include "add_gemv_grouped.hpp"
#include "add_gemv_out.hpp"
#include "add_gemv_panel.hpp"
#include "add_ops.hpp"
#include "add_tile_code2.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

/// The primitives plus the GEMV hooks (kernels/add_gemv.hpp) and the overrides the shared
/// composition asks for (kernels/add_tiles.hpp), each routing to a kernel of this folder.
template <class Arch>
struct Avx2Add : Avx2AddOps<Arch> {
    using Base = Avx2AddOps<Arch>;
    using typename Base::acc;
    using Base::mr;
    using Base::nr;

    // ---- GEMV (kernels/add_gemv.hpp) ------------------------------------------------------
    using gacc = __m256;
    static constexpr std::size_t prefetch_bytes = 8192;
    static BITLA_ALWAYS_INLINE gacc gzero() noexcept { return _mm256_setzero_ps(); }
    static BITLA_ALWAYS_INLINE float ghsum(gacc y) noexcept { return Avx2PanelGemv<Arch>::hsum_ps(y); }
    /// The fp16 metadata converted with integer ops (Avx2PanelGemv::half8); the order of the
    /// multiply-adds is the panel kernel's (Avx2GroupedPanel::panel), so a row's
    /// result does not depend on which of the two computed it.
    static BITLA_ALWAYS_INLINE void group(gacc& y, const acc& a, const std::uint16_t* s, const std::uint16_t* u,
                                          const float* xs) noexcept {
        using P = Avx2PanelGemv<Arch>;
        y = _mm256_fmadd_ps(_mm256_cvtepi32_ps(a.s32[0]), P::half8(s), y);
        y = _mm256_fmadd_ps(_mm256_cvtepi32_ps(a.s32[1]), P::half8(s + 8), y);
        y = _mm256_fmadd_ps(P::half8(u), _mm256_loadu_ps(xs), y);
        y = _mm256_fmadd_ps(P::half8(u + 8), _mm256_loadu_ps(xs + 8), y);
    }
    /// Float activations against code2 weights (kernels/avx2/add_f32_code2.hpp).
    template <AddCodes C>
    static BITLA_ALWAYS_INLINE bool fpair(const AddLayout& l, const AddTileArgs& a, int i, int j) noexcept {
        if constexpr (C == AddCodes::code2) {
            if (!Avx2Code2F32<Avx2AddOps<Arch>>::fits(a)) return false;
            Avx2Code2F32<Avx2AddOps<Arch>>::pair(l, a, i, j);
            return true;
        }
        return false;
    }

    /// Float activations (one row: GEMV) against a whole panel of code2 weights (the
    /// driver's float tiles are 8 rows wide, AddKernels::f32_nr), one sequential pass.
    /// Several rows go through the pair kernel, which reads the panel from L1/L2 again.
    static BITLA_ALWAYS_INLINE bool ftile(const AddLayout& l, const AddTileArgs& a) noexcept {
        using F = Avx2Code2F32<Avx2AddOps<Arch>>;
        if (l.codes != AddCodes::code2 || a.m != 1 || a.n != 8 || a.row0 != 0 || !F::fits(a)) return false;
        F::panel(l, a, 0);
        return true;
    }

    /// The prefill tile of ungrouped code2 weights, whole tiles (kernels/avx2/add_tile_code2.hpp).
    template <AddCodes C>
    static BITLA_ALWAYS_INLINE bool tile(const AddLayout& l, const AddTileArgs& a) noexcept {
        if constexpr (C == AddCodes::code2) {
            if (a.flush != 0 || a.m != mr || a.n != nr) return false;
            Avx2Code2Tile<Arch>::tile(l, a);
            return true;
        }
        return false;
    }

    /// Whole panels of ungrouped bits, code2 and base3 codes: one sequential pass each
    /// (kernels/avx2/add_gemv_panel.hpp, add_gemv_bits.hpp, add_gemv_grouped.hpp, add_gemv_base3.hpp).
    template <AddCodes C>
    static BITLA_ALWAYS_INLINE bool panel(const AddLayout& l, const AddRowsArgs& r, std::size_t n) noexcept {
        using P = Avx2PanelGemv<Arch>;
        if constexpr (C == AddCodes::bits) {
            if (r.out_i == nullptr) return false;
            Avx2BitsPanel<Arch>::panel(l, r.w, r.x, n, r.out_i + (n - r.first));
            return true;
        } else if constexpr (C == AddCodes::code2) {
            if (r.out_i != nullptr) P::code2_panel(l, r.w, r.x, n, r.out_i + (n - r.first));
            else Avx2GroupedPanel<Arch>::panel(l, r, n);
            return true;
        } else if constexpr (C == AddCodes::base3) {
            if (r.out_i == nullptr || r.xu == nullptr || r.qsum == nullptr) return false;
            Avx2Base3Panel<Arch>::panel(l, r.w, r.xu, r.qsum + n, n, r.out_i + (n - r.first));
            return true;
        }
        return false;
    }
};

template <class Arch>
AddKernels add_family(arch::avx2, pick) noexcept {
    using Ops = Avx2Add<Arch>;
    using T = AddTiles<Ops>;
    return {&T::dot_i8, &T::dot_f32, &GenericAdd<Arch>::groups, Ops::mr, Ops::nr,
            &AddGemv<Ops>::gemv_i8, &Avx2GemvOut<Arch>::gemv_out, 8};
}

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX2
