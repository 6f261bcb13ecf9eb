// bitla/kernels/avx512_vpopcnt/bit_ops.hpp — bit_ops with AVX-512 VPOPCNTDQ: three
// instructions per 512-bit word pair (vpxorq, vpopcntq, vpaddq), the machine's peak.
// Also used by avx512_vnni (its tag derives from this level's), instantiated on its own tag.
#pragma once

#include "../avx512bw/bit_ops.hpp"

#if BITLA_FLAGS_AVX512_VPOPCNT
BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct avx512_vpopcnt_ops : avx512_ops<Arch> {
    using reg = __m512i;
    static reg xor_popcount_add(reg acc, reg a, reg b) noexcept {
        return _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(a, b)));
    }
};

template <class Arch>
avx512_vpopcnt_ops<Arch> bit_ops_for(arch::avx512_vpopcnt, pick);  // and its child avx512_vnni

}  // namespace kernels
BITLA_END_NAMESPACE
#endif
