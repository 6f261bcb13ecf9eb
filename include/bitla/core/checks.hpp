// bitla/core/checks.hpp — the validation every product entry point runs before it
// writes output: shapes agree, the output is a valid view, the output does not overlap
// an input, and an int32 accumulator cannot overflow for this K.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "bit_view.hpp"
#include "error.hpp"
#include "matrix.hpp"

BITLA_BEGIN_NAMESPACE
namespace detail {

/// The argument names a product's errors use (xnor: a, w, y; Hamming: q, codes, d).
struct ProductNames {
    std::string_view x = "x", w = "w", y = "y";
};

/// What a bit view promises the kernels, which read `padded_words(cols)` words from the
/// start of each row (`stride` words apart) without looking at `row_words`: rows padded to
/// 512 bits, strides that do not overlap rows, data behind a non-empty shape. The padding
/// bits are not read here (that would cost a pass over the operand); they must be zero.
template <bit_encoding E>
void check_bit_view(const BitView<E>& v, std::string_view name) {
    require(v.row_words == padded_words(v.cols), name, name, ".row_words = ", v.row_words, " but ", name, " has ",
            v.cols, " columns, whose rows the kernels read as ", padded_words(v.cols),
            " words (rows are padded to 512 bits)");
    require(v.rows <= 1 || v.stride >= v.row_words, name, name, ".stride = ", v.stride, " is less than ", name,
            ".row_words = ", v.row_words);
    require(v.rows == 0 || v.cols == 0 || v.data != nullptr, name, name, " is ", v.rows, " x ", v.cols,
            " but its data is null");
}

/// The view checks that an operand's type calls for (bit views: check_bit_view).
template <class V>
void check_operand_view(const V& v, std::string_view name) {
    if constexpr (requires { check_bit_view(v, name); }) check_bit_view(v, name);
}

/// y (M x N) = x (M x K) . w^T, with x and w described by their shapes and byte ranges.
template <class X, class W, class Y>
void check_product(const X& x, const W& w, const MatrixView<Y>& y, const ProductNames& n = {}) {
    check_operand_view(x, n.x);
    check_operand_view(w, n.w);
    require(x.cols == w.cols, n.w, n.w, ".cols = ", w.cols, " does not match ", n.x, ".cols = ", x.cols, " (", n.w,
            " is ", w.rows, " x ", w.cols, ", ", n.x, " is ", x.rows, " x ", x.cols, ")");
    check_view(y, n.y);
    require(y.rows == x.rows && y.cols == w.rows, n.y, n.y, " is ", y.rows, " x ", y.cols, " but ", n.x, " . ", n.w,
            "^T is ", x.rows, " x ", w.rows);
    require(!overlaps(y.first_byte(), y.end_byte(), x.first_byte(), x.end_byte()), n.y, n.y, " overlaps ", n.x);
    require(!overlaps(y.first_byte(), y.end_byte(), w.first_byte(), w.end_byte()), n.y, n.y, " overlaps ", n.w);
}

/// An int32 sum of K terms |x| <= x_max times |w| <= w_max cannot overflow (K is `argument`'s).
inline void check_int32_accumulator(std::size_t k, long long x_max, long long w_max, std::string_view argument = "x") {
    const long long limit = std::numeric_limits<std::int32_t>::max();
    const long long per_term = x_max * w_max;
    require(per_term == 0 || static_cast<long long>(k) <= limit / per_term, argument,
            "K = ", k, " terms of up to ", x_max, " x ", w_max, " can overflow the int32 accumulator (K <= ",
            per_term == 0 ? 0 : limit / per_term, ")");
}

/// The largest K of a Hamming product: distances up to K fit uint32; top-k also needs every
/// real distance below its list sentinel, 2^32 - 1.
inline constexpr std::size_t max_distance_bits = std::numeric_limits<std::uint32_t>::max();
inline constexpr std::size_t max_topk_bits = max_distance_bits - 1;

/// Hamming distances are uint32: K bits (`argument`'s) must stay at or below `max_k`.
inline void check_hamming_bits(std::size_t k, std::size_t max_k, std::string_view argument) {
    require(k <= max_k, argument, "K = ", k, " bits: distances up to K do not fit the uint32 output (K <= ", max_k,
            ")");
}

}  // namespace detail
BITLA_END_NAMESPACE
