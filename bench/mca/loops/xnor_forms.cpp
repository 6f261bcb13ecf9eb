// Ways to add popcount(a ^ b) into per-lane sums on NEON, each in one 4 x 12 tile loop (24
// accumulators), to choose the accumulator width by estimated cycles.
// Standalone: the library holds only the chosen form (kernels/neon/bit_ops.hpp).
//   u64   eor, cnt, uaddlp .8h, uaddlp .4s, uadalp .2d        true 64-bit lanes
//   u32   eor, cnt, uaddlp .8h, uadalp .4s                    two 32-bit halves per lane
//   u16   eor, cnt, uadalp .8h; widened every 4095 words      needs a flush in the tile loop
//   u8    eor, cnt, add .16b; widened every 31 words          needs a flush in the tile loop
//   udot  eor, cnt, udot .4s by ones                          dotprod
// mca: name="xnor form u64" function=form_u64 march=armv8-a marker=cnt weights=128
// mca: name="xnor form u32" function=form_u32 march=armv8-a marker=cnt weights=128
// mca: name="xnor form u16" function=form_u16 march=armv8-a marker=cnt weights=128
// mca: name="xnor form u8" function=form_u8 march=armv8-a marker=cnt weights=128
// mca: name="xnor form udot" function=form_udot march=armv8.2-a+dotprod marker=cnt weights=128
#include <arm_neon.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace {

constexpr std::size_t mr = 4, nv = 6;  // nr = 12 columns, two per register

uint8x16_t xor_count(uint64x2_t a, uint64x2_t b) { return vcntq_u8(vreinterpretq_u8_u64(veorq_u64(a, b))); }

// acc[i][v] = step(acc[i][v], popcount bytes of a_i ^ b_v) over words [j0, j1).
template <class Acc, class Step>
[[gnu::always_inline]] inline void tile_words(const std::uint64_t* a, const std::uint64_t* b, std::size_t j0,
                                              std::size_t j1, Acc (&acc)[mr][nv], Step step) {
    for (std::size_t j = j0; j < j1; ++j) {
        uint64x2_t bv[nv];
#pragma GCC unroll 8
        for (std::size_t v = 0; v < nv; ++v) bv[v] = vld1q_u64(b + j * 2 * nv + 2 * v);
#pragma GCC unroll 8
        for (std::size_t i = 0; i < mr; ++i) {
            const uint64x2_t ai = vld1q_dup_u64(a + j * mr + i);
#pragma GCC unroll 8
            for (std::size_t v = 0; v < nv; ++v) acc[i][v] = step(acc[i][v], xor_count(ai, bv[v]));
        }
    }
}

template <class Acc>
void store(const Acc (&acc)[mr][nv], Acc* out) {
    for (std::size_t i = 0; i < mr; ++i)
        for (std::size_t v = 0; v < nv; ++v) out[i * nv + v] = acc[i][v];
}

// Blocks of `block` words into narrow accumulators, each block widened into u32 halves.
template <class Narrow, class Step, class Widen>
[[gnu::always_inline]] inline void blocked(const std::uint64_t* a, const std::uint64_t* b, std::size_t kw, uint32x4_t* out, std::size_t block,
             Narrow zero, Step step, Widen widen) {
    uint32x4_t wide[mr][nv];
    for (auto& row : wide)
        for (auto& w : row) w = vdupq_n_u32(0);
    for (std::size_t j0 = 0; j0 < kw; j0 += block) {
        Narrow acc[mr][nv];
        for (auto& row : acc)
            for (auto& x : row) x = zero;
        tile_words(a, b, j0, std::min(kw, j0 + block), acc, step);
        for (std::size_t i = 0; i < mr; ++i)
            for (std::size_t v = 0; v < nv; ++v) wide[i][v] = widen(wide[i][v], acc[i][v]);
    }
    store(wide, out);
}

}  // namespace

extern "C" void form_u64(const std::uint64_t* a, const std::uint64_t* b, std::size_t kw, uint64x2_t* out) {
    uint64x2_t acc[mr][nv] = {};
    tile_words(a, b, 0, kw, acc, [](uint64x2_t s, uint8x16_t c) { return vpadalq_u32(s, vpaddlq_u16(vpaddlq_u8(c))); });
    store(acc, out);
}

extern "C" void form_u32(const std::uint64_t* a, const std::uint64_t* b, std::size_t kw, uint32x4_t* out) {
    uint32x4_t acc[mr][nv] = {};
    tile_words(a, b, 0, kw, acc, [](uint32x4_t s, uint8x16_t c) { return vpadalq_u16(s, vpaddlq_u8(c)); });
    store(acc, out);
}

extern "C" void form_u16(const std::uint64_t* a, const std::uint64_t* b, std::size_t kw, uint32x4_t* out) {
    blocked(a, b, kw, out, 4095, vdupq_n_u16(0), [](uint16x8_t s, uint8x16_t c) { return vpadalq_u8(s, c); },
            [](uint32x4_t w, uint16x8_t s) { return vpadalq_u16(w, s); });
}

extern "C" void form_u8(const std::uint64_t* a, const std::uint64_t* b, std::size_t kw, uint32x4_t* out) {
    blocked(a, b, kw, out, 31, vdupq_n_u8(0), [](uint8x16_t s, uint8x16_t c) { return vaddq_u8(s, c); },
            [](uint32x4_t w, uint8x16_t s) { return vpadalq_u16(w, vpaddlq_u8(s)); });
}

#if defined(__ARM_FEATURE_DOTPROD)
extern "C" void form_udot(const std::uint64_t* a, const std::uint64_t* b, std::size_t kw, uint32x4_t* out) {
    uint32x4_t acc[mr][nv] = {};
    tile_words(a, b, 0, kw, acc, [](uint32x4_t s, uint8x16_t c) { return vdotq_u32(s, c, vdupq_n_u8(1)); });
    store(acc, out);
}
#endif
