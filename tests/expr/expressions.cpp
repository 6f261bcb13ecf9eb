// Every composition equals the dense float reference — built here from the raw operands,
// independently of the expression machinery — within a K-derived bound.
#include <bitla/expr/expr.hpp>

#include <catch2/catch.hpp>

#include <vector>

#include "support/random.hpp"

using namespace bitla;
using namespace bitla::expr;
using namespace bitla_test;

namespace {

/// y = x · Wᵀ + b in double from a dense W; also the bound (K + extra + 2)·eps·Σ|x||W| + |b|.
void check_against_dense(const Matrix<double>& w_dense, const Matrix<float>& x, std::span<const float> b,
                         const Matrix<float>& y, std::size_t extra_terms) {
    REQUIRE(y.rows() == x.rows());
    REQUIRE(y.cols() == w_dense.rows());
    for (std::size_t m = 0; m < x.rows(); ++m)
        for (std::size_t n = 0; n < w_dense.rows(); ++n) {
            double want = b.empty() ? 0.0 : b[n], mag = b.empty() ? 0.0 : std::abs(b[n]);
            for (std::size_t k = 0; k < x.cols(); ++k) {
                want += double(x(m, k)) * w_dense(n, k);
                mag += std::abs(double(x(m, k)) * w_dense(n, k));
            }
            INFO("m = " << m << ", n = " << n);
            REQUIRE(std::abs(double(y(m, n)) - want) <= float_bound(x.cols() + extra_terms + 2, mag) + 1e-30);
        }
}

Matrix<float> random_positive(std::size_t r, std::size_t c) {
    auto m = random_floats(r, c, 0.5f);
    for (auto& v : m.flat()) v = std::abs(v) + 0.01f;
    return m;
}

}  // namespace

TEST_CASE("HQQ 2-bit grouped plus rank-16 low rank plus bias equals the dense reference", "[expr]") {
    for (std::size_t m : {1u, 3u})
        for (std::size_t n : {1u, 7u})
            for (std::size_t k : {64u, 512u})
                for (std::size_t g : {8u, 64u}) {
                    const std::size_t r = 16;
                    auto q = random_ints<int>(n, k, 0, 3);
                    auto wq = BitPlanes::from_values(q, 2);
                    auto s = random_positive(n, k / g);
                    auto u = random_floats(n, k / g);
                    auto B = random_floats(n, r, 0.1f), A = random_floats(r, k, 0.1f);
                    std::vector<float> b(n);
                    for (auto& v : b) v = random_floats(1, 1)(0, 0);
                    auto x = random_floats(m, k);

                    auto w = packed(wq) * group_scale(s, g) + group_zero(u, g) + low_rank(B, A);
                    Matrix<float> y(m, n);
                    evaluate(linear(x, w) + bias(b), y.view());

                    Matrix<double> dense(n, k);
                    for (std::size_t i = 0; i < n; ++i)
                        for (std::size_t j = 0; j < k; ++j) {
                            double v = q(i, j) * double(s(i, j / g)) + u(i, j / g);
                            for (std::size_t t = 0; t < r; ++t) v += double(B(i, t)) * A(t, j);
                            dense(i, j) = v;
                        }
                    check_against_dense(dense, x, b, y, r + k / g);
                    auto wd = dequantize(w);
                    for (std::size_t i = 0; i < n; ++i)
                        for (std::size_t j = 0; j < k; ++j) REQUIRE(std::abs(wd(i, j) - dense(i, j)) <= 1e-5 * (1 + std::abs(dense(i, j))));
                }
}

TEST_CASE("HQQ native zero points fold as (Wq - z) times s", "[expr]") {
    const std::size_t n = 5, k = 128, g = 32;
    auto q = random_ints<int>(n, k, 0, 3);
    auto wq = BitPlanes::from_values(q, 2);
    auto s = random_positive(n, k / g);
    auto z = random_floats(n, k / g, 2.0f);
    auto x = random_floats(3, k);
    auto y = evaluate(linear(x, packed(wq) * group_scale(s, g) + group_zero_point(z, s, g)));
    Matrix<double> dense(n, k);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < k; ++j) dense(i, j) = (q(i, j) - double(z(i, j / g))) * s(i, j / g);
    check_against_dense(dense, x, {}, y, k / g);
    Matrix<float> s_bad(n, 3);
    REQUIRE_THROWS_WITH(lower(packed(wq) + group_zero_point(z, s_bad, g)), Catch::Contains("scale is 5 x 3"));
}

TEST_CASE("binary plus ternary sums scaled per row with a rank-one zero", "[expr]") {
    const std::size_t m = 3, n = 7, k = 129;
    auto bv = random_ints<int>(n, k, 0, 1);
    auto tv = random_ints<int>(n, k, -1, 1);
    auto b01 = BitPacked<enc::zero_one>::from_values(bv);
    auto t = TernaryPacked<enc::code2>::from_values(tv);
    auto s = random_positive(n, 1);
    std::vector<float> u(n);
    for (auto& v : u) v = random_floats(1, 1)(0, 0);
    auto x = random_floats(m, k);

    auto w = (packed(b01) + packed(t)) * row_scale(s) + row_zero(u);
    const Plan plan = lower(w);
    REQUIRE(plan.packed.size() == 2);
    REQUIRE(plan.factors.size() == 1);
    REQUIRE(plan.rank() == 1);
    auto y = evaluate(linear(x, w));

    Matrix<double> dense(n, k);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < k; ++j) dense(i, j) = (bv(i, j) + tv(i, j)) * double(s(i, 0)) + u[i];
    check_against_dense(dense, x, {}, y, 3);
}

TEST_CASE("n bit-planes weighted by powers of two equal the n-bit matrix", "[expr]") {
    const std::size_t m = 2, n = 5, k = 200;
    auto q = random_ints<int>(n, k, 0, 7);
    auto wq = BitPlanes::from_values(q, 3);
    std::vector<BitPacked<enc::zero_one>> planes;
    for (int i = 0; i < 3; ++i) {
        Matrix<int> pi(n, k);
        for (std::size_t a = 0; a < n; ++a)
            for (std::size_t c = 0; c < k; ++c) pi(a, c) = (q(a, c) >> i) & 1;
        planes.push_back(BitPacked<enc::zero_one>::from_values(pi));
    }
    auto x = random_floats(m, k);
    auto s = random_positive(n, 25);
    auto y_planes = evaluate(linear(x, (4 * packed(planes[2]) + 2 * packed(planes[1]) + packed(planes[0])) * group_scale(s, 8)));
    auto y_nbit = evaluate(linear(x, packed(wq) * group_scale(s, 8)));
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) REQUIRE(std::abs(y_planes(i, j) - y_nbit(i, j)) <= 1e-5f * (1 + std::abs(y_nbit(i, j))));
}

TEST_CASE("rank-one zeros merge with low rank into rank r plus one", "[expr]") {
    const std::size_t n = 6, k = 64, r = 4;
    auto wv = random_ints<int>(n, k, -1, 1);
    auto w = TernaryPacked<enc::planes>::from_values(wv);
    auto u = random_floats(n, 1);
    auto B = random_floats(n, r), A = random_floats(r, k);
    auto e = packed(w) * tensor_scale(0.5f) + row_zero(u) + low_rank(B, A);
    const Plan p = lower(e);
    REQUIRE(p.factors.size() == 2);
    REQUIRE(p.rank() == r + 1);
    REQUIRE(p.factors[0].ones());
    auto x = random_floats(2, k);
    auto y = evaluate(linear(x, e));
    Matrix<double> dense(n, k);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < k; ++j) {
            double v = 0.5 * wv(i, j) + u(i, 0);
            for (std::size_t t = 0; t < r; ++t) v += double(B(i, t)) * A(t, j);
            dense(i, j) = v;
        }
    check_against_dense(dense, x, {}, y, r + 1);
}

TEST_CASE("int8 activations with a per-row scale", "[expr]") {
    const std::size_t m = 4, n = 7, k = 513;
    auto wv = random_ints<int>(n, k, -1, 1);
    auto w = TernaryPacked<enc::planes>::from_values(wv);
    auto q = random_ints<std::int8_t>(m, k, -127, 127);
    std::vector<float> sx = {0.01f, 0.5f, 2.0f, 1.0f};
    auto s = random_positive(n, 1);
    auto y = evaluate(linear(int8_rows(q, sx), packed(w) * row_scale(s)));
    Matrix<float> xf(m, k);
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < k; ++j) xf(i, j) = float(q(i, j)) * sx[i];
    Matrix<double> dense(n, k);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < k; ++j) dense(i, j) = wv(i, j) * double(s(i, 0));
    check_against_dense(dense, xf, {}, y, 2);
}

TEST_CASE("shape errors name both shapes before y is written", "[expr][errors]") {
    auto w4 = BitPlanes::from_values(random_ints<int>(4, 64, 0, 3), 2);
    auto w5 = BitPlanes::from_values(random_ints<int>(5, 64, 0, 3), 2);
    Matrix<float> s(4, 8), s_bad(4, 3), u(4, 8), x(2, 64), x_bad(2, 65);
    Matrix<float> y(2, 4);
    y(0, 0) = 42;

    REQUIRE_THROWS_WITH(lower(packed(w4) + packed(w5)),
                        Catch::Contains("term 2 (packed, 5 x 64) has N = 5 but term 1 (packed, 4 x 64) has N = 4"));
    REQUIRE_THROWS_WITH(lower(packed(w4) * group_scale(s, 12)), Catch::Contains("group size 12 must be a positive multiple of 8"));
    REQUIRE_THROWS_WITH(lower(packed(w4) * group_scale(s, 48)), Catch::Contains("group size 48 does not divide K = 64"));
    REQUIRE_THROWS_WITH(lower(packed(w4) * group_scale(s_bad, 8)), Catch::Contains("scale is 4 x 3 but N x K/G is 4 x 8"));
    REQUIRE_THROWS_WITH(lower(packed(w4) + group_zero(s_bad, 8)), Catch::Contains("u is 4 x 3 but N x K/G is 4 x 8"));
    Matrix<float> B(4, 3), A(2, 64), A65(3, 65);
    REQUIRE_THROWS_WITH(lower(packed(w4) + low_rank(B, A)), Catch::Contains("B has 3 columns but A has 2 rows"));
    REQUIRE_THROWS_WITH(lower(packed(w4) + low_rank(B, A65)), Catch::Contains("has K = 65 but term 1"));
    std::vector<float> u4(4);
    REQUIRE_THROWS_WITH(lower(row_zero(u4)), Catch::Contains("no term that fixes K"));

    REQUIRE_THROWS_WITH(evaluate(linear(x_bad, packed(w4)), y.view()), Catch::Contains("x is 2 x 65 but the weights have K = 64"));
    Matrix<float> y_bad(2, 5);
    REQUIRE_THROWS_WITH(evaluate(linear(x, packed(w4)), y_bad.view()), Catch::Contains("y is 2 x 5 but x · wᵀ is 2 x 4"));
    std::vector<float> b3(3);
    REQUIRE_THROWS_WITH(evaluate(linear(x, packed(w4)) + bias(b3), y.view()), Catch::Contains("bias has 3 values but N = 4"));
    REQUIRE_THROWS_WITH(evaluate(linear(x, packed(w4) * group_scale(s, 8)), MatrixView<float>(s.data(), 2, 4)),
                        Catch::Contains("y overlaps a scale"));
    std::vector<float> sx(1);
    Matrix<std::int8_t> q(2, 64);
    REQUIRE_THROWS_WITH(evaluate(linear(int8_rows(q, sx), packed(w4)), y.view()), Catch::Contains("2 rows but 1 scales"));
    REQUIRE(y(0, 0) == 42);
}
