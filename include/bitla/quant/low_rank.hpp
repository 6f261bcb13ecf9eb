// bitla/quant/low_rank.hpp — a rank-r correction ΔW ≈ B·A fitted to a residual, without
// training data, and HQQ + low-rank with optional alternation.
//
//     auto lr = bitla::fit_low_rank(residual, 32);      // B: N x r, A: r x K
//     auto hl = bitla::hqq_low_rank(w, 32, {.hqq = {.nbits = 2, .group_size = 64}, .alternations = 2});
//     // W ≈ hl.quantized.dequantize() + hl.correction.b · hl.correction.a
//
// fit_low_rank is a randomized SVD (Halko, Martinsson & Tropp 2011) in double precision:
// sketch Y = R·Ω with a Gaussian Ω (K x (r + oversample), fixed seed), `power_iters`
// rounds of Y = R·(Rᵀ·Y) with re-orthonormalisation, Q = orth(Y), then the exact SVD of
// the small Qᵀ·R (through the Jacobi eigen-decomposition of its Gram matrix). The result
// is the best rank-r approximation of R within the sketched subspace:
//     B = Q·U_r (orthonormal columns),  A = U_rᵀ·Qᵀ·R (row i is σ_i·v_iᵀ).
// In a product Y = X·Wᵀ the correction adds (X·Aᵀ)·Bᵀ (docs/design.md §3).
//
// hqq_low_rank quantizes W, fits B·A to W - Ŵ, and then `alternations` times quantizes
// W - B·A again and refits B·A to what the new quantization leaves. It returns the best
// state seen and the relative Frobenius error ||W - Ŵ - B·A|| / ||W|| of every step.
//
// Errors (bitla::error): NaN/Inf or an empty residual, rank 0 or rank > min(N, K), plus
// everything quantize_hqq rejects.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "../core/matrix.hpp"
#include "hqq.hpp"

BITLA_BEGIN_NAMESPACE

struct LowRankOptions {
    std::size_t oversample = 8;  ///< extra sketch columns beyond the rank
    int power_iters = 2;         ///< subspace iterations: sharpen a slowly decaying spectrum
    std::uint64_t seed = 0x5eed; ///< the sketch's seed: same inputs, same factors
};

struct LowRankFactors {
    Matrix<float> b;                   ///< N x r
    Matrix<float> a;                   ///< r x K
    std::vector<double> singular_values;  ///< the r largest, of the sketched residual

    [[nodiscard]] std::size_t rank() const noexcept { return b.cols(); }
    /// B·A, N x K.
    [[nodiscard]] Matrix<float> product() const {
        Matrix<float> out(b.rows(), a.cols());
        for (std::size_t n = 0; n < b.rows(); ++n)
            for (std::size_t i = 0; i < rank(); ++i) {
                const float bi = b(n, i);
                for (std::size_t k = 0; k < a.cols(); ++k) out(n, k) += bi * a(i, k);
            }
        return out;
    }
};

namespace detail {

/// Dense double matrix, row-major, for the small factorizations of the fit.
struct Dense {
    std::size_t rows = 0, cols = 0;
    std::vector<double> v;
    Dense(std::size_t r, std::size_t c) : rows(r), cols(c), v(r * c) {}
    double& operator()(std::size_t r, std::size_t c) { return v[r * cols + c]; }
    double operator()(std::size_t r, std::size_t c) const { return v[r * cols + c]; }
};

/// Y (N x l) = R · Z, Z (K x l).
template <class T>
Dense times(const MatrixView<const T>& r, const Dense& z) {
    Dense y(r.rows, z.cols);
    for (std::size_t n = 0; n < r.rows; ++n)
        for (std::size_t k = 0; k < r.cols; ++k) {
            const double x = r(n, k);
            const double* zr = &z.v[k * z.cols];
            double* yr = &y.v[n * y.cols];
            for (std::size_t j = 0; j < z.cols; ++j) yr[j] += x * zr[j];
        }
    return y;
}

/// Z (K x l) = Rᵀ · Y, Y (N x l).
template <class T>
Dense times_transposed(const MatrixView<const T>& r, const Dense& y) {
    Dense z(r.cols, y.cols);
    for (std::size_t n = 0; n < r.rows; ++n)
        for (std::size_t k = 0; k < r.cols; ++k) {
            const double x = r(n, k);
            const double* yr = &y.v[n * y.cols];
            double* zr = &z.v[k * z.cols];
            for (std::size_t j = 0; j < y.cols; ++j) zr[j] += x * yr[j];
        }
    return z;
}

/// Orthonormalises the columns in place (modified Gram-Schmidt, twice: "twice is
/// enough"). A column that vanishes against the others is set to zero.
inline void orthonormalize(Dense& y) {
    for (std::size_t j = 0; j < y.cols; ++j) {
        for (int pass = 0; pass < 2; ++pass)
            for (std::size_t i = 0; i < j; ++i) {
                double d = 0;
                for (std::size_t n = 0; n < y.rows; ++n) d += y(n, i) * y(n, j);
                for (std::size_t n = 0; n < y.rows; ++n) y(n, j) -= d * y(n, i);
            }
        double norm = 0;
        for (std::size_t n = 0; n < y.rows; ++n) norm += y(n, j) * y(n, j);
        norm = std::sqrt(norm);
        const double inv = norm > 1e-300 ? 1.0 / norm : 0.0;
        for (std::size_t n = 0; n < y.rows; ++n) y(n, j) *= inv;
    }
}

/// Eigen-decomposition of a symmetric l x l matrix by cyclic Jacobi rotations: returns
/// the eigenvalues (descending) and overwrites `vecs` with the eigenvectors as columns.
inline std::vector<double> symmetric_eigen(Dense a, Dense& vecs) {
    const std::size_t l = a.rows;
    vecs = Dense(l, l);
    for (std::size_t i = 0; i < l; ++i) vecs(i, i) = 1;
    for (int sweep = 0; sweep < 100; ++sweep) {
        double off = 0, diag = 0;
        for (std::size_t i = 0; i < l; ++i) {
            diag += a(i, i) * a(i, i);
            for (std::size_t j = i + 1; j < l; ++j) off += a(i, j) * a(i, j);
        }
        if (off <= 1e-30 * diag || off == 0) break;
        for (std::size_t p = 0; p < l; ++p)
            for (std::size_t q = p + 1; q < l; ++q) {
                if (a(p, q) == 0) continue;
                const double theta = (a(q, q) - a(p, p)) / (2 * a(p, q));
                const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
                const double c = 1 / std::sqrt(t * t + 1), s = t * c;
                for (std::size_t k = 0; k < l; ++k) {  // A = Jᵀ A J
                    const double akp = a(k, p), akq = a(k, q);
                    a(k, p) = c * akp - s * akq;
                    a(k, q) = s * akp + c * akq;
                }
                for (std::size_t k = 0; k < l; ++k) {
                    const double apk = a(p, k), aqk = a(q, k);
                    a(p, k) = c * apk - s * aqk;
                    a(q, k) = s * apk + c * aqk;
                }
                for (std::size_t k = 0; k < l; ++k) {
                    const double vkp = vecs(k, p), vkq = vecs(k, q);
                    vecs(k, p) = c * vkp - s * vkq;
                    vecs(k, q) = s * vkp + c * vkq;
                }
            }
    }
    std::vector<std::size_t> order(l);
    for (std::size_t i = 0; i < l; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return a(x, x) > a(y, y); });
    std::vector<double> values(l);
    Dense sorted(l, l);
    for (std::size_t j = 0; j < l; ++j) {
        values[j] = a(order[j], order[j]);
        for (std::size_t i = 0; i < l; ++i) sorted(i, j) = vecs(i, order[j]);
    }
    vecs = std::move(sorted);
    return values;
}

}  // namespace detail

/// The rank-`rank` randomized SVD of `residual` (N x K): residual ≈ B·A.
template <dense_matrix M>
[[nodiscard]] LowRankFactors fit_low_rank(const M& residual, std::size_t rank, const LowRankOptions& options = {}) {
    const auto r = const_view(residual);
    detail::check_view(r, "residual");
    detail::require(!r.empty(), "residual", "residual is ", r.rows, " x ", r.cols, ": nothing to fit");
    detail::require(rank >= 1 && rank <= std::min(r.rows, r.cols), "rank", "rank = ", rank, " is outside [1, ",
                    std::min(r.rows, r.cols), "] for a ", r.rows, " x ", r.cols, " residual");
    detail::require(options.power_iters >= 0, "options", "power_iters = ", options.power_iters, " is negative");
    detail::check_finite(r, "residual");

    const std::size_t l = std::min(rank + options.oversample, std::min(r.rows, r.cols));
    detail::Dense omega(r.cols, l);
    std::mt19937_64 gen(options.seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    for (auto& x : omega.v) x = normal(gen);

    detail::Dense q = detail::times(r, omega);  // N x l
    detail::orthonormalize(q);
    for (int i = 0; i < options.power_iters; ++i) {
        detail::Dense z = detail::times_transposed(r, q);  // K x l
        detail::orthonormalize(z);
        q = detail::times(r, z);
        detail::orthonormalize(q);
    }
    const detail::Dense bt = detail::times_transposed(r, q);  // K x l: (Qᵀ R)ᵀ
    detail::Dense gram(l, l);                                   // (Qᵀ R)(Qᵀ R)ᵀ
    for (std::size_t k = 0; k < bt.rows; ++k)
        for (std::size_t i = 0; i < l; ++i)
            for (std::size_t j = i; j < l; ++j) gram(i, j) += bt(k, i) * bt(k, j);
    for (std::size_t i = 0; i < l; ++i)
        for (std::size_t j = 0; j < i; ++j) gram(i, j) = gram(j, i);
    detail::Dense u(l, l);
    const std::vector<double> eig = detail::symmetric_eigen(gram, u);

    LowRankFactors out{Matrix<float>(r.rows, rank), Matrix<float>(rank, r.cols), {}};
    for (std::size_t i = 0; i < rank; ++i) out.singular_values.push_back(std::sqrt(std::max(eig[i], 0.0)));
    for (std::size_t n = 0; n < r.rows; ++n)  // B = Q · U_r
        for (std::size_t i = 0; i < rank; ++i) {
            double s = 0;
            for (std::size_t j = 0; j < l; ++j) s += q(n, j) * u(j, i);
            out.b(n, i) = static_cast<float>(s);
        }
    for (std::size_t i = 0; i < rank; ++i)  // A = U_rᵀ · (Qᵀ R)
        for (std::size_t k = 0; k < r.cols; ++k) {
            double s = 0;
            for (std::size_t j = 0; j < l; ++j) s += u(j, i) * bt(k, j);
            out.a(i, k) = static_cast<float>(s);
        }
    return out;
}

struct HqqLowRank {
    HqqQuantized quantized;
    LowRankFactors correction;
    /// ||W - Ŵ - B·A||_F / ||W||_F after the first fit and after each alternation.
    std::vector<double> errors;
};

struct HqqLowRankOptions {
    HqqOptions hqq{};              ///< the quantizer's options
    int alternations = 0;          ///< re-quantize W - B·A and refit this many times
    LowRankOptions low_rank{};     ///< the fit's options
};

/// HQQ (any mode) plus a rank-`rank` correction, alternating `options.alternations` times.
template <dense_matrix M>
[[nodiscard]] HqqLowRank hqq_low_rank(const M& w_in, std::size_t rank, const HqqLowRankOptions& opt = {}) {
    const HqqOptions& options = opt.hqq;
    const int alternations = opt.alternations;
    const LowRankOptions& lr_options = opt.low_rank;
    const auto w = const_view(w_in);
    detail::check_view(w, "w");
    detail::require(alternations >= 0, "alternations", "alternations = ", alternations, " is negative");
    detail::require(rank >= 1 && rank <= std::min(w.rows, w.cols), "rank", "rank = ", rank, " is outside [1, ",
                    std::min(w.rows, w.cols), "] for a ", w.rows, " x ", w.cols, " matrix");

    double norm = 0;
    for (std::size_t n = 0; n < w.rows; ++n)
        for (std::size_t k = 0; k < w.cols; ++k) norm += static_cast<double>(w(n, k)) * w(n, k);

    HqqLowRank best;
    Matrix<float> target(w.rows, w.cols);  // what the quantizer sees: W, then W - B·A
    for (std::size_t n = 0; n < w.rows; ++n)
        for (std::size_t k = 0; k < w.cols; ++k) target(n, k) = w(n, k);
    std::vector<double> errors;
    for (int step = 0; step <= alternations; ++step) {
        HqqQuantized q = quantize_hqq(target, options);  // validates options and finiteness
        Matrix<float> residual = q.dequantize();
        for (std::size_t n = 0; n < w.rows; ++n)
            for (std::size_t k = 0; k < w.cols; ++k) residual(n, k) = w(n, k) - residual(n, k);
        LowRankFactors lr = fit_low_rank(residual, rank, lr_options);
        const Matrix<float> ba = lr.product();
        double err = 0;
        for (std::size_t n = 0; n < w.rows; ++n)
            for (std::size_t k = 0; k < w.cols; ++k) {
                const double d = static_cast<double>(residual(n, k)) - ba(n, k);
                err += d * d;
                target(n, k) = w(n, k) - ba(n, k);
            }
        errors.push_back(norm > 0 ? std::sqrt(err / norm) : std::sqrt(err));
        if (step == 0 || errors.back() < *std::min_element(errors.begin(), errors.end() - 1))
            best = HqqLowRank{std::move(q), std::move(lr), {}};
    }
    best.errors = std::move(errors);
    return best;
}

BITLA_END_NAMESPACE
