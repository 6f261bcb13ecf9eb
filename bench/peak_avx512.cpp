// The xor + popcount + add peak loop with AVX-512 VPOPCNTDQ. This file alone is compiled
// with the avx512_vpopcnt flags (bench/CMakeLists.txt) and holds nothing but this one
// non-inline function, so no shared inline code picks up AVX-512 instructions.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace bitla_bench {

// The microkernel's inner loop with the b operands held in registers: each step
// broadcasts 8 words of `a` (L1-resident, cycling through 512 words) against 2 registers,
// 16 word pairs = 48 vector instructions. Returns a checksum so nothing is dead.
std::uint64_t xor_popcount_loop_avx512_vpopcnt(const std::uint64_t* a, std::size_t steps) {
    const __m512i b0 = _mm512_loadu_si512(a + 8), b1 = _mm512_loadu_si512(a + 16);
    __m512i acc[16];
    for (auto& r : acc) r = _mm512_setzero_si512();
    for (std::size_t s = 0; s < steps; ++s) {
        const std::uint64_t* p = a + (s & 63) * 8;
#pragma GCC unroll 8
        for (int i = 0; i < 8; ++i) {
            const __m512i ai = _mm512_set1_epi64(static_cast<long long>(p[i]));
            acc[2 * i] = _mm512_add_epi64(acc[2 * i], _mm512_popcnt_epi64(_mm512_xor_si512(ai, b0)));
            acc[2 * i + 1] = _mm512_add_epi64(acc[2 * i + 1], _mm512_popcnt_epi64(_mm512_xor_si512(ai, b1)));
        }
    }
    __m512i sum = acc[0];
    for (int i = 1; i < 16; ++i) sum = _mm512_add_epi64(sum, acc[i]);
    alignas(64) std::uint64_t lanes[8];
    _mm512_store_si512(lanes, sum);
    std::uint64_t total = 0;
    for (auto v : lanes) total += v;
    return total;
}

}  // namespace bitla_bench
