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
// Decoding per step: bits: the panel's step block and the row's bit, min 1; code2: one
// 64-byte load per 4 steps, shift + and; base3: one load per 5 steps, trit = (b >= 86) +
// (b >= 171), then b = 3b mod 256 (two byte adds); planes: one masked add per plane.
//
// The GEMV rows kernel (kernels/avx512bw/add_gemv.hpp) and the fp32 tiles (add_f32.hpp) live
// in their own files and share this file's decoders and dot product.
// GEMV of bits codes loads each step's panel block once for the 8 rows of a panel and
// multiplies c & 2^r (2^r·q) into row r's accumulator, shifted right by r at the end: one
// AND and one dot product per 64 weights and row.
// GEMV of base3 codes with VNNI decodes no trits: with b_j the byte after j steps and
// b_{j+1} = 3·b_j mod 256, 256·trit_j = 3·b_j - b_{j+1}, so per step two byte adds and two
// dot products (lo += b_j·x, hi += b_{j+1}·x) and (3·lo - hi) / 256 at each flush, exact.
// dot_f32 accumulates in fp32 (kernels/avx512bw/add_f32.hpp): 1 x 4 tiles at m = 1, 2 x 2 pieces above.
// gemv_out is the AVX2 one (kernels/avx2/add_gemv_out.hpp): 8 rows of a panel a vector,
// the width of a panel's row-terms block.
//
// (The maskz forms of some intrinsics with a full mask: GCC 12 at -O3 warns that the plain
// ones read an undefined register.)
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX512BW

#include "intrinsics.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../../core/add_layout.hpp"
#include "../generic/add.hpp"
#include "reduce.hpp"

namespace bitla::inline v0::kernels {

template <class Arch>
struct Avx512Add : Avx512Reduce<Arch> {
    using Avx512Reduce<Arch>::hsum;
    using Avx512Reduce<Arch>::hsum_ps;
    static constexpr bool vnni = arch::extends_v<Arch, arch::avx512_vnni>;

    /// acc + the u8·s8 dot products of q and x per dword. GCC 12 gets vpdpbusd as inline
    /// asm with the accumulator tied ("+v"): from the intrinsic it copies each accumulator
    /// to a new register every step and spills (+5-10% on HQQ and ternary 2-bit GEMV from
    /// the L3 without the copies; a standalone 16-accumulator loop ran 29 vs 45 GB/s).
    static BITLA_ALWAYS_INLINE __m512i dp(__m512i acc, __m512i q, __m512i x) noexcept {
        if constexpr (vnni) {
#if defined(__GNUC__) && !defined(__clang__) && !BITLA_EMULATE_AVX512_VNNI
            __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(q), "v"(x));
            return acc;
#else
            return _mm512_dpbusd_epi32(acc, q, x);
#endif
        }
        else return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(q, x), _mm512_set1_epi16(1)));
    }
    /// Bits codes: the bit of a panel's row r in every byte (core/add_layout.hpp).
    static BITLA_ALWAYS_INLINE __m512i row_bit(std::size_t r) noexcept {
        return _mm512_set1_epi8(static_cast<char>(1u << r));
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

    /// Walks the steps of NR weight rows (w[j]: each row's pointer, row0 + j its row within the
    /// panel), decoding each step's codes into 64 bytes per row and calling step(t, q): bits
    /// as the panel's step block and the row's bit, min 1 (core/add_layout.hpp), n-bit
    /// planes as masked adds of 2^i, code2 one load per 4 steps then shift + and, base3 one
    /// load per 5 steps then next_trit. The tile kernels (int8 and fp32) share it.
    template <AddCodes C, int NR, class Step>
    static BITLA_ALWAYS_INLINE void for_each_step(const AddLayout& l, const std::uint8_t* const (&w)[NR],
                                                  std::size_t row0, std::size_t steps, Step&& step) noexcept {
        const __m512i one = _mm512_set1_epi8(1), two = _mm512_set1_epi8(2), three = _mm512_set1_epi8(3);
        const __m512i t86 = _mm512_set1_epi8(static_cast<char>(86)), t171 = _mm512_set1_epi8(static_cast<char>(171));
        [[maybe_unused]] const std::size_t cp = l.phys(l.code_offset()), bs = l.block_stride();  // code2, base3
        if constexpr (C == AddCodes::bits) {
            const std::uint8_t* panel = w[0] + l.bits_block(row0, 0);
            __m512i bit[NR];
            for (int j = 0; j < NR; ++j) bit[j] = row_bit(row0 + static_cast<std::size_t>(j));
            for (std::size_t t = 0; t < steps; ++t) {
                const __m512i c = _mm512_load_si512(panel + 64 * t);
                __m512i q[NR];
                for (int j = 0; j < NR; ++j) q[j] = _mm512_min_epu8(_mm512_and_si512(c, bit[j]), one);
                step(t, q);
            }
        } else if constexpr (C == AddCodes::planes) {
            const std::size_t stride = 8 * static_cast<std::size_t>(l.bits);
            for (std::size_t t = 0; t < steps; ++t) {
                __m512i q[NR];
                for (int j = 0; j < NR; ++j) {
                    q[j] = _mm512_setzero_si512();
                    for (int b = 0; b < l.bits; ++b)
                        q[j] = _mm512_mask_add_epi8(q[j],
                                                    mask_at(w[j] + l.phys(l.code_offset() + stride * t +
                                                                          8 * static_cast<std::size_t>(b))),
                                                    q[j], _mm512_set1_epi8(static_cast<char>(1 << b)));
                }
                step(t, q);
            }
        } else if constexpr (C == AddCodes::code2) {
            for (std::size_t t0 = 0; t0 < steps; t0 += 4) {
                __m512i c[NR];
                for (int j = 0; j < NR; ++j) c[j] = _mm512_load_si512(w[j] + cp + t0 / 4 * bs);
                for (int s = 0; s < 4 && t0 + static_cast<std::size_t>(s) < steps; ++s) {
                    __m512i q[NR];
                    for (int j = 0; j < NR; ++j)
                        q[j] = _mm512_and_si512(s == 0 ? c[j] : _mm512_srli_epi16(c[j], static_cast<unsigned>(2 * s)),
                                                three);
                    step(t0 + static_cast<std::size_t>(s), q);
                }
            }
        } else {  // base3
            for (std::size_t t0 = 0, b = 0; t0 < steps; t0 += 5, ++b) {
                __m512i c[NR];
                for (int j = 0; j < NR; ++j) c[j] = _mm512_load_si512(w[j] + cp + b * bs);
                for (int s = 0; s < 5 && t0 + static_cast<std::size_t>(s) < steps; ++s) {
                    __m512i q[NR];
                    for (int j = 0; j < NR; ++j) q[j] = next_trit(c[j], t86, t171, one, two);
                    step(t0 + static_cast<std::size_t>(s), q);
                }
            }
        }
    }

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
        std::size_t since = 0, block = 0;

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

        for_each_step<C, NR>(l, w, a.row0, a.steps, multiply);
        if (a.flush == 0)
            for (int i = 0; i < MR; ++i)
                for (int j = 0; j < NR; ++j)
                    out[static_cast<std::size_t>(i) * a.out_m + static_cast<std::size_t>(j) * a.out_n] = hsum(acc[i][j]);
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
        return hsum_ps(y);
    }
};

}  // namespace bitla::inline v0::kernels

#include "add_f32.hpp"
#include "add_gemv.hpp"

namespace bitla::inline v0::kernels {

template <class Arch>
AddKernels add_family(arch::avx512bw, pick) noexcept {  // and its descendants
    using K = Avx512Add<Arch>;
    return {&K::dot_i8, &Avx512AddF32<Arch>::dot_f32, &K::groups, 4, 4,
            &Avx512AddGemv<Arch>::gemv_i8, &Avx2GemvOut<Arch>::gemv_out};
}

}  // namespace bitla::inline v0::kernels

#endif  // BITLA_FLAGS_AVX512BW
