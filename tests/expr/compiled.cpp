// The compiled (fused) evaluation against the generic one, on every ISA the host runs.
// Tolerance: the group metadata is fp16 (relative rounding 2^-11 on each scale and zero
// term) and sums are float, so |Δ| <= (2^-10 + (K + R + 8)·eps) · Σ_k |x_k|·|Ŵ|_nk + |b|,
// with |Ŵ| built from the absolute values of every term.
#include <bitla/expr/expr.hpp>

#include <catch2/catch.hpp>

#include <vector>

#include "support/random.hpp"

using namespace bitla;
using namespace bitla::expr;
using namespace bitla_test;

namespace {

Matrix<float> positive(std::size_t r, std::size_t c) {
    auto m = random_floats(r, c, 0.5f);
    for (auto& v : m.flat()) v = std::abs(v) + 0.01f;
    return m;
}

void check_close(const Matrix<float>& got, const Matrix<float>& want, const Matrix<float>& x, const Matrix<double>& w_abs,
                 std::size_t rank) {
    for (std::size_t m = 0; m < got.rows(); ++m)
        for (std::size_t n = 0; n < got.cols(); ++n) {
            double mag = 1e-6;
            for (std::size_t k = 0; k < x.cols(); ++k) mag += std::abs(double(x(m, k))) * w_abs(n, k);
            const double tol = mag * (std::ldexp(1.0, -10) + double(x.cols() + rank + 8) * std::numeric_limits<float>::epsilon());
            INFO("m = " << m << " n = " << n << " got " << got(m, n) << " want " << want(m, n));
            REQUIRE(std::abs(double(got(m, n)) - want(m, n)) <= tol);
        }
}

}  // namespace

TEST_CASE("compiled HQQ 2-bit g64 with low rank and bias matches the generic evaluation on every ISA", "[expr][compiled]") {
    const std::size_t n = 37, k = 512, g = 64, r = 16;
    auto q = random_ints<int>(n, k, 0, 3);
    auto wq = BitPlanes::from_values(q, 2);
    auto s = positive(n, k / g);
    auto z = random_floats(n, k / g, 1.5f);
    auto B = random_floats(n, r, 0.1f), A = random_floats(r, k, 0.1f);
    std::vector<float> b(n);
    for (auto& v : b) v = random_floats(1, 1)(0, 0);
    auto w = packed(wq) * group_scale(s, g) + group_zero_point(z, s, g) + low_rank(B, A);
    const Compiled layer = compile(w);
    REQUIRE(layer.packed().size() == 1);
    REQUIRE(layer.rank() == r);
    REQUIRE(layer.bytes() >= n * k / 4);

    Matrix<double> w_abs(n, k);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < k; ++j) {
            double v = std::abs(q(i, j) * double(s(i, j / g))) + std::abs(double(z(i, j / g)) * s(i, j / g));
            for (std::size_t t = 0; t < r; ++t) v += std::abs(double(B(i, t)) * A(t, j));
            w_abs(i, j) = v;
        }
    for (std::size_t m : {1u, 4u, 9u}) {
        auto x = random_floats(m, k);
        const auto want = evaluate(linear(x, w) + bias(b));
        for (isa i : available_isas()) {
            ScopedIsaLimit limit(i);
            INFO("isa " << name(i) << " m = " << m);
            Matrix<float> y(m, n);
            evaluate(linear(x, layer) + bias(b), y.view());
            check_close(y, want, x, w_abs, r);
        }
    }
}

TEST_CASE("one int8 row with low rank fused into the GEMV pass matches the generic evaluation", "[expr][compiled]") {
    // M = 1: B·t is added slice by slice inside the GEMV pass (AddOptions::row_terms); N
    // spans three 512-row slices, the rank-one zero merges as a second factor, 1 and 2 threads.
    const std::size_t n = 1100, k = 256, g = 64, r = 16;
    auto q = random_ints<int>(n, k, 0, 3);
    auto wq = BitPlanes::from_values(q, 2);
    auto s = positive(n, k / g);
    auto z = random_floats(n, k / g, 1.5f);
    auto u = random_floats(n, 1, 0.2f);
    auto B = random_floats(n, r, 0.1f), A = random_floats(r, k, 0.1f);
    std::vector<float> b(n);
    for (auto& v : b) v = random_floats(1, 1)(0, 0);
    auto w = packed(wq) * group_scale(s, g) + group_zero_point(z, s, g) + row_zero(u) + low_rank(B, A);
    const Compiled layer = compile(w);
    REQUIRE(layer.factors().size() == 2);
    Matrix<double> w_abs(n, k);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < k; ++j) {
            double v = std::abs(q(i, j) * double(s(i, j / g))) + std::abs(double(z(i, j / g)) * s(i, j / g)) +
                       std::abs(double(u(i, 0)));
            for (std::size_t t = 0; t < r; ++t) v += std::abs(double(B(i, t)) * A(t, j));
            w_abs(i, j) = v;
        }
    const auto xq = random_ints<std::int8_t>(1, k, -127, 127);
    const std::vector<float> sx = {0.03f};
    Matrix<float> xf(1, k);
    for (std::size_t j = 0; j < k; ++j) xf(0, j) = float(xq(0, j)) * sx[0];
    const auto want = evaluate(linear(xf, w) + bias(b));
    ThreadPool pools[] = {ThreadPool(1), ThreadPool(2)};
    for (isa i : available_isas())
        for (auto& pool : pools) {
            ScopedIsaLimit limit(i);
            INFO("isa " << name(i) << " threads " << pool.size());
            Matrix<float> y(1, n);
            evaluate(linear(int8_rows(xq, sx), layer) + bias(b), y.view(), {&pool});
            check_close(y, want, xf, w_abs, r + 1);
        }
}

TEST_CASE("compiled sums and row scales and int8 rows match the generic evaluation", "[expr][compiled]") {
    const std::size_t n = 19, k = 320, m = 3;
    auto bv = random_ints<int>(n, k, 0, 1);
    auto tv = random_ints<int>(n, k, -1, 1);
    auto b01 = BitPacked<enc::zero_one>::from_values(bv);
    auto t = TernaryPacked<enc::planes>::from_values(tv);
    auto s = positive(n, 1);
    auto u = random_floats(n, 1);
    auto w = (packed(b01) + 2 * packed(t)) * row_scale(s) + row_zero(u);
    const Compiled layer = compile(w);
    REQUIRE(layer.packed().size() == 2);
    REQUIRE(layer.rank() == 1);

    auto q = random_ints<std::int8_t>(m, k, -127, 127);
    std::vector<float> sx = {0.02f, 0.5f, 1.0f};
    Matrix<float> xf(m, k);
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < k; ++j) xf(i, j) = float(q(i, j)) * sx[i];
    Matrix<double> w_abs(n, k);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < k; ++j) w_abs(i, j) = (std::abs(bv(i, j)) + 2.0 * std::abs(tv(i, j))) * s(i, 0) + std::abs(u(i, 0));
    const auto want = evaluate(linear(xf, w));
    for (isa i : available_isas()) {
        ScopedIsaLimit limit(i);
        INFO("isa " << name(i));
        Matrix<float> y(m, n);
        evaluate(linear(int8_rows(q, sx), layer), y.view());
        check_close(y, want, xf, w_abs, 1);
        evaluate(linear(xf, layer), y.view());
        check_close(y, want, xf, w_abs, 1);
    }
}

TEST_CASE("compile and compiled evaluation reject what cannot be fused", "[expr][compiled][errors]") {
    auto wq = BitPlanes::from_values(random_ints<int>(4, 64, 0, 3), 2);
    Matrix<float> s8(4, 8), u4(4, 4), B(4, 2), A(2, 64);
    REQUIRE_THROWS_WITH(compile(low_rank(B, A)), Catch::Contains("at least one packed term"));
    REQUIRE_THROWS_WITH(compile(packed(wq) * group_scale(s8, 8) + group_zero(u4, 16)),
                        Catch::Contains("group scale of size 8 and grouped zero of size 16"));
    const Compiled layer = compile(packed(wq) + low_rank(B, A));
    Matrix<float> x(2, 63), y(2, 4);
    REQUIRE_THROWS_WITH(evaluate(linear(x, layer), y.view()), Catch::Contains("x has K = 63 but the layer has K = 64"));
    Matrix<float> x64(2, 64), y5(2, 5);
    REQUIRE_THROWS_WITH(evaluate(linear(x64, layer), y5.view()), Catch::Contains("y is 2 x 5 but x · wᵀ is 2 x 4"));
    REQUIRE_THROWS_WITH(evaluate(linear(x64, layer), MatrixView<float>(B.data(), 2, 4)), Catch::Contains("overlaps a low-rank factor"));
}
