// bitla/kernels/generic/reference.hpp — the reference products: plain C++20, always
// compiled, obviously correct. Every optimised kernel is tested against these bit for bit
// (integer outputs) or within a K-derived bound (float outputs).
//
//   reference::gemm(x, w, y)        y = x . w^T; x dense M x K (int8 or float), w packed N x K
//   reference::gemv(x, w, y)        the same for one activation row (spans)
//   reference::xnor_gemm(a, w, y)   a: M x K packed +-1 bits; w: +-1 bits or ternary
//   reference::xnor_gemv(a, w, y)
//   reference::hamming_distances(q, c, d), hamming_topk(q, c, index, dist)   binary codes
//
// Outputs: int32 for int8 or bit activations (exact), float for float activations
// (accumulated in double, rounded once). xnor_gemm also has a float form with per-row
// activation scales and per-row weight scales (XNOR-Net's beta and alpha).
//
// The math (docs/design.md §3):
//   +-1 . +-1:       dot = K - 2 popcount(a xor b)        (zero padding xors to 0)
//   {0,1} . x:       sum of x_k where the bit is set      (adds only)
//   +-1 weights . x: sum of x_k, +x_k where the bit is set and -x_k where it is clear
//   ternary . x:     sum over plus minus sum over minus   (adds only)
//   ternary . +-1 a: [2 pc(plus & a) - pc(plus)] - [2 pc(minus & a) - pc(minus)]
//   n-bit . x:       sum_i 2^i (plane_i . x)
//
// Every entry validates its operands (bitla::error) before writing y.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "../../core/checks.hpp"
#include "../../core/concepts.hpp"
#include "../../core/scaled_rows.hpp"

BITLA_BEGIN_NAMESPACE
namespace reference {

namespace detail {

template <class T>
using acc_t = std::conditional_t<std::is_same_v<T, float>, double, std::int32_t>;

/// sum of x[k] over the set bits of one packed row.
template <class T>
acc_t<T> masked_sum(const T* x, const std::uint64_t* words, std::size_t row_words) {
    acc_t<T> s = 0;
    for (std::size_t j = 0; j < row_words; ++j)
        for (std::uint64_t b = words[j]; b != 0; b &= b - 1) s += x[j * 64 + static_cast<std::size_t>(std::countr_zero(b))];
    return s;
}

template <class T>
acc_t<T> dot(const T* x, const BitView<enc::zero_one>& w, std::size_t n) {
    return masked_sum(x, w.words(n).data(), w.row_words);
}

template <class T>
acc_t<T> dot(const T* x, const BitView<enc::sign>& w, std::size_t n) {
    acc_t<T> s = 0;
    for (std::size_t k = 0; k < w.cols; ++k) s += w(n, k) > 0 ? acc_t<T>(x[k]) : -acc_t<T>(x[k]);
    return s;
}

template <class T>
acc_t<T> dot(const T* x, const TernaryView<enc::planes>& w, std::size_t n) {
    return masked_sum(x, w.plus().words(n).data(), w.row_words) - masked_sum(x, w.minus().words(n).data(), w.row_words);
}

/// Byte-coded ternary layouts (code2, base3): add or subtract x by each decoded value.
template <class T, class L>
    requires std::is_same_v<L, enc::code2> || std::is_same_v<L, enc::base3>
acc_t<T> dot(const T* x, const TernaryView<L>& w, std::size_t n) {
    acc_t<T> s = 0;
    for (std::size_t k = 0; k < w.cols; ++k) {
        const int v = w(n, k);
        if (v > 0) s += x[k];
        else if (v < 0) s -= x[k];
    }
    return s;
}

template <class T>
acc_t<T> dot(const T* x, const BitPlanesView& w, std::size_t n) {
    acc_t<T> s = 0;
    for (int i = 0; i < w.bits; ++i) s += acc_t<T>(1 << i) * dot(x, w.plane(i), n);
    return s;
}

inline std::int32_t bits_dot(const BitView<enc::sign>& a, std::size_t m, const BitView<enc::sign>& w, std::size_t n) {
    const auto ar = a.words(m), wr = w.words(n);
    long long pc = 0;
    for (std::size_t j = 0; j < ar.size(); ++j) pc += std::popcount(ar[j] ^ wr[j]);
    return static_cast<std::int32_t>(static_cast<long long>(a.cols) - 2 * pc);
}

inline std::int32_t bits_dot(const BitView<enc::sign>& a, std::size_t m, const BitView<enc::zero_one>& plane,
                             std::size_t n) {
    const auto ar = a.words(m), pr = plane.words(n);
    long long both = 0, set = 0;
    for (std::size_t j = 0; j < ar.size(); ++j) {
        both += std::popcount(ar[j] & pr[j]);
        set += std::popcount(pr[j]);
    }
    return static_cast<std::int32_t>(2 * both - set);
}

inline std::int32_t bits_dot(const BitView<enc::sign>& a, std::size_t m, const TernaryView<enc::planes>& w,
                             std::size_t n) {
    return bits_dot(a, m, w.plus(), n) - bits_dot(a, m, w.minus(), n);
}

inline std::int32_t bits_dot(const BitView<enc::sign>& a, std::size_t m, const TernaryView<enc::code2>& w,
                             std::size_t n) {
    std::int32_t s = 0;
    for (std::size_t k = 0; k < w.cols; ++k) s += a(m, k) * w(n, k);
    return s;
}

template <class V>
concept xnor_weights = std::is_same_v<V, BitView<enc::sign>> || std::is_same_v<V, TernaryView<enc::planes>> ||
                       std::is_same_v<V, TernaryView<enc::code2>>;

}  // namespace detail

/// y (M x N) = x (M x K) . w^T. int8 x -> int32 y (exact); float x -> float y.
template <dense_matrix X, packed_matrix W, class Y>
    requires activation<dense_value_t<X>>
void gemm(const X& x_in, const W& w_in, Y&& y_in) {
    using T = dense_value_t<X>;
    using Out = std::conditional_t<std::is_same_v<T, float>, float, std::int32_t>;
    const MatrixView<const T> x = const_view(x_in);
    const auto w = w_in.view();
    const MatrixView<Out> y = y_in;
    bitla::detail::check_view(x, "x");
    bitla::detail::check_product(x, w, y);
    bitla::detail::check_finite(x, "x");
    if constexpr (int_activation<T>) bitla::detail::check_int32_accumulator(x.cols, 128, max_abs_value(w));
    for (std::size_t m = 0; m < x.rows; ++m)
        for (std::size_t n = 0; n < w.rows; ++n) y(m, n) = static_cast<Out>(detail::dot(x.row(m).data(), w, n));
}

/// y (N) = w (N x K) . x (K). int8 x -> int32 y; float x -> float y.
template <activation T, packed_matrix W, class Out>
void gemv(std::span<const T> x, const W& w, std::span<Out> y) {
    reference::gemm(MatrixView<const T>(x), w, MatrixView<Out>(y));
}

/// y (M x N) = a (M x K, +-1 bits) . w^T, w (N x K) +-1 bits or ternary; int32, exact.
template <class A, packed_matrix W>
    requires sign_bits<A> && detail::xnor_weights<packed_view_t<W>>
void xnor_gemm(const A& a_in, const W& w_in, MatrixView<std::int32_t> y) {
    const auto a = a_in.view();
    const auto w = w_in.view();
    bitla::detail::require(a.cols != 0, "a", "a has 0 columns: there are no bits to compare");
    bitla::detail::check_int32_accumulator(a.cols, 1, 1, "a");
    bitla::detail::check_product(a, w, y, {"a", "w", "y"});
    for (std::size_t m = 0; m < a.rows; ++m)
        for (std::size_t n = 0; n < w.rows; ++n) y(m, n) = detail::bits_dot(a, m, w, n);
}

/// y[m, n] = a.scale[m] * w.scale[n] * (a_m . w_n): XNOR-Net's beta (per activation row)
/// and alpha (per weight row). An empty scale means all ones.
inline void xnor_gemm(const SignRows& as, const SignRows& ws, MatrixView<float> y) {
    const BitView<enc::sign>&a = as.values, &w = ws.values;
    const std::span<const float> a_scale = as.scale, w_scale = ws.scale;
    bitla::detail::require(a.cols != 0, "a", "a has 0 columns: there are no bits to compare");
    bitla::detail::check_int32_accumulator(a.cols, 1, 1, "a");
    bitla::detail::check_product(a, w, y, {"a", "w", "y"});
    bitla::detail::require(a_scale.empty() || a_scale.size() == a.rows, "a", "a.scale has ", a_scale.size(),
                           " entries but a has ", a.rows, " rows");
    bitla::detail::require(w_scale.empty() || w_scale.size() == w.rows, "w", "w.scale has ", w_scale.size(),
                           " entries but w has ", w.rows, " rows");
    bitla::detail::check_finite(a_scale, "a", "a.scale");
    bitla::detail::check_finite(w_scale, "w", "w.scale");
    for (std::size_t m = 0; m < a.rows; ++m)
        for (std::size_t n = 0; n < w.rows; ++n) {
            const float sa = a_scale.empty() ? 1.0f : a_scale[m];
            const float sw = w_scale.empty() ? 1.0f : w_scale[n];
            y(m, n) = sa * sw * static_cast<float>(detail::bits_dot(a, m, w, n));
        }
}

/// y (N) = w . a for one row of +-1 bits (a is 1 x K).
template <class A, packed_matrix W>
    requires sign_bits<A> && detail::xnor_weights<packed_view_t<W>>
void xnor_gemv(const A& a, const W& w, std::span<std::int32_t> y) {
    bitla::detail::require(a.view().rows == 1, "a", "xnor_gemv takes one row of bits, a has ", a.view().rows);
    reference::xnor_gemm(a, w, MatrixView<std::int32_t>(y));
}

/// d (nq x nb) = Hamming distances popcount(q_i xor c_j); q and c bits of either encoding.
template <bit_encoding E, bit_encoding F>
void hamming_distances(const BitView<E>& q, const BitView<F>& c, MatrixView<std::uint32_t> d) {
    bitla::detail::require(q.cols != 0, "queries", "queries has 0 columns: there are no bits to compare");
    bitla::detail::check_hamming_bits(q.cols, bitla::detail::max_distance_bits, "queries");
    bitla::detail::check_product(q, c, d, {"queries", "codes", "d"});
    for (std::size_t i = 0; i < q.rows; ++i)
        for (std::size_t j = 0; j < c.rows; ++j) {
            const auto qr = q.words(i), cr = c.words(j);
            std::uint32_t s = 0;
            for (std::size_t w = 0; w < qr.size(); ++w) s += static_cast<std::uint32_t>(std::popcount(qr[w] ^ cr[w]));
            d(i, j) = s;
        }
}

/// The k nearest codes of every query, ascending by (distance, label): distances and
/// labels are nq x k.
template <bit_encoding E, bit_encoding F>
void hamming_topk(const BitView<E>& q, const BitView<F>& c, std::size_t k, MatrixView<std::uint32_t> dist,
                  MatrixView<std::size_t> index) {
    bitla::detail::check_hamming_bits(q.cols, bitla::detail::max_topk_bits, "queries");
    bitla::detail::require(k >= 1 && k <= c.rows, "k", "k = ", k, " is not in [1, ", c.rows, "]");
    bitla::detail::require(dist.rows == q.rows && dist.cols == k, "distances", "distances is ", dist.rows, " x ",
                           dist.cols, " but there are ", q.rows, " queries and k = ", k);
    bitla::detail::require(index.rows == q.rows && index.cols == k, "labels", "labels is ", index.rows, " x ",
                           index.cols, " but there are ", q.rows, " queries and k = ", k);
    Matrix<std::uint32_t> all(q.rows, c.rows);
    hamming_distances(q, c, all.view());
    std::vector<std::size_t> order(c.rows);
    for (std::size_t i = 0; i < q.rows; ++i) {
        for (std::size_t j = 0; j < c.rows; ++j) order[j] = j;
        std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return all(i, x) < all(i, y); });
        for (std::size_t j = 0; j < index.cols; ++j) {
            index(i, j) = order[j];
            dist(i, j) = all(i, order[j]);
        }
    }
}

}  // namespace reference
BITLA_END_NAMESPACE
