// A deliberately bad "per-ISA unit" (compiled with AVX2 flags, only for the scan's own
// test): a plain inline function with ymm code is a weak symbol any baseline unit may end
// up calling. The symbol scan must flag it.
#include <immintrin.h>

inline __attribute__((noinline)) void bitla_odr_bad_double(float* x) {
    _mm256_storeu_ps(x, _mm256_add_ps(_mm256_loadu_ps(x), _mm256_loadu_ps(x)));
}

void bitla_odr_bad_use(float* x) { bitla_odr_bad_double(x); }
