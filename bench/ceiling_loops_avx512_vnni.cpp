// The avx512_vnni level's ceiling loop (compiled with its flags: bench/CMakeLists.txt):
// vpdpbusd, the u8·s8 dot product the VNNI GEMM and GEMV kernels run on.
#include <immintrin.h>

#include "ceiling_loops.hpp"

namespace bitla_bench::loops {
namespace {

// 12 independent accumulators, 12 x 64 MACs per step. As inline asm with the accumulator
// tied, as kernels/avx512bw does: from the intrinsic GCC 12 copies every accumulator each step.
std::uint64_t int8_vpdpbusd(const std::uint64_t* w, std::size_t steps) {
    __m512i acc[12];
    for (auto& v : acc) v = _mm512_setzero_si512();
    const __m512i q = _mm512_loadu_si512(w), x = _mm512_loadu_si512(w + 8);
    for (std::size_t s = 0; s < steps; ++s) {
        for (auto& v : acc) __asm__("vpdpbusd %2, %1, %0" : "+v"(v) : "v"(q), "v"(x));
    }
    __m512i sum = acc[0];
    for (int i = 1; i < 12; ++i) sum = _mm512_add_epi32(sum, acc[i]);
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
