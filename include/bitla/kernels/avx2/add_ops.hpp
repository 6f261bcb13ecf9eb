// bitla/kernels/avx2/add_ops.hpp — the add-only primitives for AVX2 (the contract is in
// kernels/add_tiles.hpp; the tiles are written there once). The GEMV hooks and the measured
// overrides are in add.hpp (Avx2Add).
//
// A step is two ymm: bytes 0..31 hold dword lanes 0..7, bytes 32..63 lanes 8..15.
// dot: vpmaddubsw (u8 codes x s8 activations, byte pairs summed to int16: <= 2·3·128, no
// saturation) added into int16 lanes, widened into the dword lanes (vpmaddwd by 1) every 16
// steps (16·768 < 2^15). base3: trit = (b >= 86) + (b >= 171) as two unsigned max/compare
// pairs subtracted from 0, then b = 3b mod 256 (two adds). n-bit planes: GenericAdd.
// 16 ymm hold a 2 x 2 shared tile: 8 int16 stages, the codes, x; the dword lanes spill
// (touched once per 16 steps). Ungrouped code2 has its own 4 x 2 tile (add_tile_code2.hpp).
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX2

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "../../core/add_layout.hpp"
#include "../add_kernels.hpp"
#include "add_gemv_panel.hpp"
#include "add_tile_code2.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct Avx2AddOps {
    using arch = Arch;
    struct step {
        __m256i h[2];
    };
    struct acc {
        __m256i s16[2], s32[2];
    };
    struct facc {
        __m256 v[8];  ///< floats 8v .. 8v+7 of a step
    };
    struct consts {
        __m256i one = _mm256_set1_epi8(1), three = _mm256_set1_epi8(3);
        __m256i t86 = _mm256_set1_epi8(86), t171 = _mm256_set1_epi8(static_cast<char>(171));
    };
    static constexpr int mr = Avx2Code2Tile<Arch>::mr, nr = Avx2Code2Tile<Arch>::nr;
    static constexpr int shared_mr = 2, shared_nr = 2;
    static constexpr std::size_t settle_steps = 16;

    static BITLA_ALWAYS_INLINE step load(const std::uint8_t* p) noexcept {
        return {{_mm256_load_si256(reinterpret_cast<const __m256i*>(p)),
                 _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 32))}};
    }
    static BITLA_ALWAYS_INLINE step load_x(const std::int8_t* p) noexcept {
        return load(reinterpret_cast<const std::uint8_t*>(p));
    }
    static BITLA_ALWAYS_INLINE step splat(std::uint8_t b) noexcept {
        const __m256i v = _mm256_set1_epi8(static_cast<char>(b));
        return {{v, v}};
    }
    static BITLA_ALWAYS_INLINE step bits(const consts& k, const step& c, const step& bit) noexcept {
        return {{_mm256_min_epu8(_mm256_and_si256(c.h[0], bit.h[0]), k.one),
                 _mm256_min_epu8(_mm256_and_si256(c.h[1], bit.h[1]), k.one)}};
    }
    static BITLA_ALWAYS_INLINE step code2(const consts& k, const step& c, unsigned s) noexcept {
        if (s == 0) return {{_mm256_and_si256(c.h[0], k.three), _mm256_and_si256(c.h[1], k.three)}};
        const int n = static_cast<int>(2 * s);
        return {{_mm256_and_si256(_mm256_srli_epi16(c.h[0], n), k.three),
                 _mm256_and_si256(_mm256_srli_epi16(c.h[1], n), k.three)}};
    }
    static BITLA_ALWAYS_INLINE step trit(const consts& k, step& c) noexcept {
        step q;
        for (int h = 0; h < 2; ++h) {
            const __m256i b = c.h[h];
            const __m256i ge86 = _mm256_cmpeq_epi8(_mm256_max_epu8(b, k.t86), b);
            const __m256i ge171 = _mm256_cmpeq_epi8(_mm256_max_epu8(b, k.t171), b);
            q.h[h] = _mm256_sub_epi8(_mm256_sub_epi8(_mm256_setzero_si256(), ge86), ge171);
            c.h[h] = _mm256_add_epi8(_mm256_add_epi8(b, b), b);
        }
        return q;
    }

    static BITLA_ALWAYS_INLINE acc zero() noexcept {
        const __m256i z = _mm256_setzero_si256();
        return {{z, z}, {z, z}};
    }
    static BITLA_ALWAYS_INLINE void dot(acc& a, const step& q, const step& x) noexcept {
        for (int h = 0; h < 2; ++h) a.s16[h] = _mm256_add_epi16(a.s16[h], _mm256_maddubs_epi16(q.h[h], x.h[h]));
    }
    static BITLA_ALWAYS_INLINE void settle(acc& a) noexcept {
        for (int h = 0; h < 2; ++h) {
            a.s32[h] = _mm256_add_epi32(a.s32[h], _mm256_madd_epi16(a.s16[h], _mm256_set1_epi16(1)));
            a.s16[h] = _mm256_setzero_si256();
        }
    }
    static BITLA_ALWAYS_INLINE void store(std::int32_t* out, const acc& a) noexcept {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), a.s32[0]);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 8), a.s32[1]);
    }
    static BITLA_ALWAYS_INLINE std::int32_t hsum(const acc& a) noexcept {
        return Avx2PanelGemv<Arch>::hsum(_mm256_add_epi32(a.s32[0], a.s32[1]));
    }

    static BITLA_ALWAYS_INLINE facc fzero() noexcept {
        facc a;
        for (auto& v : a.v) v = _mm256_setzero_ps();
        return a;
    }
    /// Codes widened 8 at a time to floats (vpmovzxbd, vcvtdq2ps) and multiplied in.
    /// Lane by lane: assigning a whole zero facc made GCC keep the lanes on the stack.
    static BITLA_ALWAYS_INLINE void fclear(facc& a) noexcept {
        for (auto& v : a.v) v = _mm256_setzero_ps();
    }
    static BITLA_ALWAYS_INLINE void fdot(facc& a, const step& q, const float* x) noexcept {
        for (int h = 0; h < 2; ++h) {
            const __m128i lo = _mm256_castsi256_si128(q.h[h]), hi = _mm256_extracti128_si256(q.h[h], 1);
            const __m128i part[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
            for (int v = 0; v < 4; ++v) {
                const __m256 qf = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(part[v]));
                a.v[4 * h + v] = _mm256_fmadd_ps(qf, _mm256_loadu_ps(x + 32 * h + 8 * v), a.v[4 * h + v]);
            }
        }
    }
    /// In registers: hadd pairs, then pairs of pairs (the order (f0+f1)+(f2+f3)).
    static BITLA_ALWAYS_INLINE void fstore(float* out, const facc& a) noexcept {
        const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
        for (int h = 0; h < 2; ++h) {
            const __m256 p01 = _mm256_hadd_ps(a.v[4 * h], a.v[4 * h + 1]), p23 = _mm256_hadd_ps(a.v[4 * h + 2], a.v[4 * h + 3]);
            _mm256_storeu_ps(out + 8 * h, _mm256_permutevar8x32_ps(_mm256_hadd_ps(p01, p23), order));
        }
    }
    static BITLA_ALWAYS_INLINE float fhsum(const facc& a) noexcept {
        const __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a.v[0], a.v[1]), _mm256_add_ps(a.v[2], a.v[3])),
                                       _mm256_add_ps(_mm256_add_ps(a.v[4], a.v[5]), _mm256_add_ps(a.v[6], a.v[7])));
        return Avx2PanelGemv<Arch>::hsum_ps(s);
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX2
