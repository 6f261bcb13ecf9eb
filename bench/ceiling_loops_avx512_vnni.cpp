// The avx512_vnni level's ceiling loop (compiled with its flags: bench/CMakeLists.txt):
// vpdpbusd, the u8·s8 dot product the VNNI GEMM and GEMV kernels run on.
#include <immintrin.h>

#include "ceiling_loops.hpp"

namespace bitla_bench::loops {
namespace {

// acc += the u8·s8 dot products of q and x: inline asm with the accumulator tied, as
// kernels/avx512bw does (from the intrinsic GCC 12 copies every accumulator each step).
inline void dp(__m512i& acc, __m512i q, __m512i x) { __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(q), "v"(x)); }

// 12 independent accumulators, 12 x 64 MACs per step; named, not an array, so they stay in
// registers (an array of them is stored to the stack every step).
std::uint64_t int8_vpdpbusd(const std::uint64_t* w, std::size_t steps) {
    const __m512i q = _mm512_loadu_si512(w), x = _mm512_loadu_si512(w + 8);
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
    __m512i a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
    for (std::size_t s = 0; s < steps; ++s) {
        dp(a0, q, x), dp(a1, q, x), dp(a2, q, x), dp(a3, q, x), dp(a4, q, x), dp(a5, q, x);
        dp(a6, q, x), dp(a7, q, x), dp(a8, q, x), dp(a9, q, x), dp(a10, q, x), dp(a11, q, x);
    }
    const __m512i sum = _mm512_add_epi32(
        _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3)),
                         _mm512_add_epi32(_mm512_add_epi32(a4, a5), _mm512_add_epi32(a6, a7))),
        _mm512_add_epi32(_mm512_add_epi32(a8, a9), _mm512_add_epi32(a10, a11)));
    alignas(64) std::uint32_t lanes[16];
    _mm512_store_si512(lanes, sum);
    std::uint64_t total = 0;
    for (auto v : lanes) total += v;
    return total;
}

}  // namespace

Level avx512_vnni() {
    Level l;
    l.int8_dot[0] = {int8_vpdpbusd, 12 * 64, "vpdpbusd"};
    return l;
}

}  // namespace bitla_bench::loops
