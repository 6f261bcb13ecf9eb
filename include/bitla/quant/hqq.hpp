// bitla/quant/hqq.hpp — HQQ: a float matrix W (N x K) to n-bit codes Wq in {0 .. L} with
// a scale and a zero per group, W ≈ (Wq - zero) · scale.
//
//     auto q = bitla::quantize_hqq(w, {.nbits = 2, .group_size = 64});
//     q.values  BitPlanes N x K, values 0..L (L = 2^n - 1; 1.58 bits: L = 2, two planes)
//     q.scale   Matrix<float>, one per group (the stored scale: 1 / the working scale)
//     q.zero    Matrix<float>, one per group (fractional unless round_zero)
//     q.dequantize()  (Wq - zero) · scale as a Matrix<float>
//
// Two modes (HqqOptions::mode):
//
// faithful — the reference implementation (mobiusml/hqq 0.2.8, Quantizer.quantize with
//   optimize=True, optimize_weights_proximal_legacy), step by step, in float32:
//   1. qscale = (1 / (max - min)) · L per group, rounded twice as torch evaluates the
//      reference's max_v / (max - min); 1.0 where |max - min| <= 1e-4; capped at 2e4.
//      zero = -min · qscale, rounded only when round_zero (default: only for 4 bits).
//   2. Up to `iters` times, best = +inf:
//        Wq = clamp(round(W·qscale + zero), 0, L)      round half to even (torch.round)
//        Wr = (Wq - zero) / qscale                    a division, as the reference does
//        e  = W - Wr;  We = sign(e) · max(|e| - |e|^(p-1) / β, 0)
//        err = mean |W - Wr| over the whole tensor    (with the zero before this update)
//        zero = mean over the group of (Wq - (W - We) · qscale)
//        if err < best: best = err, else stop         keeping the zero just updated
//      The scale never changes. β is constant (κ is ignored, as in current hqq) unless
//      `use_kappa`, which multiplies β by κ after each iteration (hqq <= 0.1).
//   3. Wq with the final zero; stored scale = 1 / qscale.
//   The shrink acts only where |e| > β^(-1/(2-p)) (≈ 0.17 for the defaults) in absolute
//   units, so at typical weight scales it never fires: HQQ is not scale-invariant.
//   Same Wq as the reference up to rare rounding ties (summation order, fused
//   multiply-add on targets that contract); relative error equal within 1e-5.
//
// improved — the same format, fitted for least squares: per group, the affine grid
//   (scale, zero) and codes that minimise ||W - Ŵ||₂, searched from several starts with
//   least-squares refits (see hqq_improved.hpp). No calibration data. Far below faithful
//   HQQ's L2 error at 1 and 2 bits, within 2% of a slow exhaustive search (the tests allow
//   3%); it fits eight groups at a time (one per vector lane).
//   Time: 0.2–1.0x faithful's at -O3, 1.0–1.8x at 2–4 bits at -O2 -march=native (docs/performance.md).
//
// A float W with axis = 1 is read in place (a group is G consecutive k of one row); other
// element types and axis = 0 are copied to group-major order first.
//
// Groups (see grouping.hpp): axis = 1 groups G consecutive k of a row (G must divide K);
// scale and zero are N x (K/G) — the layout kernels need: y = Σ_g s[n,g]·dot_g(x, Wq_n) +
// Σ_g u[n,g]·xsum[m,g] with u = -zero ⊙ scale. axis = 0 follows HQQ's reshape to [G, N·K/G]:
// group j holds the flat indices j + t·(N·K/G), scale and zero are 1 x (N·K/G). Kernels
// need axis = 1; axis = 0 exists to read and reproduce HQQ checkpoints that use it.
//
// Errors (bitla::error, before any output exists): NaN/Inf in W; a group whose scale, zero
// or grid (code - zero)·scale, code 0..L, would not be finite (argument w, the group named):
// in faithful mode every range max - min beyond FLT_MAX (the reference's scale is then
// infinite and its dequantized values NaN), in both modes ranges or magnitudes so near
// FLT_MAX that float32 arithmetic overflows; an empty W, nbits not in
// {1, 1.58, 2, 3, 4, 5, 6, 8}, a group size that is not a positive multiple of 8 or does
// not divide (K for axis 1, N·K for axis 0), an axis other than 0 or 1, optimizer
// parameters out of range (lp_norm in (0, 1], β > 0, κ >= 1, iters >= 0).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "../core/bit_planes.hpp"
#include "../core/matrix.hpp"
#include "grouping.hpp"
#include "hqq_quantized.hpp"
#include "hqq_improved.hpp"

BITLA_BEGIN_NAMESPACE

enum class HqqMode {
    faithful,  ///< the reference implementation, quirks included
    improved,  ///< least-squares affine grid per group (same storage format)
};

struct HqqOptions {
    float nbits = 4;              ///< 1, 1.58 (levels {0, 1, 2}), 2, 3, 4, 5, 6 or 8
    std::size_t group_size = 64;  ///< a multiple of 8 dividing K (axis 1) or N·K (axis 0)
    int axis = 1;                 ///< 1: groups along K (kernels); 0: HQQ's [G, N·K/G] reshape
    std::optional<bool> round_zero = std::nullopt;  ///< default: true for 4 bits only (hqq's BaseQuantizeConfig)
    bool optimize = true;         ///< false: plain min-max rounding (no zero refit)
    float lp_norm = 0.7f;         ///< p of the robust lp objective, in (0, 1]
    float beta = 10.0f;           ///< β of the shrink operator
    float kappa = 1.01f;          ///< κ: β *= κ per iteration, only when use_kappa
    bool use_kappa = false;       ///< hqq >= 0.2 ignores κ; true reproduces hqq <= 0.1
    int iters = 20;               ///< maximum optimizer iterations
    bool early_stop = true;       ///< stop when the error stops decreasing
    HqqMode mode = HqqMode::faithful;
};

namespace detail {

/// Levels for HQQ's nbits: round(2^nbits - 1); bitla::error for widths HQQ does not have.
inline int hqq_max_level(float nbits) {
    const bool ok = nbits == 1 || nbits == 1.58f || nbits == 2 || nbits == 3 || nbits == 4 || nbits == 5 ||
                    nbits == 6 || nbits == 8;
    require(ok, "nbits", "nbits = ", nbits, " is not one of 1, 1.58, 2, 3, 4, 5, 6, 8");
    return static_cast<int>(std::lround(std::exp2(static_cast<double>(nbits)) - 1));
}

/// Bit-planes needed for codes 0..L.
inline int planes_for(int max_level) {
    int bits = 1;
    while ((1 << bits) - 1 < max_level) ++bits;
    return bits;
}

inline void check_hqq_options(const HqqOptions& o) {
    hqq_max_level(o.nbits);
    require(o.axis == 0 || o.axis == 1, "axis", "axis = ", o.axis, " is not 0 or 1");
    require(o.lp_norm > 0 && o.lp_norm <= 1, "lp_norm", "lp_norm = ", o.lp_norm, " is outside (0, 1]");
    require(o.beta > 0 && std::isfinite(o.beta), "beta", "beta = ", o.beta, " is not a positive finite number");
    require(o.kappa >= 1 && std::isfinite(o.kappa), "kappa", "kappa = ", o.kappa, " is not a finite number >= 1");
    require(o.iters >= 0, "iters", "iters = ", o.iters, " is negative");
}

/// round(x) half to even, then clamped to [0, hi]: clamping first is equivalent (0 and hi
/// are integers) and keeps x small enough for the 1.5·2^23 rounding trick, which is
/// exact in the default rounding mode and vectorises, unlike std::nearbyint.
inline float round_clamp(float x, float hi) {
    constexpr float magic = 12582912.0f;  // 1.5 * 2^23
    x = std::min(std::max(x, 0.0f), hi);
    return (x + magic) - magic;
}

/// "group j of row r" (axis 1) or "group j" (axis 0), for messages.
inline std::string hqq_group_name(const Grouping& gr, std::size_t g) {
    if (gr.axis != 1) return concat("group ", g);
    const std::size_t per_row = gr.cols / gr.group_size;
    return concat("group ", g % per_row, " of row ", g / per_row);
}

/// HQQ's initial working scale and zero for one group (step 1 above). The reference writes
/// `max_v / (max - min)` with a Python int over a tensor, which torch evaluates as
/// `reciprocal(max - min) * max_v`: two float32 roundings, reproduced here. bitla::error
/// (argument `w`, naming group g) if the stored scale 1 / qscale is not finite: a range
/// max - min beyond FLT_MAX gives qscale 0, and the reference then divides by it (NaN).
inline void hqq_init_group(const float* w, std::size_t gs, int max_level, bool round_zero, float& qscale,
                           float& zero, const Grouping& gr, std::size_t g) {
    float mn = w[0], mx = w[0];
    for (std::size_t t = 1; t < gs; ++t) {
        mn = std::min(mn, w[t]);
        mx = std::max(mx, w[t]);
    }
    const float denom = mx - mn;
    float s = (1.0f / denom) * static_cast<float>(max_level);
    if (std::abs(denom) <= 1e-4f) s = 1.0f;
    qscale = std::min(s, 2e4f);
    if (!std::isfinite(1.0f / qscale))
        fail("w", hqq_group_name(gr, g), " spans [", mn, ", ", mx, "]: faithful HQQ's stored scale (max - min) / ",
             max_level, " is beyond float's range (the reference divides by a zero qscale: NaN); scale w down");
    zero = -mn * qscale;
    if (round_zero) zero = std::nearbyint(zero);
}

/// One HQQ iteration over every group: writes the updated zeros to `next` and returns
/// sum |W - Wr| (with the current zeros).
inline double hqq_iteration(const GroupValues& w, std::size_t gs, float hi, const std::vector<float>& qscale,
                            const std::vector<float>& zero, std::vector<float>& next, float lp_norm, double beta) {
    const float inv_beta = static_cast<float>(1.0 / beta);
    // |e| - |e|^(p-1)/β > 0 only where |e| > β^(-1/(2-p)); a 0.1% margin covers rounding.
    const float fast_limit = static_cast<float>(std::pow(beta, -1.0 / (2.0 - lp_norm)) * 0.999);
    double total = 0;
    w.for_each([&](std::size_t g, const float* wg) {
        const float s = qscale[g], z = zero[g];
        // Eight float lanes so the loop vectorises (group sizes are multiples of 8).
        float err_l[8] = {}, zsum_l[8] = {};
        int shrinks_l[8] = {};
        for (std::size_t t = 0; t < gs; t += 8)
            for (std::size_t l = 0; l < 8; ++l) {
                const float x = wg[t + l];
                const float q = round_clamp(x * s + z, hi);
                const float e = std::abs(x - (q - z) / s);
                err_l[l] += e;
                shrinks_l[l] |= e > fast_limit;
                zsum_l[l] += q - x * s;  // We = 0 where the shrink does not fire
            }
        double err = 0, zsum = 0;
        bool shrinks = false;
        for (std::size_t l = 0; l < 8; ++l) {
            err += err_l[l];
            zsum += zsum_l[l];
            shrinks |= shrinks_l[l] != 0;
        }
        if (shrinks) {  // rare: large errors in absolute units; the exact reference formula
            zsum = 0;
            for (std::size_t t = 0; t < gs; ++t) {
                const float q = round_clamp(wg[t] * s + z, hi);
                const float e = wg[t] - (q - z) / s;
                const float a = std::abs(e);
                const float shrunk = std::max(a - inv_beta * std::pow(a, lp_norm - 1.0f), 0.0f);
                const float we = e > 0 ? shrunk : (e < 0 ? -shrunk : 0.0f);
                zsum += q - (wg[t] - we) * s;
            }
        }
        total += err;
        next[g] = static_cast<float>(zsum / static_cast<double>(gs));
    });
    return total;
}

/// bitla::error (argument `w`, naming the group) unless every group's grid is finite: its
/// scale, zero and (code - zero)·scale for codes 0 and L (monotone in the code, so every
/// code's). Near FLT_MAX float32 arithmetic overflows in either mode (the reference then
/// returns Inf or NaN).
inline void check_hqq_finite(const GroupValues& w, float hi, const float* scale, const float* zero,
                             const Grouping& gr) {
    const std::size_t gs = gr.group_size;
    for (std::size_t g = 0; g < gr.groups(); ++g) {
        const float s = scale[g], z = zero[g];
        if (std::isfinite(s) && std::isfinite(z) && std::isfinite(-z * s) && std::isfinite((hi - z) * s)) [[likely]]
            continue;
        const auto [mn, mx] = std::minmax_element(w(g), w(g) + gs);
        fail("w", hqq_group_name(gr, g), " spans [", *mn, ", ", *mx, "]: its scale ", s, " and zero ", z,
             " reconstruct values beyond float's range (float32 overflows this close to FLT_MAX); scale w down");
    }
}

}  // namespace detail

/// Quantizes W (N x K) with HQQ; see the header comment for the modes and the layout.
template <dense_matrix M>
[[nodiscard]] HqqQuantized quantize_hqq(const M& w_in, const HqqOptions& options = {}) {
    const auto w = const_view(w_in);
    detail::check_view(w, "w");
    detail::check_hqq_options(options);
    detail::check_grouping(w.rows, w.cols, options.group_size, options.axis);
    detail::check_finite(w, "w");

    const int max_level = detail::hqq_max_level(options.nbits);
    const float hi = static_cast<float>(max_level);
    const detail::Grouping gr{w.rows, w.cols, options.group_size, options.axis};
    const std::size_t groups = gr.groups(), gs = gr.group_size;
    const detail::GroupValues wg(w, gr);

    std::vector<std::uint8_t> q(gr.size());
    HqqQuantized out;
    out.nbits = options.nbits;
    out.group_size = gs;
    out.axis = options.axis;
    out.scale = Matrix<float>(gr.meta_rows(), gr.meta_cols());
    out.zero = Matrix<float>(gr.meta_rows(), gr.meta_cols());

    if (options.mode == HqqMode::improved) {
        detail::fit_affine_groups(wg, groups, gs, max_level, q.data(), out.scale.flat().data(), out.zero.flat().data());
    } else {
        const bool round_zero = options.round_zero.value_or(options.nbits == 4);
        std::vector<float> qscale(groups), zero(groups);
        wg.for_each([&](std::size_t g, const float* x) {
            detail::hqq_init_group(x, gs, max_level, round_zero, qscale[g], zero[g], gr, g);
        });
        if (options.optimize) {
            std::vector<float> next(groups);
            double beta = options.beta;
            float best = std::numeric_limits<float>::infinity();
            for (int i = 0; i < options.iters; ++i) {
                const double sum = detail::hqq_iteration(wg, gs, hi, qscale, zero, next, options.lp_norm, beta);
                const auto err = static_cast<float>(sum / static_cast<double>(gr.size()));  // torch: float32 mean
                zero.swap(next);
                if (options.use_kappa) beta *= options.kappa;
                out.errors.push_back(err);
                if (options.early_stop) {
                    if (err < best) best = err;
                    else break;  // the zero just updated is kept, as the reference does
                }
            }
        }
        wg.for_each([&](std::size_t g, const float* x) {
            const float s = qscale[g], z = zero[g];
            for (std::size_t t = 0; t < gs; ++t)
                q[g * gs + t] = static_cast<std::uint8_t>(detail::round_clamp(x[t] * s + z, hi));
            out.scale.flat()[g] = 1.0f / s;
            out.zero.flat()[g] = z;
        });
    }
    detail::check_hqq_finite(wg, hi, out.scale.flat().data(), out.zero.flat().data(), gr);
    out.values = detail::scatter_planes(q, gr, detail::planes_for(max_level));
    return out;
}

BITLA_END_NAMESPACE
