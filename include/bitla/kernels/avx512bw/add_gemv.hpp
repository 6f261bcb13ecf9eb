// bitla/kernels/avx512bw/add_gemv.hpp — the GEMV rows kernel of the AVX-512 add-only
// kernels (gemv_i8 in the contract of kernels/add.hpp): one int8 activation row against
// whole 8-row panels, read as one prefetched stream, grouped epilogue fused in. Included by
// kernels/avx512bw/add.hpp; shares its decoders and dot product (Avx512Add), the tiles'
// common parts (add_gemv_parts.hpp) and the bits tile (add_gemv_bits.hpp).
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX512BW

#include "intrinsics.hpp"

#include <cstddef>
#include <cstdint>

#include "../../core/add_layout.hpp"
#include "../generic/add.hpp"
#include "add_gemv_bits.hpp"
#include "add_gemv_parts.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct Avx512AddGemv {
    using P = Avx512GemvParts<Arch>;
    using K = typename P::K;

    // ---- gemv_i8: one activation row, many weight rows ----------------------------------
    //
    // A tile is NR rows of one panel (core/add_layout.hpp): NR = 8 is a whole panel, whose
    // code blocks are read in storage order (block b of rows 0..7, then b + 1): one stream.
    // code2 decodes a 64-byte block (4 steps) with one shift and four ands: steps 0 and 2
    // give codes q (c & 3, (c >> 4) & 3), steps 1 and 3 give 4q (c & 12, (c >> 4) & 12),
    // summed in a second accumulator that is divided by 4 (an exact arithmetic shift) at
    // each flush: 2 + 8 ops per 256 weights and row, no per-step shift. Every code block a
    // whole-panel tile loads is matched by a prefetch `prefetch_bytes` further on in the
    // storage; at the end of the tile the prefetch pointer catches up over the panel's
    // metadata blocks, so the stream ahead is covered without gaps. base3 without groups runs
    // block by block with the 5 steps of a block unrolled (a runtime `t % 5` per step and
    // row cost a fifth of its rate: docs/performance.md). A whole-panel tile ends with one
    // transposing reduction of its 8 rows (Avx512Reduce::hsum8, reduce.hpp) and one 32-byte store.

    template <AddCodes C, int NR, bool Wide>
    static BITLA_ALWAYS_INLINE void gemv_tile(const AddLayout& l, const AddRowsArgs& r, std::size_t n) noexcept {
        const std::int8_t* x = r.x;
        const std::uint8_t* p0 = r.w + l.row_offset(n);  // row j at p0 + 64 j
        const std::size_t bs = l.block_stride(), cp = l.phys(l.code_offset());
        const std::uint8_t* code = p0 + cp;               // code block b of row j at code + b·bs + 64 j
        __m512i lo[std::size_t{NR}], hi[std::size_t{NR}], c[std::size_t{NR}];
        __m512 y[std::size_t{NR}];
        for (int j = 0; j < NR; ++j)
            lo[j] = hi[j] = c[j] = _mm512_setzero_si512(), y[j] = _mm512_setzero_ps();
        const bool grouped = r.out_f != nullptr;
        typename P::template Prefetch<NR == 8> ahead(p0, grouped);  // a whole panel: prefetch the storage ahead
        // Steps per flush unit: a superblock (grouped) or the whole row.
        const std::size_t per = grouped ? l.flush_steps() : l.steps;
        const __m512i one = _mm512_set1_epi8(1), two = _mm512_set1_epi8(2);
        const __m512i m3 = _mm512_set1_epi8(3), m12 = _mm512_set1_epi8(12);
        const __m512i t86 = _mm512_set1_epi8(static_cast<char>(86)), t171 = _mm512_set1_epi8(static_cast<char>(171));
        for (std::size_t s0 = 0, g0 = 0; s0 < l.steps; s0 += per, g0 += 16) {
            const std::size_t s1 = s0 + per;
            if constexpr (C == AddCodes::code2) {  // per is a multiple of 4 (gemv_supported)
                for (std::size_t t0 = s0; t0 < s1; t0 += 4) {
                    const std::uint8_t* blk = code + t0 / 4 * bs;
                    const __m512i x0 = _mm512_load_si512(x + 64 * t0), x1 = _mm512_load_si512(x + 64 * t0 + 64);
                    const __m512i x2 = _mm512_load_si512(x + 64 * t0 + 128), x3 = _mm512_load_si512(x + 64 * t0 + 192);
                    for (int j = 0; j < NR; ++j) {
                        ahead.next();
                        const __m512i cv = _mm512_load_si512(blk + 64 * j);
                        const __m512i h = _mm512_srli_epi16(cv, 4);
                        lo[j] = K::dp(lo[j], _mm512_and_si512(cv, m3), x0);
                        hi[j] = K::dp(hi[j], _mm512_and_si512(cv, m12), x1);
                        lo[j] = K::dp(lo[j], _mm512_and_si512(h, m3), x2);
                        hi[j] = K::dp(hi[j], _mm512_and_si512(h, m12), x3);
                    }
                }
            } else {
                // A whole panel's block (8 lines) is prefetched over its 5 steps (2, 2, 2, 1,
                // 1 lines) instead of with its 8 loads: faster at two threads from DRAM
                // (docs/performance.md, "Prefetch").
                const auto step = [&](const std::int8_t* xp, std::size_t i) __attribute__((always_inline)) {
                    ahead.next();
                    if (i < 3) ahead.next();
                    const __m512i xv = _mm512_load_si512(xp);
                    for (int j = 0; j < NR; ++j) {
                        if constexpr (Wide) {  // 256·trit = 3·b - (3·b mod 256): lo += b·x, hi += b'·x
                            lo[j] = K::dp(lo[j], c[j], xv);
                            c[j] = _mm512_add_epi8(_mm512_add_epi8(c[j], c[j]), c[j]);
                            hi[j] = K::dp(hi[j], c[j], xv);
                        } else {
                            lo[j] = K::dp(lo[j], K::next_trit(c[j], t86, t171, one, two), xv);
                        }
                    }
                };
                const auto load = [&](std::size_t blk5) __attribute__((always_inline)) {
                    for (int j = 0; j < NR; ++j) c[j] = _mm512_load_si512(code + blk5 * bs + 64 * j);
                };
                std::size_t t = s0;
                if (!grouped)  // whole row: block by block, the 5 steps of a block unrolled
                    for (; t + 5 <= s1; t += 5) {
                        load(t / 5);
                        [&]<int... I>(std::integer_sequence<int, I...>) __attribute__((always_inline)) {
                            (step(x + 64 * (t + I), I), ...);
                        }(std::make_integer_sequence<int, 5>{});
                    }
                for (; t < s1; ++t) {  // a block may straddle a flush: c[] carries over
                    if (t % 5 == 0) load(t / 5);
                    step(x + 64 * t, t % 5);
                }
            }
            if (grouped)
                P::template add_groups<NR>(l, r, p0, g0, y, [&](int j) __attribute__((always_inline)) {
                    const __m512i v = P::template combine<C, Wide>(lo[j], hi[j]);
                    lo[j] = hi[j] = _mm512_setzero_si512();
                    return v;
                });
        }
        ahead.finish(l);
        const std::size_t o = n - r.first;
        if (grouped) return P::template store_sums<NR>(y, r.out_f + o);
        for (int j = 0; j < NR; ++j) lo[j] = P::template combine<C, Wide>(lo[j], hi[j]);
        P::template store_sums<NR>(lo, r.out_i + o);
    }

    /// Rows up to the first panel boundary one at a time, whole panels as 8-row tiles, the
    /// rest as 4-, 2- and 1-row tiles (all inside one panel).
    /// Fast: the form whose int32 sums limit the row length (gemv_i8 checks it): base3's wide
    /// sums, bits' scaled sums.
    template <AddCodes C, bool Fast = false>
    static void gemv_rows(const AddLayout& l, const AddRowsArgs& r) noexcept {
        const auto tile = [&]<int NR>(std::size_t n) __attribute__((always_inline)) {
            if constexpr (C == AddCodes::bits) Avx512GemvBits<Arch>::template tile<NR, Fast>(l, r, n);
            else gemv_tile<C, NR, Fast>(l, r, n);
        };
        std::size_t n = r.first;
        const std::size_t end = r.first + r.rows;
        for (; n < end && n % l.panel != 0; ++n) tile.template operator()<1>(n);
        for (; n + 8 <= end; n += 8) tile.template operator()<8>(n);
        if (n + 4 <= end) tile.template operator()<4>(n), n += 4;
        if (n + 2 <= end) tile.template operator()<2>(n), n += 2;
        if (n < end) tile.template operator()<1>(n);
    }

    static void gemv_i8(const AddLayout& l, const AddRowsArgs& r) noexcept {
        if (l.panel != 8) return GenericAdd<Arch>::gemv_i8(l, r);
        switch (l.codes) {
            case AddCodes::bits:
                if (r.out_f != nullptr || l.steps <= Avx512GemvBits<Arch>::scaled_steps) return gemv_rows<AddCodes::bits, true>(l, r);
                return gemv_rows<AddCodes::bits, false>(l, r);
            case AddCodes::code2: return gemv_rows<AddCodes::code2>(l, r);
            case AddCodes::base3:
                // Wide sums need 3·Σ b·x (|.| <= 3·4·255·128 per lane and step) to fit int32
                // until a flush: a superblock (grouped) or the whole row.
                if constexpr (K::vnni)
                    if ((l.groups != 0 ? l.flush_steps() : l.steps) <= P::wide_base3_steps)
                        return gemv_rows<AddCodes::base3, true>(l, r);
                return gemv_rows<AddCodes::base3>(l, r);
            case AddCodes::planes: return GenericAdd<Arch>::gemv_i8(l, r);  // not gemv_supported
        }
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX512BW
