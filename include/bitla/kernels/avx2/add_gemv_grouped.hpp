// bitla/kernels/avx2/add_gemv_grouped.hpp — the AVX2 GEMV over whole 8-row panels of
// grouped code2 codes (HQQ 2-bit, group size = lane): the block decode of add_gemv_panel.hpp,
// the fp16 epilogue fused in at each superblock flush.
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX2

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../../core/add_layout.hpp"
#include "../add_kernels.hpp"
#include "add_gemv_panel.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct Avx2GroupedPanel {
    using P = Avx2PanelGemv<Arch>;

    /// Grouped (group_size == lane, fp16 scale and zero term per group at the row's start):
    /// rows n .. n + 7 into r.out_f. Each block's int16 sums are widened at once into the
    /// rows' 16 int32 chunk sums (kept in L1: 16 accumulators would not fit the registers
    /// beside the rows' temporaries); at each superblock flush the 16 groups are scaled and
    /// zero-folded into 8 float lanes per row, in the order of the 2-row tiles (Avx2Add::
    /// group), so a row's result is the same whichever kernel computed it.
    static void panel(const AddLayout& l, const AddRowsArgs& r, std::size_t n) noexcept {
        const std::uint8_t* p0 = r.w + l.row_offset(n);
        const std::uint8_t* code = p0 + l.phys(l.code_offset());
        const std::size_t bs = l.block_stride(), flush = l.flush_steps(), groups = l.groups;
        const __m256i ones = _mm256_set1_epi16(1);
        alignas(32) std::int32_t sums[8][16];
        __m256 y[8];
        for (auto& v : y) v = _mm256_setzero_ps();
        // The panel's metadata blocks come before its codes and are first read at the first
        // flush, behind the stream: fetched now, or that flush waits on 16 misses
        // (docs/performance.md).
        for (std::size_t o = 0; o < l.phys(l.code_offset()); o += 64)
            _mm_prefetch(reinterpret_cast<const char*>(p0 + o), _MM_HINT_T0);
        std::size_t g0 = 0;
        for (std::size_t t = 0; t < l.steps; t += 4) {
            const std::uint8_t* blk = code + t / 4 * bs;
            const bool first = t % flush == 0;
            for (int j = 0; j < 8; ++j) {
                __m256i lo, hi;
                P::code2_block_row(blk + 64 * j, r.x + 64 * t, lo, hi);
                lo = _mm256_madd_epi16(lo, ones);
                hi = _mm256_madd_epi16(hi, ones);
                auto* s = reinterpret_cast<__m256i*>(sums[j]);
                if (!first) {
                    lo = _mm256_add_epi32(lo, _mm256_load_si256(s));
                    hi = _mm256_add_epi32(hi, _mm256_load_si256(s + 1));
                }
                _mm256_store_si256(s, lo);
                _mm256_store_si256(s + 1, hi);
            }
            if ((t + 4) % flush != 0) continue;
            // 16 fp16 values at a multiple of 32 bytes lie in one 64-byte block.
            alignas(32) std::uint16_t s_tail[16] = {}, u_tail[16] = {};
            alignas(32) float xs_tail[16] = {};
            const float* xs = r.xs + g0;
            if (g0 + 16 > groups) {  // the row's last superblock with fewer groups: zeros past the end
                const std::size_t cnt = g0 < groups ? groups - g0 : 0;
                std::memcpy(xs_tail, r.xs + g0, 4 * cnt);
                xs = xs_tail;
            }
            for (int j = 0; j < 8; ++j) {
                const std::uint8_t* row = p0 + 64 * static_cast<std::size_t>(j);
                const auto* s = reinterpret_cast<const std::uint16_t*>(row + l.phys(l.scale_offset() + 2 * g0));
                const auto* u = reinterpret_cast<const std::uint16_t*>(row + l.phys(l.zero_offset() + 2 * g0));
                if (g0 + 16 > groups) {
                    const std::size_t cnt = g0 < groups ? groups - g0 : 0;
                    std::memcpy(s_tail, s, 2 * cnt);
                    std::memcpy(u_tail, u, 2 * cnt);
                    s = s_tail, u = u_tail;
                }
                const __m256i lo = _mm256_load_si256(reinterpret_cast<const __m256i*>(sums[j]));
                const __m256i hi = _mm256_load_si256(reinterpret_cast<const __m256i*>(sums[j] + 8));
                y[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(lo), P::half8(s), y[j]);
                y[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(hi), P::half8(s + 8), y[j]);
                y[j] = _mm256_fmadd_ps(P::half8(u), _mm256_loadu_ps(xs), y[j]);
                y[j] = _mm256_fmadd_ps(P::half8(u + 8), _mm256_loadu_ps(xs + 8), y[j]);
            }
            g0 += 16;
        }
        for (int j = 0; j < 8; ++j) r.out_f[n - r.first + static_cast<std::size_t>(j)] = P::hsum_ps(y[j]);
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX2
