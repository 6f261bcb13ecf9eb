// bitla/kernels/avx2/add_f32_code2.hpp — the AVX2 float-activation pair kernel for code2
// weights (ternary 2-bit, 2-bit planes, HQQ 2-bit): one activation row x one weight row.
//
// 8 code bytes of a block (4 steps of 8 columns each) are zero-extended to dwords once; each
// step's codes are then the dwords' bits 2s, 2s+1, and vpermps over the table
// {0, 1, 2, 3, 0, 1, 2, 3} turns them into floats without a mask (it reads 3 index bits, the
// third of which the table ignores): shift, vpermps and the multiply-add per 8 weights, where
// the shared tile takes a shift and mask per 32 codes plus a widening, a conversion and the
// multiply-add per 8. Lane for lane the multiply-adds are the shared tile's (Avx2AddOps::
// fdot), in the same step order, so the results are bit-identical. docs/performance.md.
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX2

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "../../core/add_layout.hpp"
#include "../add_kernels.hpp"
#include "../unrolled.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Ops>
struct Avx2Code2F32 {
    /// Whether pair() serves these tile args: superblocks of whole code blocks.
    static bool fits(const AddTileArgs& a) noexcept {
        return a.flush == 0 || (a.flush % 4 == 0 && a.steps % 4 == 0);
    }

    /// One code block (steps t .. t + 3, only the first `cnt` where !Full) at x = x + 64t.
    template <bool Full>
    static BITLA_ALWAYS_INLINE void block(const std::uint8_t* c, const float* x, std::size_t cnt, __m256 table,
                                          typename Ops::facc& acc) noexcept {
        unrolled<8>([&](auto k) __attribute__((always_inline)) {
            __m256i r = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(c + 8 * k)));
            __asm__("" : "+x"(r));  // pinned: GCC hoists the 8 loads to the block's start and spills
            unrolled<4>([&](auto s) __attribute__((always_inline)) {
                if (!Full && std::size_t{s} >= cnt) return;
                const __m256 w = _mm256_permutevar8x32_ps(table, s == 0 ? r : _mm256_srli_epi32(r, 2 * s));
                acc.v[k] = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + 64 * s + 8 * k), acc.v[k]);
            });
        });
    }

    /// Activation row i x a whole panel (a.n == 8, a.row0 == 0): block by block, the panel's
    /// 8 rows of a block before the next block, so the weights are read as one sequential
    /// stream (a row at a time reads every 8th line, slower from DRAM: docs/performance.md),
    /// each row's lanes kept in L1 between blocks. Per row the multiply-adds are pair()'s.
    static void panel(const AddLayout& l, const AddTileArgs& a, int i) noexcept {
        const float* x = static_cast<const float*>(a.x) + static_cast<std::size_t>(i) * a.x_stride;
        float* out = static_cast<float*>(a.out) + static_cast<std::size_t>(i) * a.out_m;
        const std::uint8_t* code = a.w + l.phys(l.code_offset());
        const std::size_t bs = l.block_stride();
        const __m256 table = _mm256_setr_ps(0, 1, 2, 3, 0, 1, 2, 3);
        typename Ops::facc accs[8];
        for (auto& acc : accs) Ops::fclear(acc);
        for (std::size_t t = 0; t < a.steps; t += 4) {
            const bool flush = a.flush != 0 && (t + 4) % a.flush == 0;
            for (std::size_t j = 0; j < 8; ++j) {
                typename Ops::facc acc = accs[j];
                const std::uint8_t* c = code + j * a.w_stride + t / 4 * bs;
                if (t + 4 <= a.steps) block<true>(c, x + 64 * t, 4, table, acc);
                else block<false>(c, x + 64 * t, a.steps - t, table, acc);
                if (flush) {
                    Ops::fstore(out + j * a.out_n + 16 * ((t + 4) / a.flush - 1), acc);
                    Ops::fclear(acc);
                }
                accs[j] = acc;
            }
        }
        if (a.flush == 0)
            for (std::size_t j = 0; j < 8; ++j) out[j * a.out_n] = Ops::fhsum(accs[j]);
    }

    /// Activation row i x weight row j of the tile (the contract of AddTiles::f32_pair).
    static void pair(const AddLayout& l, const AddTileArgs& a, int i, int j) noexcept {
        const float* x = static_cast<const float*>(a.x) + static_cast<std::size_t>(i) * a.x_stride;
        float* out = static_cast<float*>(a.out) + static_cast<std::size_t>(i) * a.out_m +
                     static_cast<std::size_t>(j) * a.out_n;
        const std::uint8_t* code = a.w + static_cast<std::size_t>(j) * a.w_stride + l.phys(l.code_offset());
        const std::size_t bs = l.block_stride();
        const __m256 table = _mm256_setr_ps(0, 1, 2, 3, 0, 1, 2, 3);
        typename Ops::facc acc = Ops::fzero();
        std::size_t since = 0, block_no = 0;
        for (std::size_t t = 0; t < a.steps; t += 4) {
            const std::uint8_t* c = code + t / 4 * bs;
            if (t + 4 <= a.steps) block<true>(c, x + 64 * t, 4, table, acc);
            else block<false>(c, x + 64 * t, a.steps - t, table, acc);
            if (a.flush != 0 && (since += 4) == a.flush) {
                Ops::fstore(out + 16 * block_no++, acc);
                Ops::fclear(acc);
                since = 0;
            }
        }
        if (a.flush == 0) *out = Ops::fhsum(acc);
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX2
