// bitla/kernels/avx512bw/add_f32.hpp — the fp32 tiles of the AVX-512 add-only kernels
// (dot_f32 in the contract of kernels/add.hpp): float activations times codes, fp32 sums.
// Included by kernels/avx512bw/add.hpp; shares its decoders (Avx512Add).
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX512BW

#include "intrinsics.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../../core/add_layout.hpp"
#include "../add_steps.hpp"
#include "../avx2/add.hpp"
#include "../generic/add.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct Avx512Add;
template <class Arch>
struct Avx512AddOps;

template <class Arch>
struct Avx512AddF32 {
    using K = Avx512Add<Arch>;

    // ---- dot_f32: float activations ------------------------------------------------------
    //
    // MR activation rows against NR weight rows (MR·NR <= 4: 1 x 4 for GEMV, 2 x 2 pieces of
    // larger tiles), fp32 accumulators acc[i][j][v] for the 4 registers v of a step (floats
    // 16v .. 16v+15); a weight row's step is decoded once for all MR activation rows.
    // bits: x added under the row's bit of each 16 bytes of the step's panel block (one
    // 128-bit test and one masked add per 16 weights and row); other codes: the step's code
    // bytes (Avx512Add::for_each_step) widened to floats and multiplied in (vpmovzxbd,
    // vcvtdq2ps, vfmadd). At a superblock flush, float
    // lane i of register v belongs to dword lane 4v + i/4 (core/add_layout.hpp), so each
    // chunk sum is a sum of four float lanes.

    template <AddCodes C, int MR, int NR>
    static void f32_tile(const AddLayout& l, const AddTileArgs& a) noexcept {
        static_assert(MR * NR <= 4);
        const auto* x = static_cast<const float*>(a.x);
        auto* out = static_cast<float*>(a.out);
        const std::uint8_t* w[std::size_t{NR}];
        #pragma GCC unroll 4
        for (int j = 0; j < NR; ++j) w[j] = a.w + static_cast<std::size_t>(j) * a.w_stride;
        __m512 acc[std::size_t{MR}][std::size_t{NR}][4];
        #pragma GCC unroll 4
        for (int i = 0; i < MR; ++i)
            #pragma GCC unroll 4
            for (int j = 0; j < NR; ++j)
                #pragma GCC unroll 4
                for (int v = 0; v < 4; ++v) acc[i][j][v] = _mm512_setzero_ps();
        std::size_t since = 0, block = 0;

        const auto flush_if_due = [&]() __attribute__((always_inline)) {
            if (a.flush != 0 && ++since == a.flush) {
                #pragma GCC unroll 4
                for (int i = 0; i < MR; ++i)
                    #pragma GCC unroll 4
                    for (int j = 0; j < NR; ++j) {
                        float* o = out + static_cast<std::size_t>(i) * a.out_m + static_cast<std::size_t>(j) * a.out_n +
                                   16 * block;
                        #pragma GCC unroll 4
                        for (int v = 0; v < 4; ++v) {
                            alignas(64) float f[16];
                            _mm512_store_ps(f, acc[i][j][v]);
                            #pragma GCC unroll 4
                            for (int q = 0; q < 4; ++q)
                                o[4 * v + q] = (f[4 * q] + f[4 * q + 1]) + (f[4 * q + 2] + f[4 * q + 3]);
                            acc[i][j][v] = _mm512_setzero_ps();
                        }
                    }
                since = 0;
                ++block;
            }
        };
        const auto multiply = [&](std::size_t t, const __m512i (&q)[std::size_t{NR}]) __attribute__((always_inline)) {
            const float* xp = x + 64 * t;
            const auto reg = [&]<int V>() __attribute__((always_inline)) {
                __m512 xv[std::size_t{MR}];
                #pragma GCC unroll 4
                for (int i = 0; i < MR; ++i) xv[i] = _mm512_loadu_ps(xp + static_cast<std::size_t>(i) * a.x_stride + 16 * V);
                #pragma GCC unroll 4
                for (int j = 0; j < NR; ++j) {
                    const __m128i b = _mm512_maskz_extracti32x4_epi32(0xf, q[j], V);
                    const __m512 qf = _mm512_maskz_cvtepi32_ps(0xffff, _mm512_maskz_cvtepu8_epi32(0xffff, b));
                    #pragma GCC unroll 4
                    for (int i = 0; i < MR; ++i) acc[i][j][V] = _mm512_fmadd_ps(qf, xv[i], acc[i][j][V]);
                }
            };
            reg.template operator()<0>();
            reg.template operator()<1>();
            reg.template operator()<2>();
            reg.template operator()<3>();
            flush_if_due();
        };

        if constexpr (C == AddCodes::bits) {
            const std::uint8_t* panel = w[0] + l.bits_block(a.row0, 0);  // the block of step 0
            __m128i bit[std::size_t{NR}];
            #pragma GCC unroll 4
            for (int j = 0; j < NR; ++j) bit[j] = _mm_set1_epi8(static_cast<char>(1u << (a.row0 + static_cast<std::size_t>(j))));
            for (std::size_t t = 0; t < a.steps; ++t) {
                const float* xp = x + 64 * t;
                #pragma GCC unroll 4
                for (int v = 0; v < 4; ++v) {
                    const __m128i c = _mm_load_si128(reinterpret_cast<const __m128i*>(panel + 64 * t + 16 * v));
                    __m512 xv[std::size_t{MR}];
                    #pragma GCC unroll 4
                    for (int i = 0; i < MR; ++i)
                        xv[i] = _mm512_loadu_ps(xp + static_cast<std::size_t>(i) * a.x_stride + 16 * v);
                    #pragma GCC unroll 4
                    for (int j = 0; j < NR; ++j) {
                        const __mmask16 k = _mm_test_epi8_mask(c, bit[j]);
                        #pragma GCC unroll 4
                        for (int i = 0; i < MR; ++i) acc[i][j][v] = _mm512_mask_add_ps(acc[i][j][v], k, acc[i][j][v], xv[i]);
                    }
                }
                flush_if_due();
            }
        } else {
            for_each_step<Avx512AddOps<Arch>, C, NR>(l, w, a.row0, a.steps, multiply);
        }
        if (a.flush == 0)
            #pragma GCC unroll 4
            for (int i = 0; i < MR; ++i)
                #pragma GCC unroll 4
                for (int j = 0; j < NR; ++j)
                    out[static_cast<std::size_t>(i) * a.out_m + static_cast<std::size_t>(j) * a.out_n] = K::hsum_ps(
                        _mm512_add_ps(_mm512_add_ps(acc[i][j][0], acc[i][j][1]), _mm512_add_ps(acc[i][j][2], acc[i][j][3])));
    }

    /// m = 1: one 1 x n tile (n <= 4); m > 1: 2 x 2 pieces (codes decoded once per piece).
    template <AddCodes C>
    static void f32_rows(const AddLayout& l, const AddTileArgs& a) noexcept {
        if (a.m == 1) {
            switch (a.n) {
                case 1: return f32_tile<C, 1, 1>(l, a);
                case 2: return f32_tile<C, 1, 2>(l, a);
                case 3: return f32_tile<C, 1, 3>(l, a);
                default: return f32_tile<C, 1, 4>(l, a);
            }
        }
        for_2x2_pieces<float, float>(a, [&](const AddTileArgs& p) {
            if (p.m == 2 && p.n == 2) f32_tile<C, 2, 2>(l, p);
            else if (p.m == 2) f32_tile<C, 2, 1>(l, p);
            else if (p.n == 2) f32_tile<C, 1, 2>(l, p);
            else f32_tile<C, 1, 1>(l, p);
        });
    }

    static void dot_f32(const AddLayout& l, const AddTileArgs& a) noexcept {
        // Whole panels of code2 (the driver's float tiles are 8 rows wide): AVX2's panel
        // kernel, which measured faster than these tiles (docs/performance.md).
        if (Avx2Add<Arch>::ftile(l, a)) return;
        if (a.m == 1 && a.n > 4) {  // 1 x 4 pieces
            for (int j0 = 0; j0 < a.n; j0 += 4) {
                AddTileArgs b = a;
                b.w = a.w + static_cast<std::size_t>(j0) * a.w_stride;
                b.row0 = a.row0 + static_cast<std::size_t>(j0);
                b.out = static_cast<float*>(a.out) + static_cast<std::size_t>(j0) * a.out_n;
                b.n = a.n - j0 < 4 ? a.n - j0 : 4;
                dot_f32(l, b);
            }
            return;
        }
        switch (l.codes) {
            case AddCodes::bits: return f32_rows<AddCodes::bits>(l, a);
            case AddCodes::code2: return f32_rows<AddCodes::code2>(l, a);
            case AddCodes::base3: return f32_rows<AddCodes::base3>(l, a);
            case AddCodes::planes: return f32_rows<AddCodes::planes>(l, a);
        }
    }

};

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX512BW
