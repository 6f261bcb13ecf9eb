// bitla/expr/compiled.hpp — a weight expression packed once for the fused kernels.
//
//     auto w = packed(wq) * group_scale(s, 64) + group_zero_point(z, s, 64) + low_rank(B, A);
//     bitla::expr::Compiled layer = compile(w);      // once, at load time
//     evaluate(linear(x, layer) + bias(b), y);       // every call: one pass over the weights
//
// compile() lowers the expression (expr/plan.hpp) and packs every packed operand, with its
// coefficient, its scale and the grouped zero terms, into the add-only kernels' layout
// (gemm/add_weights.hpp: codes with fp16 group metadata in the same row stream). Low-rank
// factors and rank-one zeros stay views of the caller's matrices (they are small), merged
// as [u | B]·[1ᵀ ; A].
//
// evaluate() then runs the fused product for the first packed operand with the bias in its
// epilogue (further operands of a sum are added after their own pass — each packed weight
// is still read exactly once) and finishes with the low-rank epilogue
//     y[m, :] += sx[m] · (x_m · A'ᵀ) · B'ᵀ,
// computing x_m · A'ᵀ once per activation row. For one activation row (decode) and one
// packed operand, t = sx · x · A'ᵀ is computed first and B'·t is added inside the GEMV
// pass, slice by slice on the thread that computed those rows (AddOptions::row_terms):
// B then streams alongside the codes instead of in a second pass. Results equal the generic evaluation up to
// float summation order and the fp16 rounding of the group metadata (2^-11 relative).
//
// The Compiled object owns its packed weights; the views it keeps (B, A, rank-one u) must
// outlive it. A temporary Compiled cannot be passed to linear().
#pragma once

#include <cstddef>
#include <vector>

#include "../gemm/add.hpp"
#include "../gemm/add_weights.hpp"
#include "../kernels/families.hpp"
#include "plan.hpp"

BITLA_BEGIN_NAMESPACE
namespace expr {

class Compiled {
public:
    Compiled() = default;

    [[nodiscard]] std::size_t rows() const noexcept { return n_; }
    [[nodiscard]] std::size_t cols() const noexcept { return k_; }
    [[nodiscard]] const std::vector<AddWeights>& packed() const noexcept { return packed_; }
    [[nodiscard]] const std::vector<PlanFactor>& factors() const noexcept { return factors_; }
    [[nodiscard]] std::size_t rank() const noexcept {
        std::size_t r = 0;
        for (const auto& f : factors_) r += f.rank();
        return r;
    }
    /// Bytes one product reads from the weights: packed codes and metadata, low-rank factors.
    [[nodiscard]] std::size_t bytes() const noexcept {
        std::size_t b = 0;
        for (const auto& w : packed_) b += w.bytes();
        for (const auto& f : factors_) b += sizeof(float) * (f.b.rows * f.b.cols + (f.ones() ? 0 : f.a.rows * f.a.cols));
        return b;
    }

    template <weight_expr W>
    friend Compiled compile(const W& w);

private:
    std::size_t n_ = 0, k_ = 0;
    std::vector<AddWeights> packed_;
    std::vector<PlanFactor> factors_;
};

/// Packs a weight expression for the fused kernels. bitla::error if it has no packed term,
/// or grouped zeros whose group size differs from each other or from a group scale.
template <weight_expr W>
[[nodiscard]] Compiled compile(const W& w) {
    const Plan p = lower(w);
    bitla::detail::require(!p.packed.empty(), "w", "compile needs at least one packed term");
    Compiled c;
    c.n_ = p.n;
    c.k_ = p.k;
    c.factors_ = p.factors;

    // Grouped zeros: all must share one group size; their sum is one u (N x K/G).
    std::size_t zg = 0;
    Matrix<float> u;
    for (const Zero& z : p.zeros) {
        bitla::detail::require(zg == 0 || z.group_size == zg, "w", "grouped zeros with group sizes ", zg, " and ",
                               z.group_size, " cannot share one fused pass");
        if (zg == 0) zg = z.group_size, u = Matrix<float>(p.n, p.k / zg);
        for (std::size_t i = 0; i < p.n; ++i)
            for (std::size_t g = 0; g < p.k / zg; ++g) u(i, g) += z.value(i, g);
    }

    for (std::size_t t = 0; t < p.packed.size(); ++t) {
        const PlanPacked& term = p.packed[t];
        const Scale& s = term.scale;
        const bool carries_zero = t == 0 && zg != 0;
        WeightScales ws;
        Matrix<float> scale;  // owned here only for the duration of pack_add (it copies to fp16)
        if (carries_zero || s.kind == Scale::Kind::group || term.coef != 1) {
            const std::size_t g = carries_zero ? zg : (s.kind == Scale::Kind::group ? s.group_size : p.k);
            bitla::detail::require(s.kind != Scale::Kind::group || s.group_size == g, "w", "group scale of size ",
                                   s.group_size, " and grouped zero of size ", g, " cannot share one fused pass");
            if (s.kind == Scale::Kind::group || carries_zero) {
                scale = Matrix<float>(p.n, p.k / g);
                for (std::size_t i = 0; i < p.n; ++i)
                    for (std::size_t j = 0; j < p.k / g; ++j) {
                        float v = s.value;
                        if (s.kind == Scale::Kind::row) v = s.values(i, 0);
                        else if (s.kind == Scale::Kind::group) v = s.values(i, j);
                        scale(i, j) = static_cast<float>(term.coef) * v;
                    }
                ws = WeightScales::per_group(scale.view(), g, carries_zero ? MatrixView<const float>(u.view()) : MatrixView<const float>{});
            } else if (s.kind == Scale::Kind::row) {
                scale = Matrix<float>(p.n, 1);
                for (std::size_t i = 0; i < p.n; ++i) scale(i, 0) = static_cast<float>(term.coef) * s.values(i, 0);
                ws = WeightScales::per_row(scale.flat());
            } else {
                ws = WeightScales::per_tensor(static_cast<float>(term.coef) * s.value);
            }
        } else if (s.kind == Scale::Kind::row) {
            ws = WeightScales::per_row(std::span<const float>(s.values.data, p.n));
            if (s.values.ld != 1 && p.n > 1) {  // a strided column: copy it
                scale = Matrix<float>(p.n, 1);
                for (std::size_t i = 0; i < p.n; ++i) scale(i, 0) = s.values(i, 0);
                ws = WeightScales::per_row(scale.flat());
            }
        } else {
            ws = WeightScales::per_tensor(s.value);
        }
        c.packed_.push_back(std::visit([&](const auto& view) { return pack_add(view, ws); }, term.w));
    }
    return c;
}

/// The product of activations with a compiled layer (the layer captured by pointer:
/// lvalues only).
template <bool HasBias>
struct CompiledLinear {
    std::variant<MatrixView<const float>, Int8Rows> x;
    const Compiled* layer = nullptr;
    std::span<const float> b;
};

[[nodiscard]] inline CompiledLinear<false> linear(const Matrix<float>& x, const Compiled& c) { return {x.view(), &c, {}}; }
[[nodiscard]] inline CompiledLinear<false> linear(MatrixView<const float> x, const Compiled& c) { return {x, &c, {}}; }
[[nodiscard]] inline CompiledLinear<false> linear(const Int8Rows& x, const Compiled& c) { return {x, &c, {}}; }
CompiledLinear<false> linear(const Matrix<float>&, Compiled&&) = delete;  // a temporary layer would dangle
CompiledLinear<false> linear(MatrixView<const float>, Compiled&&) = delete;
CompiledLinear<false> linear(const Int8Rows&, Compiled&&) = delete;

[[nodiscard]] inline CompiledLinear<true> operator+(const CompiledLinear<false>& l, const Bias& b) {
    return {l.x, l.layer, b.b};
}

namespace detail {

/// t = sx[m] · x_m · A'ᵀ for the merged factors (A' has a row of ones for each rank-one
/// zero), `rank` entries, through the dispatched LowRankKernels. xf: scratch of x.cols floats.
template <class T>
void low_rank_project(const std::vector<PlanFactor>& factors, const MatrixView<const T>& x,
                      std::span<const float> x_scale, std::size_t m, std::vector<float>& xf, float* t) {
    const LowRankKernels& kern = active_kernels<LowRankKernels>();
    const float* xm = nullptr;
    if constexpr (std::is_same_v<T, float>) {
        xm = x.row(m).data();
    } else {
        xf.resize(x.cols);
        for (std::size_t i = 0; i < x.cols; ++i) xf[i] = static_cast<float>(x(m, i));
        xm = xf.data();
    }
    const float sx = x_scale.empty() ? 1.0f : x_scale[m];
    std::size_t j = 0;
    for (const auto& f : factors) {
        if (f.ones()) {
            double s = 0;
            for (std::size_t i = 0; i < x.cols; ++i) s += xm[i];
            t[j] = static_cast<float>(s);
        } else {
            kern.project(xm, x.cols, f.a.data, f.a.ld, f.rank(), t + j);
        }
        for (std::size_t r = 0; r < f.rank(); ++r) t[j + r] *= sx;
        j += f.rank();
    }
}

/// y[m, :] += sx[m] · (x_m · A'ᵀ) · B'ᵀ for the merged factors, one row after another.
template <class T>
void low_rank_epilogue(const std::vector<PlanFactor>& factors, std::size_t rank, const MatrixView<const T>& x,
                       std::span<const float> x_scale, const MatrixView<float>& y) {
    if (factors.empty()) return;
    const LowRankKernels& kern = active_kernels<LowRankKernels>();
    std::vector<float> t(rank), xf;
    for (std::size_t m = 0; m < x.rows; ++m) {
        low_rank_project(factors, x, x_scale, m, xf, t.data());
        std::size_t j = 0;
        float* ym = y.row(m).data();
        for (const auto& f : factors) {
            kern.expand(f.b.data, f.b.ld, y.cols, f.rank(), t.data() + j, ym);
            j += f.rank();
        }
    }
}

}  // namespace detail

/// y = x · Ŵᵀ (+ b) in one fused pass over the compiled weights (bitla::error on bad shapes).
template <bool HasBias>
void evaluate(const CompiledLinear<HasBias>& e, MatrixView<float> y, const RunOptions& opt = {}) {
    const Compiled& c = *e.layer;
    AddOptions first;
    first.bias = e.b;
    first.pool = opt.pool;
    AddOptions rest;
    rest.pool = opt.pool;
    std::visit(
        [&](const auto& x) {
            using X = std::remove_cvref_t<decltype(x)>;
            // Validate the factors against x and y before any output is written.
            std::size_t rows = 0, cols = 0;
            if constexpr (std::is_same_v<X, Int8Rows>) rows = x.values.rows, cols = x.values.cols;
            else rows = x.rows, cols = x.cols;
            bitla::detail::require(cols == c.cols(), "x", "x has K = ", cols, " but the layer has K = ", c.cols());
            bitla::detail::check_view(y, "y");
            bitla::detail::require(y.rows == rows && y.cols == c.rows(), "y", "y is ", y.rows, " x ", y.cols, " but x · wᵀ is ", rows, " x ", c.rows());
            // x before the low-rank projection, whose NaN would otherwise surface as a row term's.
            if constexpr (std::is_same_v<X, Int8Rows>) bitla::detail::check_finite(x.scale, "x", "x.scale");
            else bitla::detail::check_finite(x, "x");
            for (const auto& f : c.factors()) {
                bitla::detail::require(!bitla::detail::overlaps(y.first_byte(), y.end_byte(), f.b.first_byte(), f.b.end_byte()),
                                       "y", "y overlaps a low-rank factor's B");
                if (!f.ones())
                    bitla::detail::require(!bitla::detail::overlaps(y.first_byte(), y.end_byte(), f.a.first_byte(), f.a.end_byte()),
                                           "y", "y overlaps a low-rank factor's A");
            }
            // One activation row and one packed operand: the low-rank terms ride along in
            // the GEMV pass (AddOptions::row_terms), B streaming beside the codes.
            std::vector<float> t;
            std::vector<RowTerm> terms;
            const bool fused_terms = rows == 1 && c.packed().size() == 1 && !c.factors().empty();
            if (fused_terms) {
                t.resize(c.rank());
                std::vector<float> xf;
                if constexpr (std::is_same_v<X, Int8Rows>) detail::low_rank_project(c.factors(), x.values, x.scale, 0, xf, t.data());
                else detail::low_rank_project(c.factors(), x, {}, 0, xf, t.data());
                std::size_t j = 0;
                for (const auto& f : c.factors()) {
                    terms.push_back({f.b, std::span<const float>(t.data() + j, f.rank())});
                    j += f.rank();
                }
                first.row_terms = terms;
            }
            gemm(x, c.packed()[0], y, first);
            if (fused_terms) return;
            if (c.packed().size() > 1) {
                Matrix<float> tmp(rows, c.rows());
                for (std::size_t i = 1; i < c.packed().size(); ++i) {
                    gemm(x, c.packed()[i], tmp.view(), rest);
                    for (std::size_t m = 0; m < rows; ++m)
                        for (std::size_t n = 0; n < c.rows(); ++n) y(m, n) += tmp(m, n);
                }
            }
            if constexpr (std::is_same_v<X, Int8Rows>) detail::low_rank_epilogue(c.factors(), c.rank(), x.values, x.scale, y);
            else detail::low_rank_epilogue(c.factors(), c.rank(), x, {}, y);
        },
        e.x);
}

}  // namespace expr
BITLA_END_NAMESPACE
