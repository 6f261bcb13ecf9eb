// Test support: a slow, near-exhaustive search for the least-squares affine grid of one
// group — the yardstick for HqqMode::improved. Independent of the library's search.
//
// For a grid step s, every offset a gives codes q_t = clamp(round((w_t - a) / s), 0, L).
// As a sweeps from -inf to +inf each code steps down L times, at a = w_t - (k + 1/2)·s, so
// the sweep visits every assignment a grid of step s can produce (n·L + 1 of them). For
// each one the least-squares grid through (q, w) has the closed-form error
//     SSE = Σ (w - w̄)² - [Σ q (w - w̄)]² / Σ (q - q̄)²,
// updated in O(1) per breakpoint. The step runs over a fine grid of fractions of
// range / L; the best assignment found is then polished with Lloyd steps in double.
// At 1 bit the sweep covers every threshold split, so the search is exact (2-means).
// Every value it reports is the error of a concrete (codes, a, s): an upper bound on the
// optimum, never below it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace bitla_test {

struct OracleFit {
    double sse = 0, a = 0, s = 0;
};

/// Lloyd steps in double from (a, s) until the error stops falling.
inline OracleFit oracle_polish(const float* w, std::size_t n, int max_level, OracleFit f) {
    double mean = 0;
    for (std::size_t t = 0; t < n; ++t) mean += w[t];
    mean /= static_cast<double>(n);
    for (int it = 0; it < 200; ++it) {
        double sq = 0, sqq = 0, sqw = 0, sww = 0;
        for (std::size_t t = 0; t < n; ++t) {
            const double q = std::clamp(std::nearbyint((w[t] - f.a) / f.s), 0.0, double(max_level));
            const double d = w[t] - mean;
            sq += q;
            sqq += q * q;
            sqw += q * d;
            sww += d * d;
        }
        const double var = sqq - sq * sq / static_cast<double>(n);
        if (!(var > 0)) break;
        const double sse = std::max(sww - sqw * sqw / var, 0.0);
        if (!(sse < f.sse * (1 - 1e-12))) break;
        f.s = sqw / var;
        f.a = mean - f.s * sq / static_cast<double>(n);
        f.sse = sse;
    }
    return f;
}

/// The smallest SSE found for one group of n values and codes 0..max_level.
inline OracleFit oracle_group(const float* w, std::size_t n, int max_level, int scale_steps = 160) {
    double mean = 0, mn = w[0], mx = w[0];
    for (std::size_t t = 0; t < n; ++t) {
        mean += w[t];
        mn = std::min<double>(mn, w[t]);
        mx = std::max<double>(mx, w[t]);
    }
    mean /= static_cast<double>(n);
    double sww = 0;
    for (std::size_t t = 0; t < n; ++t) sww += (w[t] - mean) * (w[t] - mean);
    if (!(mx > mn)) return {0, mn, 1};

    const double L = max_level, range = mx - mn;
    OracleFit best{sww, mean, range / L};  // one level at the mean
    struct Break {
        double at, d;  // position of the breakpoint; w_t - mean
        int k;         // the code steps from k + 1 to k
    };
    std::vector<Break> br(n * static_cast<std::size_t>(max_level));
    const int steps = max_level == 1 ? 1 : scale_steps;  // at 1 bit the step does not matter
    for (int j = 0; j < steps; ++j) {
        const double f = max_level == 1 ? 1.0 : 0.02 + 1.23 * j / (steps - 1);
        const double s = f * range / L;
        std::size_t b = 0;
        for (std::size_t t = 0; t < n; ++t)
            for (int k = 0; k < max_level; ++k) br[b++] = {w[t] - (k + 0.5) * s, w[t] - mean, k};
        std::sort(br.begin(), br.end(), [](const Break& x, const Break& y) { return x.at < y.at; });
        double sq = L * static_cast<double>(n), sqq = L * L * static_cast<double>(n), sqw = 0;
        for (const Break& x : br) {
            sq -= 1;
            sqq -= 2 * x.k + 1;
            sqw -= x.d;
            const double var = sqq - sq * sq / static_cast<double>(n);
            if (var <= 1e-9) continue;
            const double sse = sww - sqw * sqw / var;
            if (sse < best.sse) {
                const double ns = sqw / var;
                best = {std::max(sse, 0.0), mean - ns * sq / static_cast<double>(n), ns};
            }
        }
    }
    if (best.s > 0) best = oracle_polish(w, n, max_level, best);
    return best;
}

}  // namespace bitla_test
