// Low-rank correction: randomized SVD against matrices with a known spectrum, and
// HQQ + low-rank on the matrices.
#include <catch2/catch.hpp>

#include <bitla/quant/quant.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "quant/matrices.hpp"

using bitla::Matrix;

namespace {

/// Columns of a random n x k matrix with orthonormal columns (Gram-Schmidt in double).
std::vector<std::vector<double>> orthonormal(std::size_t n, std::size_t k, std::uint64_t seed) {
    std::mt19937_64 g(seed);
    std::normal_distribution<double> d;
    std::vector<std::vector<double>> q(k, std::vector<double>(n));
    for (std::size_t j = 0; j < k; ++j) {
        for (auto& x : q[j]) x = d(g);
        for (std::size_t i = 0; i < j; ++i) {
            double dot = 0;
            for (std::size_t t = 0; t < n; ++t) dot += q[i][t] * q[j][t];
            for (std::size_t t = 0; t < n; ++t) q[j][t] -= dot * q[i][t];
        }
        double norm = 0;
        for (double x : q[j]) norm += x * x;
        for (double& x : q[j]) x /= std::sqrt(norm);
    }
    return q;
}

/// U diag(sigma) V^T, 60 x 90.
Matrix<float> with_spectrum(const std::vector<double>& sigma) {
    const auto u = orthonormal(60, sigma.size(), 1), v = orthonormal(90, sigma.size(), 2);
    Matrix<float> m(60, 90);
    for (std::size_t i = 0; i < sigma.size(); ++i)
        for (std::size_t r = 0; r < 60; ++r)
            for (std::size_t c = 0; c < 90; ++c) m(r, c) += float(sigma[i] * u[i][r] * v[i][c]);
    return m;
}

double frobenius_of_difference(const Matrix<float>& a, const Matrix<float>& b) {
    double s = 0;
    for (std::size_t i = 0; i < a.flat().size(); ++i) s += std::pow(double(a.flat()[i]) - b.flat()[i], 2);
    return std::sqrt(s);
}

}  // namespace

TEST_CASE("low rank: recovers the singular values and the best rank-r error", "[quant][low_rank]") {
    std::vector<double> sigma;
    for (int i = 0; i < 20; ++i) sigma.push_back(10.0 * std::pow(0.7, i));
    const auto m = with_spectrum(sigma);
    for (std::size_t r : {1, 3, 8}) {
        const auto lr = bitla::fit_low_rank(m, r);
        REQUIRE(lr.b.rows() == 60);
        REQUIRE(lr.b.cols() == r);
        REQUIRE(lr.a.rows() == r);
        REQUIRE(lr.a.cols() == 90);
        for (std::size_t i = 0; i < r; ++i) CHECK(lr.singular_values[i] == Approx(sigma[i]).epsilon(1e-3));
        double tail = 0;  // Eckart-Young: the best rank-r error
        for (std::size_t i = r; i < sigma.size(); ++i) tail += sigma[i] * sigma[i];
        CHECK(frobenius_of_difference(m, lr.product()) <= std::sqrt(tail) * 1.01 + 1e-4);
    }
}

TEST_CASE("low rank: an exactly low-rank residual is fitted exactly and deterministically", "[quant][low_rank]") {
    const auto m = with_spectrum({3.0, 2.0, 0.5});
    const auto a = bitla::fit_low_rank(m, 3), b = bitla::fit_low_rank(m, 3);
    CHECK(frobenius_of_difference(m, a.product()) < 1e-4);
    for (std::size_t i = 0; i < a.b.flat().size(); ++i) CHECK(a.b.flat()[i] == b.b.flat()[i]);
    const auto other_seed = bitla::fit_low_rank(m, 3, {.seed = 99});
    CHECK(frobenius_of_difference(m, other_seed.product()) < 1e-4);
}

TEST_CASE("low rank: hqq + correction lowers the error with rank and alternation", "[quant][low_rank]") {
    const auto w = bitla_test::heavy_tailed_weights(64, 256, 21);
    const bitla::HqqOptions o{.nbits = 2, .group_size = 64, .mode = bitla::HqqMode::improved};
    const double base = bitla_test::relative_error(w, bitla::quantize_hqq(w, o).dequantize());
    const auto r4 = bitla::hqq_low_rank(w, 4, {.hqq = o});
    const auto r16 = bitla::hqq_low_rank(w, 16, {.hqq = o, .alternations = 2});
    REQUIRE(r4.errors.size() == 1);
    REQUIRE(r16.errors.size() == 3);
    CHECK(r4.errors[0] < base);
    CHECK(r16.errors[0] < r4.errors[0]);
    // the returned state is the best seen, and its error is what the parts give
    auto approx = r16.quantized.dequantize();
    const auto ba = r16.correction.product();
    for (std::size_t i = 0; i < approx.flat().size(); ++i) approx.flat()[i] += ba.flat()[i];
    const double best = *std::min_element(r16.errors.begin(), r16.errors.end());
    CHECK(bitla_test::relative_error(w, approx) == Approx(best).epsilon(1e-4));
}

TEST_CASE("low rank: bad input", "[quant][low_rank][errors]") {
    auto m = bitla_test::gaussian_weights(8, 16, 3);
    CHECK_THROWS_AS(bitla::fit_low_rank(m, 0), bitla::error);
    CHECK_THROWS_AS(bitla::fit_low_rank(m, 9), bitla::error);
    CHECK_THROWS_AS(bitla::fit_low_rank(Matrix<float>(0, 4), 1), bitla::error);
    CHECK_THROWS_AS(bitla::hqq_low_rank(m, 2, {.hqq = {.nbits = 2, .group_size = 8}, .alternations = -1}), bitla::error);
    m(1, 1) = NAN;
    CHECK_THROWS_AS(bitla::fit_low_rank(m, 2), bitla::error);
    CHECK_THROWS_AS(bitla::hqq_low_rank(m, 2, {.hqq = {.nbits = 2, .group_size = 8}}), bitla::error);
}
