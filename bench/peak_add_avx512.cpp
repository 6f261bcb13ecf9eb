// Machine limits for the add-only benchmarks that need wide instructions in this baseline
// binary: compiled alone with the avx512_vnni flags (bench/CMakeLists.txt), called only
// where the CPU has them. Plain functions over raw pointers: no bitla or std templates, so
// no inline symbol compiled with these flags is shared with the baseline code.
#include "limits_add.hpp"

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace bitla_bench::add_limits {

// Sums 64-bit lanes of the range with four independent zmm accumulators: load-bound, the
// same 512-bit loads the add-only GEMV kernels issue. With `prefetch` != 0 each line is also
// prefetched that many bytes ahead, as the GEMV kernels do (whichever is faster is the limit).
std::uint64_t read_avx512(const void* data, std::size_t bytes, std::size_t prefetch) {
    const auto* p = static_cast<const __m512i*>(data);
    const auto* c = static_cast<const char*>(data);
    __m512i a = _mm512_setzero_si512(), b = a, d = a, e = a;
    const std::size_t n = bytes / 64;
    std::size_t i = 0;
    if (prefetch != 0)
        for (; i + 4 <= n; i += 4) {
            for (std::size_t q = 0; q < 4; ++q) _mm_prefetch(c + 64 * (i + q) + prefetch, _MM_HINT_T0);
            a = _mm512_add_epi64(a, _mm512_load_si512(p + i));
            b = _mm512_add_epi64(b, _mm512_load_si512(p + i + 1));
            d = _mm512_add_epi64(d, _mm512_load_si512(p + i + 2));
            e = _mm512_add_epi64(e, _mm512_load_si512(p + i + 3));
        }
    for (; i + 4 <= n; i += 4) {
        a = _mm512_add_epi64(a, _mm512_load_si512(p + i));
        b = _mm512_add_epi64(b, _mm512_load_si512(p + i + 1));
        d = _mm512_add_epi64(d, _mm512_load_si512(p + i + 2));
        e = _mm512_add_epi64(e, _mm512_load_si512(p + i + 3));
    }
    for (; i < n; ++i) a = _mm512_add_epi64(a, _mm512_load_si512(p + i));
    alignas(64) std::uint64_t lanes[8];
    _mm512_store_si512(lanes, _mm512_add_epi64(_mm512_add_epi64(a, b), _mm512_add_epi64(d, e)));
    std::uint64_t s = 0;
    for (auto v : lanes) s += v;
    return s;
}

// vpdpbusd throughput: 12 independent accumulators, `iters` x 12 instructions of 64 MACs.
std::int64_t vnni_loop(std::int64_t iters) {
    __m512i acc[12];
    for (auto& v : acc) v = _mm512_setzero_si512();
    __m512i q = _mm512_set1_epi8(1), x = _mm512_set1_epi8(3);
    for (std::int64_t i = 0; i < iters; ++i) {
        for (auto& v : acc) v = _mm512_dpbusd_epi32(v, q, x);
        __asm__ volatile("" : "+v"(q), "+v"(x));
    }
    __m512i s = acc[0];
    for (int i = 1; i < 12; ++i) s = _mm512_add_epi32(s, acc[i]);
    alignas(64) std::int32_t lanes[16];
    _mm512_store_si512(lanes, s);
    std::int64_t t = 0;
    for (auto v : lanes) t += v;
    return t;
}

}  // namespace bitla_bench::add_limits
