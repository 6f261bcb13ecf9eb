// bitla/core/ternary_packed.hpp — `TernaryPacked<L>`: an owning rows x cols matrix of
// values in {-1, 0, +1} (BitNet b1.58 weights), in one of two layouts:
//
//   enc::planes  two bit-planes per row, plus then minus, each padded_words(cols) words:
//                value = plus - minus; a value is never in both planes; padding is in
//                neither. Add-only kernels: sum x over plus, subtract the sum over minus.
//   enc::code2   2-bit codes (value + 1) in {0, 1, 2}, four per byte, value k in bits
//                2*(k%4) .. 2*(k%4)+1 of byte k/4; rows padded to padded_code2_bytes(cols)
//                with code 1 (value 0). The layout u8 x s8 dot-product kernels like.
//
// Both hold 2 bits a value; `convert<To>(t)` moves between them exactly. Move-only;
// `clone()` copies explicitly.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "matrix.hpp"
#include "plane_store.hpp"

BITLA_BEGIN_NAMESPACE

template <ternary_layout L>
struct TernaryView;

template <>
struct TernaryView<enc::planes> {
    using layout = enc::planes;

    const std::uint64_t* data = nullptr;
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::size_t row_words = 0;  ///< words in one plane of one row: padded_words(cols)
    std::size_t stride = 0;     ///< words between rows: 2 * row_words for an owner's view

    [[nodiscard]] BitView<enc::zero_one> plus() const { return {data, rows, cols, row_words, stride}; }
    [[nodiscard]] BitView<enc::zero_one> minus() const { return {data + row_words, rows, cols, row_words, stride}; }
    [[nodiscard]] int operator()(std::size_t r, std::size_t c) const { return plus()(r, c) - minus()(r, c); }
    [[nodiscard]] TernaryView slice_rows(std::size_t begin, std::size_t end) const {
        return {data + begin * stride, end - begin, cols, row_words, stride};
    }
    [[nodiscard]] TernaryView view() const { return *this; }
    [[nodiscard]] const void* first_byte() const { return data; }
    [[nodiscard]] const void* end_byte() const {
        return rows == 0 ? static_cast<const void*>(data)
                         : static_cast<const void*>(data + (rows - 1) * stride + 2 * row_words);
    }
};

template <>
struct TernaryView<enc::code2> {
    using layout = enc::code2;

    const std::uint8_t* data = nullptr;
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::size_t row_bytes = 0;  ///< padded_code2_bytes(cols)
    std::size_t stride = 0;     ///< bytes between rows

    [[nodiscard]] std::span<const std::uint8_t> codes(std::size_t r) const { return {data + r * stride, row_bytes}; }
    /// The 2-bit code (value + 1) at (r, c).
    [[nodiscard]] int code(std::size_t r, std::size_t c) const {
        return (data[r * stride + c / 4] >> (2 * (c % 4))) & 3;
    }
    [[nodiscard]] int operator()(std::size_t r, std::size_t c) const { return code(r, c) - 1; }
    [[nodiscard]] TernaryView slice_rows(std::size_t begin, std::size_t end) const {
        return {data + begin * stride, end - begin, cols, row_bytes, stride};
    }
    [[nodiscard]] TernaryView view() const { return *this; }
    [[nodiscard]] const void* first_byte() const { return data; }
    [[nodiscard]] const void* end_byte() const {
        return rows == 0 ? static_cast<const void*>(data)
                         : static_cast<const void*>(data + (rows - 1) * stride + row_bytes);
    }
};

namespace detail {
/// The body of every TernaryPacked<L>::from_values: check every value first (nothing is
/// built from a bad matrix), then set the non-zero ones.
template <class Owner, class V>
Owner ternary_from_values(const V& v) {
    check_view(v, "values");
    for (std::size_t r = 0; r < v.rows; ++r)
        for (std::size_t c = 0; c < v.cols; ++c) exact_value(v(r, c), -1, 1, "values", r, c);
    Owner out(v.rows, v.cols);
    for (std::size_t r = 0; r < v.rows; ++r)
        for (std::size_t c = 0; c < v.cols; ++c)
            if (const int x = static_cast<int>(v(r, c)); x != 0) out.set(r, c, x);
    return out;
}
}  // namespace detail

template <ternary_layout L>
class TernaryPacked {
public:
    using layout = L;
    using view_type = TernaryView<L>;

    TernaryPacked() = default;
    /// rows x cols zeros.
    TernaryPacked(std::size_t rows, std::size_t cols) : rows_(rows), cols_(cols) {
        if constexpr (is_planes) {
            planes_ = detail::PlaneStore(rows, cols, 2);
        } else {
            row_bytes_ = padded_code2_bytes(cols);
            detail::require(row_bytes_ == 0 || rows <= SIZE_MAX / 16 / row_bytes_, "shape", rows, " x ", cols,
                            " overflows size_t");
            codes_ = AlignedBuffer<std::uint8_t>(rows * std::size_t{row_bytes_});
            if (codes_.size() != 0) std::memset(codes_.data(), 0x55, codes_.size());  // code 1 = value 0
        }
    }

    /// Exact values: every element must be -1, 0 or +1.
    template <dense_matrix M>
    [[nodiscard]] static TernaryPacked from_values(const M& values) {
        return detail::ternary_from_values<TernaryPacked>(const_view(values));
    }

    [[nodiscard]] TernaryPacked clone() const {
        TernaryPacked c;
        c.rows_ = rows_;
        c.cols_ = cols_;
        c.row_bytes_ = row_bytes_;
        if constexpr (is_planes) c.planes_ = planes_.clone();
        else c.codes_ = codes_.clone();
        return c;
    }

    [[nodiscard]] std::size_t rows() const noexcept { return rows_; }
    [[nodiscard]] std::size_t cols() const noexcept { return cols_; }
    [[nodiscard]] std::size_t bytes() const noexcept { return is_planes ? planes_.bytes() : codes_.bytes(); }

    [[nodiscard]] int at(std::size_t r, std::size_t c) const {
        check_index(r, c);
        return view()(r, c);
    }
    void set(std::size_t r, std::size_t c, int value) {
        check_index(r, c);
        detail::exact_value(value, -1, 1, "value", r, c);
        put(r, c, value);
    }

    [[nodiscard]] TernaryView<L> view() const noexcept {
        if constexpr (is_planes) return {planes_.data(), rows_, cols_, planes_.row_words(), planes_.stride()};
        else return {codes_.data(), rows_, cols_, row_bytes_, row_bytes_};
    }
    operator TernaryView<L>() const noexcept { return view(); }

    template <class T = float>
    [[nodiscard]] Matrix<T> unpack() const {
        return detail::unpack_view<T>(view());
    }

    [[nodiscard]] bool operator==(const TernaryPacked& o) const noexcept {
        if constexpr (is_planes) return planes_ == o.planes_;
        else
            return rows_ == o.rows_ && cols_ == o.cols_ &&
                   (codes_.size() == 0 || std::memcmp(codes_.data(), o.codes_.data(), codes_.size()) == 0);
    }

private:
    static constexpr bool is_planes = std::is_same_v<L, enc::planes>;

    void check_index(std::size_t r, std::size_t c) const {
        detail::require(r < rows_ && c < cols_, "index", "(", r, ", ", c, ") is outside ", rows_, " x ", cols_);
    }
    void put(std::size_t r, std::size_t c, int value) noexcept {
        if constexpr (is_planes) {
            planes_.set_bit(r, 0, c, value > 0);
            planes_.set_bit(r, 1, c, value < 0);
        } else {
            std::uint8_t& b = codes_[r * row_bytes_ + c / 4];
            const int shift = 2 * static_cast<int>(c % 4);
            b = static_cast<std::uint8_t>((b & ~(3 << shift)) | ((value + 1) << shift));
        }
    }

    detail::ResetOnMove<std::size_t> rows_, cols_, row_bytes_;
    detail::PlaneStore planes_;          // enc::planes
    AlignedBuffer<std::uint8_t> codes_;  // enc::code2
};

/// The same values in another layout (exact).
template <ternary_layout To, ternary_layout From>
[[nodiscard]] TernaryPacked<To> convert(const TernaryPacked<From>& t) {
    TernaryPacked<To> out(t.rows(), t.cols());
    const auto v = t.view();
    for (std::size_t r = 0; r < t.rows(); ++r)
        for (std::size_t c = 0; c < t.cols(); ++c)
            if (const int x = v(r, c); x != 0) out.set(r, c, x);
    return out;
}

/// Ternarisation with a dead zone: +1 where x > threshold, -1 where x < -threshold, 0
/// elsewhere (threshold >= 0). NaN/Inf in x, or a negative or NaN threshold -> bitla::error.
template <ternary_layout L = enc::planes, dense_matrix M>
[[nodiscard]] TernaryPacked<L> pack_ternary(const M& x, double threshold) {
    const auto v = const_view(x);
    detail::check_view(v, "x");
    detail::check_finite(v, "x");
    detail::require(threshold >= 0, "threshold", "threshold = ", threshold, " must be >= 0");
    TernaryPacked<L> out(v.rows, v.cols);
    for (std::size_t r = 0; r < v.rows; ++r)
        for (std::size_t c = 0; c < v.cols; ++c) {
            const double e = static_cast<double>(v(r, c));
            if (e > threshold) out.set(r, c, 1);
            else if (e < -threshold) out.set(r, c, -1);
        }
    return out;
}

BITLA_END_NAMESPACE

#include "ternary_base3.hpp"  // TernaryPacked<enc::base3>: five trits per byte
