// bitla/kernels/xnor.hpp — the XNOR-popcount kernel family: binary GEMM / GEMV and
// Hamming distances, written once over bit_ops<Arch> (kernels/bit_ops.hpp).
//
// The microkernel (BLIS discipline) computes one full mr x nr tile of popcount(a ^ b)
// sums from two packed, zero-padded panels over kw 64-bit words of K:
//
//     a panel (mr rows):  word j of row i at a[j * mr + i]     (broadcast, one per row)
//     b panel (nr rows):  word j of row n at b[j * nr + n]     (nr / lanes registers)
//     out[i * nr + n] = sum_j popcount(a[j * mr + i] ^ b[j * nr + n])   (uint32)
//
//           b: nr / lanes registers, 64-bit lanes = nr columns
//         +-----+-----+
//     a_i | acc | acc |   mr x nr / lanes accumulators, each lane one output: no
//     ... | ... | ... |   horizontal reduction, one vpxorq + vpopcntq + vpaddq per
//         +-----+-----+   word pair.
//
// It assumes kw >= 1 and full panels and checks nothing; packing, edges, blocking and the
// epilogue are the drivers' (gemm/xnor.hpp). `rows` is the GEMV form: one row a against
// `rows` rows of a row-major bit matrix (no packing), one sum per row.
//
// The epilogues below are ISA-free code too, but they run once per tile, so they are
// templates on the ISA tag: each ISA's unit compiles (and vectorises) its own copy.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bit_ops.hpp"

BITLA_BEGIN_NAMESPACE

struct XnorKernels {
    isa id = isa::generic;
    std::size_t mr = 0, nr = 0;  ///< tile shape of `tile`; mr * nr <= max_tile

    static constexpr std::size_t max_tile = 256;

    /// out (mr x nr, ld nr) = popcount sums of the packed panels a and b over kw words.
    void (*tile)(const std::uint64_t* a, const std::uint64_t* b, std::size_t kw, std::uint32_t* out) = nullptr;
    /// y (mr x nr int32, ld ldy) = k - 2 * those sums: `tile` and `finish_dot` of a full tile
    /// in one call, from the accumulators (no popcount buffer, no second call).
    void (*tile_dot)(const std::uint64_t* a, const std::uint64_t* b, std::size_t kw, std::int32_t k, std::int32_t* y,
                     std::size_t ldy) = nullptr;
    /// out[r] = sum_j popcount(a[j] ^ w[r * stride + j]), r < rows, j < kw (kw a multiple of 8).
    void (*rows)(const std::uint64_t* a, const std::uint64_t* w, std::size_t stride, std::size_t rows, std::size_t kw,
                 std::uint32_t* out) = nullptr;

    // Epilogues: read a tile of popcounts pc (rows x cols, ld ldp) and write outputs.
    /// y = k - 2 pc (the +-1 dot product).
    void (*finish_dot)(const std::uint32_t* pc, std::size_t ldp, std::size_t rows, std::size_t cols, std::int32_t k,
                       std::int32_t* y, std::size_t ldy) = nullptr;
    /// y = (a_scale[i] * w_scale[n]) * float(k - 2 pc); a null scale means all ones.
    void (*finish_scaled)(const std::uint32_t* pc, std::size_t ldp, std::size_t rows, std::size_t cols, std::int32_t k,
                          const float* a_scale, const float* w_scale, float* y, std::size_t ldy) = nullptr;
    /// y = pc (Hamming distances).
    void (*finish_distance)(const std::uint32_t* pc, std::size_t ldp, std::size_t rows, std::size_t cols,
                            std::uint32_t* y, std::size_t ldy) = nullptr;
    /// Merges the tile into per-row top-k lists: row i's list is dist[i * k ..], index[i * k ..],
    /// sorted by (distance, index), worse entries last; column n has index index0 + n.
    void (*topk)(const std::uint32_t* pc, std::size_t ldp, std::size_t rows, std::size_t cols, std::size_t index0,
                 std::uint32_t* dist, std::size_t* index, std::size_t k) = nullptr;

    template <class Arch>
    static XnorKernels make() noexcept;
};

namespace kernels {

/// The mr x nr / lanes accumulator registers of one tile.
template <class Arch>
using tile_acc = typename bit_ops<Arch>::reg[bit_ops<Arch>::mr][bit_ops<Arch>::nr / bit_ops<Arch>::lanes];

// The accumulation loop of both tile kernels, always inlined into them so the
// accumulators stay in registers from the first word to the last store.
template <class Arch>
BITLA_ALWAYS_INLINE void xor_popcount_accumulate(const std::uint64_t* BITLA_RESTRICT a,
                                                 const std::uint64_t* BITLA_RESTRICT b, std::size_t kw,
                                                 tile_acc<Arch>& acc) noexcept {
    using O = bit_ops<Arch>;
    constexpr std::size_t mr = O::mr, nr = O::nr, lanes = O::lanes, nv = nr / lanes;
#pragma GCC unroll 64
    for (std::size_t i = 0; i < mr; ++i)
#pragma GCC unroll 64
        for (std::size_t v = 0; v < nv; ++v) acc[i][v] = O::zero();
    for (std::size_t j = 0; j < kw; ++j, a += mr, b += nr) {
        typename O::reg bv[nv];
#pragma GCC unroll 64
        for (std::size_t v = 0; v < nv; ++v) bv[v] = O::load(b + v * lanes);
#pragma GCC unroll 64
        for (std::size_t i = 0; i < mr; ++i) {
            const typename O::reg ai = O::broadcast(a + i);
#pragma GCC unroll 64
            for (std::size_t v = 0; v < nv; ++v) acc[i][v] = O::xor_popcount_add(acc[i][v], ai, bv[v]);
        }
    }
}

template <class Arch>
void xor_popcount_tile(const std::uint64_t* BITLA_RESTRICT a, const std::uint64_t* BITLA_RESTRICT b, std::size_t kw,
                       std::uint32_t* BITLA_RESTRICT out) noexcept {
    using O = bit_ops<Arch>;
    constexpr std::size_t mr = O::mr, nr = O::nr, lanes = O::lanes, nv = nr / lanes;
    tile_acc<Arch> acc;
    xor_popcount_accumulate<Arch>(a, b, kw, acc);
#pragma GCC unroll 64
    for (std::size_t i = 0; i < mr; ++i)
#pragma GCC unroll 64
        for (std::size_t v = 0; v < nv; ++v) O::store_u32(out + i * nr + v * lanes, acc[i][v]);
}

template <class Arch>
void xor_popcount_tile_dot(const std::uint64_t* BITLA_RESTRICT a, const std::uint64_t* BITLA_RESTRICT b,
                           std::size_t kw, std::int32_t k, std::int32_t* BITLA_RESTRICT y, std::size_t ldy) noexcept {
    using O = bit_ops<Arch>;
    constexpr std::size_t mr = O::mr, nr = O::nr, lanes = O::lanes, nv = nr / lanes;
    tile_acc<Arch> acc;
    xor_popcount_accumulate<Arch>(a, b, kw, acc);
#pragma GCC unroll 64
    for (std::size_t i = 0; i < mr; ++i)
#pragma GCC unroll 64
        for (std::size_t v = 0; v < nv; ++v) O::store_dot_i32(y + i * ldy + v * lanes, acc[i][v], k);
}

template <class Arch>
void xor_popcount_rows(const std::uint64_t* a, const std::uint64_t* w, std::size_t stride, std::size_t rows,
                       std::size_t kw, std::uint32_t* out) noexcept {
    using O = bit_ops<Arch>;
    constexpr std::size_t lanes = O::lanes, group = 4;
    std::size_t r = 0;
    for (; r + group <= rows; r += group) {
        typename O::reg acc[group];
#pragma GCC unroll 8
        for (std::size_t q = 0; q < group; ++q) acc[q] = O::zero();
        for (std::size_t j = 0; j < kw; j += lanes) {
            const typename O::reg av = O::load(a + j);
#pragma GCC unroll 8
            for (std::size_t q = 0; q < group; ++q)
                acc[q] = O::xor_popcount_add(acc[q], av, O::load(w + (r + q) * stride + j));
        }
#pragma GCC unroll 8
        for (std::size_t q = 0; q < group; ++q) out[r + q] = static_cast<std::uint32_t>(O::reduce(acc[q]));
    }
    for (; r < rows; ++r) {
        typename O::reg acc = O::zero();
        for (std::size_t j = 0; j < kw; j += lanes) acc = O::xor_popcount_add(acc, O::load(a + j), O::load(w + r * stride + j));
        out[r] = static_cast<std::uint32_t>(O::reduce(acc));
    }
}

// Epilogues. Full tiles (cols == nr) take a loop with a constant trip count, which every
// compiler vectorises at -O2; edge tiles take the plain loop.

template <class Arch, class F>
BITLA_ALWAYS_INLINE void for_tile_rows(std::size_t rows, std::size_t cols, F&& row) {
    constexpr std::size_t nr = bit_ops<Arch>::nr;
    if (cols == nr)
        for (std::size_t i = 0; i < rows; ++i) row(i, std::integral_constant<std::size_t, nr>{});
    else
        for (std::size_t i = 0; i < rows; ++i) row(i, cols);
}

/// k - 2·pc, exact: |k - 2·pc| <= k < 2^31, formed modulo 2^32 (2·pc itself can pass 2^31).
/// A template on the ISA, like everything compiled into the per-ISA units.
template <class Arch>
BITLA_ALWAYS_INLINE std::int32_t pm_dot(std::int32_t k, std::uint32_t pc) noexcept {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(k) - 2u * pc);
}

template <class Arch>
void finish_dot(const std::uint32_t* BITLA_RESTRICT pc, std::size_t ldp, std::size_t rows, std::size_t cols,
                std::int32_t k, std::int32_t* BITLA_RESTRICT y, std::size_t ldy) noexcept {
    for_tile_rows<Arch>(rows, cols, [&](std::size_t i, auto n_cols) {
        const std::uint32_t* p = pc + i * ldp;
        std::int32_t* out = y + i * ldy;
        for (std::size_t n = 0; n < n_cols; ++n) out[n] = pm_dot<Arch>(k, p[n]);
    });
}

template <class Arch>
void finish_scaled(const std::uint32_t* BITLA_RESTRICT pc, std::size_t ldp, std::size_t rows, std::size_t cols,
                   std::int32_t k, const float* BITLA_RESTRICT a_scale, const float* BITLA_RESTRICT w_scale,
                   float* BITLA_RESTRICT y, std::size_t ldy) noexcept {
    for_tile_rows<Arch>(rows, cols, [&](std::size_t i, auto n_cols) {
        const std::uint32_t* p = pc + i * ldp;
        float* out = y + i * ldy;
        const float sa = a_scale != nullptr ? a_scale[i] : 1.0f;
        if (w_scale != nullptr)
            for (std::size_t n = 0; n < n_cols; ++n)
                out[n] = sa * w_scale[n] * static_cast<float>(pm_dot<Arch>(k, p[n]));
        else
            for (std::size_t n = 0; n < n_cols; ++n)
                out[n] = sa * 1.0f * static_cast<float>(pm_dot<Arch>(k, p[n]));
    });
}

template <class Arch>
void finish_distance(const std::uint32_t* BITLA_RESTRICT pc, std::size_t ldp, std::size_t rows, std::size_t cols,
                     std::uint32_t* BITLA_RESTRICT y, std::size_t ldy) noexcept {
    for_tile_rows<Arch>(rows, cols, [&](std::size_t i, auto n_cols) {
        for (std::size_t n = 0; n < n_cols; ++n) y[i * ldy + n] = pc[i * ldp + n];
    });
}

/// Inserts (d, id) into a sorted list of k if it beats the last entry.
template <class Arch>
void topk_insert(std::uint32_t* dist, std::size_t* index, std::size_t k, std::uint32_t d, std::size_t id) noexcept {
    std::size_t pos = k - 1;
    if (d > dist[pos] || (d == dist[pos] && id > index[pos])) return;
    for (; pos > 0 && (dist[pos - 1] > d || (dist[pos - 1] == d && index[pos - 1] > id)); --pos) {
        dist[pos] = dist[pos - 1];
        index[pos] = index[pos - 1];
    }
    dist[pos] = d;
    index[pos] = id;
}

template <class Arch>
void topk_update(const std::uint32_t* pc, std::size_t ldp, std::size_t rows, std::size_t cols, std::size_t index0,
                 std::uint32_t* dist, std::size_t* index, std::size_t k) noexcept {
    for_tile_rows<Arch>(rows, cols, [&](std::size_t i, auto n_cols) {
        const std::uint32_t* p = pc + i * ldp;
        std::uint32_t* d = dist + i * k;
        std::size_t* id = index + i * k;
        // Most tiles hold no candidate: one vector compare decides (ties pass, the insert
        // breaks them by index).
        const std::uint32_t bound = d[k - 1];
        unsigned hit = 0;
        for (std::size_t n = 0; n < n_cols; ++n) hit |= p[n] <= bound ? 1u : 0u;
        if (hit == 0) return;
        for (std::size_t n = 0; n < n_cols; ++n)
            if (p[n] <= d[k - 1]) topk_insert<Arch>(d, id, k, p[n], index0 + n);
    });
}

}  // namespace kernels

template <class Arch>
XnorKernels XnorKernels::make() noexcept {
    using O = kernels::bit_ops<Arch>;
    static_assert(O::mr * O::nr <= max_tile && O::nr % O::lanes == 0 && 8 % O::lanes == 0);
    XnorKernels k;
    k.id = Arch::id;
    k.mr = O::mr;
    k.nr = O::nr;
    k.tile = &kernels::xor_popcount_tile<Arch>;
    k.tile_dot = &kernels::xor_popcount_tile_dot<Arch>;
    k.rows = &kernels::xor_popcount_rows<Arch>;
    k.finish_dot = &kernels::finish_dot<Arch>;
    k.finish_scaled = &kernels::finish_scaled<Arch>;
    k.finish_distance = &kernels::finish_distance<Arch>;
    k.topk = &kernels::topk_update<Arch>;
    return k;
}

BITLA_END_NAMESPACE
