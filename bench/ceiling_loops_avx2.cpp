// The avx2 level's ceiling loops (compiled with its flags: bench/CMakeLists.txt). Each
// empty asm makes an operand opaque, so no two products of a step can be merged.
#include <immintrin.h>

#include <bit>

#include "ceiling_loops.hpp"

namespace bitla_bench::loops {
namespace {

struct Ymm {
    using reg = __m256i;
    static reg zero() { return _mm256_setzero_si256(); }
    static reg load(const char* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
    static reg add(reg a, reg b) { return _mm256_add_epi64(a, b); }
    static std::uint64_t sum(reg r) {
        alignas(32) std::uint64_t l[4];
        _mm256_store_si256(reinterpret_cast<__m256i*>(l), r);
        return l[0] + l[1] + l[2] + l[3];
    }
};

__m256i ymm(const std::uint64_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

std::uint64_t total(const __m256i* acc, int n) {
    __m256i s = acc[0];
    for (int i = 1; i < n; ++i) s = _mm256_add_epi64(s, acc[i]);
    return Ymm::sum(s);
}

// 8 accumulators (and 6 below): with 16 ymm registers more are spilled to the stack every
// step, which would lower the ceiling below what a kernel reaches.

// vpmaddubsw + vpaddw: 32 MACs into int16 lanes per pair (the panel GEMV's inner step).
std::uint64_t int8_add16(const std::uint64_t* w, std::size_t steps) {
    __m256i q = ymm(w), x = ymm(w + 4), acc[8];
    for (auto& a : acc) a = _mm256_setzero_si256();
    for (std::size_t s = 0; s < steps; ++s)
        for (auto& a : acc) {
            a = _mm256_add_epi16(a, _mm256_maddubs_epi16(q, x));
            __asm__("" : "+x"(q));
        }
    return total(acc, 8);
}

// vpmaddubsw + vpmaddwd + vpaddd: 32 MACs into int32 lanes (exact for any K).
std::uint64_t int8_madd(const std::uint64_t* w, std::size_t steps) {
    __m256i q = ymm(w), x = ymm(w + 4), acc[8];
    const __m256i ones = _mm256_set1_epi16(1);
    for (auto& a : acc) a = _mm256_setzero_si256();
    for (std::size_t s = 0; s < steps; ++s)
        for (auto& a : acc) {
            a = _mm256_add_epi32(a, _mm256_madd_epi16(_mm256_maddubs_epi16(q, x), ones));
            __asm__("" : "+x"(q));
        }
    return total(acc, 8);
}

// Nibble-lookup popcount (vpshufb) summed per 64-bit lane by vpsadbw, as kernels/avx2's
// bit_ops: 3 broadcast words of `a` against 2 registers, 6 accumulators, 6 x 256 MACs.
std::uint64_t xor_lut(const std::uint64_t* a, std::size_t steps) {
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,  //
                                         0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i nibble = _mm256_set1_epi8(0x0f), b[2] = {ymm(a + 8), ymm(a + 16)};
    __m256i acc[6];
    for (auto& r : acc) r = _mm256_setzero_si256();
    for (std::size_t s = 0; s < steps; ++s) {
        const std::uint64_t* p = a + (s & 127) * 4;
        for (int i = 0; i < 3; ++i) {
            const __m256i ai = _mm256_set1_epi64x(static_cast<long long>(p[i]));
            for (int j = 0; j < 2; ++j) {
                const __m256i v = _mm256_xor_si256(ai, b[j]);
                const __m256i lo = _mm256_and_si256(v, nibble), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble);
                const __m256i bytes = _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi));
                acc[2 * i + j] = _mm256_add_epi64(acc[2 * i + j], _mm256_sad_epu8(bytes, _mm256_setzero_si256()));
            }
        }
    }
    return total(acc, 6);
}

// The scalar POPCNT the avx2 flags allow: 16 word pairs per step on the integer units.
std::uint64_t xor_popcnt(const std::uint64_t* a, std::size_t steps) {
    std::uint64_t acc[16] = {};
    for (std::size_t s = 0; s < steps; ++s) {
        const std::uint64_t* p = a + (s & 63) * 8;
        for (int i = 0; i < 8; ++i)
            for (int j = 0; j < 2; ++j) acc[2 * i + j] += static_cast<std::uint64_t>(std::popcount(p[i] ^ a[j]));
    }
    std::uint64_t t = 0;
    for (auto v : acc) t += v;
    return t;
}

}  // namespace

Level avx2() {
    Level l;
    l.read = read_lines<Ymm>;
    l.load = "256-bit vmovdqu";
    l.int8_dot[0] = {int8_add16, 8 * 32, "vpmaddubsw + vpaddw"};
    l.int8_dot[1] = {int8_madd, 8 * 32, "vpmaddubsw + vpmaddwd + vpaddd"};
    l.xor_popcount[0] = {xor_lut, 6 * 256, "vpxor + nibble vpshufb + vpsadbw + vpaddq"};
    l.xor_popcount[1] = {xor_popcnt, 16 * 64, "xor + popcnt + add (scalar)"};
    return l;
}

}  // namespace bitla_bench::loops
