// bitla/expr/evaluate.hpp — running a lowered expression, and dequantizing one.
//
//   evaluate(linear(x, w) [+ bias(b)], y)   y (M x N) = x · Ŵᵀ (+ b), Ŵ the value of w
//   dequantize(w)                           Ŵ as a dense N x K float matrix (for references
//                                           and for dense baselines such as a BLAS)
//
// evaluate lowers the expression (expr/plan.hpp), validates x, y and the bias against it,
// computes the side products once per activation row — group sums xsum[m, g] for grouped
// zeros, and T = x·[1ᵀ; A]ᵀ for the merged low-rank factors — and then makes one pass over
// every packed operand, finishing each output with its epilogue:
//
//     y[m,n] = sx[m] · ( Σ_terms c·Σ_g s[n,g]·dot_g(x_m, w_n) + Σ_g u[n,g]·xsum[m,g]
//                        + Σ_j T[m,j]·B'[n,j] ) + b[n]
//
// with sx the int8 activation scale (1 for float activations). This is the generic
// evaluation, accumulated in double (int64 for int8 dots): it is exact for integer dots and
// is the oracle the fused kernels are tested against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <variant>
#include <vector>

#include "plan.hpp"

BITLA_BEGIN_NAMESPACE
namespace expr {

namespace detail {

template <class T, class V>
double group_dot(const T* x, const V& w, std::size_t n, std::size_t k0, std::size_t k1) {
    if constexpr (std::is_same_v<T, std::int8_t>) {
        std::int64_t s = 0;
        for (std::size_t k = k0; k < k1; ++k) s += std::int64_t{x[k]} * w(n, k);
        return static_cast<double>(s);
    } else {
        double s = 0;
        for (std::size_t k = k0; k < k1; ++k) s += double(x[k]) * w(n, k);
        return s;
    }
}

/// Σ over groups of s·dot_g for one packed operand and one (m, n).
template <class T, class V>
double scaled_dot(const T* x, const V& w, const Scale& s, std::size_t n, std::size_t k) {
    switch (s.kind) {
        case Scale::Kind::tensor: return double(s.value) * group_dot(x, w, n, 0, k);
        case Scale::Kind::row: return double(s.values(n, 0)) * group_dot(x, w, n, 0, k);
        case Scale::Kind::group: {
            double acc = 0;
            for (std::size_t g = 0; g * s.group_size < k; ++g)
                acc += double(s.values(n, g)) * group_dot(x, w, n, g * s.group_size, (g + 1) * s.group_size);
            return acc;
        }
    }
    return 0;
}

template <class T>
void check_operands(const Plan& p, const MatrixView<const T>& x, const MatrixView<float>& y, std::span<const float> b) {
    bitla::detail::check_view(x, "x");
    bitla::detail::require(x.cols == p.k, "x", "x is ", shape(x.rows, x.cols), " but the weights have K = ", p.k);
    bitla::detail::check_view(y, "y");
    bitla::detail::require(y.rows == x.rows && y.cols == p.n, "y", "y is ", shape(y.rows, y.cols),
                           " but x · wᵀ is ", shape(x.rows, p.n));
    bitla::detail::require(b.empty() || b.size() == p.n, "b", "bias has ", b.size(), " values but N = ", p.n);
    bitla::detail::check_finite(x, "x");
    bitla::detail::check_finite(b, "b", "bias");
    const auto clash = [&](const void* first, const void* last) {
        return bitla::detail::overlaps(y.first_byte(), y.end_byte(), first, last);
    };
    bitla::detail::require(!clash(x.first_byte(), x.end_byte()), "y", "y overlaps x");
    bitla::detail::require(b.empty() || !clash(b.data(), b.data() + b.size()), "y", "y overlaps the bias");
    for (const auto& t : p.packed) {
        std::visit([&](const auto& w) { bitla::detail::require(!clash(w.first_byte(), w.end_byte()), "y", "y overlaps a packed operand"); }, t.w);
        if (t.scale.kind != Scale::Kind::tensor)
            bitla::detail::require(!clash(t.scale.values.first_byte(), t.scale.values.end_byte()), "y", "y overlaps a scale");
    }
    for (const auto& z : p.zeros) {
        bitla::detail::require(!clash(z.u.first_byte(), z.u.end_byte()), "y", "y overlaps u");
        if (z.times.data != nullptr)
            bitla::detail::require(!clash(z.times.first_byte(), z.times.end_byte()), "y", "y overlaps a scale");
    }
    for (const auto& f : p.factors) {
        bitla::detail::require(!clash(f.b.first_byte(), f.b.end_byte()), "y", "y overlaps a low-rank factor");
        if (!f.ones()) bitla::detail::require(!clash(f.a.first_byte(), f.a.end_byte()), "y", "y overlaps a low-rank factor");
    }
}

/// The generic evaluation (see the header comment).
template <class T>
void run_generic(const Plan& p, const MatrixView<const T>& x, std::span<const float> x_scale, const MatrixView<float>& y,
                 std::span<const float> b) {
    const std::size_t rank = p.rank();
    std::vector<double> t(rank);
    std::vector<std::vector<double>> xsum(p.zeros.size());
    for (std::size_t m = 0; m < x.rows; ++m) {
        const T* xm = x.row(m).data();
        // Side products, once per activation row.
        for (std::size_t z = 0; z < p.zeros.size(); ++z) {
            const std::size_t g = p.zeros[z].group_size;
            xsum[z].assign(p.k / g, 0.0);
            for (std::size_t k = 0; k < p.k; ++k) xsum[z][k / g] += double(xm[k]);
        }
        std::size_t j = 0;
        for (const auto& f : p.factors)
            for (std::size_t r = 0; r < f.rank(); ++r, ++j) {
                double s = 0;
                for (std::size_t k = 0; k < p.k; ++k) s += double(xm[k]) * (f.ones() ? 1.0 : double(f.a(r, k)));
                t[j] = s;
            }
        const double sx = x_scale.empty() ? 1.0 : double(x_scale[m]);
        for (std::size_t n = 0; n < p.n; ++n) {
            double acc = 0;
            for (const auto& term : p.packed)
                acc += term.coef * std::visit([&](const auto& w) { return scaled_dot(xm, w, term.scale, n, p.k); }, term.w);
            for (std::size_t z = 0; z < p.zeros.size(); ++z)
                for (std::size_t g = 0; g < xsum[z].size(); ++g) acc += double(p.zeros[z].value(n, g)) * xsum[z][g];
            j = 0;
            for (const auto& f : p.factors)
                for (std::size_t r = 0; r < f.rank(); ++r, ++j) acc += t[j] * double(f.b(n, r));
            y(m, n) = static_cast<float>(sx * acc + (b.empty() ? 0.0 : double(b[n])));
        }
    }
}

}  // namespace detail

/// y = x · Ŵᵀ (+ b). Validates everything before writing y (bitla::error).
template <activation_operand X, weight_expr W, bool HasBias>
void evaluate(const Linear<X, W, HasBias>& e, MatrixView<float> y) {
    const Plan p = lower(e.w);
    if constexpr (std::is_same_v<X, Int8Rows>) {
        detail::check_operands(p, e.x.values, y, e.b);
        bitla::detail::require(e.x.scale.size() == e.x.values.rows, "x", "int8 activations have ", e.x.values.rows,
                               " rows but ", e.x.scale.size(), " scales");
        bitla::detail::check_finite(e.x.scale, "x", "x.scale");
        detail::run_generic(p, e.x.values, e.x.scale, y, e.b);
    } else {
        detail::check_operands(p, e.x, y, e.b);
        detail::run_generic(p, e.x, {}, y, e.b);
    }
}

/// Returns y = x · Ŵᵀ (+ b) as a new M x N matrix.
template <activation_operand X, weight_expr W, bool HasBias>
[[nodiscard]] Matrix<float> evaluate(const Linear<X, W, HasBias>& e) {
    std::size_t rows = 0;
    if constexpr (std::is_same_v<X, Int8Rows>) rows = e.x.values.rows;
    else rows = e.x.rows;
    Matrix<float> y(rows, lower(e.w).n);
    evaluate(e, y.view());
    return y;
}

/// Ŵ, the value of a weight expression, as a dense N x K float matrix (double accumulation).
template <weight_expr W>
[[nodiscard]] Matrix<float> dequantize(const W& w) {
    const Plan p = lower(w);
    Matrix<float> out(p.n, p.k);
    for (std::size_t n = 0; n < p.n; ++n)
        for (std::size_t k = 0; k < p.k; ++k) {
            double v = 0;
            for (const auto& t : p.packed) {
                const double q = std::visit([&](const auto& wv) { return double(wv(n, k)); }, t.w);
                double s = 1;
                if (t.scale.kind == Scale::Kind::tensor) s = t.scale.value;
                else if (t.scale.kind == Scale::Kind::row) s = t.scale.values(n, 0);
                else s = t.scale.values(n, k / t.scale.group_size);
                v += t.coef * s * q;
            }
            for (const auto& z : p.zeros) v += z.value(n, k / z.group_size);
            for (const auto& f : p.factors)
                for (std::size_t r = 0; r < f.rank(); ++r) v += double(f.b(n, r)) * (f.ones() ? 1.0 : double(f.a(r, k)));
            out(n, k) = static_cast<float>(v);
        }
    return out;
}

}  // namespace expr
BITLA_END_NAMESPACE
