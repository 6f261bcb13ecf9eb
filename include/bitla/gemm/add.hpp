// bitla/gemm/add.hpp — the add-only products: packed binary / ternary / n-bit weights
// (AddWeights, gemm/add_weights.hpp) times int8 or float activations, with the weights'
// scales, zero terms and a bias fused into one pass that reads each packed weight once.
//
//     y = gemm(x, w, y)  with  y[m, n] = xs[m] · (Σ_g s[n,g]·(x_m · Wq_n)_g + u[n,g]·Σ_{k∈g} x[m,k]) + bias[n]
//
//   gemm(MatrixView<const int8_t> x, w, MatrixView<int32_t> y)   exact: w without scales, y = x · wᵀ
//   gemm(Int8Rows{x, x_scale}, w, MatrixView<float> y)           int8 with a per-row scale (absmax)
//   gemm(MatrixView<const float> x, w, MatrixView<float> y)      float activations
//   gemv(x, w, y)                                                the same for one row: spans, or
//                                                                Int8Vector{x, x_scale}
//   prepare(x, w) + gemm_block(a, w, y, OutputBlock::columns(n0, n1))   columns [n0, n1) of y in
//                                                                the caller's thread (an engine's pool)
//   prepare(x, w, kept)                                          the same into reused activations
//                                                                (prepare: gemm/add_activations.hpp)
//
// Shapes: x is M x K, w is N x K, y is M x N (y may have a leading dimension), bias has N
// entries or none, x_scale M entries or none (= 1). The int8 paths are exact in integers:
// group sums (x · Wq)_g and Σx are int32, identical on every ISA and thread count; only the
// final scaling is float. Float activations are summed in float (in an order each ISA picks),
// within a K-derived bound of the exact result.
//
// How it runs: gemm/add_driver.hpp.
//
// The int8 kernels multiply u8 codes by s8 activations (vpdpbusd where the CPU has VNNI,
// else vpmaddubsw): a masked-add form measured slower on every ISA and was removed.
//
// Errors (bitla::error, before y is written): K mismatch, y of the wrong shape or
// overlapping x or w, bias or x's scale of the wrong length, NaN/Inf in float x, int32 output
// from weights that carry scales, a K whose int32 sums could overflow; for gemm_block also
// activations prepared for weights of another K or grouping, and y overlapping w, bias or a
// row term.
#pragma once

#include <cstdint>
#include <span>
#include <type_traits>

#include "add_driver.hpp"

BITLA_BEGIN_NAMESPACE

/// One block of y = x . w^T on the calling thread: columns [col_begin, col_end) of y (rows
/// of w) and every row (`OutputBlock::columns(n0, n1)`); y is the whole M x N output. `a`
/// must have been prepared for weights of w's K and grouping (prepare(x, w)).
template <class Out>
void gemm_block(const AddActivations& a, const AddWeights& w, MatrixView<Out> y, const OutputBlock& block,
                const AddOptions& opt = {}) {
    const AddLayout &al = a.layout(), &wl = w.layout();
    detail::require(a.prepared_for(w), "a", "a was prepared for K = ", a.cols(), " (padded ", al.kp, ", lane ",
                    al.lane, ", ", al.groups, " groups of ", al.group_size, ") but w has K = ", w.cols(), " (padded ",
                    wl.kp, ", lane ", wl.lane, ", ", wl.groups, " groups of ", wl.group_size,
                    "): prepare the activations for these weights");
    detail::check_add_output(y, w, opt);
    detail::require(y.rows == a.rows() && y.cols == w.rows(), "y", "y is ", y.rows, " x ", y.cols, " but x . w^T is ",
                    a.rows(), " x ", w.rows());
    const OutputBlock b = detail::checked_block(block, a.rows(), w.rows());
    detail::require(b.row_begin == 0 && b.row_end == a.rows(), "block", "block rows [", b.row_begin, ", ", b.row_end,
                    ") are not all ", a.rows(), " rows: an add-only block is whole columns (OutputBlock::columns)");
    const std::size_t n_begin = b.col_begin, n_end = b.col_end;
    detail::check_add_options(opt, a.rows(), w);
    if constexpr (std::is_same_v<Out, std::int32_t>)
        detail::require(a.is_int8() && w.scale_kind() == ScaleKind::none && !w.has_zero_term() && opt.bias.empty() &&
                            opt.row_terms.empty(),
                        "y", "int32 output needs int8 activations and weights without scales, bias or row terms");
    if (a.is_int8()) detail::check_add_int8_bound(w);
    if (a.rows() == 0 || n_begin == n_end) return;
    detail::AddDriver::run(a, w, y, n_begin, n_end, opt, active_kernels<AddKernels>());
}

/// y (M x N, int32) = x (M x K, int8) . w^T, exact. w must carry no scales.
inline void gemm(MatrixView<const std::int8_t> x, const AddWeights& w, MatrixView<std::int32_t> y,
                 const AddOptions& opt = {}) {
    detail::check_add_common(x.rows, x.cols, w, y.rows, y.cols, opt);
    detail::check_add_views(y, x, w, opt);
    detail::require(w.scale_kind() == ScaleKind::none && !w.has_zero_term(), "w",
                    "int32 output needs weights without scales (pack with WeightScales::none()); use float y");
    detail::require(opt.bias.empty(), "bias", "int32 output takes no bias");
    detail::with_prepared(x, {}, w, [&](const AddActivations& a) { detail::AddDriver::parallel(a, w, y, opt); });
}

/// y (M x N, float) = x_scale ⊙ (x . (w's scaled, zero-folded values)^T) + bias.
inline void gemm(const Int8Rows& x, const AddWeights& w, MatrixView<float> y, const AddOptions& opt = {}) {
    detail::check_add_common(x.values.rows, x.values.cols, w, y.rows, y.cols, opt);
    detail::check_add_views(y, x.values, w, opt);
    detail::require(x.scale.empty() || x.scale.size() == x.values.rows, "x", "x.scale has ", x.scale.size(),
                    " entries but x has ", x.values.rows, " rows");
    detail::check_finite(x.scale, "x", "x.scale");
    detail::with_prepared(x.values, x.scale, w, [&](const AddActivations& a) { detail::AddDriver::parallel(a, w, y, opt); });
}

/// y (M x N, float) = x (M x K, float) . (w's scaled, zero-folded values)^T + bias.
inline void gemm(MatrixView<const float> x, const AddWeights& w, MatrixView<float> y, const AddOptions& opt = {}) {
    detail::check_add_common(x.rows, x.cols, w, y.rows, y.cols, opt);
    detail::check_add_views(y, x, w, opt);
    detail::check_finite(x, "x");
    detail::check_float_sums(x, w);
    detail::with_prepared<float>(x, {}, w, [&](const AddActivations& a) { detail::AddDriver::parallel(a, w, y, opt); });
}

/// GEMV forms (one activation row).
inline void gemv(std::span<const std::int8_t> x, const AddWeights& w, std::span<std::int32_t> y,
                 const AddOptions& opt = {}) {
    gemm(MatrixView<const std::int8_t>(x), w, MatrixView<std::int32_t>(y), opt);
}
inline void gemv(const Int8Vector& x, const AddWeights& w, std::span<float> y, const AddOptions& opt = {}) {
    gemm(Int8Rows{MatrixView<const std::int8_t>(x.values), std::span<const float>(&x.scale, 1)}, w,
         MatrixView<float>(y), opt);
}
inline void gemv(std::span<const float> x, const AddWeights& w, std::span<float> y, const AddOptions& opt = {}) {
    gemm(MatrixView<const float>(x), w, MatrixView<float>(y), opt);
}

BITLA_END_NAMESPACE
