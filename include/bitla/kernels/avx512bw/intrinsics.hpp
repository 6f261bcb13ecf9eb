// bitla/kernels/avx512bw/intrinsics.hpp — the intrinsics of the AVX-512 folders: the
// compiler's <immintrin.h>, or, in a unit that emulates AVX-512 (BITLA_EMULATE_AVX512BW:
// the test suite on a host without it, cmake/bitlaDispatch.cmake), SIMDe's portable
// implementations under the same names, compiled with AVX2 flags. The kernels' sources are
// the same either way; only speed differs. SIMDe 0.7.4 (Debian 12) lacks the few masked
// forms defined below (as macros: the compiler's own declarations of those names stay
// untouched), written from the ones it has; masked loads and stores touch only the
// selected elements, as the instructions do. Its alias of _mm512_madd_epi16 takes the
// four arguments of the masked form: redefined with two.
#pragma once

#if defined(BITLA_EMULATE_AVX512BW) && BITLA_EMULATE_AVX512BW
#if !defined(SIMDE_ENABLE_NATIVE_ALIASES)
#define SIMDE_ENABLE_NATIVE_ALIASES
#endif
#include <simde/x86/avx512.h>

#include <cstdint>

#include "../../core/add_layout.hpp"  // detail::half_to_float

BITLA_BEGIN_NAMESPACE
namespace kernels::emulated {
template <class T, int N, class M>
inline void masked_copy(T* dst, const T* src, M k) noexcept {
    for (int i = 0; i < N; ++i)
        if ((k >> i) & 1) dst[i] = src[i];
}
}  // namespace kernels::emulated
BITLA_END_NAMESPACE

static inline __m256i bitla_emulated_mm256_maskz_loadu_epi16(__mmask16 k, const void* p) {
    alignas(32) std::int16_t v[16] = {};
    bitla::kernels::emulated::masked_copy<std::int16_t, 16>(v, static_cast<const std::int16_t*>(p), k);
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(v));
}
static inline __m512 bitla_emulated_mm512_maskz_loadu_ps(__mmask16 k, const void* p) {
    alignas(64) float v[16] = {};
    bitla::kernels::emulated::masked_copy<float, 16>(v, static_cast<const float*>(p), k);
    return _mm512_load_ps(v);
}
static inline void bitla_emulated_mm512_mask_storeu_ps(void* p, __mmask16 k, __m512 a) {
    alignas(64) float v[16];
    _mm512_store_ps(v, a);
    bitla::kernels::emulated::masked_copy<float, 16>(static_cast<float*>(p), v, k);
}
static inline __m512 bitla_emulated_mm512_cvtepi32_ps(__m512i a) {
    alignas(64) std::int32_t v[16];
    alignas(64) float f[16];
    _mm512_store_si512(v, a);
    for (int i = 0; i < 16; ++i) f[i] = static_cast<float>(v[i]);
    return _mm512_load_ps(f);
}
static inline __m512 bitla_emulated_mm512_maskz_cvtepi32_ps(__mmask16 k, __m512i a) {
    return _mm512_maskz_mov_ps(k, bitla_emulated_mm512_cvtepi32_ps(a));
}
static inline __m256i bitla_emulated_mm512_maskz_cvtepi64_epi32(__mmask8 k, __m512i a) {
    return _mm256_maskz_mov_epi32(k, _mm512_cvtepi64_epi32(a));
}
static inline __m512i bitla_emulated_mm512_maskz_cvtepu8_epi32(__mmask16 k, __m128i a) {
    alignas(16) std::uint8_t b[16];
    alignas(64) std::int32_t v[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(b), a);
    for (int i = 0; i < 16; ++i) v[i] = b[i];
    return _mm512_maskz_mov_epi32(k, _mm512_load_si512(v));
}
static inline __m512 bitla_emulated_mm512_maskz_cvtph_ps(__mmask16 k, __m256i a) {
    alignas(32) std::uint16_t h[16];
    alignas(64) float f[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(h), a);
    for (int i = 0; i < 16; ++i) f[i] = bitla::detail::half_to_float(h[i]);
    return _mm512_maskz_mov_ps(k, _mm512_load_ps(f));
}
static inline __m512i bitla_emulated_mm512_maskz_srai_epi32(__mmask16 k, __m512i a, int imm) {
    alignas(64) std::int32_t v[16];
    _mm512_store_si512(v, a);
    for (auto& e : v) e = e >> (imm > 31 ? 31 : imm);
    return _mm512_maskz_mov_epi32(k, _mm512_load_si512(v));
}
static inline __m512i bitla_emulated_mm512_maskz_srli_epi64(__mmask8 k, __m512i a, int imm) {
    return _mm512_maskz_mov_epi64(k, _mm512_srli_epi64(a, static_cast<unsigned>(imm)));
}
static inline __m512i bitla_emulated_mm512_maskz_shuffle_epi32(__mmask16 k, __m512i a, int imm) {
    alignas(64) std::int32_t v[16], r[16];
    _mm512_store_si512(v, a);
    for (int i = 0; i < 16; ++i) r[i] = v[i / 4 * 4 + ((imm >> (2 * (i % 4))) & 3)];
    return _mm512_maskz_mov_epi32(k, _mm512_load_si512(r));
}
static inline __m512i bitla_emulated_mm512_maskz_shuffle_i64x2(__mmask8 k, __m512i a, __m512i b, int imm) {
    alignas(64) std::int64_t va[8], vb[8], r[8];
    _mm512_store_si512(va, a);
    _mm512_store_si512(vb, b);
    for (int q = 0; q < 4; ++q)  // 128-bit quarters: two from a, two from b
        for (int e = 0; e < 2; ++e) r[2 * q + e] = (q < 2 ? va : vb)[2 * ((imm >> (2 * q)) & 3) + e];
    return _mm512_maskz_mov_epi64(k, _mm512_load_si512(r));
}
static inline __m256 bitla_emulated_mm512_maskz_extractf32x8_ps(__mmask8 k, __m512 a, int imm) {
    alignas(64) float f[16];
    _mm512_store_ps(f, a);
    return _mm256_maskz_mov_ps(k, _mm256_load_ps(f + 8 * (imm & 1)));
}
static inline __mmask16 bitla_emulated_mm_test_epi8_mask(__m128i a, __m128i b) {
    return _mm_cmpneq_epi8_mask(_mm_and_si128(a, b), _mm_setzero_si128());
}
#undef _mm512_madd_epi16
#define _mm512_madd_epi16(a, b) simde_mm512_madd_epi16(a, b)
#define _mm256_maskz_loadu_epi16(...) bitla_emulated_mm256_maskz_loadu_epi16(__VA_ARGS__)
#define _mm512_maskz_loadu_ps(...) bitla_emulated_mm512_maskz_loadu_ps(__VA_ARGS__)
#define _mm512_mask_storeu_ps(...) bitla_emulated_mm512_mask_storeu_ps(__VA_ARGS__)
#define _mm512_cvtepi32_ps(...) bitla_emulated_mm512_cvtepi32_ps(__VA_ARGS__)
#define _mm512_maskz_cvtepi32_ps(...) bitla_emulated_mm512_maskz_cvtepi32_ps(__VA_ARGS__)
#define _mm512_maskz_cvtepi64_epi32(...) bitla_emulated_mm512_maskz_cvtepi64_epi32(__VA_ARGS__)
#define _mm512_maskz_cvtepu8_epi32(...) bitla_emulated_mm512_maskz_cvtepu8_epi32(__VA_ARGS__)
#define _mm512_maskz_cvtph_ps(...) bitla_emulated_mm512_maskz_cvtph_ps(__VA_ARGS__)
#define _mm512_maskz_srai_epi32(...) bitla_emulated_mm512_maskz_srai_epi32(__VA_ARGS__)
#define _mm512_maskz_srli_epi64(...) bitla_emulated_mm512_maskz_srli_epi64(__VA_ARGS__)
#define _mm512_maskz_shuffle_epi32(...) bitla_emulated_mm512_maskz_shuffle_epi32(__VA_ARGS__)
#define _mm512_maskz_shuffle_i64x2(...) bitla_emulated_mm512_maskz_shuffle_i64x2(__VA_ARGS__)
#define _mm512_maskz_extractf32x8_ps(...) bitla_emulated_mm512_maskz_extractf32x8_ps(__VA_ARGS__)
#define _cvtu64_mask64(v) static_cast<__mmask64>(v)
#define _mm_test_epi8_mask(...) bitla_emulated_mm_test_epi8_mask(__VA_ARGS__)
#else
#include <immintrin.h>
#endif
