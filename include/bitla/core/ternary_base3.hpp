// bitla/core/ternary_base3.hpp — `TernaryPacked<enc::base3>`: ternary values at 1.6 bits,
// five trits per byte (3^5 = 243 <= 256), the densest byte-aligned ternary storage.
//
// Byte i of a row holds the values at k = 5i .. 5i+4. With trits t_j = value_j + 1 in
// {0, 1, 2} and v = t_0·81 + t_1·27 + t_2·9 + t_3·3 + t_4 in [0, 242], the byte is the
// fixed-point fraction v / 243 scaled to 256 and rounded up:
//
//     byte = ceil(v · 256 / 243)            (in [0, 255])
//
// so that multiplying by 3 shifts the next trit into the integer part:
//
//     t_j = (3 · b_j) >> 8,   b_0 = byte,   b_{j+1} = (3 · b_j) mod 256
//
// Decoding needs no division or table: a SIMD kernel extracts trit j with adds and
// compares (3·b >> 8 is (b >= 86) + (b >= 171)). Rounding up makes the fraction error
// (< 1/256 of a byte) never carry into a wrong trit: the test suite checks all 243 codes.
// Rows are padded to padded_base3_bytes(cols) with trits 1 (the value 0), and padding
// bytes hold 128 (five zeros). Move-only; `clone()` copies; `convert<L>` changes layout.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "ternary_packed.hpp"

BITLA_BEGIN_NAMESPACE

namespace base3 {

/// The byte holding trits t[0..4] (each in {0, 1, 2}), t[0] most significant.
[[nodiscard]] constexpr std::uint8_t encode(const std::array<int, 5>& t) noexcept {
    const int v = (((t[0] * 3 + t[1]) * 3 + t[2]) * 3 + t[3]) * 3 + t[4];
    return static_cast<std::uint8_t>((v * 256 + 242) / 243);
}

/// Trit j (0..4) of a byte: multiply by 3^j modulo 256, then take the integer part of x3.
[[nodiscard]] constexpr int trit(std::uint8_t byte, int j) noexcept {
    unsigned b = byte;
    for (int i = 0; i < j; ++i) b = (b * 3u) & 0xffu;
    return static_cast<int>((b * 3u) >> 8);
}

/// A byte of five zero values (trits 1).
inline constexpr std::uint8_t zero_byte = encode({1, 1, 1, 1, 1});

}  // namespace base3

template <>
struct TernaryView<enc::base3> {
    using layout = enc::base3;

    const std::uint8_t* data = nullptr;
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::size_t row_bytes = 0;  ///< padded_base3_bytes(cols)
    std::size_t stride = 0;     ///< bytes between rows

    [[nodiscard]] std::span<const std::uint8_t> bytes(std::size_t r) const { return {data + r * stride, row_bytes}; }
    /// The trit (value + 1) at (r, c).
    [[nodiscard]] int code(std::size_t r, std::size_t c) const {
        return base3::trit(data[r * stride + c / 5], static_cast<int>(c % 5));
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

template <>
class TernaryPacked<enc::base3> {
public:
    using layout = enc::base3;
    using view_type = TernaryView<enc::base3>;

    TernaryPacked() = default;
    /// rows x cols zeros.
    TernaryPacked(std::size_t rows, std::size_t cols)
        : rows_(rows), cols_(cols), row_bytes_(padded_base3_bytes(cols)) {
        detail::require(row_bytes_ == 0 || rows <= SIZE_MAX / 16 / row_bytes_, "shape", rows, " x ", cols,
                        " overflows size_t");
        bytes_ = AlignedBuffer<std::uint8_t>(rows * std::size_t{row_bytes_});
        if (bytes_.size() != 0) std::memset(bytes_.data(), base3::zero_byte, bytes_.size());
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
        c.bytes_ = bytes_.clone();
        return c;
    }

    [[nodiscard]] std::size_t rows() const noexcept { return rows_; }
    [[nodiscard]] std::size_t cols() const noexcept { return cols_; }
    [[nodiscard]] std::size_t bytes() const noexcept { return bytes_.bytes(); }

    [[nodiscard]] int at(std::size_t r, std::size_t c) const {
        check_index(r, c);
        return view()(r, c);
    }
    void set(std::size_t r, std::size_t c, int value) {
        check_index(r, c);
        detail::exact_value(value, -1, 1, "value", r, c);
        put(r, c, value);
    }

    [[nodiscard]] TernaryView<enc::base3> view() const noexcept {
        return {bytes_.data(), rows_, cols_, row_bytes_, row_bytes_};
    }
    operator TernaryView<enc::base3>() const noexcept { return view(); }

    template <class T = float>
    [[nodiscard]] Matrix<T> unpack() const {
        return detail::unpack_view<T>(view());
    }

    [[nodiscard]] bool operator==(const TernaryPacked& o) const noexcept {
        return rows_ == o.rows_ && cols_ == o.cols_ &&
               (bytes_.size() == 0 || std::memcmp(bytes_.data(), o.bytes_.data(), bytes_.size()) == 0);
    }

private:
    void check_index(std::size_t r, std::size_t c) const {
        detail::require(r < rows_ && c < cols_, "index", "(", r, ", ", c, ") is outside ", rows_, " x ", cols_);
    }
    void put(std::size_t r, std::size_t c, int value) noexcept {
        std::uint8_t& b = bytes_[r * row_bytes_ + c / 5];
        std::array<int, 5> t{};
        for (int j = 0; j < 5; ++j) t[static_cast<std::size_t>(j)] = base3::trit(b, j);
        t[c % 5] = value + 1;
        b = base3::encode(t);
    }

    detail::ResetOnMove<std::size_t> rows_, cols_, row_bytes_;
    AlignedBuffer<std::uint8_t> bytes_;
};

BITLA_END_NAMESPACE
