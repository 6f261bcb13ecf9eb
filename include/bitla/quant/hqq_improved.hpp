// bitla/quant/hqq_improved.hpp — the least-squares affine grid for one group (detail of
// HqqMode::improved).
//
// An affine grid with L + 1 levels represents w_t as a + s·q_t, q_t in {0 .. L}; in HQQ's
// storage format scale = s and zero = -a / s. For a fixed grid the best codes are the
// nearest levels, q_t = clamp(round((w_t - a) / s), 0, L); for fixed codes the best grid is
// the least-squares line through (q_t, w_t):
//
//     s = Σ (q - q̄)(w - w̄) / Σ (q - q̄)²,   a = w̄ - s·q̄,
//     SSE = Σ (w - w̄)² - [Σ (q - q̄)(w - w̄)]² / Σ (q - q̄)²
//
// Alternating the two (Lloyd's iteration for a uniform grid) never increases the SSE but
// stops in a local minimum that depends on where it starts. HQQ starts at the min-max
// grid and only moves the zero, under an lp objective; at 1 and 2 bits the min-max grid
// is far too wide (one outlier stretches it), so we start from several grids — min-max,
// the Gaussian-optimal step for the group's standard deviation and for its mean absolute
// deviation, and narrower fractions of the range — refine each for a few steps and keep
// the best. The search closes to within about 1% of a slow exhaustive search (see
// tests/quant/oracle.hpp) at 1, 2 and 4 bits.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>

namespace bitla::inline v0::detail {

/// The step of the MSE-optimal uniform quantizer with L + 1 levels for a unit Gaussian
/// (Max 1960; Hui & Neuhoff 2001), used to start the search from the group's spread.
inline double gaussian_uniform_step(int max_level) {
    switch (max_level) {
        case 1: return 1.596;
        case 2: return 1.224;
        case 3: return 0.9957;
        case 7: return 0.5860;
        case 15: return 0.3352;
        case 31: return 0.1881;
        case 63: return 0.1041;
        default: return 6.0 / (max_level + 1);  // 255 levels and beyond: about ±3σ
    }
}

struct AffineFit {
    double a = 0, s = 0, sse = std::numeric_limits<double>::infinity();
};

/// Codes for the grid (a, s), then the least-squares grid through them and its SSE.
/// n is a multiple of 8 (group sizes are); eight float lanes let the loop vectorise.
inline AffineFit assign_and_refit(const float* w, std::size_t n, float hi, double mean, double sww, double a,
                                  double s) {
    const float inv = static_cast<float>(1.0 / s), fa = static_cast<float>(a), fm = static_cast<float>(mean);
    float sq[8] = {}, sqq[8] = {}, sqw[8] = {};
    for (std::size_t t = 0; t < n; t += 8)
        for (std::size_t l = 0; l < 8; ++l) {
            float q = std::min(std::max((w[t + l] - fa) * inv, 0.0f), hi);
            q = (q + 12582912.0f) - 12582912.0f;  // round half to even, q in [0, hi]
            sq[l] += q;
            sqq[l] += q * q;
            sqw[l] += q * (w[t + l] - fm);
        }
    double q1 = 0, q2 = 0, cov = 0;  // Σ q, Σ q², Σ q (w - w̄) = Σ (q - q̄)(w - w̄)
    for (std::size_t l = 0; l < 8; ++l) {
        q1 += sq[l];
        q2 += sqq[l];
        cov += sqw[l];
    }
    const double qbar = q1 / static_cast<double>(n), var = q2 - q1 * qbar;  // var = Σ (q - q̄)²
    if (!(var > 0) || !(cov > 0)) return {mean - s * qbar, s, sww};  // one level: it sits at the mean
    const double ns = cov / var;
    return {mean - ns * qbar, ns, std::max(sww - cov * cov / var, 0.0)};
}

/// Lloyd steps from a refitted grid until the error stops falling (at most `steps`).
inline AffineFit refine_affine(const float* w, std::size_t n, float hi, double mean, double sww, AffineFit f,
                               int steps) {
    for (int it = 0; it < steps; ++it) {
        const AffineFit g = assign_and_refit(w, n, hi, mean, sww, f.a, f.s);
        if (!(g.sse < f.sse * (1 - 1e-7))) break;
        f = g;
    }
    return f;
}

/// Fits the affine grid of one group of n values (n a multiple of 8): writes the codes
/// to q and HQQ's (scale, zero) with w ≈ (q - zero) · scale.
inline void fit_affine_group(const float* w, std::size_t n, int max_level, std::uint8_t* q, float& scale,
                             float& zero) {
    float mn = w[0], mx = w[0];
    double sum = 0;
    for (std::size_t t = 0; t < n; ++t) {
        sum += w[t];
        mn = std::min(mn, w[t]);
        mx = std::max(mx, w[t]);
    }
    const double mean = sum / static_cast<double>(n);
    double sww = 0, sad = 0;
    for (std::size_t t = 0; t < n; ++t) {
        const double d = w[t] - mean;
        sww += d * d;
        sad += std::abs(d);
    }
    const double range = static_cast<double>(mx) - static_cast<double>(mn);
    if (!(range > 0)) {  // a constant group: one level holds it exactly
        for (std::size_t t = 0; t < n; ++t) q[t] = 0;
        scale = 1.0f;
        zero = -mn;
        return;
    }
    const double levels = max_level;
    const float hi = static_cast<float>(max_level);
    const double c = gaussian_uniform_step(max_level);
    const double sigma = std::sqrt(sww / static_cast<double>(n));
    const double mad_sigma = 1.2533 * sad / static_cast<double>(n);  // σ of a Gaussian from its mean |w - w̄|
    const double mid = 0.5 * (static_cast<double>(mn) + static_cast<double>(mx));

    // Stage 1: one assignment and refit from each start; keep the best few.
    constexpr int keep = 3;
    AffineFit top[keep];
    const auto start = [&](double a, double s) {
        if (!(s > 0)) return;
        AffineFit f = assign_and_refit(w, n, hi, mean, sww, a, s);
        for (auto& t : top)
            if (f.sse < t.sse) std::swap(f, t);
    };
    start(mn, range / levels);                                // the min-max grid (HQQ's start)
    start(mean - c * sigma * levels / 2, c * sigma);          // Gaussian-optimal for the spread
    start(mean - c * mad_sigma * levels / 2, c * mad_sigma);  // the same, robust to outliers
    for (const double f : {0.75, 0.5}) start(mid - f * range / 2, f * range / levels);  // clip the tails
    if (max_level >= 2) {
        // Grids a little wider than the range, slid across the slack: with many levels
        // and few values, where the values fall between levels matters more than the ends.
        const bool many = max_level >= 7;
        for (const double f : {1.05, 1.1, 1.15, 1.2}) {
            if (!many && (f == 1.1 || f == 1.2)) continue;
            const double s = f * range / levels, slack = s * levels - range;
            if (many)
                for (const double d : {0.0, 1.0 / 3, 2.0 / 3, 1.0}) start(mn - d * slack, s);
            else
                for (const double d : {0.0, 0.5, 1.0}) start(mn - d * slack, s);
        }
        // And a little narrower, slid across the range: clip one tail or both.
        if (many)
            for (const double f : {0.85, 0.92}) {
                const double s = f * range / levels, short_by = range - s * levels;
                for (const double d : {0.0, 0.5, 1.0}) start(mn + d * short_by, s);
            }
    }
    // Stage 2: Lloyd steps from the best starts.
    AffineFit best;
    for (int k = 0; k < keep; ++k) {
        if (!(top[k].sse < std::numeric_limits<double>::infinity())) break;
        const AffineFit f = refine_affine(w, n, hi, mean, sww, top[k], 8);
        if (f.sse < best.sse) best = f;
    }

    const float inv = static_cast<float>(1.0 / best.s), fa = static_cast<float>(best.a);
    for (std::size_t t = 0; t < n; ++t) {
        const float v = std::min(std::max((w[t] - fa) * inv, 0.0f), hi);
        q[t] = static_cast<std::uint8_t>((v + 12582912.0f) - 12582912.0f);
    }
    scale = static_cast<float>(best.s);
    zero = static_cast<float>(-best.a / best.s);
}

}  // namespace bitla::inline v0::detail
