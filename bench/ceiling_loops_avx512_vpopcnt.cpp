// The avx512_vpopcnt level's ceiling loop (compiled with its flags: bench/CMakeLists.txt):
// the xnor microkernel's own mix, vpxorq + vpopcntq + vpaddq per 512-bit word pair.
#include <immintrin.h>

#include "ceiling_loops.hpp"

namespace bitla_bench::loops {
namespace {

// 8 broadcast words of `a` (L1, cycling through 512 words) against 2 registers per step:
// 16 word pairs, 16 independent accumulators.
std::uint64_t xor_vpopcnt(const std::uint64_t* a, std::size_t steps) {
    const __m512i b0 = _mm512_loadu_si512(a + 8), b1 = _mm512_loadu_si512(a + 16);
    __m512i acc[16];
    for (auto& r : acc) r = _mm512_setzero_si512();
    for (std::size_t s = 0; s < steps; ++s) {
        const std::uint64_t* p = a + (s & 63) * 8;
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

}  // namespace

Level avx512_vpopcnt() {
    Level l;
    l.xor_popcount[0] = {xor_vpopcnt, 16 * 512, "vpxorq + vpopcntq + vpaddq"};
    return l;
}

}  // namespace bitla_bench::loops
