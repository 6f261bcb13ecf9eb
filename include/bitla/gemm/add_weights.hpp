// bitla/gemm/add_weights.hpp — `AddWeights`: packed binary / ternary / n-bit weights with
// their scales and zero terms, in the kernel-ready layout of the add-only products
// (core/add_layout.hpp), and `pack_add`, which makes one from bitla's core types.
//
//     auto w = bitla::pack_add(ternary_planes, bitla::WeightScales::per_row(gamma));     // BitNet
//     auto h = bitla::pack_add(q.values, bitla::WeightScales::hqq(q.scale, q.zero, 64));      // HQQ g64
//
// Weights in (N x K)       codes        value
//   BitPacked<sign>        bits         2q - 1
//   BitPacked<zero_one>    bits         q
//   TernaryPacked<planes>  code2        q - 1      (2 bits)
//   TernaryPacked<code2>   code2        q - 1
//   TernaryPacked<base3>   base3        q - 1      (1.6 bits: five trits per byte)
//   BitPlanes, 1 bit       bits         q
//   BitPlanes, 2 bits      code2        q          (HQQ 2-bit)
//   BitPlanes, 3..8 bits   planes       q
//
// Scales (WeightScales): none (integer outputs possible), per tensor, per row (N), or per
// group of G consecutive k (N x K/G; G a multiple of 8 dividing K), each with an optional
// zero term u (y += u · Σx over the row or group): `hqq(scale, zero, G)` takes HQQ's zero
// point z and stores u = -z·s, so y = Σ_g s·(x·Wq)_g + u·(Σ_{k∈g} x_k) = x · ((Wq - z)·s).
// Group metadata is stored as IEEE fp16 after each row's codes (one stream per row): fp16
// keeps 11 significant bits (relative error <= 2^-11, four times finer than bf16), which
// keeps the zero term's rounding far below 2-bit quantization noise even where it cancels
// most of s·(x·Wq); it is the type HQQ itself stores. Values beyond fp16's range
// (|v| > 65504) are rejected, and so are values fp16 would hold to less than 2^-11: scales
// in its subnormal range (below 2^-14 ≈ 6.1e-5) unless they happen to round closely (HQQ's
// capped 1/2e4 does), zero terms only where also the error is above 2^-11 of the group's
// scale (checked_half). Per-row and per-tensor scales stay fp32 (N floats are noise).
//
// `unpack_values(w)` returns the stored values as a dense N x K int matrix, so packing
// round-trips exactly. Errors (bitla::error, before allocating): group size not a positive
// multiple of 8 dividing K; scale / zero shapes that do not match; NaN, Inf, fp16
// overflow or fp16 precision loss in metadata.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "../core/add_layout.hpp"
#include "../core/concepts.hpp"
#include "../kernels/add.hpp"
#include "../quant/absmean.hpp"
#include "../quant/hqq_quantized.hpp"
#include "../quant/sign.hpp"

BITLA_BEGIN_NAMESPACE

enum class ScaleKind : std::uint8_t { none, per_tensor, per_row, per_group };

struct WeightScales {
    ScaleKind kind = ScaleKind::none;
    float tensor = 1.0f;              ///< per_tensor
    MatrixView<const float> scale;    ///< per_row: 1 x N (or N x 1); per_group: N x K/G
    MatrixView<const float> zero;     ///< optional HQQ zero point z (same shape as scale): u = -z·s
    MatrixView<const float> zero_term;///< optional u directly (same shape as scale); not with `zero`
    float tensor_zero_term = 0.0f;    ///< per_tensor: u for every row
    std::size_t group_size = 0;       ///< per_group

    [[nodiscard]] static WeightScales none() { return {}; }
    [[nodiscard]] static WeightScales per_tensor(float s, float u = 0.0f) {
        WeightScales w;
        w.kind = ScaleKind::per_tensor;
        w.tensor = s;
        w.tensor_zero_term = u;
        return w;
    }
    [[nodiscard]] static WeightScales per_row(std::span<const float> s, std::span<const float> u = {}) {
        WeightScales w;
        w.kind = ScaleKind::per_row;
        w.scale = MatrixView<const float>(s.data(), s.size(), 1);
        if (!u.empty()) w.zero_term = MatrixView<const float>(u.data(), u.size(), 1);
        return w;
    }
    [[nodiscard]] static WeightScales per_group(MatrixView<const float> s, std::size_t g,
                                                MatrixView<const float> u = {}) {
        WeightScales w;
        w.kind = ScaleKind::per_group;
        w.scale = s;
        w.zero_term = u;
        w.group_size = g;
        return w;
    }
    /// HQQ's (scale, zero) per group, N x K/G each: W = (Wq - zero)·scale.
    [[nodiscard]] static WeightScales hqq(MatrixView<const float> s, MatrixView<const float> z, std::size_t g) {
        WeightScales w = per_group(s, g);
        w.zero = z;
        return w;
    }
    /// The scales of a quantize_hqq result (groups along K: axis 1), viewed, not copied.
    [[nodiscard]] static WeightScales hqq(const HqqQuantized& q) {
        detail::require(q.axis == 1, "q", "q.axis = ", q.axis,
                        ": the add-only products take groups along K (HqqOptions::axis = 1)");
        return hqq(q.scale.view(), q.zero.view(), q.group_size);
    }
    static WeightScales hqq(HqqQuantized&&) = delete;  ///< would view a temporary's scales
};

class AddWeights;
namespace detail {
template <class V>
AddWeights pack_add_view(const V& w, AddCodes codes, int bits, int q_mul, int q_add, const WeightScales& s);
}  // namespace detail

class AddWeights {
public:
    AddWeights() = default;

    [[nodiscard]] const AddLayout& layout() const noexcept { return layout_; }
    [[nodiscard]] std::size_t rows() const noexcept { return rows_; }
    [[nodiscard]] std::size_t cols() const noexcept { return layout_.cols; }
    [[nodiscard]] ScaleKind scale_kind() const noexcept { return kind_; }
    [[nodiscard]] bool has_zero_term() const noexcept { return has_zero_; }
    /// Packed row n: its logical byte o (metadata, then codes) is at row(n) + layout().phys(o)
    /// (rows are interleaved in panels, core/add_layout.hpp).
    [[nodiscard]] const std::uint8_t* row(std::size_t n) const noexcept { return data_.data() + layout_.row_offset(n); }
    [[nodiscard]] const std::uint8_t* data() const noexcept { return data_.data(); }
    /// Per-row scale and zero term (per_row, per_tensor: N entries; else empty). The storage
    /// holds them too, per panel (core/add_layout.hpp), where the GEMV reads them.
    [[nodiscard]] std::span<const float> row_scale() const noexcept { return row_scale_; }
    [[nodiscard]] std::span<const float> row_zero_term() const noexcept { return row_zero_; }
    /// Base-3 codes: Σ_k q(n, k) per row (N entries; else empty), for GEMV kernels that
    /// multiply x + 128 by −q and correct by 128·Σq (kernels/avx2/add_gemv_base3.hpp).
    [[nodiscard]] std::span<const std::int32_t> code_sums() const noexcept { return code_sum_; }
    /// Bytes a product reads: the packed storage (codes, group metadata, row terms) and
    /// the code sums.
    [[nodiscard]] std::size_t bytes() const noexcept { return data_.bytes() + 4 * code_sum_.size(); }
    [[nodiscard]] AddWeights clone() const {
        AddWeights c;
        c.layout_ = layout_;
        c.rows_ = rows_;
        c.kind_ = kind_;
        c.has_zero_ = has_zero_;
        c.data_ = data_.clone();
        c.row_scale_ = row_scale_;
        c.row_zero_ = row_zero_;
        c.code_sum_ = code_sum_;
        return c;
    }

    /// The code (unsigned, 0..qmax) at (n, k).
    [[nodiscard]] int code(std::size_t n, std::size_t k) const;
    /// The weight value at (n, k): q_mul·code + q_add.
    [[nodiscard]] int value(std::size_t n, std::size_t k) const { return layout_.q_mul * code(n, k) + layout_.q_add; }

    template <class V>
    friend AddWeights detail::pack_add_view(const V& w, AddCodes codes, int bits, int q_mul, int q_add, const WeightScales& s);

private:
    AddLayout layout_;
    std::size_t rows_ = 0;
    ScaleKind kind_ = ScaleKind::none;
    bool has_zero_ = false;
    AlignedBuffer<std::uint8_t> data_;
    std::vector<float> row_scale_, row_zero_;
    std::vector<std::int32_t> code_sum_;
};

namespace detail {

/// Where step t, byte p of a row keeps its code, and how to write one (row: the row's
/// pointer, r its row within the panel; logical code offsets go through the panel
/// interleave, bits codes are stored per panel: core/add_layout.hpp).
inline void put_code(const AddLayout& l, std::uint8_t* row, std::size_t r, std::size_t t, std::size_t p,
                     int q) noexcept {
    const auto at = [&](std::size_t o) -> std::uint8_t& { return row[l.phys(l.code_offset() + o)]; };
    switch (l.codes) {
        case AddCodes::bits:
            if (q) row[l.bits_block(r, t) + static_cast<std::ptrdiff_t>(p)] |= static_cast<std::uint8_t>(1u << r);
            return;
        case AddCodes::code2: at(64 * (t / 4) + p) |= static_cast<std::uint8_t>(q << (2 * (t % 4))); return;
        case AddCodes::base3: return;  // written a byte at a time by the caller
        case AddCodes::planes: {
            const std::size_t nb = static_cast<std::size_t>(l.bits);
            for (std::size_t i = 0; i < nb; ++i)
                if ((q >> i) & 1) at(8 * nb * t + 8 * i + p / 8) |= static_cast<std::uint8_t>(1u << (p % 8));
            return;
        }
    }
}

/// The code of byte p of step t of a packed row: the generic kernel's decoder, so the
/// layout is read by one definition (baseline code: instantiated for arch::generic).
inline int get_code(const AddLayout& l, const std::uint8_t* row, std::size_t r, std::size_t t,
                    std::size_t p) noexcept {
    return kernels::GenericAdd<arch::generic>::code(l, row, r, t, p);
}

inline void check_meta(const MatrixView<const float>& m, std::size_t rows, std::size_t cols, std::string_view name) {
    check_view(m, name);
    const bool transposed_vector = cols == 1 && m.rows == 1 && m.cols == rows;
    require((m.rows == rows && m.cols == cols) || transposed_vector, name, name, " is ", m.rows, " x ", m.cols,
            " but must be ", rows, " x ", cols);
    check_finite(m, name);
}

inline float meta_at(const MatrixView<const float>& m, std::size_t n, std::size_t g) {
    return m.rows == 1 && m.cols > 1 && g == 0 ? m(0, n) : m(n, g);
}

/// The fp16 form of group metadata v (row n, group g), `scale` the group's stored scale.
/// fp16 keeps 2^-11 relative precision from 2^-14 (≈ 6.1e-5) up; below, its subnormals keep
/// an absolute 2^-25, so v is rejected where its fp16 form errs by more than 2^-11·|v| (a
/// scale) or 2^-11·max(|v|, |scale|) (a zero term: it is added to scale·Σ q·x, so an error
/// small against the scale is as good as a normal one).
inline std::uint16_t checked_half(float v, float scale, std::string_view name, std::size_t n, std::size_t g) {
    require(std::isfinite(v) && std::fabs(v) <= 65504.0f, name, name, " for row ", n, ", group ", g, " is ", v,
            ": outside the fp16 range the packed metadata uses (|v| <= 65504)");
    const std::uint16_t h = float_to_half(v);
    const double stored = half_to_float(h), err = std::fabs(stored - double{v});
    require(err <= std::ldexp(std::max(std::fabs(double{v}), std::fabs(double{scale})), -11), name, name,
            " for row ", n, ", group ", g, " is ", v, ": fp16 would store it as ", stored, " (off by ",
            100 * err / std::fabs(double{v}), "%); the packed metadata keeps 2^-11 only above 2^-14 = 6.1e-5 ",
            "(fp16 subnormals below): scale w up or use per-row fp32 scales");
    return h;
}

}  // namespace detail

inline int AddWeights::code(std::size_t n, std::size_t k) const {
    detail::require(n < rows_ && k < layout_.cols, "index", "(", n, ", ", k, ") is outside ", rows_, " x ",
                    layout_.cols);
    // Invert k_of: superblock, lane, step within the superblock, byte within the dword.
    const std::size_t lane = layout_.lane, per = lane / 4;
    const std::size_t sb = k / (16 * lane), r = k % (16 * lane), l = r / lane, w = r % lane;
    const std::size_t t = sb * per + w / 4, p = 4 * l + w % 4;
    return detail::get_code(layout_, row(n), n % layout_.panel, t, p);
}

namespace detail {
template <class V>
AddWeights pack_add_view(const V& w, AddCodes codes, int bits, int q_mul, int q_add, const WeightScales& s) {
    const std::size_t n = w.rows, k = w.cols;
    std::size_t g = 0;
    if (s.kind == ScaleKind::per_group) {
        g = s.group_size;
        detail::require(g > 0 && g % 8 == 0 && k % g == 0, "group_size", "group_size = ", g,
                        " must be a positive multiple of 8 that divides K = ", k);
    }
    const std::size_t meta_cols = s.kind == ScaleKind::per_group ? k / g : 1;
    if (s.kind == ScaleKind::per_row || s.kind == ScaleKind::per_group) {
        detail::check_meta(s.scale, n, meta_cols, "scale");
    } else if (s.kind == ScaleKind::per_tensor) {
        detail::require(std::isfinite(s.tensor) && std::isfinite(s.tensor_zero_term), "scale",
                        "the per-tensor scale and zero term must be finite");
    }
    detail::require(s.zero.empty() || s.zero_term.empty(), "zero", "give the zero point or the zero term, not both");
    detail::require(s.kind == ScaleKind::per_group || s.zero.empty(), "zero",
                    "zero points (HQQ) need per-group scales; use zero_term for per-row zero terms");
    if (!s.zero.empty()) detail::check_meta(s.zero, n, meta_cols, "zero");
    if (!s.zero_term.empty()) {
        detail::require(s.kind == ScaleKind::per_row || s.kind == ScaleKind::per_group, "zero_term",
                        "a zero term needs per-row or per-group scales");
        detail::check_meta(s.zero_term, n, meta_cols, "zero_term");
    }

    AddWeights out;
    const bool row_terms = s.kind == ScaleKind::per_tensor || s.kind == ScaleKind::per_row;  // row_scale_ below
    out.layout_ = make_add_layout(codes, bits, k, g, row_terms);
    out.layout_.q_mul = q_mul;
    out.layout_.q_add = q_add;
    // Signed formats (sign bits, ternary) hold values up to +1: their codes stop at
    // (1 - q_add) / q_mul (1, 2), below the code width's largest.
    if (q_add < 0) out.layout_.qmax = (1 - q_add) / q_mul;
    out.rows_ = n;
    out.kind_ = s.kind;
    out.has_zero_ = !s.zero.empty() || !s.zero_term.empty() || (s.kind == ScaleKind::per_tensor && s.tensor_zero_term != 0);
    const AddLayout& l = out.layout_;
    // Metadata first: every check runs before the (large) allocation.
    std::vector<std::uint16_t> meta;
    if (s.kind == ScaleKind::per_group) {
        meta.resize(2 * n * l.groups);
        for (std::size_t r = 0; r < n; ++r)
            for (std::size_t j = 0; j < l.groups; ++j) {
                const float sc = s.scale(r, j);
                float u = 0;
                if (!s.zero.empty()) u = -s.zero(r, j) * sc;
                if (!s.zero_term.empty()) u = s.zero_term(r, j);
                const float stored_scale = static_cast<float>(q_mul) * sc;
                meta[2 * (r * l.groups + j)] = detail::checked_half(stored_scale, stored_scale, "scale", r, j);
                meta[2 * (r * l.groups + j) + 1] = detail::checked_half(
                    static_cast<float>(q_add) * sc + u, stored_scale, s.zero_term.empty() ? "zero" : "zero_term", r, j);
            }
    } else if (s.kind != ScaleKind::none) {
        out.row_scale_.resize(n);
        out.row_zero_.assign(n, 0.0f);
        for (std::size_t r = 0; r < n; ++r) {
            out.row_scale_[r] = s.kind == ScaleKind::per_tensor ? s.tensor : detail::meta_at(s.scale, r, 0);
            if (s.kind == ScaleKind::per_tensor) out.row_zero_[r] = s.tensor_zero_term;
            else if (!s.zero_term.empty()) out.row_zero_[r] = detail::meta_at(s.zero_term, r, 0);
        }
        if (!out.has_zero_) out.row_zero_.clear();
    }
    detail::require(l.row_bytes == 0 || n <= SIZE_MAX / 16 / l.row_bytes - l.panel, "w", "w is too large to pack");
    out.data_ = AlignedBuffer<std::uint8_t>(l.storage_bytes(n));
    for (std::size_t r = 0; r < n; ++r) {
        std::uint8_t* row = out.data_.data() + l.row_offset(r);
        if (codes == AddCodes::base3) {
            if (r == 0) out.code_sum_.assign(n, 0);
            for (std::size_t kk = 0; kk < k; ++kk) out.code_sum_[r] += w(r, kk) + 1;
            for (std::size_t b = 0; b * 5 < l.steps; ++b)
                for (std::size_t p = 0; p < 64; ++p) {
                    std::array<int, 5> t{};
                    for (std::size_t j = 0; j < 5; ++j) {
                        const std::size_t step = 5 * b + j;
                        const std::size_t kk = step < l.steps ? l.k_of(step, p) : k;
                        t[j] = kk < k ? w(r, kk) + 1 : 0;
                    }
                    row[l.phys(l.code_offset() + 64 * b + p)] = base3::encode(t);
                }
        } else {
            for (std::size_t t = 0; t < l.steps; ++t)
                for (std::size_t p = 0; p < 64; ++p) {
                    const std::size_t kk = l.k_of(t, p);
                    if (kk < k) detail::put_code(l, row, r % l.panel, t, p, (w(r, kk) - q_add) / q_mul);
                }
        }
        for (std::size_t j = 0; j < l.groups; ++j) {
            std::memcpy(row + l.phys(l.scale_offset() + 2 * j), &meta[2 * (r * l.groups + j)], 2);
            std::memcpy(row + l.phys(l.zero_offset() + 2 * j), &meta[2 * (r * l.groups + j) + 1], 2);
        }
        if (l.term_bytes != 0) {
            std::uint8_t* terms = out.data_.data() + l.terms_offset(r) + 4 * (r % l.panel);
            std::memcpy(terms, &out.row_scale_[r], 4);
            if (!out.row_zero_.empty()) std::memcpy(terms + 32, &out.row_zero_[r], 4);
        }
    }
    return out;
}
}  // namespace detail

/// Packs core weights (N x K) with their scales into the add-only kernels' layout.
template <packed_matrix W>
[[nodiscard]] AddWeights pack_add(const W& w_in, const WeightScales& s = {}) {
    const auto w = w_in.view();
    using V = std::remove_cvref_t<decltype(w)>;
    if constexpr (std::is_same_v<V, BitView<enc::sign>>) return detail::pack_add_view(w, AddCodes::bits, 1, 2, -1, s);
    else if constexpr (std::is_same_v<V, BitView<enc::zero_one>>) return detail::pack_add_view(w, AddCodes::bits, 1, 1, 0, s);
    else if constexpr (std::is_same_v<V, TernaryView<enc::base3>>) return detail::pack_add_view(w, AddCodes::base3, 0, 1, -1, s);
    else if constexpr (std::is_same_v<V, BitPlanesView>) {
        const AddCodes c = w.bits == 1 ? AddCodes::bits : w.bits == 2 ? AddCodes::code2 : AddCodes::planes;
        return detail::pack_add_view(w, c, w.bits, 1, 0, s);
    } else return detail::pack_add_view(w, AddCodes::code2, 2, 1, -1, s);  // ternary planes, code2
}

/// Packs a quantizer's result with its scales: XNOR-Net signs with α per row, BitNet ternary
/// with γ, HQQ codes with scale and zero per group.
[[nodiscard]] inline AddWeights pack_add(const SignQuantized& q) {
    return pack_add(q.values, WeightScales::per_row(q.scale.flat()));
}
template <ternary_layout L>
[[nodiscard]] AddWeights pack_add(const AbsmeanQuantized<L>& q) {
    return pack_add(q.values, WeightScales::per_tensor(q.scale));
}
[[nodiscard]] inline AddWeights pack_add(const HqqQuantized& q) { return pack_add(q.values, WeightScales::hqq(q)); }

/// The packed weight values as a dense N x K matrix (the exact inverse of pack_add's codes:
/// -1/+1, 0/1, -1/0/+1 or 0..2^n-1 as the source held them).
[[nodiscard]] inline Matrix<std::int32_t> unpack_values(const AddWeights& w) {
    Matrix<std::int32_t> out(w.rows(), w.cols());
    for (std::size_t n = 0; n < w.rows(); ++n)
        for (std::size_t k = 0; k < w.cols(); ++k) out(n, k) = w.value(n, k);
    return out;
}

BITLA_END_NAMESPACE
