// bitla/gemm/xnor_driver.hpp — the driver shared by the XNOR products (gemm/xnor.hpp) and
// the Hamming search (gemm/hamming.hpp): panel packing, the tile loop, the split over a pool.
//
// How a call runs (the same driver for every product, ISA-free): the kernels are chosen
// once per call (`active_kernels<XnorKernels>()`). The block's rows of a are packed once
// into mr-row panels (word-interleaved, see kernels/xnor.hpp); its columns of w are packed
// nc at a time, nc chosen so that a packed w block stays in L2 while every a panel (in L1)
// sweeps it; each mr x nr tile goes through the microkernel into a small buffer, then the
// epilogue writes it (edge tiles: the padded rows and columns are computed and dropped).
// The int32 product's full tiles take the fused kernel instead, which writes k - 2 pc
// straight from its accumulators.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "../arch/dispatch.hpp"
#include "../core/aligned_buffer.hpp"
#include "../core/checks.hpp"
#include "../kernels/families.hpp"
#include "thread_pool.hpp"

BITLA_BEGIN_NAMESPACE
namespace detail {

/// Packs rows [r0, r0 + count) of a bit matrix (count <= mr) into one mr-row panel:
/// word j of row i at dst[j * mr + i]; rows count .. mr-1 are zero.
inline void pack_panel(const std::uint64_t* data, std::size_t stride, std::size_t r0, std::size_t count,
                       std::size_t mr, std::size_t kw, std::uint64_t* dst) noexcept {
    for (std::size_t i = 0; i < mr; ++i) {
        const std::uint64_t* src = data + (r0 + i) * stride;
        if (i < count)
            for (std::size_t j = 0; j < kw; ++j) dst[j * mr + i] = src[j];
        else
            for (std::size_t j = 0; j < kw; ++j) dst[j * mr + i] = 0;
    }
}

/// Bytes of packed w a block may hold: about half of a 1 MiB L2.
inline constexpr std::size_t packed_w_budget = std::size_t{384} << 10;

/// Per-thread packing buffers (slot 0: a panels, slot 1: w panels), grown as needed and
/// reused: a fresh allocation per call costs page faults comparable to a 1024^3 product.
inline std::uint64_t* pack_buffer(int slot, std::size_t words) {
    thread_local AlignedBuffer<std::uint64_t> buffers[2];
    if (buffers[slot].size() < words) buffers[slot] = AlignedBuffer<std::uint64_t>(words);
    return buffers[slot].data();
}

/// Marks a product without a fused full-tile kernel (xnor_tiles' `full` argument).
struct no_full_tile {};

/// Runs the microkernel over rows [m0, m1) of a and rows [n0, n1) of b (both kw words a
/// row) and hands every tile to epi(pc, ldp, i0, rows, j0, cols); or, if `full` is given,
/// full tiles to full(a_panel, b_panel, i0, j0) instead (a kernel with the epilogue fused).
template <class Epi, class Full = no_full_tile>
void xnor_tiles(const XnorKernels& kern, const std::uint64_t* a, std::size_t a_stride, std::size_t m0, std::size_t m1,
                const std::uint64_t* b, std::size_t b_stride, std::size_t n0, std::size_t n1, std::size_t kw, Epi&& epi,
                Full&& full = {}) {
    if (m0 >= m1 || n0 >= n1) return;
    const std::size_t mr = kern.mr, nr = kern.nr;
    const std::size_t a_panels = (m1 - m0 + mr - 1) / mr;
    std::uint64_t* const a_pack = pack_buffer(0, a_panels * mr * kw);
    for (std::size_t p = 0; p < a_panels; ++p) {
        const std::size_t r0 = m0 + p * mr;
        pack_panel(a, a_stride, r0, std::min(mr, m1 - r0), mr, kw, a_pack + p * mr * kw);
    }
    const std::size_t nc = nr * std::max<std::size_t>(1, packed_w_budget / (nr * kw * 8));
    const std::size_t b_cols = std::min(nc, (n1 - n0 + nr - 1) / nr * nr);
    std::uint64_t* const b_pack = pack_buffer(1, b_cols * kw);
    alignas(64) std::uint32_t pc[XnorKernels::max_tile];
    for (std::size_t jc = n0; jc < n1; jc += nc) {
        const std::size_t cols_c = std::min(nc, n1 - jc);
        const std::size_t b_panels = (cols_c + nr - 1) / nr;
        for (std::size_t q = 0; q < b_panels; ++q)
            pack_panel(b, b_stride, jc + q * nr, std::min(nr, cols_c - q * nr), nr, kw, b_pack + q * nr * kw);
        for (std::size_t p = 0; p < a_panels; ++p) {
            const std::size_t i0 = m0 + p * mr, rows = std::min(mr, m1 - i0);
            const std::uint64_t* ap = a_pack + p * mr * kw;
            for (std::size_t q = 0; q < b_panels; ++q) {
                const std::size_t j0 = jc + q * nr, cols = std::min(nr, cols_c - q * nr);
                const std::uint64_t* bp = b_pack + q * nr * kw;
                if constexpr (!std::is_same_v<std::remove_cvref_t<Full>, no_full_tile>) {
                    if (rows == mr && cols == nr) {
                        full(ap, bp, i0, j0);
                        continue;
                    }
                }
                kern.tile(ap, bp, kw, pc);
                epi(pc, nr, i0, rows, j0, cols);
            }
        }
    }
}

/// Splits an M x N output into at most pool.size() blocks of whole tiles along its
/// longer dimension (in tiles) and calls f(OutputBlock) for each on the pool.
template <class F>
void parallel_blocks(std::size_t m, std::size_t n, std::size_t mr, std::size_t nr, ThreadPool& pool, F&& f) {
    if (m == 0 || n == 0) return;
    if ((n + nr - 1) / nr >= (m + mr - 1) / mr)
        parallel_for(n, nr, [&](std::size_t b, std::size_t e) { f(OutputBlock{0, m, b, e}); }, pool);
    else
        parallel_for(m, mr, [&](std::size_t b, std::size_t e) { f(OutputBlock{b, e, 0, n}); }, pool);
}

inline void check_bits(std::size_t k, std::string_view name) {
    require(k != 0, name, name, " has 0 columns: there are no bits to compare");
}

}  // namespace detail
BITLA_END_NAMESPACE
