// The avx512bw level's ceiling loops (compiled with its flags: bench/CMakeLists.txt): the
// avx2 mixes at 512 bits. Each empty asm makes an operand opaque, so no two products of a
// step can be merged.
#include <immintrin.h>

#include "ceiling_loops.hpp"

namespace bitla_bench::loops {
namespace {

struct Zmm {
    using reg = __m512i;
    static reg zero() { return _mm512_setzero_si512(); }
    static reg load(const char* p) { return _mm512_loadu_si512(p); }
    static reg add(reg a, reg b) { return _mm512_add_epi64(a, b); }
    static std::uint64_t sum(reg r) {
        alignas(64) std::uint64_t l[8];
        _mm512_store_si512(l, r);
        std::uint64_t t = 0;
        for (auto v : l) t += v;
        return t;
    }
};

std::uint64_t total(const __m512i* acc, int n) {
    __m512i s = acc[0];
    for (int i = 1; i < n; ++i) s = _mm512_add_epi64(s, acc[i]);
    return Zmm::sum(s);
}

// vpmaddubsw + vpaddw: 64 MACs into int16 lanes per pair.
std::uint64_t int8_add16(const std::uint64_t* w, std::size_t steps) {
    __m512i q = _mm512_loadu_si512(w), x = _mm512_loadu_si512(w + 8), acc[12];
    for (auto& a : acc) a = _mm512_setzero_si512();
    for (std::size_t s = 0; s < steps; ++s)
        for (auto& a : acc) {
            a = _mm512_add_epi16(a, _mm512_maddubs_epi16(q, x));
            __asm__("" : "+v"(q));
        }
    return total(acc, 12);
}

// vpmaddubsw + vpmaddwd + vpaddd: 64 MACs into int32 lanes.
std::uint64_t int8_madd(const std::uint64_t* w, std::size_t steps) {
    __m512i q = _mm512_loadu_si512(w), x = _mm512_loadu_si512(w + 8), acc[12];
    const __m512i ones = _mm512_set1_epi16(1);
    for (auto& a : acc) a = _mm512_setzero_si512();
    for (std::size_t s = 0; s < steps; ++s)
        for (auto& a : acc) {
            a = _mm512_add_epi32(a, _mm512_madd_epi16(_mm512_maddubs_epi16(q, x), ones));
            __asm__("" : "+v"(q));
        }
    return total(acc, 12);
}

// Nibble-lookup popcount + vpsadbw, as kernels/avx512bw's bit_ops: 8 broadcast words of
// `a` against 2 registers, 16 accumulators, 16 x 512 MACs per step.
std::uint64_t xor_lut(const std::uint64_t* a, std::size_t steps) {
    static constexpr unsigned char counts[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
    alignas(64) unsigned char table[64];
    for (int i = 0; i < 64; ++i) table[i] = counts[i % 16];
    const __m512i lut = _mm512_load_si512(table);
    const __m512i nibble = _mm512_set1_epi8(0x0f), b[2] = {_mm512_loadu_si512(a + 8), _mm512_loadu_si512(a + 16)};
    __m512i acc[16];
    for (auto& r : acc) r = _mm512_setzero_si512();
    for (std::size_t s = 0; s < steps; ++s) {
        const std::uint64_t* p = a + (s & 63) * 8;
        for (int i = 0; i < 8; ++i) {
            const __m512i ai = _mm512_set1_epi64(static_cast<long long>(p[i]));
            for (int j = 0; j < 2; ++j) {
                const __m512i v = _mm512_xor_si512(ai, b[j]);
                const __m512i lo = _mm512_and_si512(v, nibble), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble);
                const __m512i bytes = _mm512_add_epi8(_mm512_shuffle_epi8(lut, lo), _mm512_shuffle_epi8(lut, hi));
                acc[2 * i + j] = _mm512_add_epi64(acc[2 * i + j], _mm512_sad_epu8(bytes, _mm512_setzero_si512()));
            }
        }
    }
    return total(acc, 16);
}

}  // namespace

Level avx512bw() {
    Level l;
    l.read = read_lines<Zmm>;
    l.load = "512-bit vmovdqu64";
    l.int8_dot[0] = {int8_add16, 12 * 64, "vpmaddubsw + vpaddw (512-bit)"};
    l.int8_dot[1] = {int8_madd, 12 * 64, "vpmaddubsw + vpmaddwd + vpaddd (512-bit)"};
    l.xor_popcount[0] = {xor_lut, 16 * 512, "vpxorq + nibble vpshufb + vpsadbw + vpaddq (512-bit)"};
    return l;
}

}  // namespace bitla_bench::loops
