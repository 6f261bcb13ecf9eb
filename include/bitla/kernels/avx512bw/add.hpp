// bitla/kernels/avx512bw/add.hpp — add-only tile kernels for the AVX-512 levels
// (avx512bw, avx512_vpopcnt, avx512_vnni; the contract is in kernels/add.hpp).
//
// Register plan (dot_i8, mr = nr = 4): 16 accumulators acc[i][j] (16 dword lanes each),
// 4 activation steps x[i], 4 decoded code steps q[j], a few constants: 26 of 32 zmm.
// One step is 64 values: per weight row the codes are decoded once into 64 bytes and
// multiplied into each activation row:
//   vnni      acc += vpdpbusd(q, x)               (u8 codes x s8 activations, exact)
//   otherwise acc += vpmaddwd(vpmaddubsw(q, x), 1) (pairs <= 2·127·128: no saturation
//             while codes <= 127, so 8-bit planes use the generic kernel here)
// Decoding per step: bits: a 64-bit mask -> 0/1 bytes (vmovdqu8 zero-masked); code2: one
// 64-byte load per 4 steps, shift + and; base3: one load per 5 steps, trit = (b >= 86) +
// (b >= 171), then b = 3b mod 256 (two byte adds); planes: one masked add per plane.
//
// GEMV of bits codes without groups reads bit-sliced activations (core/add_layout.hpp):
// per 512 weights and row one load, three shifts, eight ands and eight dot products.
// GEMV of base3 codes with VNNI decodes no trits: with b_j the byte after j steps and
// b_{j+1} = 3·b_j mod 256, 256·trit_j = 3·b_j - b_{j+1}, so per step two byte adds and two
// dot products (lo += b_j·x, hi += b_{j+1}·x) and (3·lo - hi) / 256 at each flush, exact.
// dot_f32 accumulates in fp32 (see f32_tile): 1 x 4 tiles at m = 1, 2 x 2 pieces above.
//
// add_i8 (mr = nr = 2) is the multiplication-free form: each code bit-plane is a 64-bit
// mask over the step and the activations, widened to int16, are added under it (the
// plane of weight 2 adds x + x). int16 lanes are folded into the dword chunk lanes at every
// superblock (<= 16 steps, |sum| <= 16·3·128), or every 64 steps in whole-row mode.
// (The maskz forms of some intrinsics with a full mask: GCC 12 at -O3 warns that the plain
// ones read an undefined register.)
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX512BW

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../../core/add_layout.hpp"
#include "../generic/add.hpp"

namespace bitla::inline v0::kernels {

template <class Arch>
struct Avx512Add {
    static constexpr bool vnni = Arch::id == isa::avx512_vnni;

    static BITLA_ALWAYS_INLINE __m512i dp(__m512i acc, __m512i q, __m512i x) noexcept {
        if constexpr (vnni) return _mm512_dpbusd_epi32(acc, q, x);
        else return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(q, x), _mm512_set1_epi16(1)));
    }
    static BITLA_ALWAYS_INLINE __mmask64 mask_at(const std::uint8_t* p) noexcept {
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        return _cvtu64_mask64(v);
    }
    /// One base-3 step (core/ternary_base3.hpp): the leading trit of each byte as a code 0, 1
    /// or 2 (byte >= 86, >= 171), and the byte times 3 mod 256, which brings up the next trit.
    /// The constants are the caller's, hoisted out of its loops.
    static BITLA_ALWAYS_INLINE __m512i next_trit(__m512i& c, __m512i t86, __m512i t171, __m512i one,
                                                  __m512i two) noexcept {
        const __mmask64 k1 = _mm512_cmpge_epu8_mask(c, t86);
        const __mmask64 k2 = _mm512_cmpge_epu8_mask(c, t171);
        c = _mm512_add_epi8(_mm512_add_epi8(c, c), c);
        return _mm512_mask_mov_epi8(_mm512_maskz_mov_epi8(k1, one), k2, two);
    }

    static BITLA_ALWAYS_INLINE int hsum(__m512i v) noexcept {
        alignas(64) std::int32_t lanes[16];
        _mm512_store_si512(lanes, v);
        int s = 0;
        for (int l : lanes) s += l;
        return s;
    }

    /// Decoded code steps of one weight row, block by block (B steps per block).
    template <AddCodes C>
    struct Rows;

    // ---- dot_i8 ------------------------------------------------------------------------

    template <AddCodes C, int MR, int NR>
    static void dot_tile(const AddLayout& l, const AddTileArgs& a) noexcept {
        const auto* x = static_cast<const std::int8_t*>(a.x);
        auto* out = static_cast<std::int32_t*>(a.out);
        const std::uint8_t* w[NR];
        for (int j = 0; j < NR; ++j) w[j] = a.w + static_cast<std::size_t>(j) * a.w_stride;
        __m512i acc[MR][NR];
        for (int i = 0; i < MR; ++i)
            for (int j = 0; j < NR; ++j) acc[i][j] = _mm512_setzero_si512();
        const __m512i one = _mm512_set1_epi8(1), three = _mm512_set1_epi8(3), two = _mm512_set1_epi8(2);
        const __m512i t86 = _mm512_set1_epi8(static_cast<char>(86)), t171 = _mm512_set1_epi8(static_cast<char>(171));
        std::size_t since = 0, block = 0;
        const int planes = l.bits;
        const std::size_t cp = l.phys(l.code_offset()), bs = l.block_stride();

        const auto flush_if_due = [&]() __attribute__((always_inline)) {
            if (a.flush != 0 && ++since == a.flush) {
                for (int i = 0; i < MR; ++i)
                    for (int j = 0; j < NR; ++j) {
                        _mm512_storeu_si512(out + static_cast<std::size_t>(i) * a.out_m +
                                                static_cast<std::size_t>(j) * a.out_n + 16 * block,
                                            acc[i][j]);
                        acc[i][j] = _mm512_setzero_si512();
                    }
                since = 0;
                ++block;
            }
        };
        const auto multiply = [&](std::size_t t, const __m512i (&q)[NR]) __attribute__((always_inline)) {
            for (int i = 0; i < MR; ++i) {
                const __m512i xv = _mm512_loadu_si512(x + static_cast<std::size_t>(i) * a.x_stride + 64 * t);
                for (int j = 0; j < NR; ++j) acc[i][j] = dp(acc[i][j], q[j], xv);
            }
            flush_if_due();
        };

        if constexpr (C == AddCodes::bits) {
            for (std::size_t t = 0; t < a.steps; ++t) {
                __m512i q[NR];
                for (int j = 0; j < NR; ++j)
                    q[j] = _mm512_maskz_mov_epi8(mask_at(w[j] + cp + t / 8 * bs + 8 * (t % 8)), one);
                multiply(t, q);
            }
        } else if constexpr (C == AddCodes::planes) {
            const std::size_t stride = 8 * static_cast<std::size_t>(planes);
            for (std::size_t t = 0; t < a.steps; ++t) {
                __m512i q[NR];
                for (int j = 0; j < NR; ++j) {
                    q[j] = _mm512_setzero_si512();
                    for (int b = 0; b < planes; ++b)
                        q[j] = _mm512_mask_add_epi8(q[j], mask_at(w[j] + l.phys(l.code_offset() + stride * t + 8 * b)), q[j],
                                                    _mm512_set1_epi8(static_cast<char>(1 << b)));
                }
                multiply(t, q);
            }
        } else if constexpr (C == AddCodes::code2) {
            for (std::size_t t0 = 0; t0 < a.steps; t0 += 4) {
                __m512i c[NR];
                for (int j = 0; j < NR; ++j) c[j] = _mm512_load_si512(w[j] + cp + t0 / 4 * bs);
                for (int s = 0; s < 4 && t0 + static_cast<std::size_t>(s) < a.steps; ++s) {
                    __m512i q[NR];
                    for (int j = 0; j < NR; ++j)
                        q[j] = _mm512_and_si512(s == 0 ? c[j] : _mm512_srli_epi16(c[j], static_cast<unsigned>(2 * s)),
                                                three);
                    multiply(t0 + static_cast<std::size_t>(s), q);
                }
            }
        } else {  // base3
            for (std::size_t t0 = 0, b = 0; t0 < a.steps; t0 += 5, ++b) {
                __m512i c[NR];
                for (int j = 0; j < NR; ++j) c[j] = _mm512_load_si512(w[j] + cp + b * bs);
                for (int s = 0; s < 5 && t0 + static_cast<std::size_t>(s) < a.steps; ++s) {
                    __m512i q[NR];
                    for (int j = 0; j < NR; ++j) q[j] = next_trit(c[j], t86, t171, one, two);
                    multiply(t0 + static_cast<std::size_t>(s), q);
                }
            }
        }
        if (a.flush == 0)
            for (int i = 0; i < MR; ++i)
                for (int j = 0; j < NR; ++j)
                    out[static_cast<std::size_t>(i) * a.out_m + static_cast<std::size_t>(j) * a.out_n] = hsum(acc[i][j]);
    }

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
    // metadata blocks, so the stream ahead is covered without gaps.

    static constexpr std::size_t prefetch_bytes = 8192;
    static constexpr std::size_t wide_base3_steps = 0x7fffffff / (3 * 4 * 255 * 128);

    static BITLA_ALWAYS_INLINE float hsum_ps(__m512 v) noexcept {
        alignas(64) float lanes[16];
        _mm512_store_ps(lanes, v);
        float s = 0;
        for (float l : lanes) s += l;
        return s;
    }

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
        const auto prefetch = [&]() __attribute__((always_inline)) {
            if constexpr (stream) {
                _mm_prefetch(reinterpret_cast<const char*>(pf), _MM_HINT_T0);
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
                        lo[j] = dp(lo[j], _mm512_and_si512(cv, m3), x0);
                        hi[j] = dp(hi[j], _mm512_and_si512(cv, m12), x1);
                        lo[j] = dp(lo[j], _mm512_and_si512(h, m3), x2);
                        hi[j] = dp(hi[j], _mm512_and_si512(h, m12), x3);
                    }
                }
            } else if constexpr (C == AddCodes::bits) {
                for (std::size_t t = s0; t < s1; ++t) {
                    const __m512i xv = _mm512_load_si512(x + 64 * t);
                    const std::uint8_t* blk = code + t / 8 * bs + 8 * (t % 8);
                    for (int j = 0; j < NR; ++j) {
                        if (t % 8 == 0) prefetch();
                        lo[j] = dp(lo[j], _mm512_maskz_mov_epi8(mask_at(blk + 64 * j), one), xv);
                    }
                }
            } else {  // base3: a block of 5 steps may straddle a flush; c[] carries over
                for (std::size_t t = s0; t < s1; ++t) {
                    const __m512i xv = _mm512_load_si512(x + 64 * t);
                    const bool fresh = t % 5 == 0;
                    const std::uint8_t* blk = code + t / 5 * bs;
                    for (int j = 0; j < NR; ++j) {
                        if (fresh) {
                            prefetch();
                            c[j] = _mm512_load_si512(blk + 64 * j);
                        }
                        if constexpr (Wide) {  // 256·trit = 3·b - (3·b mod 256): lo += b·x, hi += b'·x
                            lo[j] = dp(lo[j], c[j], xv);
                            c[j] = _mm512_add_epi8(_mm512_add_epi8(c[j], c[j]), c[j]);
                            hi[j] = dp(hi[j], c[j], xv);
                        } else {
                            lo[j] = dp(lo[j], next_trit(c[j], t86, t171, one, two), xv);
                        }
                    }
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
                _mm_prefetch(reinterpret_cast<const char*>(pf), _MM_HINT_T0);
        for (int j = 0; j < NR; ++j) {
            const std::size_t o = n - r.first + static_cast<std::size_t>(j);
            if (grouped) {
                r.out_f[o] = hsum_ps(y[j]);
            } else {
                r.out_i[o] = hsum(combine<C, Wide>(lo[j], hi[j]));
            }
        }
    }

    /// Bits codes, ungrouped, with bit-sliced activations (core/add_layout.hpp, r.xb): one
    /// 64-byte load per 512 weights and row, decoded by c, c >> 2, c >> 4, c >> 6 (three
    /// shifts) each and-ed with 1 (bit 2h: codes 0/1, into lo) and 2 (bit 2h + 1: codes 0/2,
    /// into hi, halved exactly at the end): 1 and + 1 dot product per 64 weights, no masks.
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
        const std::size_t blocks = l.steps / 8;  // steps: a multiple of 16 (lane 64)
        for (std::size_t b = 0; b < blocks; ++b) {
            const std::int8_t* xp = xb + 512 * b;
            __m512i xv[8];
            for (int i = 0; i < 8; ++i) xv[i] = _mm512_load_si512(xp + 64 * i);
            const std::uint8_t* blk = code + b * bs;
            for (int j = 0; j < NR; ++j) {
                if constexpr (stream) {
                    _mm_prefetch(reinterpret_cast<const char*>(pf), _MM_HINT_T0);
                    pf += 64;
                }
                const __m512i c = _mm512_load_si512(blk + 64 * j);
                const __m512i c2 = _mm512_srli_epi16(c, 2), c4 = _mm512_srli_epi16(c, 4), c6 = _mm512_srli_epi16(c, 6);
                lo[j] = dp(lo[j], _mm512_and_si512(c, one), xv[0]);
                hi[j] = dp(hi[j], _mm512_and_si512(c, two), xv[1]);
                lo[j] = dp(lo[j], _mm512_and_si512(c2, one), xv[2]);
                hi[j] = dp(hi[j], _mm512_and_si512(c2, two), xv[3]);
                lo[j] = dp(lo[j], _mm512_and_si512(c4, one), xv[4]);
                hi[j] = dp(hi[j], _mm512_and_si512(c4, two), xv[5]);
                lo[j] = dp(lo[j], _mm512_and_si512(c6, one), xv[6]);
                hi[j] = dp(hi[j], _mm512_and_si512(c6, two), xv[7]);
            }
        }
        for (int j = 0; j < NR; ++j)
            r.out_i[n - r.first + static_cast<std::size_t>(j)] =
                hsum(_mm512_add_epi32(lo[j], _mm512_maskz_srai_epi32(0xffff, hi[j], 1)));
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
                if constexpr (vnni)
                    if ((l.groups != 0 ? l.flush_steps() : l.steps) <= wide_base3_steps)
                        return gemv_rows<AddCodes::base3, false, true>(l, r);
                return gemv_rows<AddCodes::base3>(l, r);
            case AddCodes::planes: return GenericAdd<Arch>::gemv_i8(l, r);  // not gemv_supported
        }
    }

    // ---- add_i8: masked int16 adds -----------------------------------------------------

    /// 16 dword lanes from two int16 halves (bytes 0..31, 32..63 of a step).
    static BITLA_ALWAYS_INLINE __m512i fold16(__m512i lo, __m512i hi) noexcept {
        const __m512i ones = _mm512_set1_epi16(1);
        __m512i a = _mm512_madd_epi16(lo, ones), b = _mm512_madd_epi16(hi, ones);  // pairs of bytes
        a = _mm512_add_epi32(a, _mm512_maskz_srli_epi64(0xff, a, 32));                          // quads in even lanes
        b = _mm512_add_epi32(b, _mm512_maskz_srli_epi64(0xff, b, 32));
        const __m512i idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        return _mm512_permutex2var_epi32(a, idx, b);
    }

    template <AddCodes C, int MR, int NR>
    static void add_tile(const AddLayout& l, const AddTileArgs& a) noexcept {
        const auto* x = static_cast<const std::int8_t*>(a.x);
        auto* out = static_cast<std::int32_t*>(a.out);
        const std::uint8_t* w[NR];
        for (int j = 0; j < NR; ++j) w[j] = a.w + static_cast<std::size_t>(j) * a.w_stride;
        __m512i acc[MR][NR], lo[MR][NR], hi[MR][NR];
        for (int i = 0; i < MR; ++i)
            for (int j = 0; j < NR; ++j) acc[i][j] = lo[i][j] = hi[i][j] = _mm512_setzero_si512();
        const std::size_t fold_every = a.flush != 0 ? a.flush : 64;
        std::size_t since = 0, block = 0;
        const __m512i t86 = _mm512_set1_epi8(static_cast<char>(86)), t171 = _mm512_set1_epi8(static_cast<char>(171));
        const std::size_t cp = l.phys(l.code_offset()), bs = l.block_stride();

        // k1 selects x once, k2 selects x again (weight 2 for code2's high bit, the second
        // threshold for base3's trit), k0 unused when zero.
        const auto add = [&](std::size_t t, const __mmask64 (&k1)[NR], const __mmask64 (&k2)[NR]) __attribute__((always_inline)) {
            for (int i = 0; i < MR; ++i) {
                const std::int8_t* xp = x + static_cast<std::size_t>(i) * a.x_stride + 64 * t;
                const __m512i xl = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(xp)));
                const __m512i xh = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(xp + 32)));
                for (int j = 0; j < NR; ++j) {
                    const __mmask32 a1 = static_cast<__mmask32>(k1[j]), b1 = static_cast<__mmask32>(k1[j] >> 32);
                    lo[i][j] = _mm512_mask_add_epi16(lo[i][j], a1, lo[i][j], xl);
                    hi[i][j] = _mm512_mask_add_epi16(hi[i][j], b1, hi[i][j], xh);
                    if constexpr (C != AddCodes::bits) {
                        const __mmask32 a2 = static_cast<__mmask32>(k2[j]), b2 = static_cast<__mmask32>(k2[j] >> 32);
                        if constexpr (C == AddCodes::code2) {
                            lo[i][j] = _mm512_mask_add_epi16(lo[i][j], a2, lo[i][j], _mm512_add_epi16(xl, xl));
                            hi[i][j] = _mm512_mask_add_epi16(hi[i][j], b2, hi[i][j], _mm512_add_epi16(xh, xh));
                        } else {
                            lo[i][j] = _mm512_mask_add_epi16(lo[i][j], a2, lo[i][j], xl);
                            hi[i][j] = _mm512_mask_add_epi16(hi[i][j], b2, hi[i][j], xh);
                        }
                    }
                }
            }
            if (++since == fold_every) {
                for (int i = 0; i < MR; ++i)
                    for (int j = 0; j < NR; ++j) {
                        const __m512i f = fold16(lo[i][j], hi[i][j]);
                        lo[i][j] = hi[i][j] = _mm512_setzero_si512();
                        if (a.flush != 0)
                            _mm512_storeu_si512(out + static_cast<std::size_t>(i) * a.out_m +
                                                    static_cast<std::size_t>(j) * a.out_n + 16 * block,
                                                f);
                        else
                            acc[i][j] = _mm512_add_epi32(acc[i][j], f);
                    }
                since = 0;
                ++block;
            }
        };

        __mmask64 k1[NR], k2[NR];
        if constexpr (C == AddCodes::bits) {
            for (std::size_t t = 0; t < a.steps; ++t) {
                for (int j = 0; j < NR; ++j) k1[j] = mask_at(w[j] + cp + t / 8 * bs + 8 * (t % 8)), k2[j] = 0;
                add(t, k1, k2);
            }
        } else if constexpr (C == AddCodes::code2) {
            for (std::size_t t0 = 0; t0 < a.steps; t0 += 4) {
                __m512i c[NR];
                for (int j = 0; j < NR; ++j) c[j] = _mm512_load_si512(w[j] + cp + t0 / 4 * bs);
                for (int s = 0; s < 4 && t0 + static_cast<std::size_t>(s) < a.steps; ++s) {
                    const __m512i b0 = _mm512_set1_epi8(static_cast<char>(1 << (2 * s)));
                    const __m512i b1 = _mm512_set1_epi8(static_cast<char>(2 << (2 * s)));
                    for (int j = 0; j < NR; ++j)
                        k1[j] = _mm512_test_epi8_mask(c[j], b0), k2[j] = _mm512_test_epi8_mask(c[j], b1);
                    add(t0 + static_cast<std::size_t>(s), k1, k2);
                }
            }
        } else {  // base3
            for (std::size_t t0 = 0, b = 0; t0 < a.steps; t0 += 5, ++b) {
                __m512i c[NR];
                for (int j = 0; j < NR; ++j) c[j] = _mm512_load_si512(w[j] + cp + b * bs);
                for (int s = 0; s < 5 && t0 + static_cast<std::size_t>(s) < a.steps; ++s) {
                    for (int j = 0; j < NR; ++j) {
                        k1[j] = _mm512_cmpge_epu8_mask(c[j], t86);
                        k2[j] = _mm512_cmpge_epu8_mask(c[j], t171);
                        c[j] = _mm512_add_epi8(_mm512_add_epi8(c[j], c[j]), c[j]);
                    }
                    add(t0 + static_cast<std::size_t>(s), k1, k2);
                }
            }
        }
        if (a.flush == 0)
            for (int i = 0; i < MR; ++i)
                for (int j = 0; j < NR; ++j) {
                    const __m512i f = _mm512_add_epi32(acc[i][j], fold16(lo[i][j], hi[i][j]));
                    out[static_cast<std::size_t>(i) * a.out_m + static_cast<std::size_t>(j) * a.out_n] = hsum(f);
                }
    }

    // ---- dot_f32: float activations ------------------------------------------------------
    //
    // MR activation rows against NR weight rows (MR·NR <= 4: 1 x 4 for GEMV, 2 x 2 pieces of
    // larger tiles), fp32 accumulators acc[i][j][v] for the 4 registers v of a step (floats
    // 16v .. 16v+15); a weight row's step is decoded once for all MR activation rows. bits: x added under the 16-bit slices of
    // the step's code word (one masked add per 16 weights); other codes: the step's code
    // bytes (decoded as in dot_tile) widened to floats and multiplied in (vpmovzxbd, vcvtdq2ps,
    // vfmadd). At a superblock flush, float lane i of register v belongs to dword lane
    // 4v + i/4 (core/add_layout.hpp), so each chunk sum is a sum of four float lanes.

    template <AddCodes C, int MR, int NR>
    static void f32_tile(const AddLayout& l, const AddTileArgs& a) noexcept {
        static_assert(MR * NR <= 4);
        const auto* x = static_cast<const float*>(a.x);
        auto* out = static_cast<float*>(a.out);
        const std::uint8_t* w[NR];
        #pragma GCC unroll 4
        for (int j = 0; j < NR; ++j) w[j] = a.w + static_cast<std::size_t>(j) * a.w_stride;
        __m512 acc[MR][NR][4];
        #pragma GCC unroll 4
        for (int i = 0; i < MR; ++i)
            #pragma GCC unroll 4
            for (int j = 0; j < NR; ++j)
                #pragma GCC unroll 4
                for (int v = 0; v < 4; ++v) acc[i][j][v] = _mm512_setzero_ps();
        const __m512i one = _mm512_set1_epi8(1), two = _mm512_set1_epi8(2), three = _mm512_set1_epi8(3);
        const __m512i t86 = _mm512_set1_epi8(static_cast<char>(86)), t171 = _mm512_set1_epi8(static_cast<char>(171));
        const std::size_t cp = l.phys(l.code_offset()), bs = l.block_stride();
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
        const auto multiply = [&](std::size_t t, const __m512i (&q)[NR]) __attribute__((always_inline)) {
            const float* xp = x + 64 * t;
            const auto reg = [&]<int V>() __attribute__((always_inline)) {
                __m512 xv[MR];
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
            for (std::size_t t = 0; t < a.steps; ++t) {
                const float* xp = x + 64 * t;
                #pragma GCC unroll 4
                for (int v = 0; v < 4; ++v) {
                    __m512 xv[MR];
                    #pragma GCC unroll 4
                    for (int i = 0; i < MR; ++i)
                        xv[i] = _mm512_loadu_ps(xp + static_cast<std::size_t>(i) * a.x_stride + 16 * v);
                    #pragma GCC unroll 4
                    for (int j = 0; j < NR; ++j) {
                        std::uint16_t m;
                        std::memcpy(&m, w[j] + cp + t / 8 * bs + 8 * (t % 8) + 2 * static_cast<std::size_t>(v), 2);
                        #pragma GCC unroll 4
                        for (int i = 0; i < MR; ++i)
                            acc[i][j][v] = _mm512_mask_add_ps(acc[i][j][v], _cvtu32_mask16(m), acc[i][j][v], xv[i]);
                    }
                }
                flush_if_due();
            }
        } else if constexpr (C == AddCodes::planes) {
            const std::size_t stride = 8 * static_cast<std::size_t>(l.bits);
            for (std::size_t t = 0; t < a.steps; ++t) {
                __m512i q[NR];
                #pragma GCC unroll 4
                for (int j = 0; j < NR; ++j) {
                    q[j] = _mm512_setzero_si512();
                    for (int b = 0; b < l.bits; ++b)
                        q[j] = _mm512_mask_add_epi8(q[j], mask_at(w[j] + l.phys(l.code_offset() + stride * t + 8 * static_cast<std::size_t>(b))),
                                                    q[j], _mm512_set1_epi8(static_cast<char>(1 << b)));
                }
                multiply(t, q);
            }
        } else if constexpr (C == AddCodes::code2) {
            for (std::size_t t0 = 0; t0 < a.steps; t0 += 4) {
                __m512i c[NR];
                #pragma GCC unroll 4
                for (int j = 0; j < NR; ++j) c[j] = _mm512_load_si512(w[j] + cp + t0 / 4 * bs);
                for (int s = 0; s < 4 && t0 + static_cast<std::size_t>(s) < a.steps; ++s) {
                    __m512i q[NR];
                    #pragma GCC unroll 4
                    for (int j = 0; j < NR; ++j)
                        q[j] = _mm512_and_si512(s == 0 ? c[j] : _mm512_srli_epi16(c[j], static_cast<unsigned>(2 * s)),
                                                three);
                    multiply(t0 + static_cast<std::size_t>(s), q);
                }
            }
        } else {  // base3
            for (std::size_t t0 = 0, b = 0; t0 < a.steps; t0 += 5, ++b) {
                __m512i c[NR];
                #pragma GCC unroll 4
                for (int j = 0; j < NR; ++j) c[j] = _mm512_load_si512(w[j] + cp + b * bs);
                for (int s = 0; s < 5 && t0 + static_cast<std::size_t>(s) < a.steps; ++s) {
                    __m512i q[NR];
                    #pragma GCC unroll 4
                    for (int j = 0; j < NR; ++j) q[j] = next_trit(c[j], t86, t171, one, two);
                    multiply(t0 + static_cast<std::size_t>(s), q);
                }
            }
        }
        if (a.flush == 0)
            #pragma GCC unroll 4
            for (int i = 0; i < MR; ++i)
                #pragma GCC unroll 4
                for (int j = 0; j < NR; ++j)
                    out[static_cast<std::size_t>(i) * a.out_m + static_cast<std::size_t>(j) * a.out_n] = hsum_ps(
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
        for (int i = 0; i < a.m; i += 2)
            for (int j = 0; j < a.n; j += 2) {
                AddTileArgs p = a;
                p.m = a.m - i < 2 ? a.m - i : 2;
                p.n = a.n - j < 2 ? a.n - j : 2;
                p.x = static_cast<const float*>(a.x) + static_cast<std::size_t>(i) * a.x_stride;
                p.w = a.w + static_cast<std::size_t>(j) * a.w_stride;
                p.out = static_cast<float*>(a.out) + static_cast<std::size_t>(i) * a.out_m +
                        static_cast<std::size_t>(j) * a.out_n;
                if (p.m == 2 && p.n == 2) f32_tile<C, 2, 2>(l, p);
                else if (p.m == 2) f32_tile<C, 2, 1>(l, p);
                else if (p.n == 2) f32_tile<C, 1, 2>(l, p);
                else f32_tile<C, 1, 1>(l, p);
            }
    }

    static void dot_f32(const AddLayout& l, const AddTileArgs& a) noexcept {
        if (a.m == 1 && a.n > 4) return GenericAdd<Arch>::dot_f32(l, a);
        switch (l.codes) {
            case AddCodes::bits: return f32_rows<AddCodes::bits>(l, a);
            case AddCodes::code2: return f32_rows<AddCodes::code2>(l, a);
            case AddCodes::base3: return f32_rows<AddCodes::base3>(l, a);
            case AddCodes::planes: return f32_rows<AddCodes::planes>(l, a);
        }
    }

    // ---- dispatch on format and tile size ----------------------------------------------

    template <template <AddCodes, int, int> class Fn, AddCodes C, int MaxM, int MaxN>
    static void by_size(const AddLayout& l, const AddTileArgs& a) noexcept {
        static_assert(MaxM <= 4 && MaxN <= 4);
        const int key = (a.m - 1) * 4 + (a.n - 1);
        switch (key) {
#define BITLA_ADD_CASE(M, N)                                        \
    case (M - 1) * 4 + (N - 1):                                     \
        if constexpr (M <= MaxM && N <= MaxN) Fn<C, M, N>::run(l, a); \
        return;
            BITLA_ADD_CASE(1, 1) BITLA_ADD_CASE(1, 2) BITLA_ADD_CASE(1, 3) BITLA_ADD_CASE(1, 4)
            BITLA_ADD_CASE(2, 1) BITLA_ADD_CASE(2, 2) BITLA_ADD_CASE(2, 3) BITLA_ADD_CASE(2, 4)
            BITLA_ADD_CASE(3, 1) BITLA_ADD_CASE(3, 2) BITLA_ADD_CASE(3, 3) BITLA_ADD_CASE(3, 4)
            BITLA_ADD_CASE(4, 1) BITLA_ADD_CASE(4, 2) BITLA_ADD_CASE(4, 3) BITLA_ADD_CASE(4, 4)
#undef BITLA_ADD_CASE
            default: return;
        }
    }

    template <AddCodes C, int M, int N>
    struct Dot {
        static void run(const AddLayout& l, const AddTileArgs& a) noexcept { dot_tile<C, M, N>(l, a); }
    };
    template <AddCodes C, int M, int N>
    struct Add {
        static void run(const AddLayout& l, const AddTileArgs& a) noexcept { add_tile<C, M, N>(l, a); }
    };

    static void dot_i8(const AddLayout& l, const AddTileArgs& a) noexcept {
        switch (l.codes) {
            case AddCodes::bits: return by_size<Dot, AddCodes::bits, 4, 4>(l, a);
            case AddCodes::code2: return by_size<Dot, AddCodes::code2, 4, 4>(l, a);
            case AddCodes::base3: return by_size<Dot, AddCodes::base3, 4, 4>(l, a);
            case AddCodes::planes:
                if (!vnni && l.bits == 8) return GenericAdd<Arch>::dot_i8(l, a);
                return by_size<Dot, AddCodes::planes, 4, 4>(l, a);
        }
    }

    /// Tiles up to 2 x 2 (the int16 accumulators take three registers per output): a
    /// larger tile is computed as 2 x 2 pieces (its codes then decode once per piece).
    static void add_i8(const AddLayout& l, const AddTileArgs& a) noexcept {
        if (a.m > 2 || a.n > 2) {
            for (int i = 0; i < a.m; i += 2)
                for (int j = 0; j < a.n; j += 2) {
                    AddTileArgs p = a;
                    p.m = a.m - i < 2 ? a.m - i : 2;
                    p.n = a.n - j < 2 ? a.n - j : 2;
                    p.x = static_cast<const std::int8_t*>(a.x) + static_cast<std::size_t>(i) * a.x_stride;
                    p.w = a.w + static_cast<std::size_t>(j) * a.w_stride;
                    p.out = static_cast<std::int32_t*>(a.out) + static_cast<std::size_t>(i) * a.out_m +
                            static_cast<std::size_t>(j) * a.out_n;
                    add_i8(l, p);
                }
            return;
        }
        switch (l.codes) {
            case AddCodes::bits: return by_size<Add, AddCodes::bits, 2, 2>(l, a);
            case AddCodes::code2: return by_size<Add, AddCodes::code2, 2, 2>(l, a);
            case AddCodes::base3: return by_size<Add, AddCodes::base3, 2, 2>(l, a);
            case AddCodes::planes: return dot_i8(l, a);  // 2^i-weighted planes overflow int16 lanes
        }
    }

    static float groups(const float* c, const std::uint16_t* s, const std::uint16_t* u, const float* xs,
                        std::size_t n) noexcept {
        __m512 y = _mm512_setzero_ps();
        std::size_t g = 0;
        for (; g + 16 <= n; g += 16) {
            const __m512 sv = _mm512_maskz_cvtph_ps(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + g)));
            const __m512 uv = _mm512_maskz_cvtph_ps(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(u + g)));
            y = _mm512_fmadd_ps(sv, _mm512_loadu_ps(c + g), y);
            y = _mm512_fmadd_ps(uv, _mm512_loadu_ps(xs + g), y);
        }
        if (g < n) {
            const __mmask16 k = static_cast<__mmask16>((1u << (n - g)) - 1);
            const __m512 sv = _mm512_maskz_cvtph_ps(0xffff, _mm256_maskz_loadu_epi16(k, s + g));
            const __m512 uv = _mm512_maskz_cvtph_ps(0xffff, _mm256_maskz_loadu_epi16(k, u + g));
            y = _mm512_fmadd_ps(sv, _mm512_maskz_loadu_ps(k, c + g), y);
            y = _mm512_fmadd_ps(uv, _mm512_maskz_loadu_ps(k, xs + g), y);
        }
        alignas(64) float lanes[16];
        _mm512_store_ps(lanes, y);
        float r = 0;
        for (float l : lanes) r += l;
        return r;
    }
};

template <class Arch>
struct AddImpl<Arch, std::enable_if_t<(Arch::id >= isa::avx512bw)>> {
    static AddKernels family() noexcept {
        using K = Avx512Add<Arch>;
        return {&K::dot_i8, &K::add_i8, &K::dot_f32, &K::groups, 4, 4, &K::gemv_i8};
    }
};

}  // namespace bitla::inline v0::kernels

#endif  // BITLA_FLAGS_AVX512BW
