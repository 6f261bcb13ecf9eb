// bitla/quant/hqq_packing.hpp — HQQ's own bit packing (hqq/core/bitpack.py), read and
// written exactly, so tensors produced by HQQ load into bitla and back.
//
// HQQ packs the quantized tensor in its grouped shape [P, Q] — [N·K/G, G] for axis 1,
// [G, N·K/G] for axis 0; the flat order is W's row-major order either way — in planar
// slabs along dim 0. With e values per byte (b = 8/e bits) and step = P / e:
//
//     packed[i, j] = Σ_{s<e} Wq[s·step + i, j] << (8 - b·(s + 1))      1, 2, 4 bits (uint8)
//
// so the first slab of rows sits in the high bits. 8 bits is the uint8 tensor itself.
// 3 bits pads P up to a multiple of 10 with zero rows and packs ten slabs in an int32:
// bits 27..29 hold slab 0, ..., bits 0..2 slab 9 (bits 30, 31 stay 0); the reader keeps
// the first P rows. 1.58 bits uses the 2-bit packing, 5 and 6 bits the 8-bit one.
//
//     HqqPackedWeights p = bitla::hqq_pack(q);                   // HqqQuantized -> HQQ W_q
//     HqqQuantized q2 = bitla::hqq_unpack(p, scale, zero, meta); // HQQ W_q + meta -> bitla
//
// The reference stores scale and zero with shape [N·K/G, 1] (axis 1) or [1, N·K/G]
// (axis 0): the same values in the same order as HqqQuantized's, so pass them as any
// matrix view holding N·K/G floats.
//
// Errors (bitla::error): a slab split that does not divide P (1/2/4 bits need P to be a
// multiple of 8/4/2 — HQQ cannot pack those tensors either), packed or meta shapes that
// do not match, codes above the level count (1.58 bits stores 0..2), NaN/Inf in scale
// or zero.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../core/matrix.hpp"
#include "hqq.hpp"

BITLA_BEGIN_NAMESPACE

enum class HqqPacking { bit8_u8, bit4_u8, bit3_32, bit2_u8, bit1_u8 };

/// HQQ's name for a packing ("8bit_u8", "4bit_u8", "3bit_32", "2bit_u8", "1bit_u8").
[[nodiscard]] inline std::string_view name(HqqPacking p) noexcept {
    switch (p) {
        case HqqPacking::bit8_u8: return "8bit_u8";
        case HqqPacking::bit4_u8: return "4bit_u8";
        case HqqPacking::bit3_32: return "3bit_32";
        case HqqPacking::bit2_u8: return "2bit_u8";
        case HqqPacking::bit1_u8: return "1bit_u8";
    }
    return "?";
}

/// The packing HQQ uses for nbits (Quantizer.bit_to_packing).
[[nodiscard]] inline HqqPacking hqq_packing_for(float nbits) {
    const int levels = detail::hqq_max_level(nbits);
    if (levels == 1) return HqqPacking::bit1_u8;
    if (levels <= 3) return HqqPacking::bit2_u8;  // 2 bits and 1.58 bits
    if (levels == 7) return HqqPacking::bit3_32;
    if (levels == 15) return HqqPacking::bit4_u8;
    return HqqPacking::bit8_u8;  // 5, 6 and 8 bits
}

/// What HQQ keeps next to W_q (its `meta` dict), minus scale and zero.
struct HqqMeta {
    float nbits = 4;
    std::size_t group_size = 64;
    int axis = 1;
    std::size_t rows = 0, cols = 0;  ///< meta["shape"]: W is rows x cols
};

struct HqqPackedWeights {
    HqqPacking packing = HqqPacking::bit8_u8;
    Matrix<std::uint8_t> u8;   ///< every packing but 3bit_32
    Matrix<std::int32_t> i32;  ///< 3bit_32
};

namespace detail {

struct PackShape {
    std::size_t p = 0, q = 0;  ///< the grouped shape [P, Q]
    int bits = 8;              ///< bits per code in the packing
    std::size_t per = 1;       ///< codes per packed element
    std::size_t step = 0;      ///< packed rows
};

inline PackShape pack_shape(HqqPacking packing, std::size_t rows, std::size_t cols, std::size_t group_size,
                            int axis) {
    PackShape s;
    const std::size_t groups = rows * cols / group_size;
    s.p = axis == 1 ? groups : group_size;
    s.q = axis == 1 ? group_size : groups;
    switch (packing) {
        case HqqPacking::bit8_u8: s.bits = 8; s.per = 1; break;
        case HqqPacking::bit4_u8: s.bits = 4; s.per = 2; break;
        case HqqPacking::bit2_u8: s.bits = 2; s.per = 4; break;
        case HqqPacking::bit1_u8: s.bits = 1; s.per = 8; break;
        case HqqPacking::bit3_32: s.bits = 3; s.per = 10; break;
    }
    if (packing == HqqPacking::bit3_32) {
        s.step = (s.p + 9) / 10;
    } else {
        require(s.p % s.per == 0, "w", "HQQ's ", name(packing), " packing splits the ", s.p, " x ", s.q,
                " grouped tensor into ", s.per, " slabs along dim 0, but ", s.per, " does not divide ", s.p);
        s.step = s.p / s.per;
    }
    return s;
}

}  // namespace detail

/// HQQ's packed W_q for a quantized matrix (the tensor Quantizer.quantize returns).
[[nodiscard]] inline HqqPackedWeights hqq_pack(const HqqQuantized& q) {
    const HqqPacking packing = hqq_packing_for(q.nbits);
    const auto s = detail::pack_shape(packing, q.rows(), q.cols(), q.group_size, q.axis);
    const auto v = q.values.view();
    const std::size_t k = q.cols();
    const auto code = [&](std::size_t row, std::size_t col) -> unsigned {  // grouped [P, Q] element
        if (row >= s.p) return 0;                                          // 3-bit padding rows
        const std::size_t f = row * s.q + col;
        return static_cast<unsigned>(v(f / k, f % k));
    };
    HqqPackedWeights out;
    out.packing = packing;
    if (packing == HqqPacking::bit3_32) {
        out.i32 = Matrix<std::int32_t>(s.step, s.q);
        for (std::size_t i = 0; i < s.step; ++i)
            for (std::size_t j = 0; j < s.q; ++j) {
                std::uint32_t x = 0;
                for (std::size_t sl = 0; sl < 10; ++sl) x |= code(sl * s.step + i, j) << (27 - 3 * sl);
                out.i32(i, j) = static_cast<std::int32_t>(x);
            }
    } else {
        out.u8 = Matrix<std::uint8_t>(s.step, s.q);
        for (std::size_t i = 0; i < s.step; ++i)
            for (std::size_t j = 0; j < s.q; ++j) {
                unsigned x = 0;
                for (std::size_t sl = 0; sl < s.per; ++sl)
                    x |= code(sl * s.step + i, j) << (8 - s.bits * static_cast<int>(sl + 1));
                out.u8(i, j) = static_cast<std::uint8_t>(x);
            }
    }
    return out;
}

/// Loads HQQ's packed W_q with its scale and zero (N·K/G floats each, HQQ's order).
template <dense_matrix S, dense_matrix Z>
[[nodiscard]] HqqQuantized hqq_unpack(const HqqPackedWeights& packed, const S& scale_in, const Z& zero_in,
                                      const HqqMeta& meta) {
    const int max_level = detail::hqq_max_level(meta.nbits);
    detail::check_grouping(meta.rows, meta.cols, meta.group_size, meta.axis);
    const HqqPacking packing = hqq_packing_for(meta.nbits);
    detail::require(packed.packing == packing, "packed", "packing ", name(packed.packing), " is not HQQ's ",
                    name(packing), " for nbits = ", meta.nbits);
    const auto s = detail::pack_shape(packing, meta.rows, meta.cols, meta.group_size, meta.axis);
    const bool is32 = packing == HqqPacking::bit3_32;
    const std::size_t pr = is32 ? packed.i32.rows() : packed.u8.rows();
    const std::size_t pc = is32 ? packed.i32.cols() : packed.u8.cols();
    detail::require(pr == s.step && pc == s.q, "packed", "packed W_q is ", pr, " x ", pc, " but a ", meta.rows,
                    " x ", meta.cols, " matrix with group_size ", meta.group_size, " and axis ", meta.axis,
                    " packs to ", s.step, " x ", s.q);
    const detail::Grouping gr{meta.rows, meta.cols, meta.group_size, meta.axis};
    const auto sv = const_view(scale_in), zv = const_view(zero_in);
    detail::check_view(sv, "scale");
    detail::check_view(zv, "zero");
    detail::require(sv.rows * sv.cols == gr.groups(), "scale", "scale holds ", sv.rows * sv.cols,
                    " values but there are ", gr.groups(), " groups");
    detail::require(zv.rows * zv.cols == gr.groups(), "zero", "zero holds ", zv.rows * zv.cols,
                    " values but there are ", gr.groups(), " groups");
    detail::check_finite(sv, "scale");
    detail::check_finite(zv, "zero");

    // Unpack to the flat (row-major W) order, checking every code.
    std::vector<std::uint8_t> flat(gr.size());
    for (std::size_t i = 0; i < s.step; ++i)
        for (std::size_t j = 0; j < s.q; ++j)
            for (std::size_t sl = 0; sl < s.per; ++sl) {
                const std::size_t row = sl * s.step + i;
                if (row >= s.p) continue;  // 3-bit padding
                const unsigned x =
                    is32 ? (static_cast<std::uint32_t>(packed.i32(i, j)) >> (27 - 3 * sl)) & 7u
                         : (static_cast<unsigned>(packed.u8(i, j)) >> (8 - s.bits * static_cast<int>(sl + 1))) &
                               ((1u << s.bits) - 1);
                detail::require(x <= static_cast<unsigned>(max_level), "packed", "code ", x, " at grouped (", row,
                                ", ", j, ") exceeds the ", max_level, " of nbits = ", meta.nbits);
                flat[row * s.q + j] = static_cast<std::uint8_t>(x);
            }
    HqqQuantized out;
    out.nbits = meta.nbits;
    out.group_size = meta.group_size;
    out.axis = meta.axis;
    out.values = BitPlanes::from_codes(gr.rows, gr.cols, detail::planes_for(max_level),
                                   [&](std::size_t r, std::size_t c) { return flat[r * gr.cols + c]; });
    out.scale = Matrix<float>(gr.meta_rows(), gr.meta_cols());
    out.zero = Matrix<float>(gr.meta_rows(), gr.meta_cols());
    for (std::size_t i = 0; i < gr.groups(); ++i) {
        out.scale.flat()[i] = sv(i / sv.cols, i % sv.cols);
        out.zero.flat()[i] = zv(i / zv.cols, i % zv.cols);
    }
    return out;
}

BITLA_END_NAMESPACE
