// bitla/quant/hqq_improved.hpp — the least-squares affine grid of every group (detail of
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
// deviation, narrower fractions of the range, and (with more levels) grids a little wider
// or narrower than the range slid across it — take one assignment and refit from each,
// refine the best few with Lloyd steps and keep the best. The search closes to within
// about 2% of a slow exhaustive search (see tests/quant/oracle.hpp) at 1, 2 and 4 bits.
//
// Speed: the groups are fitted `affine_lanes` at a time, one group per lane. A batch
// holds its groups' values transposed (value t of every lane side by side), centred on
// the group mean and divided by the group range (computed in double, so tiny and huge
// weights behave alike), so every step of the search — a pass over the values with one
// sum per lane, and the per-group bookkeeping between passes — is a loop over lanes the
// compiler vectorises, and a group of 8 values costs about what 8 values of a group of
// 128 do. Sums are in float: codes are small integers and the values lie in [-1, 1].
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "../core/config.hpp"

BITLA_BEGIN_NAMESPACE
namespace detail {

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

/// Four floats, one per lane (GCC / clang vector extension: SSE, NEON or scalar code,
/// whatever the target; the same type in every translation unit).
using lane4 = float __attribute__((vector_size(16)));

inline lane4 splat4(float x) noexcept { return lane4{x, x, x, x}; }
inline lane4 min4(lane4 a, lane4 b) noexcept { return a < b ? a : b; }
inline lane4 max4(lane4 a, lane4 b) noexcept { return a > b ? a : b; }
/// clamp(round(x), 0, hi), round half to even: clamping first is equivalent (0 and hi are
/// integers) and keeps x small enough for the 1.5·2^23 trick.
inline lane4 round_clamp4(lane4 x, lane4 hi) noexcept {
    const lane4 magic = splat4(12582912.0f);
    return (min4(max4(x, lane4{}), hi) + magic) - magic;
}

inline constexpr std::size_t affine_vecs = 2;                 // lane4 vectors per batch
inline constexpr std::size_t affine_lanes = 4 * affine_vecs;  // groups per batch

/// One grid per lane, in a batch's normalised units: w ≈ a + s·q, e = its SSE.
struct LaneGrids {
    lane4 a[affine_vecs] = {}, s[affine_vecs] = {}, e[affine_vecs] = {};
};

/// Lane-wise: where e[l] < into.e[l], into takes lane l of g. Returns whether any did.
inline bool take_better(const LaneGrids& g, LaneGrids& into) noexcept {
    bool any = false;
    for (std::size_t k = 0; k < affine_vecs; ++k) {
        const auto lt = g.e[k] < into.e[k];
        into.a[k] = lt ? g.a[k] : into.a[k];
        into.s[k] = lt ? g.s[k] : into.s[k];
        into.e[k] = lt ? g.e[k] : into.e[k];
        any |= (lt[0] | lt[1] | lt[2] | lt[3]) != 0;
    }
    return any;
}

/// `affine_lanes` groups of n values, transposed and normalised (see the header comment).
class AffineBatch {
public:
    static constexpr std::size_t B = affine_lanes, V = affine_vecs;

    AffineBatch(std::size_t n, int max_level) : n_(n), hi_(splat4(static_cast<float>(max_level))), d_(n * V) {}

    /// Loads the groups src[0 .. B) (null: a copy of src[0], result unused).
    void load(const float* const* src) {
        const std::size_t n = n_;
        for (std::size_t l = 0; l < B; ++l) {
            const float* w = src[l] ? src[l] : src[0];
            float mn = w[0], mx = w[0], sum = 0;
            for (std::size_t t = 0; t < n; ++t) {
                mn = std::min(mn, w[t]);
                mx = std::max(mx, w[t]);
                sum += w[t];
            }
            const double range = double{mx} - double{mn};
            double mean = static_cast<double>(sum) / static_cast<double>(n);
            float mnl = -0.5f;  // the normalised minimum
            if (range > 1e-30 && range < 1e30) {  // float arithmetic holds: the usual case
                const float m = static_cast<float>(mean), inv = static_cast<float>(1.0 / range);
                for (std::size_t t = 0; t < n; ++t) d_[t * V + l / 4][l % 4] = (w[t] - m) * inv;
                mean = m;
                mnl = (mn - m) * inv;
            } else if (range > 0) {  // tiny or huge weights: centre and scale in double
                double dsum = 0;
                for (std::size_t t = 0; t < n; ++t) dsum += w[t];
                mean = dsum / static_cast<double>(n);
                const double inv = 1.0 / range;
                for (std::size_t t = 0; t < n; ++t)
                    d_[t * V + l / 4][l % 4] = static_cast<float>((w[t] - mean) * inv);
                mnl = static_cast<float>((mn - mean) * inv);
            } else {  // a constant group (answered in closed form): harmless stand-in values
                for (std::size_t t = 0; t < n; ++t) d_[t * V + l / 4][l % 4] = (t & 1) ? 0.5f : -0.5f;
            }
            mn_[l / 4][l % 4] = mnl;
            mean_[l] = mean;
            range_[l] = range;
            min_[l] = mn;
        }
        lane4 sd[V] = {}, sdd[V] = {}, sad[V] = {};
        for (std::size_t t = 0; t < n; ++t)
            for (std::size_t k = 0; k < V; ++k) {
                sd[k] += d_[t * V + k];
                sdd[k] += d_[t * V + k] * d_[t * V + k];
            }
        const lane4 nf = splat4(static_cast<float>(n));
        for (std::size_t k = 0; k < V; ++k) dbar_[k] = sd[k] / nf;
        for (std::size_t t = 0; t < n; ++t)
            for (std::size_t k = 0; k < V; ++k) {
                const lane4 x = d_[t * V + k] - dbar_[k];
                sad[k] += x < 0 ? -x : x;
            }
        for (std::size_t k = 0; k < V; ++k) {
            sww_[k] = max4(sdd[k] - sd[k] * dbar_[k], lane4{});
            for (int j = 0; j < 4; ++j) sigma_[k][j] = std::sqrt(sww_[k][j] / nf[j]);
            mad_sigma_[k] = splat4(1.2533f) * sad[k] / nf;  // σ of a Gaussian from its mean |w - w̄|
        }
    }

    /// For every lane: the codes of grid (a, s), then the least-squares grid through them
    /// and its SSE.
    void assign_refit(const lane4* a, const lane4* s, LaneGrids& out) const {
        // The hot loop, with both vectors spelled out so the sums stay in registers at
        // any optimisation level (arrays indexed by k only do once the loop is unrolled).
        static_assert(V == 2);
        const lane4 hi = hi_, a0 = a[0], a1 = a[1], inv0 = splat4(1.0f) / s[0], inv1 = splat4(1.0f) / s[1];
        lane4 sq0{}, sq1{}, sqq0{}, sqq1{}, sqw0{}, sqw1{};
        const lane4* d = d_.data();
        for (std::size_t t = 0; t < n_; ++t, d += V) {
            const lane4 d0 = d[0], d1 = d[1];
            const lane4 q0 = round_clamp4((d0 - a0) * inv0, hi), q1 = round_clamp4((d1 - a1) * inv1, hi);
            sq0 += q0;
            sq1 += q1;
            sqq0 += q0 * q0;
            sqq1 += q1 * q1;
            sqw0 += q0 * d0;
            sqw1 += q1 * d1;
        }
        const lane4 sq[V] = {sq0, sq1}, sqq[V] = {sqq0, sqq1}, sqw[V] = {sqw0, sqw1};
        const lane4 rn = splat4(1.0f / static_cast<float>(n_)), one = splat4(1.0f), zero{};
        for (std::size_t k = 0; k < V; ++k) {
            const lane4 qbar = sq[k] * rn;
            const lane4 var = sqq[k] - sq[k] * qbar;      // Σ (q - q̄)²
            const lane4 cov = sqw[k] - sq[k] * dbar_[k];  // Σ (q - q̄)(d - d̄)
            const auto fit = (var > zero) & (cov > zero);  // else one level: it sits at the mean
            const lane4 ns = fit ? cov * (one / (fit ? var : one)) : s[k];
            out.s[k] = ns;
            out.a[k] = dbar_[k] - ns * qbar;
            out.e[k] = fit ? max4(sww_[k] - cov * ns, zero) : sww_[k];
        }
    }

    /// Codes of grid g (q[l] points at lane l's n codes; null: skipped) and HQQ's scale and
    /// zero in the group's own units.
    void write(const LaneGrids& g, std::uint8_t* const* q, float* scale, float* zero) const {
        lane4 inv[V];
        for (std::size_t k = 0; k < V; ++k) inv[k] = splat4(1.0f) / g.s[k];
        for (std::size_t t = 0; t < n_; ++t)
            for (std::size_t k = 0; k < V; ++k) {
                const lane4 c = round_clamp4((d_[t * V + k] - g.a[k]) * inv[k], hi_);
                for (std::size_t j = 0; j < 4; ++j)
                    if (q[4 * k + j]) q[4 * k + j][t] = static_cast<std::uint8_t>(c[j]);
            }
        for (std::size_t l = 0; l < B; ++l) {
            if (!q[l]) continue;
            if (!(range_[l] > 0)) {  // a constant group: one level holds it exactly
                for (std::size_t t = 0; t < n_; ++t) q[l][t] = 0;
                scale[l] = 1.0f;
                zero[l] = -min_[l];
                continue;
            }
            const double s = double{g.s[l / 4][l % 4]} * range_[l], a = mean_[l] + double{g.a[l / 4][l % 4]} * range_[l];
            scale[l] = static_cast<float>(s);
            zero[l] = static_cast<float>(-a / s);
        }
    }

    [[nodiscard]] const lane4* mn() const noexcept { return mn_; }
    [[nodiscard]] const lane4* mean() const noexcept { return dbar_; }
    [[nodiscard]] const lane4* sigma() const noexcept { return sigma_; }
    [[nodiscard]] const lane4* mad_sigma() const noexcept { return mad_sigma_; }

private:
    std::size_t n_;
    lane4 hi_;
    std::vector<lane4> d_;  // d_[t * V + l / 4][l % 4]: value t of lane l, (w - mean) / range
    double mean_[B] = {}, range_[B] = {};
    float min_[B] = {};
    lane4 mn_[V] = {}, dbar_[V] = {}, sww_[V] = {}, sigma_[V] = {}, mad_sigma_[V] = {};
};

/// The search of the header comment over one batch; returns the best grid per lane.
inline LaneGrids search_affine(const AffineBatch& b, int max_level) {
    constexpr std::size_t V = affine_vecs;
    constexpr int keep = 3;
    const lane4 inf = splat4(std::numeric_limits<float>::infinity());
    LaneGrids top[keep], g;
    for (auto& t : top)
        for (auto& e : t.e) e = inf;
    lane4 a[V], s[V];
    // Stage 1: one assignment and refit from each start; keep the best `keep` per lane.
    const auto start = [&] {
        b.assign_refit(a, s, g);
        for (auto& t : top)  // insert g into the sorted list, lane by lane
            for (std::size_t k = 0; k < V; ++k) {
                const auto lt = g.e[k] < t.e[k];
                const lane4 ta = t.a[k], ts = t.s[k], te = t.e[k];
                t.a[k] = lt ? g.a[k] : ta;
                t.s[k] = lt ? g.s[k] : ts;
                t.e[k] = lt ? g.e[k] : te;
                g.a[k] = lt ? ta : g.a[k];
                g.s[k] = lt ? ts : g.s[k];
                g.e[k] = lt ? te : g.e[k];
            }
    };
    const float levels = static_cast<float>(max_level);
    const lane4 c = splat4(static_cast<float>(gaussian_uniform_step(max_level))), half_levels = splat4(levels / 2);
    const lane4 *mn = b.mn(), *mean = b.mean(), *sigma = b.sigma(), *mad = b.mad_sigma();
    // In normalised units every range is 1: min-max is (mn, 1 / L).
    const auto from_min = [&](float offset, float step) {  // a = mn + offset, s = step
        for (std::size_t k = 0; k < V; ++k) {
            a[k] = mn[k] + offset;
            s[k] = splat4(step);
        }
        start();
    };
    const auto spread = [&](const lane4* sd) {  // Gaussian-optimal step for spread sd, centred
        for (std::size_t k = 0; k < V; ++k) {
            s[k] = c * sd[k];
            a[k] = mean[k] - s[k] * half_levels;
        }
        start();
    };
    from_min(0, 1 / levels);  // the min-max grid (HQQ's start)
    spread(sigma);            // Gaussian-optimal for the spread
    spread(mad);              // the same, robust to outliers
    for (const float f : {0.75f, 0.5f}) from_min((1 - f) / 2, f / levels);  // clip the tails
    if (max_level >= 2) {
        // Grids a little wider than the range, slid across the slack: with many levels
        // and few values, where the values fall between levels matters more than the ends.
        const bool many = max_level >= 7;
        for (const float f : {1.05f, 1.1f, 1.15f, 1.2f}) {
            if (!many && (f == 1.1f || f == 1.2f)) continue;
            const float slack = f - 1;
            if (many)
                for (const float d : {0.0f, 1.0f / 3, 2.0f / 3, 1.0f}) from_min(-d * slack, f / levels);
            else
                for (const float d : {0.0f, 0.5f, 1.0f}) from_min(-d * slack, f / levels);
        }
        // And a little narrower, slid across the range: clip one tail or both.
        if (many)
            for (const float f : {0.85f, 0.92f})
                for (const float d : {0.0f, 0.5f, 1.0f}) from_min(d * (1 - f), f / levels);
    }
    // Stage 2: Lloyd steps from the best starts, every lane until none improves.
    LaneGrids best;
    for (auto& e : best.e) e = inf;
    for (auto& cur : top) {
        for (int it = 0; it < 8; ++it) {
            b.assign_refit(cur.a, cur.s, g);
            if (!take_better(g, cur)) break;
        }
        take_better(cur, best);
    }
    return best;
}

/// Fits every group: `group(g)` points at group g's n values (n a multiple of 8); writes
/// its codes to q + g·n and HQQ's (scale, zero) to scale[g], zero[g], w ≈ (q - zero)·scale.
template <class Group>
void fit_affine_groups(const Group& group, std::size_t groups, std::size_t n, int max_level, std::uint8_t* q,
                       float* scale, float* zero) {
    constexpr std::size_t B = affine_lanes;
    AffineBatch batch(n, max_level);
    const float* src[B];
    std::uint8_t* dst[B];
    float sc[B], ze[B];
    for (std::size_t g0 = 0; g0 < groups; g0 += B) {
        for (std::size_t l = 0; l < B; ++l) {
            const bool real = g0 + l < groups;
            src[l] = real ? group(g0 + l) : nullptr;
            dst[l] = real ? q + (g0 + l) * n : nullptr;
        }
        batch.load(src);
        const LaneGrids best = search_affine(batch, max_level);
        batch.write(best, dst, sc, ze);
        for (std::size_t l = 0; l < B && g0 + l < groups; ++l) {
            scale[g0 + l] = sc[l];
            zero[g0 + l] = ze[l];
        }
    }
}

}  // namespace detail
BITLA_END_NAMESPACE
