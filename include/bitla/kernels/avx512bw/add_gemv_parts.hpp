// bitla/kernels/avx512bw/add_gemv_parts.hpp — what the AVX-512 GEMV tiles share: the
// prefetch stream, the grouped epilogue, the chunk-sum combination and the panel's
// transposing store (add_gemv.hpp, add_gemv_bits.hpp). Decoders and the dot product are
// Avx512Add's (add_decode.hpp).
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX512BW

#include "intrinsics.hpp"

#include <cstddef>
#include <cstdint>

#include "../../core/add_layout.hpp"
#include "add_decode.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct Avx512GemvParts {
    using K = Avx512Add<Arch>;

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

    /// The prefetch stream of a tile: for a whole panel (On), one line `prefetch_bytes` ahead
    /// per 64-byte block the tile reads, and at its end (finish) the lines over the panel's
    /// metadata and row-terms blocks, so the stream ahead is covered without gaps. Grouped tiles (HQQ)
    /// prefetch non-temporally, which helps them and no other format, so the others keep T0
    /// (docs/performance.md, "Prefetch").
    template <bool On>
    struct Prefetch {
        const std::uint8_t* p0;
        const std::uint8_t* pf;
        bool nta;
        BITLA_ALWAYS_INLINE Prefetch(const std::uint8_t* panel, bool grouped) noexcept
            : p0(panel), pf(panel + prefetch_bytes), nta(grouped) {}
        BITLA_ALWAYS_INLINE void next() noexcept {
            if constexpr (On) {
                if (nta) _mm_prefetch(reinterpret_cast<const char*>(pf), _MM_HINT_NTA);
                else _mm_prefetch(reinterpret_cast<const char*>(pf), _MM_HINT_T0);
                pf += 64;
            }
        }
        BITLA_ALWAYS_INLINE void finish(const AddLayout& l) noexcept {
            if constexpr (On)
                while (pf < p0 + prefetch_bytes + l.panel_bytes()) next();
        }
    };

    /// The grouped epilogue of one superblock (groups g0 .. g0 + 15): with take(j) row j's 16
    /// chunk sums (its accumulators then cleared), y[j] += s'·c + u'·xs, one group per lane.
    template <int NR, class Take>
    static BITLA_ALWAYS_INLINE void add_groups(const AddLayout& l, const AddRowsArgs& r, const std::uint8_t* p0,
                                               std::size_t g0, __m512 (&y)[std::size_t{NR}], Take&& take) noexcept {
        const std::size_t groups = l.groups;
        const __mmask16 km = g0 + 16 <= groups ? static_cast<__mmask16>(0xffff)
                             : g0 >= groups    ? static_cast<__mmask16>(0)
                                               : static_cast<__mmask16>((1u << (groups - g0)) - 1u);
        const __m512 xs = _mm512_maskz_loadu_ps(km, r.xs + g0);
        // 16 fp16 values start at a multiple of 32 bytes: inside one 64-byte block.
        const std::uint8_t* sp = p0 + l.phys(l.scale_offset() + 2 * g0);
        const std::uint8_t* up = p0 + l.phys(l.zero_offset() + 2 * g0);
        for (int j = 0; j < NR; ++j) {
            const __m512i v = take(j);
            const __m512 sv = _mm512_maskz_cvtph_ps(0xffff, _mm256_maskz_loadu_epi16(km, sp + 64 * j));
            const __m512 uv = _mm512_maskz_cvtph_ps(0xffff, _mm256_maskz_loadu_epi16(km, up + 64 * j));
            y[j] = _mm512_fmadd_ps(_mm512_maskz_cvtepi32_ps(0xffff, v), sv, y[j]);
            y[j] = _mm512_fmadd_ps(uv, xs, y[j]);
        }
    }

    /// out[j] = the sum of v[j]'s lanes (int32 or float): one transposing reduction for a
    /// whole panel.
    template <int NR>
    static BITLA_ALWAYS_INLINE void store_sums(const __m512i (&v)[std::size_t{NR}], std::int32_t* out) noexcept {
        if constexpr (NR == 8) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), K::hsum8(v));
        else
            for (int j = 0; j < NR; ++j) out[j] = K::hsum(v[j]);
    }
    template <int NR>
    static BITLA_ALWAYS_INLINE void store_sums(const __m512 (&v)[std::size_t{NR}], float* out) noexcept {
        if constexpr (NR == 8) _mm256_storeu_ps(out, K::hsum8_ps(v));
        else
            for (int j = 0; j < NR; ++j) out[j] = K::hsum_ps(v[j]);
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX512BW
