// bitla/quant/grouping.hpp — how HQQ groups the elements of an R x C matrix (detail).
//
// HQQ reshapes the row-major (flat) matrix before it takes a min, max or mean per group:
//
//   axis = 1: reshape [R·C/G, G], reduce over dim 1. Group g holds the G consecutive flat
//             indices g·G + t (t = 0..G-1): G consecutive k of one row when G divides C.
//             This is the layout kernels use: scale and zero are R x (C/G).
//   axis = 0: reshape [G, R·C/G], reduce over dim 0. Group j holds the flat indices
//             j + t·(R·C/G). For 256 x 1024 and G = 64 that is every 4th row of one
//             column (rows r0, r0 + 4, ..., r0 + 252), not 64 consecutive rows.
//             Scale and zero are 1 x (R·C/G), in HQQ's order.
//
// The quantizers work on a group-major copy of W (group g at [g·G, g·G + G)), so every
// pass over the matrix is one linear stream whatever the axis.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../core/bit_planes.hpp"
#include "../core/matrix.hpp"

BITLA_BEGIN_NAMESPACE
namespace detail {

struct Grouping {
    std::size_t rows = 0, cols = 0, group_size = 0;
    int axis = 1;

    [[nodiscard]] std::size_t size() const noexcept { return rows * cols; }
    [[nodiscard]] std::size_t groups() const noexcept { return size() / group_size; }
    /// Flat (row-major) index of element t of group g.
    [[nodiscard]] std::size_t flat(std::size_t g, std::size_t t) const noexcept {
        return axis == 1 ? g * group_size + t : g + t * groups();
    }
    /// The shape HQQ gives scale and zero: R x (C/G) for axis 1, 1 x (R·C/G) for axis 0.
    [[nodiscard]] std::size_t meta_rows() const noexcept { return axis == 1 ? rows : 1; }
    [[nodiscard]] std::size_t meta_cols() const noexcept { return axis == 1 ? cols / group_size : groups(); }
};

/// Validates a grouping; `what` names the options argument in messages.
inline void check_grouping(std::size_t rows, std::size_t cols, std::size_t group_size, int axis) {
    require(axis == 0 || axis == 1, "axis", "axis = ", axis, " is not 0 or 1");
    require(rows != 0 && cols != 0, "w", "w is ", rows, " x ", cols, ": nothing to quantize");
    require(group_size != 0 && group_size % 8 == 0, "group_size", "group_size = ", group_size,
            " is not a positive multiple of 8");
    if (axis == 1)
        require(cols % group_size == 0, "group_size", "group_size = ", group_size, " does not divide w.cols = ", cols,
                " (axis 1 groups G consecutive k of a row)");
    else
        require((rows * cols) % group_size == 0, "group_size", "group_size = ", group_size,
                " does not divide w.rows * w.cols = ", rows * cols, " (axis 0)");
}

/// The elements of `w` in group-major order: out[g·G + t] = w(flat(g, t)).
template <class T>
std::vector<float> gather_groups(const MatrixView<const T>& w, const Grouping& gr) {
    std::vector<float> out(gr.size());
    if (gr.axis == 1) {
        for (std::size_t r = 0; r < gr.rows; ++r)
            for (std::size_t c = 0; c < gr.cols; ++c) out[r * gr.cols + c] = static_cast<float>(w(r, c));
    } else {
        const std::size_t n = gr.groups(), gs = gr.group_size;
        for (std::size_t r = 0; r < gr.rows; ++r)
            for (std::size_t c = 0; c < gr.cols; ++c) {
                const std::size_t f = r * gr.cols + c;  // f = g + t·n
                out[(f % n) * gs + f / n] = static_cast<float>(w(r, c));
            }
    }
    return out;
}

/// Each group's G values as one contiguous float range: read in place when W is float and
/// axis is 1 (group g is G consecutive k of one row, whatever W's leading dimension), else
/// from a group-major copy made once.
class GroupValues {
public:
    template <class T>
    GroupValues(const MatrixView<const T>& w, const Grouping& gr) : gs_(gr.group_size) {
        if constexpr (std::is_same_v<T, float>) {
            if (gr.axis == 1) {
                base_ = w.data;
                ld_ = w.ld;
                per_row_ = gr.cols / gr.group_size;
                rows_ = gr.rows;
                return;
            }
        }
        copy_ = gather_groups(w, gr);
        base_ = copy_.data();
        ld_ = gs_;
        per_row_ = 1;
        rows_ = gr.groups();
    }
    GroupValues(const GroupValues&) = delete;
    GroupValues& operator=(const GroupValues&) = delete;

    /// Group g's values.
    [[nodiscard]] const float* operator()(std::size_t g) const noexcept {
        return base_ + (g / per_row_) * ld_ + (g % per_row_) * gs_;
    }
    /// f(g, values of group g) for every group in order.
    template <class F>
    void for_each(F&& f) const {
        std::size_t g = 0;
        for (std::size_t r = 0; r < rows_; ++r)
            for (std::size_t j = 0; j < per_row_; ++j, ++g) f(g, base_ + r * ld_ + j * gs_);
    }

private:
    const float* base_ = nullptr;
    std::size_t gs_ = 0, ld_ = 0, per_row_ = 1, rows_ = 0;
    std::vector<float> copy_;
};

/// Bit-planes from the group-major codes `q` (each in [0, 2^bits - 1]).
inline BitPlanes scatter_planes(const std::vector<std::uint8_t>& q, const Grouping& gr, int bits) {
    if (gr.axis == 1)  // group-major order is the flat (row-major) order
        return BitPlanes::from_codes(gr.rows, gr.cols, bits,
                                     [&](std::size_t r, std::size_t c) { return q[r * gr.cols + c]; });
    const std::size_t n = gr.groups(), gs = gr.group_size;
    return BitPlanes::from_codes(gr.rows, gr.cols, bits, [&](std::size_t r, std::size_t c) {
        const std::size_t f = r * gr.cols + c;  // f = g + t·n
        return q[(f % n) * gs + f / n];
    });
}

/// Reads bit-planes back into group-major order.
inline std::vector<std::uint8_t> gather_planes(const BitPlanesView& v, const Grouping& gr) {
    std::vector<std::uint8_t> q(gr.size());
    const std::size_t n = gr.groups(), gs = gr.group_size;
    for (std::size_t r = 0; r < gr.rows; ++r)
        for (std::size_t c = 0; c < gr.cols; ++c) {
            const std::size_t f = r * gr.cols + c;
            q[gr.axis == 1 ? f : (f % n) * gs + f / n] = static_cast<std::uint8_t>(v(r, c));
        }
    return q;
}

}  // namespace detail
BITLA_END_NAMESPACE
