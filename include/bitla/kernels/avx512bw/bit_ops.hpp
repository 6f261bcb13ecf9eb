// bitla/kernels/avx512bw/bit_ops.hpp — bit_ops for AVX-512 F/BW without VPOPCNTDQ.
//
// `avx512_ops<Arch>` holds what every AVX-512 level shares (loads, stores, reductions);
// it is a template on the level's own tag so each level's unit instantiates its own copy.
// popcount is the byte lookup of the AVX2 file at 512 bits. 32 zmm registers: tile
// 8 x 16 = 16 accumulators, 2 operands, the lookup table, the nibble mask and temporaries.
#pragma once

#include "../bit_ops.hpp"

#if BITLA_FLAGS_AVX512BW
#include "intrinsics.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct avx512_ops {
    using reg = __m512i;
    static constexpr std::size_t lanes = 8, mr = 8, nr = 16;

    static reg zero() noexcept { return _mm512_setzero_si512(); }
    static reg load(const std::uint64_t* p) noexcept { return _mm512_loadu_si512(p); }
    static reg broadcast(const std::uint64_t* p) noexcept { return _mm512_set1_epi64(static_cast<long long>(*p)); }
    static void store_u32(std::uint32_t* out, reg acc) noexcept {
        // The maskz forms: GCC 12 warns that the plain ones read an undefined register.
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm512_maskz_cvtepi64_epi32(0xff, acc));
    }
    static void store_dot_i32(std::int32_t* out, reg acc, std::int32_t k) noexcept {
        const __m512i dot = _mm512_sub_epi64(_mm512_set1_epi64(k), _mm512_add_epi64(acc, acc));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm512_maskz_cvtepi64_epi32(0xff, dot));
    }
    static std::uint64_t reduce(reg acc) noexcept {
        const __m256i h = _mm256_add_epi64(_mm512_maskz_extracti64x4_epi64(0xf, acc, 0),
                                           _mm512_maskz_extracti64x4_epi64(0xf, acc, 1));
        const __m128i s = _mm_add_epi64(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
        return static_cast<std::uint64_t>(_mm_cvtsi128_si64(s)) + static_cast<std::uint64_t>(_mm_extract_epi64(s, 1));
    }
};

template <class Arch>
struct avx512bw_bit_ops : avx512_ops<Arch> {
    using reg = __m512i;
    static reg xor_popcount_add(reg acc, reg a, reg b) noexcept {
        const __m512i lut =  // bit counts of the nibbles 0..15, in every 128-bit lane
            _mm512_set4_epi32(0x04030302, 0x03020201, 0x03020201, 0x02010100);
        const __m512i nibble = _mm512_set1_epi8(0x0f);
        const __m512i x = _mm512_xor_si512(a, b);
        const __m512i lo = _mm512_and_si512(x, nibble);
        const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(x, 4), nibble);
        const __m512i bytes = _mm512_add_epi8(_mm512_shuffle_epi8(lut, lo), _mm512_shuffle_epi8(lut, hi));
        return _mm512_add_epi64(acc, _mm512_sad_epu8(bytes, _mm512_setzero_si512()));
    }
};
template <class Arch>
avx512bw_bit_ops<Arch> bit_ops_for(arch::avx512bw, pick);

}  // namespace kernels
BITLA_END_NAMESPACE
#endif
