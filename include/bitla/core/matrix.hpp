// bitla/core/matrix.hpp — dense row-major matrices: `MatrixView<T>` (pointer, shape,
// leading dimension; a cheap value type) and `Matrix<T>` (the aligned, move-only owner).
//
// Activations X (M x K), outputs Y (M x N), scales and low-rank factors are dense. Element
// (r, c) lives at `data[r * ld + c]`; `ld >= cols`. A view never owns; an owner converts to
// a view of itself implicitly, like std::string to std::string_view.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>

#include "aligned_buffer.hpp"
#include "error.hpp"

BITLA_BEGIN_NAMESPACE

template <class T>
struct MatrixView {
    using value_type = std::remove_const_t<T>;

    T* data = nullptr;
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::size_t ld = 0;  ///< elements between the starts of consecutive rows

    constexpr MatrixView() = default;
    constexpr MatrixView(T* d, std::size_t r, std::size_t c) : data(d), rows(r), cols(c), ld(c) {}
    constexpr MatrixView(T* d, std::size_t r, std::size_t c, std::size_t l)
        : data(d), rows(r), cols(c), ld(l) {}
    /// A 1 x n view of a contiguous range (a GEMV operand).
    constexpr MatrixView(std::span<T> v) : data(v.data()), rows(1), cols(v.size()), ld(v.size()) {}

    /// Views of T convert to views of const T.
    template <class U>
        requires(std::is_same_v<const U, T> && !std::is_same_v<U, T>)
    constexpr MatrixView(const MatrixView<U>& v) : data(v.data), rows(v.rows), cols(v.cols), ld(v.ld) {}

    [[nodiscard]] constexpr T& operator()(std::size_t r, std::size_t c) const { return data[r * ld + c]; }
    [[nodiscard]] constexpr std::span<T> row(std::size_t r) const { return {data + r * ld, cols}; }
    [[nodiscard]] constexpr bool empty() const { return rows == 0 || cols == 0; }
    [[nodiscard]] constexpr MatrixView view() const { return *this; }
    /// Rows [begin, end) as a view (for splitting work across threads).
    [[nodiscard]] constexpr MatrixView slice_rows(std::size_t begin, std::size_t end) const {
        return {data + begin * ld, end - begin, cols, ld};
    }
    /// Address range [first, last) the view can touch; empty views touch nothing.
    [[nodiscard]] const void* first_byte() const { return data; }
    [[nodiscard]] const void* end_byte() const {
        return empty() ? static_cast<const void*>(data)
                       : static_cast<const void*>(data + (rows - 1) * ld + cols);
    }
};

template <class T>
class Matrix {
public:
    Matrix() = default;
    /// rows x cols zeros.
    Matrix(std::size_t rows, std::size_t cols) : buf_(checked_count(rows, cols)), rows_(rows), cols_(cols) {}

    [[nodiscard]] Matrix clone() const {
        Matrix m;
        m.buf_ = buf_.clone();
        m.rows_ = rows_;
        m.cols_ = cols_;
        return m;
    }

    [[nodiscard]] std::size_t rows() const noexcept { return rows_; }
    [[nodiscard]] std::size_t cols() const noexcept { return cols_; }
    [[nodiscard]] T* data() noexcept { return buf_.data(); }
    [[nodiscard]] const T* data() const noexcept { return buf_.data(); }
    [[nodiscard]] std::span<T> flat() noexcept { return buf_.span(); }
    [[nodiscard]] std::span<const T> flat() const noexcept { return buf_.span(); }
    [[nodiscard]] T& operator()(std::size_t r, std::size_t c) noexcept { return buf_[r * cols_ + c]; }
    [[nodiscard]] const T& operator()(std::size_t r, std::size_t c) const noexcept { return buf_[r * cols_ + c]; }
    [[nodiscard]] std::span<T> row(std::size_t r) noexcept { return {data() + r * cols_, cols_}; }
    [[nodiscard]] std::span<const T> row(std::size_t r) const noexcept { return {data() + r * cols_, cols_}; }

    [[nodiscard]] MatrixView<T> view() noexcept { return {data(), rows_, cols_, cols_}; }
    [[nodiscard]] MatrixView<const T> view() const noexcept { return {data(), rows_, cols_, cols_}; }
    operator MatrixView<T>() noexcept { return view(); }
    operator MatrixView<const T>() const noexcept { return view(); }

private:
    static std::size_t checked_count(std::size_t rows, std::size_t cols) {
        detail::require(cols == 0 || rows <= SIZE_MAX / cols, "shape", "Matrix ", rows, " x ", cols,
                        " overflows size_t");
        return rows * cols;
    }

    AlignedBuffer<T> buf_;
    detail::ResetOnMove<std::size_t> rows_;
    detail::ResetOnMove<std::size_t> cols_;
};

/// The read-only view of a dense operand (an owner or a view).
template <class T>
[[nodiscard]] MatrixView<const T> const_view(const Matrix<T>& m) noexcept { return m.view(); }
template <class T>
[[nodiscard]] MatrixView<const T> const_view(const MatrixView<T>& v) noexcept { return v; }

/// Anything bitla accepts as a dense input: Matrix<T> or MatrixView<T>.
template <class M>
concept dense_matrix = requires(const M& m) { bitla::const_view(m); };

template <dense_matrix M>
using dense_value_t = typename decltype(bitla::const_view(std::declval<const M&>()))::value_type;

namespace detail {

/// Rejects views a kernel cannot read: ld < cols, or no data behind a non-empty shape.
template <class T>
void check_view(const MatrixView<T>& v, std::string_view name) {
    require(v.ld >= v.cols || v.rows <= 1, name, name, ".ld = ", v.ld, " is less than ", name, ".cols = ", v.cols);
    require(v.empty() || v.data != nullptr, name, name, " is ", v.rows, " x ", v.cols, " but its data is null");
}

/// Rejects NaN and infinity in a floating-point input (integer inputs pass trivially);
/// `what` is the matrix's name in the message ("row_terms.b"), `name` the argument's.
template <class T>
void check_finite(const MatrixView<T>& v, std::string_view name, std::string_view what = {}) {
    if constexpr (std::is_floating_point_v<std::remove_const_t<T>>) {
        if (what.empty()) what = name;
        for (std::size_t r = 0; r < v.rows; ++r)
            for (std::size_t c = 0; c < v.cols; ++c)
                require(std::isfinite(v(r, c)), name, what, "(", r, ", ", c, ") = ", v(r, c), " is not finite");
    }
}

/// Rejects NaN and infinity in a float span (a scale, a bias); `what` is the span's name in
/// the message ("x.scale"), `name` the argument's.
inline void check_finite(std::span<const float> v, std::string_view name, std::string_view what) {
    for (std::size_t i = 0; i < v.size(); ++i)
        require(std::isfinite(v[i]), name, what, "[", i, "] = ", v[i], " is not finite");
}

/// A quantizer's input: a readable, non-empty view of finite values.
template <class T>
void check_quant_input(const MatrixView<T>& v, std::string_view name) {
    check_view(v, name);
    require(!v.empty(), name, name, " is ", v.rows, " x ", v.cols, ": nothing to quantize");
    check_finite(v, name);
}

/// A packed view's values as a dense rows x cols matrix of T (every owner's unpack()).
template <class T, class V>
[[nodiscard]] Matrix<T> unpack_view(const V& v) {
    Matrix<T> out(v.rows, v.cols);
    for (std::size_t r = 0; r < v.rows; ++r)
        for (std::size_t c = 0; c < v.cols; ++c) out(r, c) = static_cast<T>(v(r, c));
    return out;
}

/// True when the byte ranges [a0, a1) and [b0, b1) intersect.
inline bool overlaps(const void* a0, const void* a1, const void* b0, const void* b1) {
    const auto pa0 = reinterpret_cast<std::uintptr_t>(a0), pa1 = reinterpret_cast<std::uintptr_t>(a1);
    const auto pb0 = reinterpret_cast<std::uintptr_t>(b0), pb1 = reinterpret_cast<std::uintptr_t>(b1);
    return pa0 < pa1 && pb0 < pb1 && pa0 < pb1 && pb0 < pa1;
}

}  // namespace detail
BITLA_END_NAMESPACE
