// bitla/gemm/add_activations.hpp — the activation side of the add-only products: one call's
// activations permuted into the weights' step order (core/add_layout.hpp), with their exact
// group sums. Made by `prepare` (here, validated; or into a kept object, reusing its
// buffers), read by any number of `gemm_block` calls (gemm/add.hpp) from any threads. The
// gemm forms prepare into activations kept per thread for decode-sized M (with_prepared).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "../core/aligned_buffer.hpp"
#include "../core/matrix.hpp"
#include "../core/scaled_rows.hpp"
#include "add_weights.hpp"

BITLA_BEGIN_NAMESPACE

class AddActivations;
namespace detail {
struct AddDriver;
template <class T>
void prepare_view_into(AddActivations& a, MatrixView<const T> x, std::span<const float> scale, const AddWeights& w);
}  // namespace detail


/// Activations permuted into a layout's step order, with their group sums: made once per
/// call by `prepare` (or prepared again into the same object, reusing its buffers), read by
/// any number of `gemm_block` calls (from any threads).
class AddActivations {
public:
    [[nodiscard]] std::size_t rows() const noexcept { return rows_; }
    [[nodiscard]] std::size_t cols() const noexcept { return cols_; }
    [[nodiscard]] bool is_int8() const noexcept { return int8_; }
    /// True when these activations were prepared for weights of w's K and step order
    /// (padded K, lane, groups): the only weights a gemm_block call may pair them with.
    [[nodiscard]] bool prepared_for(const AddWeights& w) const noexcept {
        const AddLayout& l = w.layout();
        return cols_ == l.cols && layout_.kp == l.kp && layout_.lane == l.lane && layout_.groups == l.groups &&
               layout_.group_size == l.group_size;
    }
    /// The layout the activations were prepared for (what prepared_for compares).
    [[nodiscard]] const AddLayout& layout() const noexcept { return layout_; }

private:
    template <class T>
    friend void detail::prepare_view_into(AddActivations& a, MatrixView<const T> x, std::span<const float> scale,
                                          const AddWeights& w);
    friend struct detail::AddDriver;

    bool int8_ = true;
    std::size_t rows_ = 0, cols_ = 0, stride_ = 0, groups_ = 0;
    AddLayout layout_;
    AlignedBuffer<std::int8_t> xi_;
    AlignedBuffer<std::uint8_t> xu_;      ///< one int8 row: xi_ plus 128 (x ^ 0x80), for the base-3 GEMV
    AlignedBuffer<float> xf_;
    std::vector<float> group_sum_;        ///< rows x groups (exact for int8)
    std::vector<long long> sum_i_;        ///< rows: Σx (int8)
    std::vector<float> sum_f_;            ///< rows: Σx (float activations)
    std::vector<float> scale_;            ///< rows
};

namespace detail {
/// Float activations: the kernels form q_mul·(x·q) + q_add·Σx, where |x·q| can reach
/// Σ|x|·qmax, so that sum times (q_mul·qmax + |q_add|) must stay a finite float (else x
/// near FLT_MAX gave inf or NaN where the exact product is finite).
inline void check_float_sums(const MatrixView<const float>& x, const AddWeights& w) {
    const AddLayout& l = w.layout();
    const double factor = double(l.q_mul) * double(l.qmax) + double(l.q_add < 0 ? -l.q_add : l.q_add);
    for (std::size_t m = 0; m < x.rows; ++m) {
        double s = 0;
        for (std::size_t k = 0; k < x.cols; ++k) s += x(m, k) < 0 ? -double(x(m, k)) : double(x(m, k));
        require(s * factor <= double(std::numeric_limits<float>::max()), "x", "row ", m, " of x has sum |x| = ", s,
                ": its partial sums times the codes (up to ", factor,
                "x) would overflow float; scale x down (the product is linear in x)");
    }
}

/// What a thread-local scratch buffer is for: each use has its own buffer, so a pointer
/// from one is never invalidated by growing another of the same element type.
enum class ScratchUse : std::uint8_t { activation_line, gemv_out, row_meta };

/// Scratch that lives with the calling thread (no allocation once it has grown).
template <ScratchUse U, class T>
T* thread_scratch(std::size_t n) {
    thread_local std::vector<T> v;
    if (v.size() < n) v.resize(n);
    return v.data();
}
/// Σ of int8 values, exact. On x86-64 (SSE2 is baseline) 16 at a time with psadbw on the
/// values biased to u8 (x ^ 0x80 = x + 128), the bias taken off at the end.
inline long long sum_i8(const std::int8_t* p, std::size_t n) noexcept {
    long long total = 0;
    std::size_t k = 0;
#if defined(__SSE2__)
    const __m128i bias = _mm_set1_epi8(static_cast<char>(0x80)), zero = _mm_setzero_si128();
    __m128i acc = zero;
    for (; k + 16 <= n; k += 16) {
        const __m128i v = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + k)), bias);
        acc = _mm_add_epi64(acc, _mm_sad_epu8(v, zero));
    }
    total = _mm_cvtsi128_si64(acc) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(acc, acc)) - 128 * static_cast<long long>(k);
#endif
    for (; k < n; ++k) total += p[k];
    return total;
}

/// One superblock of units (4 values each) into step order: dst unit 16·i + q = line unit
/// per·q + i for q < 16, i < per (a 16 x per transpose). int8 units are dwords: with SSE2,
/// 4 x 4 blocks by unpacks (16 instructions per 16 units where a unit-by-unit copy takes
/// about 100); float units are 16 bytes, copied whole.
template <class T>
inline void units_to_steps(const T* line, T* dst, std::size_t per) noexcept {
#if defined(__SSE2__)
    if constexpr (sizeof(T) == 1) {
        if (per % 4 == 0) {
            for (std::size_t q0 = 0; q0 < 16; q0 += 4)
                for (std::size_t i0 = 0; i0 < per; i0 += 4) {
                    __m128i r[4];
                    for (std::size_t a = 0; a < 4; ++a)
                        r[a] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(line + 4 * (per * (q0 + a) + i0)));
                    const __m128i t0 = _mm_unpacklo_epi32(r[0], r[1]), t1 = _mm_unpacklo_epi32(r[2], r[3]);
                    const __m128i t2 = _mm_unpackhi_epi32(r[0], r[1]), t3 = _mm_unpackhi_epi32(r[2], r[3]);
                    const __m128i o[4] = {_mm_unpacklo_epi64(t0, t1), _mm_unpackhi_epi64(t0, t1),
                                          _mm_unpacklo_epi64(t2, t3), _mm_unpackhi_epi64(t2, t3)};
                    for (std::size_t c = 0; c < 4; ++c)  // column i0 + c: units q0 .. q0 + 3
                        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 4 * (16 * (i0 + c) + q0)), o[c]);
                }
            return;
        }
    }
#endif
    for (std::size_t q = 0; q < 16; ++q)
        for (std::size_t i = 0; i < per; ++i) std::memcpy(dst + 4 * (16 * i + q), line + 4 * (per * q + i), 4 * sizeof(T));
}

/// Prepares x into `a`, reusing its storage where it is large enough (a decode loop that
/// keeps one AddActivations allocates nothing per call; its buffers stay at one address).
template <class T>
void prepare_view_into(AddActivations& a, MatrixView<const T> x, std::span<const float> scale, const AddWeights& w) {
    const AddLayout& l = w.layout();
    a.int8_ = std::is_same_v<T, std::int8_t>;
    a.rows_ = x.rows;
    a.cols_ = x.cols;
    a.stride_ = l.kp;
    a.groups_ = l.groups;
    a.layout_ = l;
    a.scale_.assign(x.rows, 1.0f);
    for (std::size_t m = 0; m < scale.size(); ++m) a.scale_[m] = scale[m];
    // Every value of the rows' kp is written below (the padded line is copied whole).
    if constexpr (std::is_same_v<T, std::int8_t>) {
        if (a.xi_.size() < x.rows * l.kp) a.xi_ = AlignedBuffer<std::int8_t>(x.rows * l.kp);
    } else if (a.xf_.size() < x.rows * l.kp) a.xf_ = AlignedBuffer<float>(x.rows * l.kp);
    a.group_sum_.assign(x.rows * l.groups, 0.0f);
    a.sum_i_.assign(x.rows, 0);
    a.sum_f_.assign(x.rows, 0.0f);
    // Step t, dword lane q holds k = k_of(t, 4q) .. +3: within a superblock of 16·lane
    // values that is a 16 x (lane/4) transpose of 4-value units. The row is first copied
    // into a zero-padded line of kp values, so the transpose has no tail cases.
    const std::size_t per = l.lane / 4, units = l.kp / 4;
    T* line = detail::thread_scratch<detail::ScratchUse::activation_line, T>(l.kp);
    for (std::size_t m = 0; m < x.rows; ++m) {
        const T* xr = x.data + m * x.ld;
        T* dst;
        if constexpr (std::is_same_v<T, std::int8_t>) dst = a.xi_.data() + m * l.kp;
        else dst = a.xf_.data() + m * l.kp;
        if (x.cols != 0) std::memcpy(line, xr, x.cols * sizeof(T));  // K = 0: xr may be null
        std::fill(line + x.cols, line + l.kp, T{});
        for (std::size_t sb = 0; sb < units; sb += 16 * per) detail::units_to_steps(line + 4 * sb, dst + 4 * sb, per);
        if constexpr (std::is_same_v<T, std::int8_t>) {
            for (std::size_t g = 0; g < l.groups; ++g)
                a.group_sum_[m * l.groups + g] = static_cast<float>(detail::sum_i8(xr + g * l.group_size, l.group_size));
            a.sum_i_[m] = detail::sum_i8(xr, x.cols);
            // x + 128 for the base-3 GEMV (AddRowsArgs::xu); for every format, since
            // gemm_block may pair these activations with any weights they were prepared for.
            if (x.rows == 1) {
                if (a.xu_.size() < l.kp) a.xu_ = AlignedBuffer<std::uint8_t>(l.kp);
                for (std::size_t k = 0; k < l.kp; ++k) a.xu_[k] = static_cast<std::uint8_t>(dst[k] ^ 0x80);
            }
        } else {
            for (std::size_t g = 0; g < l.groups; ++g) {
                double s = 0;
                for (std::size_t k = g * l.group_size; k < (g + 1) * l.group_size; ++k) s += xr[k];
                a.group_sum_[m * l.groups + g] = static_cast<float>(s);
            }
            double total = 0;
            for (std::size_t k = 0; k < x.cols; ++k) total += xr[k];
            a.sum_f_[m] = static_cast<float>(total);
        }
    }
}

template <class T>
AddActivations prepare_view(MatrixView<const T> x, std::span<const float> scale, const AddWeights& w) {
    AddActivations a;
    prepare_view_into(a, x, scale, w);
    return a;
}
}  // namespace detail

/// Prepares x for `w` (validated against it; int8 with per-row scales, or float) into `out`,
/// reusing its storage where it is large enough: a decode loop that keeps one AddActivations
/// (per thread) allocates nothing per call. `out` must not be in use by a gemm_block call
/// meanwhile; an argument error leaves it unchanged.
inline void prepare(const Int8Rows& x, const AddWeights& w, AddActivations& out) {
    detail::check_view(x.values, "x");
    detail::require(x.values.cols == w.cols(), "w", "w.cols = ", w.cols(), " does not match x.cols = ", x.values.cols);
    detail::require(x.scale.empty() || x.scale.size() == x.values.rows, "x", "x.scale has ", x.scale.size(),
                    " entries but x has ", x.values.rows, " rows");
    detail::check_finite(x.scale, "x", "x.scale");
    detail::prepare_view_into(out, x.values, x.scale, w);
}
inline void prepare(MatrixView<const float> x, const AddWeights& w, AddActivations& out) {
    detail::check_view(x, "x");
    detail::check_finite(x, "x");
    detail::require(x.cols == w.cols(), "w", "w.cols = ", w.cols(), " does not match x.cols = ", x.cols);
    detail::check_float_sums(x, w);
    detail::prepare_view_into<float>(out, x, {}, w);
}
/// Activations prepared for `w` (validated against it): int8 with per-row scales, or float.
[[nodiscard]] inline AddActivations prepare(const Int8Rows& x, const AddWeights& w) {
    AddActivations a;
    prepare(x, w, a);
    return a;
}
[[nodiscard]] inline AddActivations prepare(MatrixView<const float> x, const AddWeights& w) {
    AddActivations a;
    prepare(x, w, a);
    return a;
}

namespace detail {
/// Rows up to which the gemm forms prepare into activations kept per thread (decode: the
/// same few KiB at one address every call, no allocation); larger M prepares afresh, so a
/// prefill's activations are not kept. A fresh allocation per call was a measurable part of
/// a DRAM-bound GEMV (docs/performance.md, "Per-call costs").
inline constexpr std::size_t kept_activation_rows = 16;

/// Calls f(prepared x) with x prepared into this thread's kept activations (M <=
/// kept_activation_rows and not already in use on this thread) or into fresh ones.
template <class T, class F>
void with_prepared(MatrixView<const T> x, std::span<const float> scale, const AddWeights& w, F&& f) {
    if (x.rows <= kept_activation_rows) {
        thread_local AddActivations kept;
        thread_local bool busy = false;
        if (!busy) {
            busy = true;
            struct Release {
                bool& b;
                ~Release() { b = false; }
            } release{busy};
            prepare_view_into(kept, x, scale, w);
            return f(std::as_const(kept));
        }
    }
    const AddActivations a = prepare_view(x, scale, w);
    f(a);
}
}  // namespace detail

BITLA_END_NAMESPACE
