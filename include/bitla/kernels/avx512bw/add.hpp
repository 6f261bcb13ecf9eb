// bitla/kernels/avx512bw/add.hpp — add-only tile kernels for the AVX-512 levels
// (avx512bw, avx512_vpopcnt, avx512_vnni; the contract is in kernels/add.hpp).
//
// Register plan (dot_i8, mr = nr = 4): 16 accumulators acc[i][j] (16 dword lanes each),
// 4 activation steps x[i], 4 decoded code steps q[j], a few constants: 26 of 32 zmm.
// One step is 64 values: per weight row the codes are decoded once into 64 bytes and
// multiplied into each activation row:
//   vnni      acc += vpdpbusd(q, x)               (u8 codes x s8 activations, exact)
//   otherwise acc += vpmaddwd(vpmaddubsw(q, x), 1) (pairs <= 2·127·128: no saturation
//             while codes <= 127, so 8-bit planes use the generic kernel here)
// Decoding per step: bits: the panel's step block and the row's bit, min 1; code2: one
// 64-byte load per 4 steps, shift + and; base3: one load per 5 steps, trit = (b >= 86) +
// (b >= 171), then b = 3b mod 256 (two byte adds); planes: one masked add per plane.
//
// The GEMV rows kernel (kernels/avx512bw/add_gemv.hpp) and the fp32 tiles (add_f32.hpp) live
// in their own files and share this file's decoders and dot product.
// GEMV of bits codes loads each step's panel block once for the 8 rows of a panel and
// multiplies c & 2^r (2^r·q) into row r's accumulator, shifted right by r at the end: one
// AND and one dot product per 64 weights and row.
// GEMV of base3 codes with VNNI decodes no trits: with b_j the byte after j steps and
// b_{j+1} = 3·b_j mod 256, 256·trit_j = 3·b_j - b_{j+1}, so per step two byte adds and two
// dot products (lo += b_j·x, hi += b_{j+1}·x) and (3·lo - hi) / 256 at each flush, exact.
// dot_f32 accumulates in fp32 (kernels/avx512bw/add_f32.hpp): 1 x 4 tiles at m = 1, 2 x 2 pieces
// above; whole panels of code2 through AVX2's panel kernel (kernels/avx2/add_f32_code2.hpp).
// gemv_out is the AVX2 one (kernels/avx2/add_gemv_out.hpp): 8 rows of a panel a vector,
// the width of a panel's row-terms block.
//
// (The maskz forms of some intrinsics with a full mask: GCC 12 at -O3 warns that the plain
// ones read an undefined register.)
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX512BW

#include "intrinsics.hpp"

#include <cstddef>
#include <cstdint>

#include "../../core/add_layout.hpp"
#include "../generic/add.hpp"
#include "../unrolled.hpp"
#include "add_decode.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

/// The add-only primitives of the AVX-512 levels (the contract is in kernels/add_tiles.hpp):
/// a step is one zmm, the dword lanes one zmm (no staging).
/// The count type of the immediate-shift intrinsics: int in GCC's headers, unsigned int in
/// clang's (so -Wsign-conversion holds under both).
#if defined(__clang__)
using shift_count = unsigned;
#else
using shift_count = int;
#endif

template <class Arch>
struct Avx512AddOps {
    using K = Avx512Add<Arch>;
    using arch = Arch;
    using step = __m512i;
    using acc = __m512i;
    struct consts {
        __m512i one = _mm512_set1_epi8(1), two = _mm512_set1_epi8(2), three = _mm512_set1_epi8(3);
        __m512i t86 = _mm512_set1_epi8(static_cast<char>(86)), t171 = _mm512_set1_epi8(static_cast<char>(171));
    };
    static constexpr int mr = 4, nr = 4;
    static constexpr std::size_t settle_steps = 0;

    static BITLA_ALWAYS_INLINE step load(const std::uint8_t* p) noexcept { return _mm512_load_si512(p); }
    static BITLA_ALWAYS_INLINE step load_x(const std::int8_t* p) noexcept { return _mm512_loadu_si512(p); }
    static BITLA_ALWAYS_INLINE step splat(std::uint8_t b) noexcept { return _mm512_set1_epi8(static_cast<char>(b)); }
    static BITLA_ALWAYS_INLINE step bits(const consts& k, step c, step bit) noexcept {
        return _mm512_min_epu8(_mm512_and_si512(c, bit), k.one);
    }
    static BITLA_ALWAYS_INLINE step code2(const consts& k, step c, unsigned s) noexcept {
        return _mm512_and_si512(s == 0 ? c : _mm512_srli_epi16(c, static_cast<shift_count>(2 * s)), k.three);
    }
    static BITLA_ALWAYS_INLINE step trit(const consts& k, step& c) noexcept {
        return K::next_trit(c, k.t86, k.t171, k.one, k.two);
    }
    /// Without VNNI the pairs of vpmaddubsw saturate for codes above 127: 8-bit planes go generic.
    static constexpr bool planes_ok(const AddLayout& l) noexcept { return K::vnni || l.bits != 8; }
    static BITLA_ALWAYS_INLINE step plane(const AddLayout& l, const std::uint8_t* w, std::size_t t) noexcept {
        return K::plane(l, w, t);
    }

    static BITLA_ALWAYS_INLINE acc zero() noexcept { return _mm512_setzero_si512(); }
    static BITLA_ALWAYS_INLINE void dot(acc& a, step q, step x) noexcept { a = K::dp(a, q, x); }
    static BITLA_ALWAYS_INLINE void settle(acc&) noexcept {}
    static BITLA_ALWAYS_INLINE void store(std::int32_t* out, acc a) noexcept { _mm512_storeu_si512(out, a); }
    static BITLA_ALWAYS_INLINE std::int32_t hsum(acc a) noexcept { return K::hsum(a); }

    struct facc {
        __m512 v[4];  ///< floats 16v .. 16v+15 of a step
    };
    static BITLA_ALWAYS_INLINE facc fzero() noexcept {
        return {{_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()}};
    }
    /// Lane by lane: assigning a whole zero facc made GCC keep the lanes on the stack.
    static BITLA_ALWAYS_INLINE void fclear(facc& a) noexcept {
        for (auto& v : a.v) v = _mm512_setzero_ps();
    }
    static BITLA_ALWAYS_INLINE void fdot(facc& a, step q, const float* x) noexcept {
        unrolled<4>([&](auto v) __attribute__((always_inline)) {
            const __m128i b = _mm512_maskz_extracti32x4_epi32(0xf, q, v);
            const __m512 qf = _mm512_maskz_cvtepi32_ps(0xffff, _mm512_maskz_cvtepu8_epi32(0xffff, b));
            a.v[v] = _mm512_fmadd_ps(qf, _mm512_loadu_ps(x + 16 * v), a.v[v]);
        });
    }
    static BITLA_ALWAYS_INLINE void fstore(float* out, const facc& a) noexcept {
        for (int v = 0; v < 4; ++v) {
            alignas(64) float f[16];
            _mm512_store_ps(f, a.v[v]);
            for (int q = 0; q < 4; ++q) out[4 * v + q] = (f[4 * q] + f[4 * q + 1]) + (f[4 * q + 2] + f[4 * q + 3]);
        }
    }
    static BITLA_ALWAYS_INLINE float fhsum(const facc& a) noexcept {
        return K::hsum_ps(_mm512_add_ps(_mm512_add_ps(a.v[0], a.v[1]), _mm512_add_ps(a.v[2], a.v[3])));
    }

    using gacc = __m512;
    static constexpr std::size_t prefetch_bytes = 8192;
    static BITLA_ALWAYS_INLINE gacc gzero() noexcept { return _mm512_setzero_ps(); }
    static BITLA_ALWAYS_INLINE float ghsum(gacc y) noexcept { return K::hsum_ps(y); }
    static BITLA_ALWAYS_INLINE void group(gacc& y, acc a, const std::uint16_t* s, const std::uint16_t* u,
                                          const float* xs) noexcept {
        const __m512 sv = _mm512_maskz_cvtph_ps(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s)));
        const __m512 uv = _mm512_maskz_cvtph_ps(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(u)));
        y = _mm512_fmadd_ps(_mm512_maskz_cvtepi32_ps(0xffff, a), sv, y);
        y = _mm512_fmadd_ps(uv, _mm512_loadu_ps(xs), y);
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE

#include "../add_tiles.hpp"
#include "add_f32.hpp"
#include "add_gemv.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
AddKernels add_family(arch::avx512bw, pick) noexcept {  // and its descendants
    using K = Avx512Add<Arch>;
    return {&AddTiles<Avx512AddOps<Arch>>::dot_i8, &Avx512AddF32<Arch>::dot_f32, &K::groups, 4, 4,
            &Avx512AddGemv<Arch>::gemv_i8, &Avx2GemvOut<Arch>::gemv_out, 8};
}

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX512BW
