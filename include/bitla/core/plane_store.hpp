// bitla/core/plane_store.hpp — storage shared by every bit-plane tensor (detail).
//
// `rows x cols` values, each row held as `planes` bit-planes of `row_words` words, the
// planes of one row adjacent:
//
//     row 0: [plane 0: row_words][plane 1: row_words] ... [plane P-1]
//     row 1: [plane 0] ...
//
// so a GEMV streams every plane of a row from one contiguous range. BitPacked has one
// plane, ternary `enc::planes` two (plus, minus), BitPlanes n (weights 2^0 .. 2^(n-1)).
// All bits at k >= cols are zero; no public mutator can set them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "aligned_buffer.hpp"
#include "bit_view.hpp"
#include "error.hpp"

BITLA_BEGIN_NAMESPACE
namespace detail {

class PlaneStore {
public:
    PlaneStore() = default;
    PlaneStore(std::size_t rows, std::size_t cols, std::size_t planes)
        : rows_(rows), cols_(cols), planes_(planes), row_words_(padded_words(cols)),
          buf_(checked_words(rows, cols, planes)) {}

    [[nodiscard]] PlaneStore clone() const {
        PlaneStore c;
        c.rows_ = rows_;
        c.cols_ = cols_;
        c.planes_ = planes_;
        c.row_words_ = row_words_;
        c.buf_ = buf_.clone();
        return c;
    }

    [[nodiscard]] std::size_t rows() const noexcept { return rows_; }
    [[nodiscard]] std::size_t cols() const noexcept { return cols_; }
    [[nodiscard]] std::size_t planes() const noexcept { return planes_; }
    [[nodiscard]] std::size_t row_words() const noexcept { return row_words_; }
    [[nodiscard]] std::size_t stride() const noexcept { return planes_ * row_words_; }
    [[nodiscard]] std::size_t bytes() const noexcept { return buf_.bytes(); }
    [[nodiscard]] const std::uint64_t* data() const noexcept { return buf_.data(); }

    [[nodiscard]] std::uint64_t* plane_row(std::size_t r, std::size_t p) noexcept {
        return buf_.data() + r * stride() + p * row_words_;
    }
    [[nodiscard]] const std::uint64_t* plane_row(std::size_t r, std::size_t p) const noexcept {
        return buf_.data() + r * stride() + p * row_words_;
    }
    [[nodiscard]] bool bit(std::size_t r, std::size_t p, std::size_t c) const noexcept {
        return (plane_row(r, p)[c / 64] >> (c % 64)) & 1u;
    }
    void set_bit(std::size_t r, std::size_t p, std::size_t c, bool v) noexcept {
        std::uint64_t& w = plane_row(r, p)[c / 64];
        const std::uint64_t m = std::uint64_t{1} << (c % 64);
        w = v ? (w | m) : (w & ~m);
    }
    template <bit_encoding E>
    [[nodiscard]] BitView<E> plane(std::size_t p) const noexcept {
        return {buf_.data() + p * row_words_, rows_, cols_, row_words_, stride()};
    }
    [[nodiscard]] bool operator==(const PlaneStore& o) const noexcept {
        return rows_ == o.rows_ && cols_ == o.cols_ && planes_ == o.planes_ &&
               (buf_.size() == 0 || std::memcmp(buf_.data(), o.buf_.data(), buf_.bytes()) == 0);
    }
    void check_index(std::size_t r, std::size_t c) const {
        require(r < rows_ && c < cols_, "index", "(", r, ", ", c, ") is outside ", rows_, " x ", cols_);
    }

private:
    static std::size_t checked_words(std::size_t rows, std::size_t cols, std::size_t planes) {
        const std::size_t per_row = planes * padded_words(cols);
        require(per_row == 0 || rows <= SIZE_MAX / 16 / per_row, "shape", rows, " x ", cols, " x ",
                planes, " planes overflows size_t");
        return rows * per_row;
    }

    ResetOnMove<std::size_t> rows_, cols_, planes_, row_words_;
    AlignedBuffer<std::uint64_t> buf_;
};

/// Converts an input element to an exact small integer, or throws naming where it is.
template <class T>
int exact_value(T v, int lo, int hi, std::string_view name, std::size_t r, std::size_t c) {
    const bool ok = v >= static_cast<T>(lo) && v <= static_cast<T>(hi) &&
                    static_cast<T>(static_cast<int>(v)) == v;
    require(ok, name, name, "(", r, ", ", c, ") = ", +v, " is not an integer in [", lo, ", ", hi, "]");
    return static_cast<int>(v);
}

}  // namespace detail
BITLA_END_NAMESPACE
