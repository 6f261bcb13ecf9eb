// bitla/gemm/xnor.hpp — binary (W1A1) products and Hamming search on packed bits.
//
//   xnor_gemm(a, w, y)                   y (M x N, int32) = a . w^T for +-1 bits: K - 2 popcount(a ^ w)
//   xnor_gemm(a, w, y, a_scale, w_scale) y (float) = a_scale[m] * w_scale[n] * (a_m . w_n)
//                                        (XNOR-Net beta per activation row, alpha per weight row;
//                                        an empty span means all ones)
//   xnor_gemv(a, w, y [, a_scale, w_scale])  the same for one row a (1 x K)
//   hamming_distances(q, codes, d)       d (nq x nb, uint32) = popcount(q_i ^ codes_j)
//   hamming_topk(q, codes, index, dist)  for each query the k = index.cols nearest codes,
//                                        ascending by (distance, index): ties go to the
//                                        lower index
//
// Operands are BitPacked<E> owners or BitView<E> views (any bit length K; the padding is
// zero). xnor_* take enc::sign bits; Hamming takes either encoding (it only counts
// differing bits). Outputs are MatrixView (or spans for GEMV) that must have exactly the
// output's shape and must not overlap any input or each other.
//
// Threading. Each entry runs on a ThreadPool (default_pool() unless given) and splits the
// output into contiguous blocks of whole tiles, one task each. The `_block` / `_rows`
// forms compute one block of the output on the calling thread, so an engine can drive
// them from its own pool; any split gives bit-identical results (every output element is
// computed by exactly one call, integer sums are exact, and the float epilogue is one
// expression per element).
//
// Errors (bitla::error naming the argument, thrown before any output is written):
// K mismatch, K = 0, an output of the wrong shape or overlapping an input, scales of the
// wrong length, k = 0 or k > nb, ranges outside the output.
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
#include <limits>
#include <span>
#include <type_traits>

#include "../arch/dispatch.hpp"
#include "../core/checks.hpp"
#include "../core/concepts.hpp"
#include "../kernels/families.hpp"
#include "thread_pool.hpp"

BITLA_BEGIN_NAMESPACE

/// Bit matrices a Hamming search accepts: BitPacked<E> or BitView<E>, either encoding.
template <class C>
concept bit_matrix = packed_matrix<C> && (std::is_same_v<packed_view_t<C>, BitView<enc::sign>> ||
                                          std::is_same_v<packed_view_t<C>, BitView<enc::zero_one>>);

/// Rows [row_begin, row_end) x columns [col_begin, col_end) of an output.
struct OutputBlock {
    std::size_t row_begin = 0, row_end = 0, col_begin = 0, col_end = 0;
};

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

inline void check_block(const OutputBlock& b, std::size_t m, std::size_t n) {
    require(b.row_begin <= b.row_end && b.row_end <= m, "block", "rows [", b.row_begin, ", ", b.row_end,
            ") are not inside [0, ", m, ")");
    require(b.col_begin <= b.col_end && b.col_end <= n, "block", "columns [", b.col_begin, ", ", b.col_end,
            ") are not inside [0, ", n, ")");
}

template <class V, class Y>
void check_xnor(const BitView<enc::sign>& a, const V& w, const MatrixView<Y>& y) {
    check_bits(a.cols, "a");
    check_product(a, w, y, {"a", "w", "y"});
    check_int32_accumulator(a.cols, 1, 1, "a");
}

inline void check_scales(std::span<const float> a_scale, std::span<const float> w_scale, std::size_t m,
                         std::size_t n) {
    require(a_scale.empty() || a_scale.size() == m, "a_scale", "a_scale has ", a_scale.size(),
            " entries but a has ", m, " rows");
    require(w_scale.empty() || w_scale.size() == n, "w_scale", "w_scale has ", w_scale.size(),
            " entries but w has ", n, " rows");
}

template <class Y>
void check_no_overlap(const MatrixView<Y>& y, std::span<const float> s, std::string_view name) {
    const void* b = s.data();
    const void* e = s.data() + s.size();
    require(!overlaps(y.first_byte(), y.end_byte(), b, e), "y", "y overlaps ", name);
}

// The unchecked bodies of the public entries.

inline void xnor_gemm_int(const XnorKernels& kern, const BitView<enc::sign>& a, const BitView<enc::sign>& w,
                          const MatrixView<std::int32_t>& y, const OutputBlock& b) {
    const auto k = static_cast<std::int32_t>(a.cols);
    if (b.row_end - b.row_begin == 1) {  // GEMV: one row against w's rows, no packing
        alignas(64) std::uint32_t pc[XnorKernels::max_tile];
        for (std::size_t j = b.col_begin; j < b.col_end; j += XnorKernels::max_tile) {
            const std::size_t cols = std::min(XnorKernels::max_tile, b.col_end - j);
            kern.rows(a.words(b.row_begin).data(), w.data + j * w.stride, w.stride, cols, a.row_words, pc);
            kern.finish_dot(pc, cols, 1, cols, k, &y(b.row_begin, j), y.ld);
        }
        return;
    }
    xnor_tiles(
        kern, a.data, a.stride, b.row_begin, b.row_end, w.data, w.stride, b.col_begin, b.col_end, a.row_words,
        [&](const std::uint32_t* pc, std::size_t ldp, std::size_t i0, std::size_t rows, std::size_t j0,
            std::size_t cols) { kern.finish_dot(pc, ldp, rows, cols, k, &y(i0, j0), y.ld); },
        [&](const std::uint64_t* ap, const std::uint64_t* bp, std::size_t i0, std::size_t j0) {
            kern.tile_dot(ap, bp, a.row_words, k, &y(i0, j0), y.ld);
        });
}

inline void xnor_gemm_float(const XnorKernels& kern, const BitView<enc::sign>& a, const BitView<enc::sign>& w,
                            const MatrixView<float>& y, std::span<const float> a_scale, std::span<const float> w_scale,
                            const OutputBlock& b) {
    const auto k = static_cast<std::int32_t>(a.cols);
    const auto sa = [&](std::size_t i) { return a_scale.empty() ? nullptr : a_scale.data() + i; };
    const auto sw = [&](std::size_t j) { return w_scale.empty() ? nullptr : w_scale.data() + j; };
    if (b.row_end - b.row_begin == 1) {
        alignas(64) std::uint32_t pc[XnorKernels::max_tile];
        for (std::size_t j = b.col_begin; j < b.col_end; j += XnorKernels::max_tile) {
            const std::size_t cols = std::min(XnorKernels::max_tile, b.col_end - j);
            kern.rows(a.words(b.row_begin).data(), w.data + j * w.stride, w.stride, cols, a.row_words, pc);
            kern.finish_scaled(pc, cols, 1, cols, k, sa(b.row_begin), sw(j), &y(b.row_begin, j), y.ld);
        }
        return;
    }
    xnor_tiles(kern, a.data, a.stride, b.row_begin, b.row_end, w.data, w.stride, b.col_begin, b.col_end, a.row_words,
               [&](const std::uint32_t* pc, std::size_t ldp, std::size_t i0, std::size_t rows, std::size_t j0,
                   std::size_t cols) { kern.finish_scaled(pc, ldp, rows, cols, k, sa(i0), sw(j0), &y(i0, j0), y.ld); });
}

template <bit_encoding E, bit_encoding F>
void hamming_block(const XnorKernels& kern, const BitView<E>& q, const BitView<F>& c,
                   const MatrixView<std::uint32_t>& d, const OutputBlock& b) {
    xnor_tiles(kern, q.data, q.stride, b.row_begin, b.row_end, c.data, c.stride, b.col_begin, b.col_end, q.row_words,
               [&](const std::uint32_t* pc, std::size_t ldp, std::size_t i0, std::size_t rows, std::size_t j0,
                   std::size_t cols) { kern.finish_distance(pc, ldp, rows, cols, &d(i0, j0), d.ld); });
}

template <bit_encoding E, bit_encoding F>
void topk_rows(const XnorKernels& kern, const BitView<E>& q, const BitView<F>& c, const MatrixView<std::size_t>& index,
               const MatrixView<std::uint32_t>& dist, std::size_t q0, std::size_t q1) {
    if (q0 >= q1) return;
    const std::size_t k = index.cols, rows = q1 - q0;
    // Lists start full of sentinels that every real code beats (distances are <= K < 2^32 - 1).
    AlignedBuffer<std::uint32_t> best_d(rows * k);
    AlignedBuffer<std::size_t> best_i(rows * k);
    std::fill_n(best_d.data(), rows * k, std::numeric_limits<std::uint32_t>::max());
    std::fill_n(best_i.data(), rows * k, std::numeric_limits<std::size_t>::max());
    xnor_tiles(kern, q.data, q.stride, q0, q1, c.data, c.stride, 0, c.rows, q.row_words,
               [&](const std::uint32_t* pc, std::size_t ldp, std::size_t i0, std::size_t n_rows, std::size_t j0,
                   std::size_t cols) {
                   const std::size_t off = (i0 - q0) * k;
                   kern.topk(pc, ldp, n_rows, cols, j0, best_d.data() + off, best_i.data() + off, k);
               });
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < k; ++j) {
            index(q0 + i, j) = best_i[i * k + j];
            dist(q0 + i, j) = best_d[i * k + j];
        }
}

template <class Q, class C>
void check_topk(const Q& q, const C& c, const MatrixView<std::size_t>& index, const MatrixView<std::uint32_t>& dist) {
    check_bits(q.cols, "queries");
    require(c.cols == q.cols, "codes", "codes have ", c.cols, " bits but queries have ", q.cols);
    check_view(index, "index");
    check_view(dist, "dist");
    require(index.cols != 0, "index", "index has 0 columns: k must be at least 1");
    require(index.rows == q.rows, "index", "index has ", index.rows, " rows but there are ", q.rows, " queries");
    require(index.cols <= c.rows, "index", "k = ", index.cols, " is more than the ", c.rows, " codes");
    require(dist.rows == index.rows && dist.cols == index.cols, "dist", "dist is ", dist.rows, " x ", dist.cols,
            " but index is ", index.rows, " x ", index.cols);
    require(!overlaps(index.first_byte(), index.end_byte(), q.first_byte(), q.end_byte()), "index",
            "index overlaps queries");
    require(!overlaps(index.first_byte(), index.end_byte(), c.first_byte(), c.end_byte()), "index",
            "index overlaps codes");
    require(!overlaps(dist.first_byte(), dist.end_byte(), q.first_byte(), q.end_byte()), "dist",
            "dist overlaps queries");
    require(!overlaps(dist.first_byte(), dist.end_byte(), c.first_byte(), c.end_byte()), "dist",
            "dist overlaps codes");
    require(!overlaps(dist.first_byte(), dist.end_byte(), index.first_byte(), index.end_byte()), "dist",
            "dist overlaps index");
}

}  // namespace detail

// ---- XNOR GEMM / GEMV ------------------------------------------------------------------

/// y (M x N, int32) = a (M x K, +-1 bits) . w (N x K, +-1 bits)^T, exact.
template <sign_bits A, sign_bits W>
void xnor_gemm(const A& a_in, const W& w_in, MatrixView<std::int32_t> y, ThreadPool& pool = default_pool()) {
    const auto a = a_in.view();
    const auto w = w_in.view();
    detail::check_xnor(a, w, y);
    const XnorKernels& kern = active_kernels<XnorKernels>();
    detail::parallel_blocks(a.rows, w.rows, kern.mr, kern.nr, pool,
                            [&](const OutputBlock& b) { detail::xnor_gemm_int(kern, a, w, y, b); });
}

/// y[m, n] = a_scale[m] * w_scale[n] * (a_m . w_n) as float; empty scales mean all ones.
template <sign_bits A, sign_bits W>
void xnor_gemm(const A& a_in, const W& w_in, MatrixView<float> y, std::span<const float> a_scale,
               std::span<const float> w_scale, ThreadPool& pool = default_pool()) {
    const auto a = a_in.view();
    const auto w = w_in.view();
    detail::check_xnor(a, w, y);
    detail::check_scales(a_scale, w_scale, a.rows, w.rows);
    detail::check_no_overlap(y, a_scale, "a_scale");
    detail::check_no_overlap(y, w_scale, "w_scale");
    const XnorKernels& kern = active_kernels<XnorKernels>();
    detail::parallel_blocks(a.rows, w.rows, kern.mr, kern.nr, pool, [&](const OutputBlock& b) {
        detail::xnor_gemm_float(kern, a, w, y, a_scale, w_scale, b);
    });
}

/// One block of xnor_gemm's output, on the calling thread (y is the whole M x N output).
template <sign_bits A, sign_bits W>
void xnor_gemm_block(const A& a_in, const W& w_in, MatrixView<std::int32_t> y, const OutputBlock& block) {
    const auto a = a_in.view();
    const auto w = w_in.view();
    detail::check_xnor(a, w, y);
    detail::check_block(block, a.rows, w.rows);
    detail::xnor_gemm_int(active_kernels<XnorKernels>(), a, w, y, block);
}

/// One block of the float xnor_gemm's output, on the calling thread.
template <sign_bits A, sign_bits W>
void xnor_gemm_block(const A& a_in, const W& w_in, MatrixView<float> y, std::span<const float> a_scale,
                     std::span<const float> w_scale, const OutputBlock& block) {
    const auto a = a_in.view();
    const auto w = w_in.view();
    detail::check_xnor(a, w, y);
    detail::check_scales(a_scale, w_scale, a.rows, w.rows);
    detail::check_no_overlap(y, a_scale, "a_scale");
    detail::check_no_overlap(y, w_scale, "w_scale");
    detail::check_block(block, a.rows, w.rows);
    detail::xnor_gemm_float(active_kernels<XnorKernels>(), a, w, y, a_scale, w_scale, block);
}

/// y (N, int32) = w . a for one row of +-1 bits a (1 x K).
template <sign_bits A, sign_bits W>
void xnor_gemv(const A& a, const W& w, std::span<std::int32_t> y, ThreadPool& pool = default_pool()) {
    detail::require(a.view().rows == 1, "a", "xnor_gemv takes one row of bits, a has ", a.view().rows);
    xnor_gemm(a, w, MatrixView<std::int32_t>(y), pool);
}

/// y (N, float) = a_scale * w_scale[n] * (w_n . a); an empty w_scale means all ones.
template <sign_bits A, sign_bits W>
void xnor_gemv(const A& a, const W& w, std::span<float> y, float a_scale, std::span<const float> w_scale,
               ThreadPool& pool = default_pool()) {
    detail::require(a.view().rows == 1, "a", "xnor_gemv takes one row of bits, a has ", a.view().rows);
    xnor_gemm(a, w, MatrixView<float>(y), std::span<const float>(&a_scale, 1), w_scale, pool);
}

// ---- Hamming ----------------------------------------------------------------------------

/// d (nq x nb, uint32) = Hamming distances between every query and every code.
template <bit_matrix Q, bit_matrix C>
void hamming_distances(const Q& q_in, const C& c_in, MatrixView<std::uint32_t> d, ThreadPool& pool = default_pool()) {
    const auto q = q_in.view();
    const auto c = c_in.view();
    detail::check_bits(q.cols, "queries");
    detail::require(c.cols == q.cols, "codes", "codes have ", c.cols, " bits but queries have ", q.cols);
    detail::check_product(q, c, d, {"queries", "codes", "d"});
    const XnorKernels& kern = active_kernels<XnorKernels>();
    detail::parallel_blocks(q.rows, c.rows, kern.mr, kern.nr, pool,
                            [&](const OutputBlock& b) { detail::hamming_block(kern, q, c, d, b); });
}

/// One block of hamming_distances' output, on the calling thread.
template <bit_matrix Q, bit_matrix C>
void hamming_distances_block(const Q& q_in, const C& c_in, MatrixView<std::uint32_t> d, const OutputBlock& block) {
    const auto q = q_in.view();
    const auto c = c_in.view();
    detail::check_bits(q.cols, "queries");
    detail::require(c.cols == q.cols, "codes", "codes have ", c.cols, " bits but queries have ", q.cols);
    detail::check_product(q, c, d, {"queries", "codes", "d"});
    detail::check_block(block, q.rows, c.rows);
    detail::hamming_block(active_kernels<XnorKernels>(), q, c, d, block);
}

/// For each query i, the k = index.cols codes nearest in Hamming distance: index(i, 0..k)
/// and dist(i, 0..k), ascending by (distance, index). k <= number of codes.
template <bit_matrix Q, bit_matrix C>
void hamming_topk(const Q& q_in, const C& c_in, MatrixView<std::size_t> index, MatrixView<std::uint32_t> dist,
                  ThreadPool& pool = default_pool()) {
    const auto q = q_in.view();
    const auto c = c_in.view();
    detail::check_topk(q, c, index, dist);
    const XnorKernels& kern = active_kernels<XnorKernels>();
    parallel_for(q.rows, kern.mr, [&](std::size_t b, std::size_t e) { detail::topk_rows(kern, q, c, index, dist, b, e); },
                 pool);
}

/// hamming_topk for queries [q_begin, q_end) only (rows of index and dist), on the calling thread.
template <bit_matrix Q, bit_matrix C>
void hamming_topk_rows(const Q& q_in, const C& c_in, MatrixView<std::size_t> index, MatrixView<std::uint32_t> dist,
                       std::size_t q_begin, std::size_t q_end) {
    const auto q = q_in.view();
    const auto c = c_in.view();
    detail::check_topk(q, c, index, dist);
    detail::require(q_begin <= q_end && q_end <= q.rows, "q_end", "queries [", q_begin, ", ", q_end,
                    ") are not inside [0, ", q.rows, ")");
    detail::topk_rows(active_kernels<XnorKernels>(), q, c, index, dist, q_begin, q_end);
}

BITLA_END_NAMESPACE
