// bitla/kernels/avx2/add.hpp — add-only kernels for AVX2 (the contract is in kernels/add.hpp).
//
// One step (64 values) is two ymm halves: bytes 0..31 hold dword lanes 0..7 of the step,
// bytes 32..63 lanes 8..15 (core/add_layout.hpp). Per weight row the step's codes are
// decoded into two ymm of bytes, then multiplied into each activation row with vpmaddubsw
// (u8 codes x s8 activations, byte pairs summed to int16: <= 2·3·128, no saturation) and
// added into int16 accumulators, which are widened into the dword lanes (vpmaddwd by 1)
// every 16 steps (16·768 < 2^15) and at every superblock flush.
//
// Decoding per step and half: bits: the panel's step block (core/add_layout.hpp) and with
// the row's bit, min with 1: two ops; code2: one load per 4 steps, shift + and; base3: one
// load per 5 steps, trit = (b >= 86) + (b >= 171) as two unsigned max/compare pairs
// subtracted from 0, then b = 3b mod 256 (two adds).
// n-bit planes (3..8 bits) use the generic kernel.
//
//   dot_i8   tiles up to 2 x 2 (mr = nr = 2: 8 int16 accumulators, the codes' state, x)
//   gemv_i8  one activation row: whole 8-row panels of bits (ungrouped) and code2 codes
//            in one pass each (kernels/avx2/add_gemv_panel.hpp); base3 and the rows around
//            a range's partial panels two at a time, the first pair of a panel prefetching
//            it `prefetch_bytes` ahead; the grouped epilogue converts the fp16 metadata
//            with integer ops (no F16C needed)
//   dot_f32  codes decoded as above, widened to floats, fp32 FMAs (bits, code2, base3)
//   gemv_out 8 rows a vector (kernels/avx2/add_gemv_out.hpp)
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX2

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../../core/add_layout.hpp"
#include "../generic/add.hpp"
#include "add_gemv_out.hpp"
#include "add_gemv_panel.hpp"

namespace bitla::inline v0::kernels {

template <class Arch>
struct Avx2Add {
    static constexpr std::size_t prefetch_bytes = 8192;

    /// Decoder state of one weight row: its codes' first byte and, for code2 / base3, the
    /// 64-byte block being consumed; for bits, the panel's step-0 block and the row's bit.
    struct Row {
        const std::uint8_t* code = nullptr;  ///< logical code byte 0 of the row (bits: the panel's block 0)
        __m256i c[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
        __m256i bit = _mm256_setzero_si256();  ///< bits: the row's bit in every byte
    };

    /// The decoder state of the row at w, row r of its panel.
    static BITLA_ALWAYS_INLINE Row row_at(const AddLayout& l, const std::uint8_t* w, std::size_t r) noexcept {
        Row row;
        if (l.codes == AddCodes::bits) {
            row.code = w + l.bits_block(r, 0);
            row.bit = _mm256_set1_epi8(static_cast<char>(1u << r));
        } else {
            row.code = w + l.phys(l.code_offset());
        }
        return row;
    }

    struct Consts {
        __m256i one = _mm256_set1_epi8(1), three = _mm256_set1_epi8(3);
        __m256i t86 = _mm256_set1_epi8(86), t171 = _mm256_set1_epi8(static_cast<char>(171));
    };

    /// Codes of step t of a row into q[0] (bytes 0..31) and q[1] (bytes 32..63).
    template <AddCodes C>
    static BITLA_ALWAYS_INLINE void decode(const AddLayout& l, Row& r, std::size_t t, const Consts& k,
                                           __m256i (&q)[2]) noexcept {
        const std::size_t bs = l.block_stride();
        if constexpr (C == AddCodes::bits) {
            for (int h = 0; h < 2; ++h) {
                const __m256i c = _mm256_load_si256(reinterpret_cast<const __m256i*>(r.code + 64 * t + 32 * h));
                q[h] = _mm256_min_epu8(_mm256_and_si256(c, r.bit), k.one);
            }
        } else if constexpr (C == AddCodes::code2) {
            const unsigned s = static_cast<unsigned>(t % 4);
            if (s == 0) {
                const std::uint8_t* b = r.code + t / 4 * bs;
                r.c[0] = _mm256_load_si256(reinterpret_cast<const __m256i*>(b));
                r.c[1] = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + 32));
            }
            for (int h = 0; h < 2; ++h)
                q[h] = _mm256_and_si256(s == 0 ? r.c[h] : _mm256_srli_epi16(r.c[h], static_cast<int>(2 * s)), k.three);
        } else {  // base3
            if (t % 5 == 0) {
                const std::uint8_t* b = r.code + t / 5 * bs;
                r.c[0] = _mm256_load_si256(reinterpret_cast<const __m256i*>(b));
                r.c[1] = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + 32));
            }
            for (int h = 0; h < 2; ++h) {
                const __m256i c = r.c[h];
                const __m256i ge86 = _mm256_cmpeq_epi8(_mm256_max_epu8(c, k.t86), c);
                const __m256i ge171 = _mm256_cmpeq_epi8(_mm256_max_epu8(c, k.t171), c);
                q[h] = _mm256_sub_epi8(_mm256_sub_epi8(_mm256_setzero_si256(), ge86), ge171);
                r.c[h] = _mm256_add_epi8(_mm256_add_epi8(c, c), c);
            }
        }
    }

    static BITLA_ALWAYS_INLINE int hsum(__m256i v) noexcept { return Avx2PanelGemv<Arch>::hsum(v); }

    /// The core loop: MR activation rows x NR weight rows over all steps. After every `per`
    /// steps (a superblock, or the whole row) done(i, j, lanes_lo, lanes_hi) receives the
    /// 16 dword-lane sums (lanes 0..7 and 8..15).
    template <AddCodes C, int MR, int NR, class Done, class Prefetch>
    static BITLA_ALWAYS_INLINE void sweep(const AddLayout& l, const std::int8_t* x, std::size_t x_stride, Row (&w)[NR],
                                          std::size_t steps, std::size_t per, Done&& done, Prefetch&& prefetch) noexcept {
        const Consts k;
        const __m256i ones16 = _mm256_set1_epi16(1);
        __m256i a16[MR][NR][2], a32[MR][NR][2];
        for (int i = 0; i < MR; ++i)
            for (int j = 0; j < NR; ++j)
                for (int h = 0; h < 2; ++h) a16[i][j][h] = a32[i][j][h] = _mm256_setzero_si256();
        std::size_t since = 0, in_block = 0;
        for (std::size_t t = 0; t < steps; ++t) {
            prefetch(t);
            for (int j = 0; j < NR; ++j) {
                __m256i q[2];
                decode<C>(l, w[j], t, k, q);
                for (int i = 0; i < MR; ++i) {
                    const std::int8_t* xp = x + static_cast<std::size_t>(i) * x_stride + 64 * t;
                    for (int h = 0; h < 2; ++h)
                        a16[i][j][h] = _mm256_add_epi16(
                            a16[i][j][h],
                            _mm256_maddubs_epi16(q[h], _mm256_load_si256(reinterpret_cast<const __m256i*>(xp + 32 * h))));
                }
            }
            const bool end = ++in_block == per;
            if (++since == 16 || end) {
                for (int i = 0; i < MR; ++i)
                    for (int j = 0; j < NR; ++j)
                        for (int h = 0; h < 2; ++h) {
                            a32[i][j][h] = _mm256_add_epi32(a32[i][j][h], _mm256_madd_epi16(a16[i][j][h], ones16));
                            a16[i][j][h] = _mm256_setzero_si256();
                        }
                since = 0;
            }
            if (end) {
                for (int i = 0; i < MR; ++i)
                    for (int j = 0; j < NR; ++j) {
                        done(i, j, a32[i][j][0], a32[i][j][1]);
                        a32[i][j][0] = a32[i][j][1] = _mm256_setzero_si256();
                    }
                in_block = 0;
            }
        }
    }

    // ---- dot_i8 tiles ------------------------------------------------------------------

    template <AddCodes C, int MR, int NR>
    static void dot_tile(const AddLayout& l, const AddTileArgs& a) noexcept {
        Row w[NR];
        for (int j = 0; j < NR; ++j)
            w[j] = row_at(l, a.w + static_cast<std::size_t>(j) * a.w_stride, a.row0 + static_cast<std::size_t>(j));
        auto* out = static_cast<std::int32_t*>(a.out);
        std::size_t block[MR][NR] = {};
        sweep<C, MR, NR>(
            l, static_cast<const std::int8_t*>(a.x), a.x_stride, w, a.steps, a.flush != 0 ? a.flush : a.steps,
            [&](int i, int j, __m256i lo, __m256i hi) __attribute__((always_inline)) {
                std::int32_t* o = out + static_cast<std::size_t>(i) * a.out_m + static_cast<std::size_t>(j) * a.out_n;
                if (a.flush == 0) {
                    *o = hsum(_mm256_add_epi32(lo, hi));
                } else {
                    std::int32_t* b = o + 16 * block[i][j]++;
                    _mm256_storeu_si256(reinterpret_cast<__m256i*>(b), lo);
                    _mm256_storeu_si256(reinterpret_cast<__m256i*>(b + 8), hi);
                }
            },
            [](std::size_t) {});
    }

    template <AddCodes C>
    static void dot_sized(const AddLayout& l, const AddTileArgs& a) noexcept {
        if (a.m == 1 && a.n == 1) return dot_tile<C, 1, 1>(l, a);
        if (a.m == 1) return dot_tile<C, 1, 2>(l, a);
        if (a.n == 1) return dot_tile<C, 2, 1>(l, a);
        return dot_tile<C, 2, 2>(l, a);
    }

    static void dot_i8(const AddLayout& l, const AddTileArgs& a) noexcept {
        switch (l.codes) {
            case AddCodes::bits: return dot_sized<AddCodes::bits>(l, a);
            case AddCodes::code2: return dot_sized<AddCodes::code2>(l, a);
            case AddCodes::base3: return dot_sized<AddCodes::base3>(l, a);
            case AddCodes::planes: return GenericAdd<Arch>::dot_i8(l, a);
        }
    }

    // ---- dot_f32 ---------------------------------------------------------------------------
    //
    // One activation row against one weight row at a time (a tile's pairs one by one; the
    // decoding is cheap next to the float work): the step's codes decoded as for
    // dot_i8, widened 8 at a time to floats and multiplied in (vpmovzxbd, vcvtdq2ps, vfmadd)
    // into 8 accumulators acc[v] (floats 8v .. 8v+7 of the step). At a superblock flush,
    // chunk 2v is the sum of acc[v]'s floats 0..3 and chunk 2v + 1 of floats 4..7.

    template <AddCodes C>
    static void f32_row(const AddLayout& l, const AddTileArgs& a, int i, int j) noexcept {
        const float* x = static_cast<const float*>(a.x) + static_cast<std::size_t>(i) * a.x_stride;
        float* out = static_cast<float*>(a.out) + static_cast<std::size_t>(i) * a.out_m + static_cast<std::size_t>(j) * a.out_n;
        Row w[1];
        w[0] = row_at(l, a.w + static_cast<std::size_t>(j) * a.w_stride, a.row0 + static_cast<std::size_t>(j));
        const Consts k;
        __m256 acc[8];
        for (auto& v : acc) v = _mm256_setzero_ps();
        std::size_t since = 0, block = 0;
        const auto flush = [&]() __attribute__((always_inline)) {
            alignas(32) float f[8];
            for (int v = 0; v < 8; ++v) {
                _mm256_store_ps(f, acc[v]);
                out[16 * block + 2 * static_cast<std::size_t>(v)] = (f[0] + f[1]) + (f[2] + f[3]);
                out[16 * block + 2 * static_cast<std::size_t>(v) + 1] = (f[4] + f[5]) + (f[6] + f[7]);
                acc[v] = _mm256_setzero_ps();
            }
            ++block;
        };
        for (std::size_t t = 0; t < a.steps; ++t) {
            __m256i q[2];
            decode<C>(l, w[0], t, k, q);
            const float* xp = x + 64 * t;
            for (int h = 0; h < 2; ++h) {
                const __m128i lo = _mm256_castsi256_si128(q[h]), hi = _mm256_extracti128_si256(q[h], 1);
                const __m128i part[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
                for (int v = 0; v < 4; ++v) {
                    const __m256 qf = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(part[v]));
                    acc[4 * h + v] = _mm256_fmadd_ps(qf, _mm256_loadu_ps(xp + 32 * h + 8 * v), acc[4 * h + v]);
                }
            }
            if (a.flush != 0 && ++since == a.flush) {
                flush();
                since = 0;
            }
        }
        if (a.flush == 0) {
            const __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])),
                                           _mm256_add_ps(_mm256_add_ps(acc[4], acc[5]), _mm256_add_ps(acc[6], acc[7])));
            *out = hsum_ps(s);
        }
    }

    static void dot_f32(const AddLayout& l, const AddTileArgs& a) noexcept {
        if (l.codes == AddCodes::planes) return GenericAdd<Arch>::dot_f32(l, a);
        for (int i = 0; i < a.m; ++i)
            for (int j = 0; j < a.n; ++j) {
                switch (l.codes) {
                    case AddCodes::bits: f32_row<AddCodes::bits>(l, a, i, j); break;
                    case AddCodes::code2: f32_row<AddCodes::code2>(l, a, i, j); break;
                    case AddCodes::base3: f32_row<AddCodes::base3>(l, a, i, j); break;
                    case AddCodes::planes: break;
                }
            }
    }

    // ---- gemv_i8 -----------------------------------------------------------------------

    static BITLA_ALWAYS_INLINE __m256 half8(const std::uint16_t* p) noexcept { return Avx2PanelGemv<Arch>::half8(p); }
    static BITLA_ALWAYS_INLINE float hsum_ps(__m256 v) noexcept { return Avx2PanelGemv<Arch>::hsum_ps(v); }

    /// Rows n .. n + NR - 1 (inside one panel). `stream`: prefetch the panel's storage ahead.
    template <AddCodes C, int NR>
    static BITLA_ALWAYS_INLINE void gemv_tile(const AddLayout& l, const AddRowsArgs& r, std::size_t n, bool stream) noexcept {
        const std::uint8_t* p0 = r.w + l.row_offset(n);
        Row w[NR];
        for (int j = 0; j < NR; ++j)
            w[j] = row_at(l, p0 + 64 * static_cast<std::size_t>(j), (n + static_cast<std::size_t>(j)) % l.panel);
        const bool grouped = r.out_f != nullptr;
        const std::size_t groups = l.groups;
        // Steps per 64-byte code block of a row: the prefetch walks one panel block per block
        // (bits: 8 steps' blocks of the panel, the same 512 bytes).
        constexpr std::size_t block_steps = C == AddCodes::bits ? 8 : C == AddCodes::code2 ? 4 : 5;
        const std::uint8_t* panel_code = r.w + l.row_offset(n - n % l.panel) + l.phys(l.code_offset());
        const auto prefetch = [&](std::size_t t) __attribute__((always_inline)) {
            if (stream && t % block_steps == 0) {
                const char* p = reinterpret_cast<const char*>(panel_code + t / block_steps * l.block_stride()) + prefetch_bytes;
                for (int q = 0; q < 8; ++q) _mm_prefetch(p + 64 * q, _MM_HINT_T0);
            }
        };
        __m256 y[NR];  // 8 float lanes per row, summed once at the end
        for (auto& v : y) v = _mm256_setzero_ps();
        std::int32_t total[NR] = {};
        std::size_t block[NR] = {};
        sweep<C, 1, NR>(
            l, r.x, 0, w, l.steps, grouped ? l.flush_steps() : l.steps,
            [&](int, int j, __m256i lo, __m256i hi) __attribute__((always_inline)) {
                if (!grouped) {
                    total[j] = hsum(_mm256_add_epi32(lo, hi));
                    return;
                }
                const std::size_t g0 = 16 * block[j]++;
                const std::uint8_t* row = p0 + 64 * static_cast<std::size_t>(j);
                // 16 fp16 values at a multiple of 32 bytes lie in one 64-byte block.
                const auto* s_at = reinterpret_cast<const std::uint16_t*>(row + l.phys(l.scale_offset() + 2 * g0));
                const auto* u_at = reinterpret_cast<const std::uint16_t*>(row + l.phys(l.zero_offset() + 2 * g0));
                const std::uint16_t *s = s_at, *u = u_at;
                const float* xs = r.xs + g0;
                alignas(32) std::uint16_t s_tail[16] = {}, u_tail[16] = {};
                alignas(32) float xs_tail[16] = {};
                if (g0 + 16 > groups) {  // the last superblock of a row with fewer groups: zeros past the end
                    const std::size_t cnt = g0 < groups ? groups - g0 : 0;
                    std::memcpy(s_tail, s_at, 2 * cnt);
                    std::memcpy(u_tail, u_at, 2 * cnt);
                    std::memcpy(xs_tail, r.xs + g0, 4 * cnt);
                    s = s_tail, u = u_tail, xs = xs_tail;
                }
                y[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(lo), half8(s), y[j]);
                y[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(hi), half8(s + 8), y[j]);
                y[j] = _mm256_fmadd_ps(half8(u), _mm256_loadu_ps(xs), y[j]);
                y[j] = _mm256_fmadd_ps(half8(u + 8), _mm256_loadu_ps(xs + 8), y[j]);
            },
            prefetch);
        for (int j = 0; j < NR; ++j) {
            const std::size_t o = n - r.first + static_cast<std::size_t>(j);
            if (grouped) r.out_f[o] = hsum_ps(y[j]);
            else r.out_i[o] = total[j];
        }
    }

    template <AddCodes C>
    static void gemv_rows(const AddLayout& l, const AddRowsArgs& r) noexcept {
        const std::size_t end = r.first + r.rows;
        for (std::size_t n = r.first; n < end;) {
            const bool first_of_panel = n % l.panel == 0;
            if constexpr (C == AddCodes::bits) {
                if (r.out_i != nullptr && first_of_panel && n + 8 <= end) {  // a whole panel, ungrouped
                    Avx2PanelGemv<Arch>::bits_panel(l, r.w, r.x, n, r.out_i + (n - r.first));
                    n += 8;
                    continue;
                }
            }
            if constexpr (C == AddCodes::code2) {
                if (first_of_panel && n + 8 <= end) {  // a whole panel
                    if (r.out_i != nullptr) Avx2PanelGemv<Arch>::code2_panel(l, r.w, r.x, n, r.out_i + (n - r.first));
                    else Avx2PanelGemv<Arch>::code2_grouped_panel(l, r, n);
                    n += 8;
                    continue;
                }
            }
            if (n + 2 <= end && (n + 1) % l.panel != 0) {
                gemv_tile<C, 2>(l, r, n, first_of_panel);
                n += 2;
            } else {
                gemv_tile<C, 1>(l, r, n, first_of_panel);
                n += 1;
            }
        }
    }

    static void gemv_i8(const AddLayout& l, const AddRowsArgs& r) noexcept {
        switch (l.codes) {
            case AddCodes::bits: return gemv_rows<AddCodes::bits>(l, r);
            case AddCodes::code2: return gemv_rows<AddCodes::code2>(l, r);
            case AddCodes::base3: return gemv_rows<AddCodes::base3>(l, r);
            case AddCodes::planes: return GenericAdd<Arch>::gemv_i8(l, r);  // not gemv_supported
        }
    }
};

template <class Arch>
AddKernels add_family(arch::avx2, pick) noexcept {
    using G = GenericAdd<Arch>;
    using K = Avx2Add<Arch>;
    return {&K::dot_i8, &K::dot_f32, &G::groups, 2, 2, &K::gemv_i8, &Avx2GemvOut<Arch>::gemv_out};
}

}  // namespace bitla::inline v0::kernels

#endif  // BITLA_FLAGS_AVX2
