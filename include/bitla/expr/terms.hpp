// bitla/expr/terms.hpp — the leaves of a weight expression and how they capture operands.
//
// A quantized linear layer in the HQQ+ write-up's form, in bitla's N x K convention:
//
//     W ≈ Wq·s  +  u (zero fold)  +  B·A (low rank),   y = x · Wᵀ + b
//
// is written term by term:
//
//     using namespace bitla::expr;
//     auto w = packed(wq) * group_scale(s, 64) + group_zero(u, 64) + low_rank(B, A);
//     evaluate(linear(x, w) + bias(b), y);
//
// | term                     | meaning (added to W[n, k])            | operands                      |
// |--------------------------|---------------------------------------|-------------------------------|
// | packed(w)                | w[n, k] (any bitla packed type)       | N x K                         |
// | c * packed(w)            | c · w[n, k], c an integer (2^i, -1)   |                               |
// | t * tensor_scale(a)      | a · t[n, k]                           | float                         |
// | t * row_scale(s)         | s[n] · t[n, k]                        | N values                      |
// | t * group_scale(s, G)    | s[n, k/G] · t[n, k]                   | N x K/G                       |
// | row_zero(u)              | u[n]            (the rank-1 x·1ᵀ·u)   | N values                      |
// | group_zero(u, G)         | u[n, k/G]       (HQQ: u = −z·s)       | N x K/G                       |
// | group_zero_point(z, s, G)| −z[n, k/G]·s[n, k/G] (HQQ's storage)  | N x K/G each                  |
// | low_rank(B, A)           | Σ_r B[n, r]·A[r, k]                   | B: N x r, A: r x K            |
//
// Capture rule (one rule, everywhere): every operand is captured as a view. Views are cheap
// values and may be temporaries; an *owner* (Matrix, BitPacked, TernaryPacked, BitPlanes)
// must be an lvalue that outlives the expression — passing a temporary owner does not
// compile, because the expression would dangle.
#pragma once

#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

#include "../core/concepts.hpp"
#include "../core/matrix.hpp"

BITLA_BEGIN_NAMESPACE
namespace expr {

namespace detail {
template <class T> struct is_owner : std::false_type {};
template <class T> struct is_owner<Matrix<T>> : std::true_type {};
template <class T, class A> struct is_owner<std::vector<T, A>> : std::true_type {};
template <bit_encoding E> struct is_owner<BitPacked<E>> : std::true_type {};
template <ternary_layout L> struct is_owner<TernaryPacked<L>> : std::true_type {};
template <> struct is_owner<BitPlanes> : std::true_type {};

/// An rvalue owner: capturing its view would dangle once the full-expression ends.
template <class T>
concept temporary_owner = !std::is_lvalue_reference_v<T> && is_owner<std::remove_cvref_t<T>>::value;

inline MatrixView<const float> float_view(const Matrix<float>& m) { return m.view(); }
inline MatrixView<const float> float_view(MatrixView<const float> m) { return m; }
inline MatrixView<const float> float_view(MatrixView<float> m) { return m; }
inline MatrixView<const float> float_view(std::span<const float> v) { return MatrixView<const float>(v); }
inline MatrixView<const float> float_view(const std::vector<float>& v) {
    return MatrixView<const float>(std::span<const float>(v));
}
}  // namespace detail

/// A packed weight matrix times an integer coefficient.
template <class View>
struct Packed {
    View w;
    int coef = 1;
};

/// A scale applied to packed terms: per tensor, per row, or per group of G along K.
struct Scale {
    enum class Kind { tensor, row, group };
    Kind kind = Kind::tensor;
    float value = 1.0f;                     ///< Kind::tensor
    MatrixView<const float> values;         ///< Kind::row: N x 1; Kind::group: N x K/G
    std::size_t group_size = 0;             ///< Kind::group
};

/// A zero-point term: u[n] (rank one) or u[n, k/G] (grouped), added to W. When `times`
/// is set (HQQ's native storage), the term is −u[n,g]·times[n,g]: a zero point z and its
/// scale s give u = −z·s without materialising it.
struct Zero {
    MatrixView<const float> u;      ///< N x 1 (rank one) or N x K/G
    std::size_t group_size = 0;     ///< 0: rank one
    MatrixView<const float> times;  ///< empty, or N x K/G: the term is −u·times

    [[nodiscard]] float value(std::size_t n, std::size_t g) const {
        return times.data == nullptr ? u(n, g) : -u(n, g) * times(n, g);
    }
};

/// A low-rank term B·A: B is N x r, A is r x K.
struct LowRank {
    MatrixView<const float> b;
    MatrixView<const float> a;
};

/// Any bitla packed weight matrix (an lvalue owner, or a view).
template <packed_matrix W>
[[nodiscard]] Packed<packed_view_t<W>> packed(const W& w) {
    return {w.view(), 1};
}
template <class W>
    requires packed_matrix<std::remove_cvref_t<W>> && detail::temporary_owner<W>
void packed(W&&) = delete;  // a temporary owner would dangle

[[nodiscard]] inline Scale tensor_scale(float a) { return {Scale::Kind::tensor, a, {}, 0}; }

/// Per-row scales s[n] (a span, a 1 x N or N x 1 Matrix/MatrixView of float).
template <class S>
[[nodiscard]] Scale row_scale(const S& s) {
    auto v = detail::float_view(s);
    if (v.rows == 1) v = MatrixView<const float>(v.data, v.cols, 1, 1);  // a row of N values, viewed as N x 1
    return {Scale::Kind::row, 1.0f, v, 0};
}
template <class S>
    requires detail::temporary_owner<S>
void row_scale(S&&) = delete;

/// Per-group scales s[n, g] (N x K/G) for groups of `group_size` consecutive k.
template <class S>
[[nodiscard]] Scale group_scale(const S& s, std::size_t group_size) {
    return {Scale::Kind::group, 1.0f, detail::float_view(s), group_size};
}
template <class S>
    requires detail::temporary_owner<S>
void group_scale(S&&, std::size_t) = delete;

/// Rank-one zero term u[n]: W[n, k] += u[n] for every k, i.e. y += (x·1)·uᵀ.
template <class U>
[[nodiscard]] Zero row_zero(const U& u) {
    auto v = detail::float_view(u);
    if (v.rows == 1) v = MatrixView<const float>(v.data, v.cols, 1, 1);
    return {v, 0, {}};
}
template <class U>
    requires detail::temporary_owner<U>
void row_zero(U&&) = delete;

/// Grouped zero term u[n, g] (N x K/G): y[m, n] += Σ_g u[n, g]·xsum[m, g]. HQQ: u = −z·s.
template <class U>
[[nodiscard]] Zero group_zero(const U& u, std::size_t group_size) {
    return {detail::float_view(u), group_size, {}};
}
template <class U>
    requires detail::temporary_owner<U>
void group_zero(U&&, std::size_t) = delete;

/// HQQ's zero points z (N x K/G) with their scales s: adds −z[n,g]·s[n,g], so that
/// packed(wq) * group_scale(s, G) + group_zero_point(z, s, G) is (Wq − z)·s.
template <class Z, class S>
[[nodiscard]] Zero group_zero_point(const Z& z, const S& s, std::size_t group_size) {
    return {detail::float_view(z), group_size, detail::float_view(s)};
}
template <class Z, class S>
    requires detail::temporary_owner<Z> || detail::temporary_owner<S>
void group_zero_point(Z&&, S&&, std::size_t) = delete;

/// Low-rank term B·A with B: N x r and A: r x K.
template <class B, class A>
[[nodiscard]] LowRank low_rank(const B& b, const A& a) {
    return {detail::float_view(b), detail::float_view(a)};
}
template <class B, class A>
    requires detail::temporary_owner<B> || detail::temporary_owner<A>
void low_rank(B&&, A&&) = delete;

}  // namespace expr
BITLA_END_NAMESPACE
