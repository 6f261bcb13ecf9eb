// Sign (XNOR-Net), absmean ternary (BitNet b1.58) and absmax int8 activations.
#include <catch2/catch.hpp>

#include <bitla/quant/quant.hpp>

#include <cmath>
#include <limits>

#include "support/random.hpp"

using bitla::Matrix;

namespace {

Matrix<float> row_matrix(std::initializer_list<std::initializer_list<float>> rows) {
    Matrix<float> m(rows.size(), rows.begin()->size());
    std::size_t r = 0;
    for (const auto& row : rows) {
        std::size_t c = 0;
        for (float v : row) m(r, c++) = v;
        ++r;
    }
    return m;
}

}  // namespace

TEST_CASE("sign: alpha is the per-row mean of |w| and sign(0) is +1", "[quant][sign]") {
    const auto w = row_matrix({{0.5f, -1.5f, 0.0f, 2.0f}, {-0.25f, -0.25f, 0.75f, 0.25f}});
    const auto b = bitla::quantize_sign(w);
    CHECK(b.scale(0, 0) == Approx(1.0));   // (0.5 + 1.5 + 0 + 2) / 4
    CHECK(b.scale(1, 0) == Approx(0.375)); // (0.25 + 0.25 + 0.75 + 0.25) / 4
    CHECK(b.values.at(0, 0) == 1);
    CHECK(b.values.at(0, 1) == -1);
    CHECK(b.values.at(0, 2) == 1);
    CHECK(b.values.at(1, 0) == -1);
    const auto d = b.dequantize();
    CHECK(d(0, 1) == Approx(-1.0));
    CHECK(d(1, 2) == Approx(0.375));
}

TEST_CASE("sign: alpha minimises the row error for the chosen signs", "[quant][sign]") {
    const auto w = bitla_test::random_floats(3, 200, 0.1f);
    const auto b = bitla::quantize_sign(w);
    for (std::size_t r = 0; r < 3; ++r) {
        const auto err = [&](double a) {
            double e = 0;
            for (std::size_t c = 0; c < 200; ++c) {
                const double d = w(r, c) - a * b.values.at(r, c);
                e += d * d;
            }
            return e;
        };
        const double a = b.scale(r, 0);
        CHECK(err(a) <= err(a * 1.01));
        CHECK(err(a) <= err(a * 0.99));
    }
}

TEST_CASE("absmean: gamma is mean |W| and codes round half to even", "[quant][absmean]") {
    // mean |W| = (0.5 + 1.5 + 0.5 + 3 + 0 + 0.25 + 2.25 + 0) / 8 = 1.0
    const auto w = row_matrix({{0.5f, 1.5f, -0.5f, 3.0f}, {0.0f, 0.25f, -2.25f, 0.0f}});
    const auto t = bitla::quantize_absmean(w);
    CHECK(t.scale == 1.0f);
    CHECK(t.values.at(0, 0) == 0);   // round(0.5) = 0 (half to even)
    CHECK(t.values.at(0, 1) == 1);   // round(1.5) = 2, clamped to 1
    CHECK(t.values.at(0, 2) == 0);   // round(-0.5) = -0
    CHECK(t.values.at(0, 3) == 1);
    CHECK(t.values.at(1, 1) == 0);
    CHECK(t.values.at(1, 2) == -1);
    const auto code2 = bitla::quantize_absmean<bitla::enc::code2>(w);
    CHECK(bitla::convert<bitla::enc::planes>(code2.values) == t.values);
}

TEST_CASE("absmean: an all-zero matrix uses the 1e-5 floor", "[quant][absmean]") {
    const Matrix<float> w(2, 3);
    const auto t = bitla::quantize_absmean(w);
    CHECK(t.scale == 1e-5f);
    CHECK(t.values.unpack<float>().flat()[0] == 0.0f);
}

TEST_CASE("absmax: per-row int8 with max |x| mapped to 127", "[quant][absmax]") {
    const auto x = row_matrix({{1.0f, -2.0f, 0.5f, 0.0f}, {0.0f, 0.0f, 0.0f, 0.0f}});
    const auto a = bitla::quantize_absmax(x);
    // row 0: 127 / 2 = 63.5; 1 * 63.5 = 63.5 -> 64 (half to even), -2 -> -127, 0.5 -> 31.75 -> 32
    CHECK(a.values(0, 0) == 64);
    CHECK(a.values(0, 1) == -127);
    CHECK(a.values(0, 2) == 32);
    CHECK(a.values(0, 3) == 0);
    CHECK(a.scale(0, 0) == Approx(2.0 / 127));
    CHECK(a.values(1, 0) == 0);  // the 1e-5 floor keeps an all-zero row finite
    CHECK(std::isfinite(a.scale(1, 0)));
}

TEST_CASE("absmax: round trip error is at most half a step", "[quant][absmax]") {
    const auto x = bitla_test::random_floats(5, 300, 3.0f);
    const auto a = bitla::quantize_absmax(x);
    const auto d = a.dequantize();
    for (std::size_t r = 0; r < 5; ++r) {
        int extreme = 0;
        for (std::size_t c = 0; c < 300; ++c) {
            CHECK(std::abs(d(r, c) - x(r, c)) <= 0.5f * a.scale(r, 0) * 1.0001f);
            extreme = std::max(extreme, std::abs(int(a.values(r, c))));
        }
        CHECK(extreme == 127);
    }
}

TEST_CASE("simple quantizers reject NaN Inf and empty input", "[quant][errors]") {
    auto w = bitla_test::random_floats(2, 8);
    w(1, 3) = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_AS(bitla::quantize_sign(w), bitla::error);
    CHECK_THROWS_AS(bitla::quantize_absmean(w), bitla::error);
    w(1, 3) = std::numeric_limits<float>::infinity();
    CHECK_THROWS_AS(bitla::quantize_absmax(w), bitla::error);
    try {
        (void)bitla::quantize_absmax(w);
    } catch (const bitla::error& e) {
        CHECK(e.argument() == "x");
    }
    const Matrix<float> empty(0, 4);
    CHECK_THROWS_AS(bitla::quantize_sign(empty), bitla::error);
    CHECK_THROWS_AS(bitla::quantize_absmean(empty), bitla::error);
    CHECK_THROWS_AS(bitla::quantize_absmax(empty), bitla::error);
}
