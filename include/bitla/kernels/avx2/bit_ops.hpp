// bitla/kernels/avx2/bit_ops.hpp — bit_ops for AVX2 (no vector popcount instruction).
//
// popcount by nibble lookup: vpshufb maps each nibble to its bit count, vpsadbw sums the
// eight byte counts of each 64-bit lane. 16 ymm registers: tile 4 x 8 = 8 accumulators,
// 2 operands, the lookup table, the nibble mask, zero and temporaries.
#pragma once

#include "../bit_ops.hpp"

#if BITLA_FLAGS_AVX2
#include <immintrin.h>

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct avx2_bit_ops {
    using reg = __m256i;
    static constexpr std::size_t lanes = 4, mr = 4, nr = 8;

    static reg zero() noexcept { return _mm256_setzero_si256(); }
    static reg load(const std::uint64_t* p) noexcept { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
    static reg broadcast(const std::uint64_t* p) noexcept { return _mm256_set1_epi64x(static_cast<long long>(*p)); }
    static reg xor_popcount_add(reg acc, reg a, reg b) noexcept {
        const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,  //
                                             0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        const __m256i nibble = _mm256_set1_epi8(0x0f);
        const __m256i x = _mm256_xor_si256(a, b);
        const __m256i lo = _mm256_and_si256(x, nibble);
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble);
        const __m256i bytes = _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi));
        return _mm256_add_epi64(acc, _mm256_sad_epu8(bytes, _mm256_setzero_si256()));
    }
    static void store_u32(std::uint32_t* out, reg acc) noexcept {
        const __m256i packed = _mm256_permutevar8x32_epi32(acc, _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(packed));
    }
    static void store_dot_i32(std::int32_t* out, reg acc, std::int32_t k) noexcept {
        const __m256i dot = _mm256_sub_epi64(_mm256_set1_epi64x(k), _mm256_add_epi64(acc, acc));
        const __m256i packed = _mm256_permutevar8x32_epi32(dot, _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(packed));
    }
    static std::uint64_t reduce(reg acc) noexcept {
        const __m128i s = _mm_add_epi64(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
        return static_cast<std::uint64_t>(_mm_cvtsi128_si64(s)) + static_cast<std::uint64_t>(_mm_extract_epi64(s, 1));
    }
};
template <class Arch>
avx2_bit_ops<Arch> bit_ops_for(arch::avx2, pick);

}  // namespace kernels
BITLA_END_NAMESPACE
#endif
