// bitla/gemm/hamming.hpp — Hamming distances and top-k search over packed bit codes.
//
//   hamming_distances(q, codes, d)                d (nq x nb, uint32) = popcount(q_i ^ codes_j)
//   hamming_topk(q, codes, k, distances, labels)  per query the k nearest codes, ascending by
//                                                 (distance, label): ties go to the lower label
//   hamming_distances_block / hamming_topk_block  one block of the output on the calling thread
//
// Operands are BitPacked<E> or BitView<E> of either encoding (only differing bits count).
// distances and labels are nq x k; k is given explicitly and must match them (FAISS's
// order: distances, then labels). The trailing RunOptions carries the pool; results are
// bit-identical for any split. Errors (bitla::error, before any output is written): bit
// length mismatch, K = 0, K past the uint32 distances (2^32 - 1; top-k 2^32 - 2), a bit view
// that is not padded or strided as the kernels read it, outputs of the wrong shape or
// overlapping an input or each other, k = 0 or k > nb, a block outside the output.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../core/concepts.hpp"
#include "xnor_driver.hpp"

BITLA_BEGIN_NAMESPACE

/// Bit matrices a Hamming search accepts: BitPacked<E> or BitView<E>, either encoding.
template <class C>
concept bit_matrix = packed_matrix<C> && (std::is_same_v<packed_view_t<C>, BitView<enc::sign>> ||
                                          std::is_same_v<packed_view_t<C>, BitView<enc::zero_one>>);

namespace detail {

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
    // Lists start full of sentinels that every real code beats (distances are <= K <= max_topk_bits).
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
void check_distances(const Q& q, const C& c, const MatrixView<std::uint32_t>& d) {
    check_bits(q.cols, "queries");
    check_hamming_bits(q.cols, max_distance_bits, "queries");
    require(c.cols == q.cols, "codes", "codes have ", c.cols, " bits but queries have ", q.cols);
    check_product(q, c, d, {"queries", "codes", "d"});
}

template <class Q, class C>
void check_topk(const Q& q, const C& c, std::size_t k, const MatrixView<std::uint32_t>& dist,
                const MatrixView<std::size_t>& index) {
    check_bits(q.cols, "queries");
    check_hamming_bits(q.cols, max_topk_bits, "queries");
    check_operand_view(q, "queries");
    check_operand_view(c, "codes");
    require(c.cols == q.cols, "codes", "codes have ", c.cols, " bits but queries have ", q.cols);
    check_view(index, "labels");
    check_view(dist, "distances");
    require(k != 0, "k", "k = 0: ask for at least one neighbour");
    require(k <= c.rows, "k", "k = ", k, " is more than the ", c.rows, " codes");
    require(dist.rows == q.rows && dist.cols == k, "distances", "distances is ", dist.rows, " x ", dist.cols,
            " but there are ", q.rows, " queries and k = ", k);
    require(index.rows == q.rows && index.cols == k, "labels", "labels is ", index.rows, " x ", index.cols,
            " but there are ", q.rows, " queries and k = ", k);
    require(!overlaps(index.first_byte(), index.end_byte(), q.first_byte(), q.end_byte()), "labels",
            "labels overlaps queries");
    require(!overlaps(index.first_byte(), index.end_byte(), c.first_byte(), c.end_byte()), "labels",
            "labels overlaps codes");
    require(!overlaps(dist.first_byte(), dist.end_byte(), q.first_byte(), q.end_byte()), "distances",
            "distances overlaps queries");
    require(!overlaps(dist.first_byte(), dist.end_byte(), c.first_byte(), c.end_byte()), "distances",
            "distances overlaps codes");
    require(!overlaps(dist.first_byte(), dist.end_byte(), index.first_byte(), index.end_byte()), "distances",
            "distances overlaps labels");
}

}  // namespace detail

/// d (nq x nb, uint32) = Hamming distances between every query and every code.
template <bit_matrix Q, bit_matrix C>
void hamming_distances(const Q& q_in, const C& c_in, MatrixView<std::uint32_t> d, const RunOptions& opt = {}) {
    const auto q = q_in.view();
    const auto c = c_in.view();
    detail::check_distances(q, c, d);
    const XnorKernels& kern = active_kernels<XnorKernels>();
    detail::parallel_blocks(q.rows, c.rows, kern.mr, kern.nr, detail::pool_of(opt.pool),
                            [&](const OutputBlock& b) { detail::hamming_block(kern, q, c, d, b); });
}

/// One block of hamming_distances' output, on the calling thread.
template <bit_matrix Q, bit_matrix C>
void hamming_distances_block(const Q& q_in, const C& c_in, MatrixView<std::uint32_t> d, const OutputBlock& block) {
    const auto q = q_in.view();
    const auto c = c_in.view();
    detail::check_distances(q, c, d);
    detail::hamming_block(active_kernels<XnorKernels>(), q, c, d, detail::checked_block(block, q.rows, c.rows));
}

/// For each query i, the k codes nearest in Hamming distance: distances(i, 0..k) and
/// labels(i, 0..k) (row indices of codes), ascending by (distance, label). k <= number of codes.
template <bit_matrix Q, bit_matrix C>
void hamming_topk(const Q& q_in, const C& c_in, std::size_t k, MatrixView<std::uint32_t> distances,
                  MatrixView<std::size_t> labels, const RunOptions& opt = {}) {
    const auto q = q_in.view();
    const auto c = c_in.view();
    detail::check_topk(q, c, k, distances, labels);
    const XnorKernels& kern = active_kernels<XnorKernels>();
    parallel_for(
        q.rows, kern.mr,
        [&](std::size_t b, std::size_t e) { detail::topk_rows(kern, q, c, labels, distances, b, e); },
        detail::pool_of(opt.pool));
}

/// hamming_topk for the queries of one block (`OutputBlock::rows(q0, q1)`: rows of distances
/// and labels; its columns must be all k), on the calling thread.
template <bit_matrix Q, bit_matrix C>
void hamming_topk_block(const Q& q_in, const C& c_in, std::size_t k, MatrixView<std::uint32_t> distances,
                        MatrixView<std::size_t> labels, const OutputBlock& block) {
    const auto q = q_in.view();
    const auto c = c_in.view();
    detail::check_topk(q, c, k, distances, labels);
    const OutputBlock b = detail::checked_block(block, q.rows, k);
    detail::require(b.col_begin == 0 && b.col_end == k, "block", "block columns [", b.col_begin, ", ", b.col_end,
                    ") are not all k = ", k, ": a top-k block is whole rows (OutputBlock::rows)");
    detail::topk_rows(active_kernels<XnorKernels>(), q, c, labels, distances, b.row_begin, b.row_end);
}

BITLA_END_NAMESPACE
