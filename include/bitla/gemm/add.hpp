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
// How it runs (BLIS style; the microkernels are in kernels/<isa>/add.hpp): the activations
// are permuted once per call into the weights' step order and their group sums taken
// (gemm/add_activations.hpp; for M <= 16 into activations kept per thread, no allocation); then
// for blocks of `block_rows` weight rows (kept in L2), for each mr-row slice of x (kept in
// L1), the mr x nr tile kernel sums codes times activations over all of K, emitting one
// int32 per `lane` values when there are groups; the epilogue turns those into y. The
// default driver splits N over `default_pool()` (or `opts.pool`); results never depend on the
// split. GEMV (M = 1, int8, layouts `gemv_supported`) skips the tiles: the
// rows kernel (AddKernels::gemv_i8) streams the thread's contiguous row range in one call
// per 512 rows, with the grouped epilogue fused in, into thread-local scratch.
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

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "../arch/dispatch.hpp"
#include "../core/checks.hpp"
#include "../kernels/add.hpp"
#include "../kernels/low_rank.hpp"
#include "add_activations.hpp"
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
        for (std::size_t n = 0; n < t.b.rows; ++n)
            for (std::size_t j = 0; j < t.b.cols; ++j)
                require(std::isfinite(t.b(n, j)), "row_terms", "row_terms.b(", n, ", ", j, ") = ", t.b(n, j),
                        " is not finite");
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

/// The driver: tiles, epilogue, threading. ISA-free; kernels come from active_kernels().
struct AddDriver {
    static constexpr std::size_t block_rows = 64;  ///< weight rows per L2 block (GEMM)

    static constexpr std::size_t prefetch_rows = 16;  ///< rows ahead of the tile (GEMV streams)

    /// Prefetches the panels that hold rows [r0, r1) (a hint: whole panels).
    static void prefetch(const AddWeights& w, std::size_t r0, std::size_t r1) noexcept {
        if (r0 >= r1) return;
        const AddLayout& l = w.layout();
        const std::size_t p0 = r0 / l.panel, p1 = (r1 + l.panel - 1) / l.panel;
        const std::uint8_t* p = w.data() + p0 * l.panel_bytes();
        const std::size_t bytes = (p1 - p0) * l.panel_bytes();
        for (std::size_t o = 0; o < bytes; o += 64) __builtin_prefetch(p + o, 0, 3);
    }

    /// y[0, n0:n1) += the row terms (float y, M = 1; checked by the callers).
    template <class Out>
    static void add_row_terms(const AddOptions& opt, MatrixView<Out> y, std::size_t n0, std::size_t n1) {
        if constexpr (std::is_same_v<Out, float>) {
            if (opt.row_terms.empty() || n0 >= n1) return;
            const LowRankKernels& lr = active_kernels<LowRankKernels>();
            for (const RowTerm& t : opt.row_terms)
                lr.expand(t.b.data + n0 * t.b.ld, t.b.ld, n1 - n0, t.t.size(), t.t.data(), &y(0, n0));
        }
    }

    /// y[:, n0:n1) for prepared activations. Out is int32_t (exact) or float.
    template <class Out>
    static void run(const AddActivations& a, const AddWeights& w, MatrixView<Out> y, std::size_t n0, std::size_t n1,
                    const AddOptions& opt, const AddKernels& k) {
        const AddLayout& l = w.layout();
        if (a.rows_ == 1 && a.int8_ && k.gemv_i8 != nullptr &&
            gemv_supported(l)) {
            run_gemv(a, w, y, n0, n1, opt, k);
            return;
        }
        const std::size_t mr = static_cast<std::size_t>(k.mr),
                          nr = static_cast<std::size_t>(!a.int8_ && k.f32_nr != 0 ? k.f32_nr : k.nr);
        const bool grouped = l.groups != 0;
        const std::size_t chunks = l.chunks(), cpg = grouped ? l.group_size / l.lane : 0;
        AlignedBuffer<std::int32_t> outi(a.int8_ ? mr * nr * (grouped ? chunks : 1) : 0);
        AlignedBuffer<float> outf(a.int8_ ? 0 : mr * nr * (grouped ? chunks : 1));
        std::vector<float> c(l.groups);
        const AddTileFn tile = a.int8_ ? k.dot_i8 : k.dot_f32;
        const std::size_t per_out = grouped ? chunks : 1;
        for (std::size_t nb = n0; nb < n1; nb += block_rows) {
            const std::size_t nb_end = std::min(n1, nb + block_rows);
            for (std::size_t m = 0; m < a.rows_; m += mr) {
                const std::size_t mm = std::min(mr, a.rows_ - m);
                for (std::size_t n = nb, nn = 0; n < nb_end; n += nn) {
                    // A tile's rows lie in one panel (64 bytes apart).
                    nn = std::min({nr, nb_end - n, l.panel - n % l.panel});
                    // Fetch the rows `prefetch_rows` ahead (M = 1 through the tiles).
                    if (m == 0 && n % l.panel == 0)
                        prefetch(w, n + prefetch_rows, std::min(n + prefetch_rows + l.panel, n1));
                    AddTileArgs t;
                    t.x = a.int8_ ? static_cast<const void*>(a.xi_.data() + m * a.stride_)
                                  : static_cast<const void*>(a.xf_.data() + m * a.stride_);
                    t.x_stride = a.stride_;
                    t.w = w.row(n);
                    t.w_stride = 64;
                    t.row0 = n % l.panel;
                    t.steps = l.steps;
                    t.flush = grouped ? l.flush_steps() : 0;
                    t.out = a.int8_ ? static_cast<void*>(outi.data()) : static_cast<void*>(outf.data());
                    t.out_m = nr * per_out;
                    t.out_n = per_out;
                    t.m = static_cast<int>(mm);
                    t.n = static_cast<int>(nn);
                    tile(l, t);
                    for (std::size_t i = 0; i < mm; ++i)
                        for (std::size_t j = 0; j < nn; ++j)
                            y(m + i, n + j) = epilogue<Out>(a, w, m + i, n + j, opt, k, c, cpg,
                                                            outi.data() + (i * nr + j) * per_out,
                                                            outf.data() + (i * nr + j) * per_out);
                }
            }
            add_row_terms(opt, y, nb, nb_end);
        }
    }


    /// GEMV (M = 1, int8, dot-product form): the rows kernel over [n0, n1) in slices of
    /// `gemv_slice` rows (its output stays in L1), then the per-row scale, zero term and bias
    /// (AddKernels::gemv_out; the row terms come from the panels the kernel just streamed).
    static constexpr std::size_t gemv_slice = 512;

    template <class Out>
    static void run_gemv(const AddActivations& a, const AddWeights& w, MatrixView<Out> y, std::size_t n0,
                         std::size_t n1, const AddOptions& opt, const AddKernels& k) {
        const AddLayout& l = w.layout();
        const bool grouped = l.groups != 0;
        std::int32_t* oi = detail::thread_scratch<detail::ScratchUse::gemv_out, std::int32_t>(gemv_slice);
        float* of = detail::thread_scratch<detail::ScratchUse::gemv_out, float>(gemv_slice);
        const long long xsum = a.sum_i_[0];
        // The epilogue's terms that do not change from slice to slice.
        GemvOutArgs e;
        e.xscale = a.scale_[0];
        if (!grouped) {
            e.rs = !w.row_scale().empty();
            e.rz = !w.row_zero_term().empty();
            e.terms_stride = l.panel_bytes();
            e.q_mul = static_cast<double>(l.q_mul);
            e.qa = static_cast<double>(l.q_add * xsum);
            e.fx = static_cast<float>(xsum);
        }
        for (std::size_t s0 = n0; s0 < n1; s0 += gemv_slice) {
            const std::size_t rows = std::min(gemv_slice, n1 - s0);
            AddRowsArgs r;
            r.x = a.xi_.data();
            r.xs = a.group_sum_.data();
            r.w = w.data();
            r.first = s0;
            r.rows = rows;
            r.out_i = grouped ? nullptr : oi;
            r.out_f = grouped ? of : nullptr;
            k.gemv_i8(l, r);
            Out* yr = &y(0, s0);
            if constexpr (std::is_same_v<Out, std::int32_t>) {
                const long long qa = l.q_add * xsum;
                for (std::size_t j = 0; j < rows; ++j)
                    yr[j] = static_cast<std::int32_t>(l.q_mul * static_cast<long long>(oi[j]) + qa);
            } else {
                e.vi = grouped ? nullptr : oi;
                e.vf = grouped ? of : nullptr;
                e.bias = opt.bias.empty() ? nullptr : opt.bias.data() + s0;
                if (!grouped) {
                    // pack_add stores the terms block whenever the weights have row terms.
                    e.terms = l.term_bytes != 0 ? w.data() + l.terms_offset(s0) : nullptr;
                    e.row0 = s0 % l.panel;
                }
                k.gemv_out(rows, e, yr);
            }
            add_row_terms(opt, y, s0, s0 + rows);
        }
    }

    template <class Out>
    static Out epilogue(const AddActivations& a, const AddWeights& w, std::size_t m, std::size_t n,
                        const AddOptions& opt, const AddKernels& k, std::vector<float>& c, std::size_t cpg,
                        const std::int32_t* di, const float* df) {
        const AddLayout& l = w.layout();
        if constexpr (std::is_same_v<Out, std::int32_t>) {
            return static_cast<std::int32_t>(l.q_mul * static_cast<long long>(di[0]) + l.q_add * a.sum_i_[m]);
        } else {
            const float bias = opt.bias.empty() ? 0.0f : opt.bias[n];
            if (l.groups != 0) {
                for (std::size_t g = 0; g < l.groups; ++g) {
                    if (a.int8_) {
                        std::int32_t s = 0;
                        for (std::size_t i = 0; i < cpg; ++i) s += di[g * cpg + i];
                        c[g] = static_cast<float>(s);
                    } else {
                        float s = 0;
                        for (std::size_t i = 0; i < cpg; ++i) s += df[g * cpg + i];
                        c[g] = s;
                    }
                }
                // The row's metadata blocks, contiguous (they are interleaved in the panel).
                const auto* row = w.row(n);
                std::uint16_t* meta = detail::thread_scratch<detail::ScratchUse::row_meta, std::uint16_t>(l.meta_bytes / 2);
                for (std::size_t b = 0; b < l.meta_bytes; b += 64)
                    std::memcpy(reinterpret_cast<std::uint8_t*>(meta) + b, row + l.phys(b), 64);
                const float v = k.groups(c.data(), meta + l.scale_offset() / 2, meta + l.zero_offset() / 2,
                                         a.group_sum_.data() + m * l.groups, l.groups);
                return a.scale_[m] * v + bias;
            }
            const float rs = w.row_scale().empty() ? 1.0f : w.row_scale()[n];
            const float rz = w.row_zero_term().empty() ? 0.0f : w.row_zero_term()[n];
            if (a.int8_) {
                const long long d = l.q_mul * static_cast<long long>(di[0]) + l.q_add * a.sum_i_[m];
                return a.scale_[m] * (rs * static_cast<float>(d) + rz * static_cast<float>(a.sum_i_[m])) + bias;
            }
            const float d = static_cast<float>(l.q_mul) * df[0] + static_cast<float>(l.q_add) * a.sum_f_[m];
            return rs * d + rz * a.sum_f_[m] + bias;
        }
    }

    template <class Out>
    static void parallel(const AddActivations& a, const AddWeights& w, MatrixView<Out> y, const AddOptions& opt) {
        if (a.rows_ == 0 || w.rows() == 0) return;
        const AddKernels& k = active_kernels<AddKernels>();
        parallel_for(
            w.rows(), 16, [&](std::size_t n0, std::size_t n1) { run(a, w, y, n0, n1, opt, k); }, pool_of(opt.pool));
    }
};

}  // namespace detail

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
