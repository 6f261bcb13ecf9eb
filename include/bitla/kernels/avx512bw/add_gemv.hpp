// bitla/kernels/avx512bw/add_gemv.hpp — the GEMV rows kernel of the AVX-512 add-only
// kernels (gemv_i8 in the contract of kernels/add.hpp): one int8 activation row against
// whole 8-row panels, read as one prefetched stream, grouped epilogue fused in. Included by
// kernels/avx512bw/add.hpp; shares its decoders and dot product (Avx512Add).
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX512BW

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <utility>

#include "../../core/add_layout.hpp"
#include "../generic/add.hpp"

namespace bitla::inline v0::kernels {

template <class Arch>
struct Avx512Add;

template <class Arch>
struct Avx512AddGemv {
    using K = Avx512Add<Arch>;

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
    // row held it to 30 GB/s from the L3; unrolled 36-40). A whole-panel tile ends with one
    // transposing reduction of its 8 rows (Avx512Reduce::hsum8, reduce.hpp) and one 32-byte store.

    static constexpr std::size_t prefetch_bytes = 8192;
    static constexpr std::size_t wide_base3_steps = 0x7fffffff / (3 * 4 * 255 * 128);

    /// The chunk sums from a gemv tile's two accumulators: code2 adds hi / 4 (codes 4q);
    /// wide base3 takes (3·lo - hi) / 256 (sums of b·x and (3b mod 256)·x), exact.
    template <AddCodes C, bool Wide>
    static BITLA_ALWAYS_INLINE __m512i combine(__m512i lo, __m512i hi) noexcept {
        if constexpr (C == AddCodes::code2) return _mm512_add_epi32(lo, _mm512_maskz_srai_epi32(0xffff, hi, 2));
        else if constexpr (Wide)
            return _mm512_maskz_srai_epi32(0xffff, _mm512_sub_epi32(_mm512_add_epi32(_mm512_add_epi32(lo, lo), lo), hi), 8);
        else return lo;
    }

    template <AddCodes C, int NR, bool Wide>
    static BITLA_ALWAYS_INLINE void gemv_tile(const AddLayout& l, const AddRowsArgs& r, std::size_t n) noexcept {
        const std::int8_t* x = r.x;
        const std::uint8_t* p0 = r.w + l.row_offset(n);  // row j at p0 + 64 j
        const std::size_t bs = l.block_stride(), cp = l.phys(l.code_offset());
        const std::uint8_t* code = p0 + cp;               // code block b of row j at code + b·bs + 64 j
        constexpr bool stream = NR == 8;                   // a whole panel: prefetch the storage ahead
        const std::uint8_t* pf = p0 + prefetch_bytes;
        __m512i lo[NR], hi[NR], c[NR];
        __m512 y[NR];
        for (int j = 0; j < NR; ++j)
            lo[j] = hi[j] = c[j] = _mm512_setzero_si512(), y[j] = _mm512_setzero_ps();
        const bool grouped = r.out_f != nullptr;
        // Steps per flush unit: a superblock (grouped) or the whole row.
        const std::size_t per = grouped ? l.flush_steps() : l.steps, groups = l.groups;
        const __m512i one = _mm512_set1_epi8(1), two = _mm512_set1_epi8(2);
        const __m512i m3 = _mm512_set1_epi8(3), m12 = _mm512_set1_epi8(12);
        const __m512i t86 = _mm512_set1_epi8(static_cast<char>(86)), t171 = _mm512_set1_epi8(static_cast<char>(171));
        // Grouped tiles (HQQ) prefetch non-temporally: +3–7% on HQQ g64 in 4 of 4 same-process
        // A/B runs against T0 (384 MiB, one thread; +2–4% on two); ternary 2-bit within
        // noise, base-3 a little slower, so the others keep T0.
        const auto prefetch_line = [grouped](const std::uint8_t* a) __attribute__((always_inline)) {
            if (grouped) _mm_prefetch(reinterpret_cast<const char*>(a), _MM_HINT_NTA);
            else _mm_prefetch(reinterpret_cast<const char*>(a), _MM_HINT_T0);
        };
        const auto prefetch = [&]() __attribute__((always_inline)) {
            if constexpr (stream) {
                prefetch_line(pf);
                pf += 64;
            }
        };
        for (std::size_t s0 = 0, g0 = 0; s0 < l.steps; s0 += per, g0 += 16) {
            const std::size_t s1 = s0 + per;
            if constexpr (C == AddCodes::code2) {  // per is a multiple of 4 (gemv_supported)
                for (std::size_t t0 = s0; t0 < s1; t0 += 4) {
                    const std::uint8_t* blk = code + t0 / 4 * bs;
                    const __m512i x0 = _mm512_load_si512(x + 64 * t0), x1 = _mm512_load_si512(x + 64 * t0 + 64);
                    const __m512i x2 = _mm512_load_si512(x + 64 * t0 + 128), x3 = _mm512_load_si512(x + 64 * t0 + 192);
                    for (int j = 0; j < NR; ++j) {
                        prefetch();
                        const __m512i cv = _mm512_load_si512(blk + 64 * j);
                        const __m512i h = _mm512_srli_epi16(cv, 4);
                        lo[j] = K::dp(lo[j], _mm512_and_si512(cv, m3), x0);
                        hi[j] = K::dp(hi[j], _mm512_and_si512(cv, m12), x1);
                        lo[j] = K::dp(lo[j], _mm512_and_si512(h, m3), x2);
                        hi[j] = K::dp(hi[j], _mm512_and_si512(h, m12), x3);
                    }
                }
            } else if constexpr (C == AddCodes::bits) {
                for (std::size_t t = s0; t < s1; ++t) {
                    const __m512i xv = _mm512_load_si512(x + 64 * t);
                    const std::uint8_t* blk = code + t / 8 * bs + 8 * (t % 8);
                    for (int j = 0; j < NR; ++j) {
                        if (t % 8 == 0) prefetch();
                        lo[j] = K::dp(lo[j], _mm512_maskz_mov_epi8(K::mask_at(blk + 64 * j), one), xv);
                    }
                }
            } else {
                const auto step = [&](const std::int8_t* xp) __attribute__((always_inline)) {
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
                    for (int j = 0; j < NR; ++j) {
                        prefetch();
                        c[j] = _mm512_load_si512(code + blk5 * bs + 64 * j);
                    }
                };
                std::size_t t = s0;
                if (!grouped)  // whole row: block by block, the 5 steps of a block unrolled
                    for (; t + 5 <= s1; t += 5) {
                        load(t / 5);
                        [&]<int... I>(std::integer_sequence<int, I...>) __attribute__((always_inline)) {
                            (step(x + 64 * (t + I)), ...);
                        }(std::make_integer_sequence<int, 5>{});
                    }
                for (; t < s1; ++t) {  // a block may straddle a flush: c[] carries over
                    if (t % 5 == 0) load(t / 5);
                    step(x + 64 * t);
                }
            }
            if (grouped) {  // 16 chunk sums per row = 16 groups: y += s'·c + u'·xs
                const __mmask16 km = g0 + 16 <= groups ? static_cast<__mmask16>(0xffff)
                                     : g0 >= groups    ? static_cast<__mmask16>(0)
                                                       : static_cast<__mmask16>((1u << (groups - g0)) - 1u);
                const __m512 xs = _mm512_maskz_loadu_ps(km, r.xs + g0);
                // 16 fp16 values start at a multiple of 32 bytes: inside one 64-byte block.
                const std::uint8_t* sp = p0 + l.phys(l.scale_offset() + 2 * g0);
                const std::uint8_t* up = p0 + l.phys(l.zero_offset() + 2 * g0);
                for (int j = 0; j < NR; ++j) {
                    const __m512i v = combine<C, Wide>(lo[j], hi[j]);
                    lo[j] = hi[j] = _mm512_setzero_si512();
                    const __m512 sv = _mm512_maskz_cvtph_ps(0xffff, _mm256_maskz_loadu_epi16(km, sp + 64 * j));
                    const __m512 uv = _mm512_maskz_cvtph_ps(0xffff, _mm256_maskz_loadu_epi16(km, up + 64 * j));
                    y[j] = _mm512_fmadd_ps(_mm512_maskz_cvtepi32_ps(0xffff, v), sv, y[j]);
                    y[j] = _mm512_fmadd_ps(uv, xs, y[j]);
                }
            }
        }
        if constexpr (stream)  // the panel's metadata blocks: keep the stream ahead whole
            for (const std::uint8_t* end = p0 + prefetch_bytes + 8 * l.row_bytes; pf < end; pf += 64)
                prefetch_line(pf);
        const std::size_t o = n - r.first;
        if (grouped) {
            if constexpr (NR == 8) _mm256_storeu_ps(r.out_f + o, K::hsum8_ps(y));
            else
                for (int j = 0; j < NR; ++j) r.out_f[o + static_cast<std::size_t>(j)] = K::hsum_ps(y[j]);
            return;
        }
        for (int j = 0; j < NR; ++j) lo[j] = combine<C, Wide>(lo[j], hi[j]);
        store_sums(lo, r.out_i + o);
    }

    /// out[j] = the sum of v[j]'s lanes: one transposing reduction for a whole panel.
    template <int NR>
    static BITLA_ALWAYS_INLINE void store_sums(const __m512i (&v)[NR], std::int32_t* out) noexcept {
        if constexpr (NR == 8) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), K::hsum8(v));
        else
            for (int j = 0; j < NR; ++j) out[j] = K::hsum(v[j]);
    }

    /// Bits codes, ungrouped, with bit-sliced activations (core/add_layout.hpp, r.xb): one
    /// 64-byte load per 512 weights and row; bit i of every byte pairs with the activations
    /// xb[64 i ..]. With GFNI (the avx512_vnni level) one vgf2p8affineqb moves bit i to bit
    /// 0 (codes 0/1) for each of bits 1..7 (bit 0: an and): 8 selects + 8 dot products per
    /// 512 weights and row, all 8 rows' blocks held in registers while the 8 activation
    /// vectors are loaded once. Without it, c, c >> 2, c >> 4, c >> 6 (three shifts) each
    /// and-ed with 1 (bit 2h: codes 0/1, into lo) and 2 (bit 2h + 1: codes 0/2, into hi,
    /// halved exactly at the end). Both forms run at 36-38 GB/s from the L3 in the harness
    /// (one thread, Zen 4, GCC 12): the GFNI form is kept, 0-3% ahead. (Until session 6 both
    /// lost a fifth of the tile to the per-row horizontal sums; see Avx512Reduce::hsum8.)
    template <int NR>
    static BITLA_ALWAYS_INLINE void gemv_bits_tile(const AddLayout& l, const AddRowsArgs& r, std::size_t n) noexcept {
        const std::int8_t* xb = r.xb;
        const std::uint8_t* p0 = r.w + l.row_offset(n);
        const std::size_t bs = l.block_stride();
        const std::uint8_t* code = p0 + l.phys(l.code_offset());
        constexpr bool stream = NR == 8;
        const std::uint8_t* pf = p0 + prefetch_bytes;
        __m512i lo[NR], hi[NR];
        for (int j = 0; j < NR; ++j) lo[j] = hi[j] = _mm512_setzero_si512();
        const __m512i one = _mm512_set1_epi8(1), two = _mm512_set1_epi8(2);
        const auto prefetch = [&]() __attribute__((always_inline)) {  // one line per code block read
            if constexpr (stream) {
                _mm_prefetch(reinterpret_cast<const char*>(pf), _MM_HINT_T0);
                pf += 64;
            }
        };
        const std::size_t blocks = l.steps / 8;  // steps: a multiple of 16 (lane 64)
        for (std::size_t b = 0; b < blocks; ++b) {
            const std::int8_t* xp = xb + 512 * b;
            const std::uint8_t* blk = code + b * bs;
            if constexpr (K::vnni) {
                __m512i c[NR];
                for (int j = 0; j < NR; ++j) {
                    prefetch();
                    c[j] = _mm512_load_si512(blk + 64 * j);
                }
                const __m512i x0 = _mm512_load_si512(xp);
                for (int j = 0; j < NR; ++j) lo[j] = K::dp(lo[j], _mm512_and_si512(c[j], one), x0);
                // Bit i of each byte to bit 0: the affine matrix's byte 7 (output bit 0) is 1 << i.
                const auto select = [&]<int I>() __attribute__((always_inline)) {
                    __m512i m = _mm512_set1_epi64(static_cast<long long>(std::uint64_t{1} << (56 + I)));
                    __asm__("" : "+v"(m));  // one register, not a memory operand per row
                    const __m512i xv = _mm512_load_si512(xp + 64 * I);
                    for (int j = 0; j < NR; ++j) {
                        __m512i& acc = I % 2 != 0 ? hi[j] : lo[j];
                        acc = K::dp(acc, _mm512_gf2p8affine_epi64_epi8(c[j], m, 0), xv);
                    }
                };
                [&]<int... I>(std::integer_sequence<int, I...>) __attribute__((always_inline)) {
                    (select.template operator()<I + 1>(), ...);
                }(std::make_integer_sequence<int, 7>{});
            } else {
                __m512i xv[8];
                for (int i = 0; i < 8; ++i) xv[i] = _mm512_load_si512(xp + 64 * i);
                for (int j = 0; j < NR; ++j) {
                    prefetch();
                    const __m512i c = _mm512_load_si512(blk + 64 * j);
                    const __m512i c2 = _mm512_srli_epi16(c, 2), c4 = _mm512_srli_epi16(c, 4), c6 = _mm512_srli_epi16(c, 6);
                    lo[j] = K::dp(lo[j], _mm512_and_si512(c, one), xv[0]);
                    hi[j] = K::dp(hi[j], _mm512_and_si512(c, two), xv[1]);
                    lo[j] = K::dp(lo[j], _mm512_and_si512(c2, one), xv[2]);
                    hi[j] = K::dp(hi[j], _mm512_and_si512(c2, two), xv[3]);
                    lo[j] = K::dp(lo[j], _mm512_and_si512(c4, one), xv[4]);
                    hi[j] = K::dp(hi[j], _mm512_and_si512(c4, two), xv[5]);
                    lo[j] = K::dp(lo[j], _mm512_and_si512(c6, one), xv[6]);
                    hi[j] = K::dp(hi[j], _mm512_and_si512(c6, two), xv[7]);
                }
            }
        }
        // GFNI: hi holds codes 0/1 like lo; the shift form's hi holds 0/2.
        constexpr int hi_shift = K::vnni ? 0 : 1;
        for (int j = 0; j < NR; ++j) lo[j] = _mm512_add_epi32(lo[j], _mm512_maskz_srai_epi32(0xffff, hi[j], hi_shift));
        store_sums(lo, r.out_i + (n - r.first));
    }

    /// Rows up to the first panel boundary one at a time, whole panels as 8-row tiles, the
    /// rest as 4-, 2- and 1-row tiles (all inside one panel).
    template <AddCodes C, bool Sliced = false, bool Wide = false>
    static void gemv_rows(const AddLayout& l, const AddRowsArgs& r) noexcept {
        const auto tile = [&]<int NR>(std::size_t n) __attribute__((always_inline)) {
            if constexpr (Sliced) gemv_bits_tile<NR>(l, r, n);
            else gemv_tile<C, NR, Wide>(l, r, n);
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
                if (r.xb != nullptr && r.out_f == nullptr && l.groups == 0 && l.lane == 64)
                    return gemv_rows<AddCodes::bits, true>(l, r);
                return gemv_rows<AddCodes::bits>(l, r);
            case AddCodes::code2: return gemv_rows<AddCodes::code2>(l, r);
            case AddCodes::base3:
                // Wide sums need 3·Σ b·x (|.| <= 3·4·255·128 per lane and step) to fit int32
                // until a flush: a superblock (grouped) or the whole row.
                if constexpr (K::vnni)
                    if ((l.groups != 0 ? l.flush_steps() : l.steps) <= wide_base3_steps)
                        return gemv_rows<AddCodes::base3, false, true>(l, r);
                return gemv_rows<AddCodes::base3>(l, r);
            case AddCodes::planes: return GenericAdd<Arch>::gemv_i8(l, r);  // not gemv_supported
        }
    }

};

}  // namespace bitla::inline v0::kernels

#endif  // BITLA_FLAGS_AVX512BW
