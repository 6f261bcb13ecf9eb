// The reference products against naive math on unpacked values, at the edge shapes.
#include <catch2/catch.hpp>

#include <vector>

#include "support/random.hpp"

using namespace bitla;
using namespace bitla_test;

namespace {

// Random packed weights of each kind, with their unpacked values.
struct SignW {
    static auto make(std::size_t n, std::size_t k, Matrix<int>& v) {
        v = random_signs<int>(n, k);
        return BitPacked<enc::sign>::from_values(v);
    }
};
struct ZeroOneW {
    static auto make(std::size_t n, std::size_t k, Matrix<int>& v) {
        v = random_ints<int>(n, k, 0, 1);
        return BitPacked<enc::zero_one>::from_values(v);
    }
};
template <class L>
struct TernaryW {
    static auto make(std::size_t n, std::size_t k, Matrix<int>& v) {
        v = random_ints<int>(n, k, -1, 1);
        return TernaryPacked<L>::from_values(v);
    }
};
template <int Bits>
struct PlanesW {
    static auto make(std::size_t n, std::size_t k, Matrix<int>& v) {
        v = random_ints<int>(n, k, 0, (1 << Bits) - 1);
        return BitPlanes::from_values(v, Bits);
    }
};

}  // namespace

TEMPLATE_TEST_CASE("reference::gemm with int8 activations is exact", "[reference]", SignW, ZeroOneW,
                   TernaryW<enc::planes>, TernaryW<enc::code2>, PlanesW<2>, PlanesW<3>, PlanesW<8>) {
    for (std::size_t m : edge_mn)
        for (std::size_t n : edge_mn)
            for (std::size_t k : edge_k) {
                Matrix<int> wv;
                auto w = TestType::make(n, k, wv);
                auto x = random_ints<std::int8_t>(m, k, -128, 127);
                Matrix<std::int32_t> y(m, n);
                reference::gemm(x, w, y);
                Matrix<double> want, mag;
                naive_gemm(x, wv, want, mag);
                for (std::size_t i = 0; i < m; ++i)
                    for (std::size_t j = 0; j < n; ++j) REQUIRE(double(y(i, j)) == want(i, j));
            }
}

TEMPLATE_TEST_CASE("reference::gemm with float activations is within the K bound", "[reference]", SignW, ZeroOneW,
                   TernaryW<enc::planes>, TernaryW<enc::code2>, PlanesW<2>, PlanesW<4>) {
    for (std::size_t m : edge_mn)
        for (std::size_t n : edge_mn)
            for (std::size_t k : edge_k) {
                Matrix<int> wv;
                auto w = TestType::make(n, k, wv);
                auto x = random_floats(m, k);
                Matrix<float> y(m, n);
                reference::gemm(x, w, y);
                Matrix<double> want, mag;
                naive_gemm(x, wv, want, mag);
                for (std::size_t i = 0; i < m; ++i)
                    for (std::size_t j = 0; j < n; ++j)
                        REQUIRE(std::abs(double(y(i, j)) - want(i, j)) <= float_bound(k, mag(i, j)));
            }
}

TEST_CASE("reference::gemv equals one row of gemm", "[reference]") {
    Matrix<int> wv;
    auto w = TernaryW<enc::planes>::make(9, 513, wv);
    auto x = random_ints<std::int8_t>(1, 513, -128, 127);
    std::vector<std::int32_t> y(9);
    reference::gemv(std::span<const std::int8_t>(x.row(0)), w, std::span<std::int32_t>(y));
    Matrix<std::int32_t> y2(1, 9);
    reference::gemm(x, w, y2);
    for (std::size_t j = 0; j < 9; ++j) REQUIRE(y[j] == y2(0, j));
}

TEST_CASE("reference::xnor_gemm: +-1 . +-1 = K - 2 popcount(a xor b)", "[reference]") {
    for (std::size_t m : edge_mn)
        for (std::size_t n : edge_mn)
            for (std::size_t k : edge_k) {
                auto av = random_signs<int>(m, k);
                auto wv = random_signs<int>(n, k);
                auto a = BitPacked<enc::sign>::from_values(av);
                auto w = BitPacked<enc::sign>::from_values(wv);
                Matrix<std::int32_t> y(m, n);
                reference::xnor_gemm(a, w, y);
                Matrix<double> want, mag;
                naive_gemm(av, wv, want, mag);
                for (std::size_t i = 0; i < m; ++i)
                    for (std::size_t j = 0; j < n; ++j) REQUIRE(double(y(i, j)) == want(i, j));
            }
}

TEMPLATE_TEST_CASE("reference::xnor_gemm: ternary weights . +-1 bits", "[reference]", enc::planes, enc::code2) {
    for (std::size_t m : edge_mn)
        for (std::size_t n : edge_mn)
            for (std::size_t k : edge_k) {
                auto av = random_signs<int>(m, k);
                auto wv = random_ints<int>(n, k, -1, 1);
                auto a = BitPacked<enc::sign>::from_values(av);
                auto w = TernaryPacked<TestType>::from_values(wv);
                Matrix<std::int32_t> y(m, n);
                reference::xnor_gemm(a, w, y);
                Matrix<double> want, mag;
                naive_gemm(av, wv, want, mag);
                for (std::size_t i = 0; i < m; ++i)
                    for (std::size_t j = 0; j < n; ++j) REQUIRE(double(y(i, j)) == want(i, j));
            }
}

TEST_CASE("reference::xnor_gemm with XNOR-Net scales", "[reference]") {
    auto av = random_signs<int>(7, 200);
    auto wv = random_signs<int>(5, 200);
    auto a = BitPacked<enc::sign>::from_values(av);
    auto w = BitPacked<enc::sign>::from_values(wv);
    std::vector<float> beta = {1, 2, 3, 4, 5, 6, 7}, alpha = {0.5f, 0.25f, 2, 1, 3};
    Matrix<float> y(7, 5);
    reference::xnor_gemm(SignRows{a, beta}, SignRows{w, alpha}, y.view());
    Matrix<std::int32_t> yi(7, 5);
    reference::xnor_gemm(a, w, yi);
    for (std::size_t i = 0; i < 7; ++i)
        for (std::size_t j = 0; j < 5; ++j) REQUIRE(y(i, j) == beta[i] * alpha[j] * float(yi(i, j)));
    reference::xnor_gemm(SignRows{a}, SignRows{w}, y.view());
    REQUIRE(y(3, 2) == float(yi(3, 2)));
    std::vector<std::int32_t> row(5);
    reference::xnor_gemv(BitPacked<enc::sign>::from_values(random_signs<int>(1, 200)), w, std::span<std::int32_t>(row));
}

TEST_CASE("reference products reject bad shapes and aliasing and overflow before writing", "[reference][errors]") {
    auto w = BitPacked<enc::zero_one>::from_values(random_ints<int>(4, 64, 0, 1));
    auto x = random_ints<std::int8_t>(3, 64, -5, 5);
    Matrix<std::int32_t> y(3, 4);
    y(0, 0) = 12345;

    auto x_bad = random_ints<std::int8_t>(3, 65, -5, 5);
    REQUIRE_THROWS_WITH(reference::gemm(x_bad, w, y), Catch::Contains("w.cols = 64 does not match x.cols = 65"));
    Matrix<std::int32_t> y_bad(3, 5);
    REQUIRE_THROWS_WITH(reference::gemm(x, w, y_bad), Catch::Contains("y is 3 x 5 but x . w^T is 3 x 4"));
    REQUIRE(y(0, 0) == 12345);

    // y overlapping x: view the activation bytes as the output.
    Matrix<float> xf = random_floats(4, 64);
    MatrixView<float> alias(xf.data(), 4, 4, 64);
    try {
        reference::gemm(xf, w, alias);
        FAIL("no error");
    } catch (const bitla::error& e) {
        REQUIRE(e.argument() == "y");
        REQUIRE(std::string(e.what()).find("overlaps x") != std::string::npos);
    }

    // 8-bit planes times int8 over K = 70000 can exceed int32.
    BitPlanes big(1, 70000, 8);
    Matrix<std::int8_t> xb(1, 70000);
    Matrix<std::int32_t> yb(1, 1);
    REQUIRE_THROWS_WITH(reference::gemm(xb, big, yb), Catch::Contains("overflow the int32 accumulator"));

    auto a = BitPacked<enc::sign>::from_values(random_signs<int>(2, 64));
    auto ws = BitPacked<enc::sign>::from_values(random_signs<int>(3, 64));
    Matrix<float> ys(2, 3);
    std::vector<float> three(3, 1.0f);
    REQUIRE_THROWS_WITH(reference::xnor_gemm(SignRows{a, three}, SignRows{ws, three}, ys.view()), Catch::Contains("a.scale has 3 entries"));
    REQUIRE_THROWS_WITH(reference::xnor_gemm(SignRows{a}, SignRows{ws, std::span<const float>(three.data(), 2)}, ys.view()),
                        Catch::Contains("w.scale has 2 entries but w has 3 rows"));
    std::vector<std::int32_t> row(3);
    REQUIRE_THROWS_WITH(reference::xnor_gemv(a, ws, std::span<std::int32_t>(row)), Catch::Contains("one row"));
    MatrixView<std::int32_t> null_y(nullptr, 2, 3);
    REQUIRE_THROWS_WITH(reference::xnor_gemm(a, ws, null_y), Catch::Contains("data is null"));
}
