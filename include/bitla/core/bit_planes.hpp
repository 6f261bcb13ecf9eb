// bitla/core/bit_planes.hpp — `BitPlanes`: an owning rows x cols matrix of unsigned n-bit
// integers (n = 1..8) stored as n bit-planes, value = sum_i 2^i * plane_i.
//
// This is how bitla holds HQQ's quantized weights Wq in {0 .. 2^n - 1}: each plane is a
// `BitView<enc::zero_one>`, so x . Wq = sum_i 2^i (x . plane_i) is n add-only products.
// The planes of one row are adjacent in memory (see detail::PlaneStore), so a GEMV reads
// every plane of a row in one stream. Move-only; `clone()` copies explicitly.
//
// Make one with `from_codes(rows, cols, bits, code)` (code(r, c) an integer in
// [0, 2^bits - 1], packed a whole 64-bit word per plane at a time), `from_values` (exact
// integers from any int or float matrix), or zero-filled and `set`.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "matrix.hpp"
#include "plane_store.hpp"

BITLA_BEGIN_NAMESPACE

struct BitPlanesView {
    const std::uint64_t* data = nullptr;
    std::size_t rows = 0;
    std::size_t cols = 0;
    int bits = 0;               ///< number of planes, 1..8
    std::size_t row_words = 0;  ///< words in one plane of one row: padded_words(cols)
    std::size_t stride = 0;     ///< words between rows: bits * row_words for an owner's view

    /// Plane i (weight 2^i) as a {0,1} bit matrix.
    [[nodiscard]] BitView<enc::zero_one> plane(int i) const {
        return {data + static_cast<std::size_t>(i) * row_words, rows, cols, row_words, stride};
    }
    [[nodiscard]] int operator()(std::size_t r, std::size_t c) const {
        int v = 0;
        for (int i = 0; i < bits; ++i) v |= plane(i)(r, c) << i;
        return v;
    }
    [[nodiscard]] int max_value() const { return (1 << bits) - 1; }
    [[nodiscard]] BitPlanesView slice_rows(std::size_t begin, std::size_t end) const {
        return {data + begin * stride, end - begin, cols, bits, row_words, stride};
    }
    [[nodiscard]] BitPlanesView view() const { return *this; }
    [[nodiscard]] const void* first_byte() const { return data; }
    [[nodiscard]] const void* end_byte() const {
        return rows == 0 ? static_cast<const void*>(data)
                         : static_cast<const void*>(data + (rows - 1) * stride + static_cast<std::size_t>(bits) * row_words);
    }
};

class BitPlanes {
public:
    using view_type = BitPlanesView;

    BitPlanes() = default;
    /// rows x cols zeros with `bits` planes (1..8).
    BitPlanes(std::size_t rows, std::size_t cols, int bits) : store_(rows, cols, checked_bits(bits)), bits_(bits) {}

    /// Exact values: every element must be an integer in [0, 2^bits - 1].
    template <dense_matrix M>
    [[nodiscard]] static BitPlanes from_values(const M& values, int bits) {
        const auto v = const_view(values);
        checked_bits(bits);
        detail::check_view(v, "values");
        return from_codes(v.rows, v.cols, bits, [&](std::size_t r, std::size_t c) {
            return detail::exact_value(v(r, c), 0, (1 << bits) - 1, "values", r, c);
        });
    }

    /// rows x cols with value code(r, c), an integer in [0, 2^bits - 1] (bitla::error
    /// naming the element otherwise). `code` is called once per element, row by row and
    /// left to right; each plane's words are assembled whole (eight codes per multiply),
    /// so this is the fast way to fill a BitPlanes. Padding bits stay zero.
    template <class Code>
        requires std::integral<std::invoke_result_t<Code&, std::size_t, std::size_t>>
    [[nodiscard]] static BitPlanes from_codes(std::size_t rows, std::size_t cols, int bits, Code code) {
        BitPlanes out(rows, cols, bits);  // checks bits
        const int planes = std::clamp(bits, 1, 8);
        const unsigned max = (1u << planes) - 1;
        std::uint8_t block[64];
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t c0 = 0; c0 < cols; c0 += 64) {
                const std::size_t m = std::min<std::size_t>(64, cols - c0);
                for (std::size_t b = 0; b < m; ++b) {
                    const auto x = code(r, c0 + b);
                    detail::require(!std::cmp_less(x, 0) && !std::cmp_greater(x, max), "code", "code(", r, ", ",
                                    c0 + b, ") = ", +x, " is not an integer in [0, ", max, "]");
                    block[b] = static_cast<std::uint8_t>(x);
                }
                std::fill(block + m, block + 64, std::uint8_t{0});
                std::uint64_t acc[8] = {};
                for (std::size_t j = 0; j < 64; j += 8) {
                    std::uint64_t v = 0;  // eight codes, code j + k in byte k (one load on little-endian)
                    for (std::size_t k = 0; k < 8; ++k) v |= std::uint64_t{block[j + k]} << (8 * k);
                    for (int i = 0; i < planes; ++i)  // bit i of the eight bytes -> eight bits of one byte
                        acc[i] |= ((((v >> i) & 0x0101010101010101u) * 0x0102040810204080u) >> 56) << j;
                }
                for (int i = 0; i < planes; ++i) out.store_.plane_row(r, static_cast<std::size_t>(i))[c0 / 64] = acc[i];
            }
        return out;
    }

    [[nodiscard]] BitPlanes clone() const {
        BitPlanes c;
        c.store_ = store_.clone();
        c.bits_ = bits_;
        return c;
    }

    [[nodiscard]] std::size_t rows() const noexcept { return store_.rows(); }
    [[nodiscard]] std::size_t cols() const noexcept { return store_.cols(); }
    [[nodiscard]] int bits() const noexcept { return bits_; }
    [[nodiscard]] int max_value() const noexcept { return (1 << bits_) - 1; }
    [[nodiscard]] std::size_t bytes() const noexcept { return store_.bytes(); }

    [[nodiscard]] int at(std::size_t r, std::size_t c) const {
        store_.check_index(r, c);
        return view()(r, c);
    }
    void set(std::size_t r, std::size_t c, int value) {
        store_.check_index(r, c);
        detail::exact_value(value, 0, max_value(), "value", r, c);
        put(r, c, value);
    }

    [[nodiscard]] BitView<enc::zero_one> plane(int i) const {
        detail::require(i >= 0 && i < bits_, "plane", "plane ", i, " is outside [0, ", bits_, ")");
        return view().plane(i);
    }
    [[nodiscard]] BitPlanesView view() const noexcept {
        return {store_.data(), rows(), cols(), bits_, store_.row_words(), store_.stride()};
    }
    operator BitPlanesView() const noexcept { return view(); }

    template <class T = float>
    [[nodiscard]] Matrix<T> unpack() const {
        return detail::unpack_view<T>(view());
    }

    [[nodiscard]] bool operator==(const BitPlanes& o) const noexcept { return bits_ == o.bits_ && store_ == o.store_; }

private:
    static std::size_t checked_bits(int bits) {
        detail::require(bits >= 1 && bits <= 8, "bits", "bits = ", bits, " is outside [1, 8]");
        return static_cast<std::size_t>(bits);
    }
    void put(std::size_t r, std::size_t c, int value) noexcept {
        for (int i = 0; i < bits_; ++i) store_.set_bit(r, static_cast<std::size_t>(i), c, (value >> i) & 1);
    }

    detail::PlaneStore store_;
    detail::ResetOnMove<int> bits_;
};

BITLA_END_NAMESPACE
