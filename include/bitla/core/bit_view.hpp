// bitla/core/bit_view.hpp — `BitView<E>`: a non-owning view of a packed bit matrix.
//
// Row r is `row_words` 64-bit words starting at `data + r * stride` (stride >= row_words,
// in words). Value k of a row is bit (k % 64) of word (k / 64). Bits at k >= cols are
// zero. A view of one bit-plane of a multi-plane matrix (ternary plus/minus, n-bit
// planes) is a BitView whose stride skips the other planes.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

#include "encodings.hpp"

BITLA_BEGIN_NAMESPACE

template <bit_encoding E>
struct BitView {
    using encoding = E;

    const std::uint64_t* data = nullptr;
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::size_t row_words = 0;  ///< padded_words(cols)
    std::size_t stride = 0;     ///< words between the starts of consecutive rows

    [[nodiscard]] std::span<const std::uint64_t> words(std::size_t r) const {
        return {data + r * stride, row_words};
    }
    /// The value at (r, c): +-1 for enc::sign, 0/1 for enc::zero_one.
    [[nodiscard]] int operator()(std::size_t r, std::size_t c) const {
        const int bit = static_cast<int>((data[r * stride + c / 64] >> (c % 64)) & 1u);
        if constexpr (std::is_same_v<E, enc::sign>) return 2 * bit - 1;
        else return bit;
    }
    [[nodiscard]] BitView slice_rows(std::size_t begin, std::size_t end) const {
        return {data + begin * stride, end - begin, cols, row_words, stride};
    }
    [[nodiscard]] BitView view() const { return *this; }
    /// The same bits under another encoding.
    template <bit_encoding F>
    [[nodiscard]] BitView<F> as() const { return {data, rows, cols, row_words, stride}; }

    [[nodiscard]] const void* first_byte() const { return data; }
    [[nodiscard]] const void* end_byte() const {
        return rows == 0 ? static_cast<const void*>(data)
                         : static_cast<const void*>(data + (rows - 1) * stride + row_words);
    }
};

BITLA_END_NAMESPACE
