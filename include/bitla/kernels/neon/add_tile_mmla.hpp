// bitla/kernels/neon/add_tile_mmla.hpp — the int8 prefill tile of neon_i8mm: up to 4
// activation rows x 4 weight rows of ungrouped bits, code2 or base3 codes, summed with smmla
// (the Ops::tile hook of kernels/add_tiles.hpp).
//
// smmla multiplies a 2 x 8 by an 8 x 2 byte matrix into a 2 x 2 int32 block: 32 products
// for the issue slot of sdot's 16. Its operands are row pairs, 8 bytes of K each: an
// activation pair is zip1/zip2 (64-bit) of two rows' 16 bytes, a code pair the same zip of
// two weight rows' raw code bytes, made once per code block (4 steps of code2, 5 of base3)
// and decoded zipped (NeonAddOps's decoders work byte by byte). Bits: the panel block's
// 8-byte halves broadcast (ld1r) and tested against the pair's row bits (cmtst: -1 where
// set), so those sums come out negated.
// Signed smmla, not usmmla: the codes (0 .. 3) are valid signed bytes, as for sdot.
// Loop order: a code block's 16-byte register r outside its steps, so only r's raw codes
// (4 zipped registers) stay live. Register plan: 8 accumulators (2 x 2 pairs x zip half:
// 4 smmla per accumulator and step, a chain shorter than the step's issue time), 4 raw,
// 4 decoded, 4 + 4 activation registers; 16 accumulators made GCC 12 spill.
// Grouped sums need one dword lane per chunk, and a smmla adds two lanes' bytes: grouped
// tiles and one-row tiles go to the shared sdot tiles.
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_NEON_I8MM

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

#include "../../core/add_layout.hpp"
#include "../add_kernels.hpp"
#include "../unrolled.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Ops>
struct NeonMmlaTile {
    static constexpr int mr = 4, nr = 4;
    using S = typename Ops::step;  // here: v[2p + h] = half h of weight pair p, zipped
    template <int MP, int NP>
    using acc_t = int32x4_t[MP][NP][2];  // [activation pair][weight pair][zip half]

    /// acc += the products of step t's 16-byte register r: codes q (zipped pairs), x rows xr.
    template <int R, int MP, int NP>
    static BITLA_ALWAYS_INLINE void mmla(acc_t<MP, NP>& acc, const S& q, const std::int8_t* const (&xr)[4],
                                         std::size_t t) noexcept {
        unrolled<MP>([&](auto ip) __attribute__((always_inline)) {
            const int64x2_t a = vreinterpretq_s64_s8(vld1q_s8(xr[2 * ip] + 64 * t + 16 * R));
            const int64x2_t b = vreinterpretq_s64_s8(vld1q_s8(xr[2 * ip + 1] + 64 * t + 16 * R));
            const int8x16_t xz[2] = {vreinterpretq_s8_s64(vzip1q_s64(a, b)), vreinterpretq_s8_s64(vzip2q_s64(a, b))};
            unrolled<NP>([&](auto p) __attribute__((always_inline)) {
                unrolled<2>([&](auto h) __attribute__((always_inline)) {
                    int32x4_t& s = acc[ip][p][h];
                    s = vmmlaq_s32(s, xz[h], vreinterpretq_s8_u8(q.v[2 * p + h]));
                });
            });
        });
    }

    /// The raw code bytes 16r .. 16r+15 of the NP pairs, zipped (S's order; the rest 0).
    template <int NP>
    static BITLA_ALWAYS_INLINE S raw(const std::uint8_t* const (&c)[4], int r) noexcept {
        S z{};
        for (int p = 0; p < NP; ++p) {
            const uint64x2_t a = vreinterpretq_u64_u8(vld1q_u8(c[2 * p] + 16 * r));
            const uint64x2_t b = vreinterpretq_u64_u8(vld1q_u8(c[2 * p + 1] + 16 * r));
            z.v[2 * p] = vreinterpretq_u8_u64(vzip1q_u64(a, b));
            z.v[2 * p + 1] = vreinterpretq_u8_u64(vzip2q_u64(a, b));
        }
        return z;
    }

    /// Steps t0 .. t0 + cnt - 1 of one code block (Full: all of them).
    template <AddCodes C, int MP, int NP, bool Full>
    static BITLA_ALWAYS_INLINE void block(const typename Ops::consts& k, const std::uint8_t* const (&c)[4],
                                          const uint8x16_t (&mask)[2], const std::int8_t* const (&xr)[4],
                                          std::size_t t0, std::size_t cnt, acc_t<MP, NP>& acc) noexcept {
        unrolled<4>([&](auto r) __attribute__((always_inline)) {
            if constexpr (C == AddCodes::bits) {
                const uint8x16_t b[2] = {vreinterpretq_u8_u64(vld1q_dup_u64(reinterpret_cast<const std::uint64_t*>(c[0] + 16 * r))),
                                         vreinterpretq_u8_u64(vld1q_dup_u64(reinterpret_cast<const std::uint64_t*>(c[0] + 16 * r + 8)))};
                S q{};
                for (int i = 0; i < 2 * NP; ++i) q.v[i] = vtstq_u8(b[i & 1], mask[i >> 1]);
                mmla<r, MP, NP>(acc, q, xr, t0);
            } else if constexpr (C == AddCodes::code2) {
                const S z = raw<NP>(c, r);
                unrolled<4>([&](auto s) __attribute__((always_inline)) {
                    if (Full || std::size_t{s} < cnt) mmla<r, MP, NP>(acc, Ops::code2(k, z, unsigned{s}), xr, t0 + s);
                });
            } else {  // base3
                S z = raw<NP>(c, r), q0, q1;
                unrolled<2>([&](auto h) __attribute__((always_inline)) {
                    Ops::trits2(k, z, q0, q1);
                    if (Full || 2 * h < cnt) mmla<r, MP, NP>(acc, q0, xr, t0 + 2 * h);
                    if (Full || 2 * h + 1 < cnt) mmla<r, MP, NP>(acc, q1, xr, t0 + 2 * h + 1);
                });
                if (Full || cnt == 5) mmla<r, MP, NP>(acc, Ops::trit(k, z), xr, t0 + 4);
            }
        });
    }

    /// The tile of `a` (m <= 2·MP, n <= 2·NP, ungrouped); a missing row of a pair repeats
    /// the pair's first, its sums dropped.
    template <AddCodes C, int MP, int NP>
    static void pairs(const AddLayout& l, const AddTileArgs& a) noexcept {
        constexpr std::size_t per = C == AddCodes::bits ? 1 : C == AddCodes::code2 ? 4 : 5;
        const typename Ops::consts k;
        const std::int8_t* xr[4];
        const std::uint8_t* c[4];
        uint8x16_t mask[2] = {};
        for (int i = 0; i < 4; ++i) {
            const int ii = i < a.m ? i : a.m - 1, j = i < a.n ? i : a.n - 1;
            xr[i] = static_cast<const std::int8_t*>(a.x) + static_cast<std::size_t>(ii) * a.x_stride;
            c[i] = a.w + static_cast<std::size_t>(j) * a.w_stride + l.phys(l.code_offset());
            const auto bit = vdup_n_u8(static_cast<std::uint8_t>(1u << (a.row0 + static_cast<std::size_t>(j))));
            mask[i >> 1] = (i & 1) == 0 ? vcombine_u8(bit, bit) : vcombine_u8(vget_low_u8(mask[i >> 1]), bit);
        }
        if constexpr (C == AddCodes::bits) c[0] = a.w + l.bits_block(a.row0, 0);
        acc_t<MP, NP> acc;
        for (auto& x : acc)
            for (auto& y : x)
                for (auto& v : y) v = vdupq_n_s32(0);
        const std::size_t bs = C == AddCodes::bits ? 64 : l.block_stride(), full = a.steps / per * per;
        std::size_t t0 = 0;
        for (; t0 < full; t0 += per) {
            block<C, MP, NP, true>(k, c, mask, xr, t0, per, acc);
            for (auto& p : c) p += bs;
        }
        if (t0 < a.steps) block<C, MP, NP, false>(k, c, mask, xr, t0, a.steps - t0, acc);
        auto* out = static_cast<std::int32_t*>(a.out);
        for (int ip = 0; ip < MP; ++ip)
            for (int p = 0; p < NP; ++p) {
                int32x4_t s = vaddq_s32(acc[ip][p][0], acc[ip][p][1]);
                if constexpr (C == AddCodes::bits) s = vnegq_s32(s);
                std::int32_t v[4];
                vst1q_s32(v, s);
                for (int i = 0; i < 2; ++i)
                    for (int j = 0; j < 2; ++j)
                        if (2 * ip + i < a.m && 2 * p + j < a.n)
                            out[static_cast<std::size_t>(2 * ip + i) * a.out_m + static_cast<std::size_t>(2 * p + j) * a.out_n] = v[2 * i + j];
            }
    }

    /// Ops::tile: the tiles of two or more activation rows, ungrouped; false otherwise.
    template <AddCodes C>
    static BITLA_ALWAYS_INLINE bool tile(const AddLayout& l, const AddTileArgs& a) noexcept {
        if (C == AddCodes::planes || a.flush != 0 || a.m < 2) return false;
        if constexpr (C != AddCodes::planes) {
            if (a.m > 2) a.n > 2 ? pairs<C, 2, 2>(l, a) : pairs<C, 2, 1>(l, a);
            else a.n > 2 ? pairs<C, 1, 2>(l, a) : pairs<C, 1, 1>(l, a);
        }
        return true;
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_NEON_I8MM
