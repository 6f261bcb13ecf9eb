// bitla/expr/nodes.hpp — composing terms: sums, scaling, the product with activations, bias.
//
// The grammar is closed and checked by named concepts, so an ill-typed composition is a
// compile error at the line that writes it, not a runtime surprise:
//
//     packed_term    Packed<V>                         packed(w), c * packed(w)
//     packed_sum     Sum<packed_term...>               packed(b) + packed(t), 2 * packed(p1) + packed(p0)
//     weight_term    Scaled<packed_term | packed_sum>  (...) * tensor_scale / row_scale / group_scale
//                    | packed_term | Zero | LowRank
//     weight_expr    weight_term | Sum<weight_term...> terms joined with +
//     Linear         linear(x, weight_expr) [+ bias(b)]  x: float rows, or int8_rows(q, scale)
//
// Not in the grammar (no operator exists): scaling a scaled term, a zero or a low-rank
// term; adding a bias twice or to weights; adding anything to a Linear but a bias.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <tuple>
#include <type_traits>

#include "../gemm/add.hpp"
#include "terms.hpp"

BITLA_BEGIN_NAMESPACE
namespace expr {

template <class... Terms>
struct Sum {
    std::tuple<Terms...> terms;
};

template <class Inner>
struct Scaled {
    Inner inner;
    Scale scale;
};

namespace detail {
template <class T> struct is_packed : std::false_type {};
template <class V> struct is_packed<Packed<V>> : std::true_type {};
template <class T> struct is_packed_sum : std::false_type {};
template <class... Ts> struct is_packed_sum<Sum<Ts...>> : std::bool_constant<(is_packed<Ts>::value && ...)> {};
template <class T> struct is_scaled : std::false_type {};
template <class I> struct is_scaled<Scaled<I>> : std::true_type {};
template <class T> struct is_sum : std::false_type {};
template <class... Ts> struct is_sum<Sum<Ts...>> : std::true_type {};
}  // namespace detail

template <class T>
concept packed_term = detail::is_packed<T>::value;

template <class T>
concept packed_sum = detail::is_packed_sum<T>::value;

/// What a scale may multiply: a packed matrix or a sum of packed matrices.
template <class T>
concept scalable = packed_term<T> || packed_sum<T>;

template <class T>
concept weight_term = packed_term<T> || detail::is_scaled<T>::value || std::is_same_v<T, Zero> ||
                      std::is_same_v<T, LowRank>;

namespace detail {
template <class T> struct all_weight_terms : std::false_type {};
template <class... Ts> struct all_weight_terms<Sum<Ts...>> : std::bool_constant<(weight_term<Ts> && ...)> {};
template <class T> auto as_tuple(const T& t) { return std::tuple<T>(t); }
template <class... Ts> auto as_tuple(const Sum<Ts...>& s) { return s.terms; }
template <class... Ts> Sum<Ts...> make_sum(std::tuple<Ts...> t) { return {std::move(t)}; }
}  // namespace detail

template <class T>
concept weight_expr = weight_term<T> || detail::all_weight_terms<T>::value;

/// c · w for an integer coefficient (bit-plane weights 2^i, a sign flip).
/// Only integral coefficients: a float would silently truncate (2.5 · w is not 2 · w).
template <std::integral C, class V>
[[nodiscard]] Packed<V> operator*(C c, const Packed<V>& p) {
    return {p.w, static_cast<int>(c) * p.coef};
}

/// Scales a packed matrix or a sum of packed matrices.
template <scalable T>
[[nodiscard]] Scaled<T> operator*(const T& t, const Scale& s) {
    return {t, s};
}

/// Joins weight terms (sums flatten: a + b + c is one Sum of three terms).
template <class A, class B>
    requires(weight_expr<A> || packed_sum<A>) && (weight_expr<B> || packed_sum<B>)
[[nodiscard]] auto operator+(const A& a, const B& b) {
    return detail::make_sum(std::tuple_cat(detail::as_tuple(a), detail::as_tuple(b)));
}

/// int8 activation rows with a per-row scale: x[m, k] = q[m, k] · scale[m] (absmax), as
/// the add-only kernels take them (bitla::Int8Rows, gemm/add.hpp).
using bitla::Int8Rows;

template <class Q, class S>
[[nodiscard]] Int8Rows int8_rows(const Q& q, const S& scale) {
    return {const_view(q), std::span<const float>(scale)};
}
template <class Q, class S>
    requires detail::temporary_owner<Q> || detail::temporary_owner<S>
void int8_rows(Q&&, S&&) = delete;

template <class X>
concept activation_operand = std::is_same_v<X, MatrixView<const float>> || std::is_same_v<X, Int8Rows>;

struct Bias {
    std::span<const float> b;
};
template <class B>
[[nodiscard]] Bias bias(const B& b) {
    return {std::span<const float>(b)};
}
template <class B>
    requires detail::temporary_owner<B>
void bias(B&&) = delete;

/// y = x · Wᵀ (+ b): the product of activations with a weight expression.
template <activation_operand X, weight_expr W, bool HasBias = false>
struct Linear {
    X x;
    W w;
    std::span<const float> b;  ///< empty unless HasBias
};

template <weight_expr W>
[[nodiscard]] Linear<MatrixView<const float>, W> linear(const Matrix<float>& x, const W& w) {
    return {x.view(), w, {}};
}
template <weight_expr W>
[[nodiscard]] Linear<MatrixView<const float>, W> linear(MatrixView<const float> x, const W& w) {
    return {x, w, {}};
}
template <weight_expr W>
[[nodiscard]] Linear<Int8Rows, W> linear(Int8Rows x, const W& w) {
    return {x, w, {}};
}
template <weight_expr W>
void linear(Matrix<float>&&, const W&) = delete;  // a temporary owner would dangle

template <activation_operand X, weight_expr W>
[[nodiscard]] Linear<X, W, true> operator+(const Linear<X, W, false>& l, const Bias& b) {
    return {l.x, l.w, b.b};
}

}  // namespace expr
BITLA_END_NAMESPACE
