// bitla/core/checks.hpp — the validation every product entry point runs before it
// writes output: shapes agree, the output is a valid view, the output does not overlap
// an input, and an int32 accumulator cannot overflow for this K.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "error.hpp"
#include "matrix.hpp"

BITLA_BEGIN_NAMESPACE
namespace detail {

/// The argument names a product's errors use (xnor: a, w, y; Hamming: q, codes, d).
struct ProductNames {
    std::string_view x = "x", w = "w", y = "y";
};

/// y (M x N) = x (M x K) . w^T, with x and w described by their shapes and byte ranges.
template <class X, class W, class Y>
void check_product(const X& x, const W& w, const MatrixView<Y>& y, const ProductNames& n = {}) {
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

}  // namespace detail
BITLA_END_NAMESPACE
