// bitla/core/bit_packed.hpp — `BitPacked<E>`: an owning rows x cols matrix of 1-bit values.
//
//     BitPacked<enc::sign>      values {-1, +1}, bit 1 = +1   (XNOR-Net / BNN, binary codes)
//     BitPacked<enc::zero_one>  values {0, 1}                 (HQQ 1-bit Wq, masks)
//
// Rows are padded to `padded_words(cols)` 64-bit words (a multiple of 512 bits) and the
// padding bits are zero, so no product ever sees them. Storage is 64-byte aligned (2 MiB
// and huge pages when large). The type is move-only; `clone()` copies explicitly.
//
// Make one with `from_values` (exact +-1 or 0/1 from any int or float matrix), with
// `pack_sign` (x >= 0 -> +1) or `pack_threshold` (x > t -> 1), or zero-filled and `set`.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

#include "matrix.hpp"
#include "plane_store.hpp"

BITLA_BEGIN_NAMESPACE

template <bit_encoding E>
class BitPacked {
public:
    using encoding = E;
    using view_type = BitView<E>;

    BitPacked() = default;
    /// rows x cols of the encoding's zero bit: all -1 for enc::sign, all 0 for enc::zero_one.
    BitPacked(std::size_t rows, std::size_t cols) : store_(rows, cols, 1) {}

    /// Exact values: every element must be -1 or +1 (enc::sign) or 0 or 1 (enc::zero_one).
    template <dense_matrix M>
    [[nodiscard]] static BitPacked from_values(const M& values) {
        const auto v = const_view(values);
        detail::check_view(v, "values");
        return generate(v.rows, v.cols, [&](std::size_t r, std::size_t c) {
            const int x = detail::exact_value(v(r, c), E::min_value, E::max_value, "values", r, c);
            if constexpr (std::is_same_v<E, enc::sign>)
                detail::require(x != 0, "values", "values(", r, ", ", c, ") = 0 is not -1 or +1");
            return x > 0;
        });
    }

    /// rows x cols with bit (r, c) set where `bit(r, c)` is true (+1 or 1), clear elsewhere.
    template <class Pred>
    [[nodiscard]] static BitPacked generate(std::size_t rows, std::size_t cols, Pred bit) {
        BitPacked out(rows, cols);
        for (std::size_t r = 0; r < rows; ++r) {
            std::uint64_t* words = out.store_.plane_row(r, 0);
            for (std::size_t c = 0; c < cols; ++c)
                if (bit(r, c)) words[c / 64] |= std::uint64_t{1} << (c % 64);
        }
        return out;
    }

    [[nodiscard]] BitPacked clone() const { return BitPacked(store_.clone()); }

    [[nodiscard]] std::size_t rows() const noexcept { return store_.rows(); }
    [[nodiscard]] std::size_t cols() const noexcept { return store_.cols(); }
    [[nodiscard]] std::size_t row_words() const noexcept { return store_.row_words(); }
    /// Bytes of packed storage, padding included.
    [[nodiscard]] std::size_t bytes() const noexcept { return store_.bytes(); }
    [[nodiscard]] std::span<const std::uint64_t> words(std::size_t r) const noexcept {
        return {store_.plane_row(r, 0), row_words()};
    }

    /// The value at (r, c), checked: +-1 or 0/1.
    [[nodiscard]] int at(std::size_t r, std::size_t c) const {
        store_.check_index(r, c);
        return view()(r, c);
    }
    /// Sets (r, c) to an exact value of the encoding.
    void set(std::size_t r, std::size_t c, int value) {
        store_.check_index(r, c);
        detail::exact_value(value, E::min_value, E::max_value, "value", r, c);
        if constexpr (std::is_same_v<E, enc::sign>)
            detail::require(value != 0, "value", "value(", r, ", ", c, ") = 0 is not -1 or +1");
        store_.set_bit(r, 0, c, value > 0);
    }

    [[nodiscard]] BitView<E> view() const noexcept { return store_.template plane<E>(0); }
    operator BitView<E>() const noexcept { return view(); }

    /// The values as a dense matrix of T (+-1 or 0/1).
    template <class T = float>
    [[nodiscard]] Matrix<T> unpack() const {
        return detail::unpack_view<T>(view());
    }

    [[nodiscard]] bool operator==(const BitPacked& o) const noexcept { return store_ == o.store_; }

private:
    explicit BitPacked(detail::PlaneStore s) : store_(std::move(s)) {}

    detail::PlaneStore store_;
};

/// Sign binarisation: +1 where x >= 0 (so sign(0) = +1, as in XNOR-Net), -1 where x < 0.
/// NaN or infinity -> bitla::error naming the element.
template <dense_matrix M>
[[nodiscard]] BitPacked<enc::sign> pack_sign(const M& x) {
    const auto v = const_view(x);
    detail::check_view(v, "x");
    detail::check_finite(v, "x");
    return BitPacked<enc::sign>::generate(v.rows, v.cols, [&](std::size_t r, std::size_t c) { return v(r, c) >= 0; });
}

/// Threshold: 1 where x > threshold, else 0. NaN in x or threshold -> bitla::error.
template <dense_matrix M>
[[nodiscard]] BitPacked<enc::zero_one> pack_threshold(const M& x, double threshold) {
    const auto v = const_view(x);
    detail::check_view(v, "x");
    detail::check_finite(v, "x");
    detail::require(!std::isnan(threshold), "threshold", "threshold is NaN");
    return BitPacked<enc::zero_one>::generate(
        v.rows, v.cols, [&](std::size_t r, std::size_t c) { return static_cast<double>(v(r, c)) > threshold; });
}

BITLA_END_NAMESPACE
