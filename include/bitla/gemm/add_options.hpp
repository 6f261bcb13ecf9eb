// bitla/gemm/add_options.hpp — the options of the add-only products (bias, pool, row terms)
// and the argument checks they share (gemm/add.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "../core/checks.hpp"
#include "add_weights.hpp"
#include "thread_pool.hpp"

BITLA_BEGIN_NAMESPACE

/// A rank-r addend evaluated inside the pass over the weights (one activation row, float
/// y): y[0, n] += Σ_j t[j]·b(n, j). Each thread adds it to its rows right after computing
/// them, so b streams alongside the packed weights (the expression evaluator passes its
/// low-rank factors here, with t = x·Aᵀ computed first).
struct RowTerm {
    MatrixView<const float> b;  ///< N x r
    std::span<const float> t;   ///< r
};

struct AddOptions {
    std::span<const float> bias;                 ///< N entries, or empty
    ThreadPool* pool = nullptr;                  ///< nullptr: default_pool()
    std::span<const RowTerm> row_terms;          ///< M = 1 with float y only, else empty
};

namespace detail {

/// The options' shapes against m activation rows and w: bias, row terms.
inline void check_add_options(const AddOptions& opt, std::size_t m, const AddWeights& w) {
    require(opt.bias.empty() || opt.bias.size() == w.rows(), "bias", "bias has ", opt.bias.size(),
            " entries but w has ", w.rows(), " rows");
    check_finite(opt.bias, "bias", "bias");
    require(opt.row_terms.empty() || m == 1, "row_terms", "row terms need one activation row, x has ", m);
    for (const RowTerm& t : opt.row_terms) {
        check_view(t.b, "row_terms.b");
        require(t.b.rows == w.rows() && t.b.cols == t.t.size(), "row_terms", "a row term's b is ", t.b.rows, " x ",
                t.b.cols, " but w has ", w.rows(), " rows and its t has ", t.t.size(), " entries");
        check_finite(t.t, "row_terms", "row_terms.t");
        check_finite(t.b, "row_terms", "row_terms.b");
    }
}

inline void check_add_common(std::size_t m, std::size_t k, const AddWeights& w, std::size_t y_rows, std::size_t y_cols,
                             const AddOptions& opt) {
    require(k == w.cols(), "w", "w.cols = ", w.cols(), " does not match x.cols = ", k, " (w is ", w.rows(), " x ",
            w.cols(), ", x is ", m, " x ", k, ")");
    require(y_rows == m && y_cols == w.rows(), "y", "y is ", y_rows, " x ", y_cols, " but x . w^T is ", m, " x ",
            w.rows());
    check_add_options(opt, m, w);
}

/// y against every input but the activations: w's storage, bias, row terms.
template <class Y>
void check_add_output(const MatrixView<Y>& y, const AddWeights& w, const AddOptions& opt) {
    check_view(y, "y");
    const auto* wb = static_cast<const void*>(w.data());
    const auto* we = static_cast<const void*>(w.data() + w.layout().storage_bytes(w.rows()));
    require(!overlaps(y.first_byte(), y.end_byte(), wb, we), "y", "y overlaps w");
    if (!opt.bias.empty())
        require(!overlaps(y.first_byte(), y.end_byte(), opt.bias.data(), opt.bias.data() + opt.bias.size()), "y",
                "y overlaps bias");
    for (const RowTerm& t : opt.row_terms) {
        require(!overlaps(y.first_byte(), y.end_byte(), t.b.first_byte(), t.b.end_byte()), "y", "y overlaps a row term's b");
        require(!overlaps(y.first_byte(), y.end_byte(), t.t.data(), t.t.data() + t.t.size()), "y",
                "y overlaps a row term's t");
    }
    if constexpr (std::is_same_v<std::remove_const_t<Y>, std::int32_t>)
        require(opt.row_terms.empty(), "row_terms", "int32 output takes no row terms");
}

/// The kernels sum x·q over the K true columns (padding codes add 0) in int32, q the stored
/// code (0..qmax, |x| <= 128), and the output x·w = q_mul·(x·q) + q_add·Σx is no larger
/// (|w| <= qmax for every format), so the bound is K·128·qmax <= 2^31 - 1: K <= 16777215
/// for bits (sign or 0/1), 8388607 for ternary (codes 0..2), 2^31 / (128·(2^n - 1)) for
/// n-bit planes.
inline void check_add_int8_bound(const AddWeights& w) {
    check_int32_accumulator(w.cols(), 128, w.layout().qmax);
}

template <class Y, class X>
void check_add_views(const MatrixView<Y>& y, const MatrixView<X>& x, const AddWeights& w, const AddOptions& opt) {
    check_view(x, "x");
    check_add_output(y, w, opt);
    require(!overlaps(y.first_byte(), y.end_byte(), x.first_byte(), x.end_byte()), "y", "y overlaps x");
    if constexpr (std::is_same_v<std::remove_const_t<X>, std::int8_t>) check_add_int8_bound(w);
}

}  // namespace detail

BITLA_END_NAMESPACE
