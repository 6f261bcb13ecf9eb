#include <catch2/catch.hpp>

#include <limits>

#include "support/random.hpp"

using namespace bitla;
using namespace bitla_test;

TEMPLATE_TEST_CASE("TernaryPacked round-trips exact values at edge shapes", "[core]", enc::planes, enc::code2) {
    for (std::size_t rows : edge_mn)
        for (std::size_t k : edge_k) {
            auto v = random_ints<std::int8_t>(rows, k, -1, 1);
            auto t = TernaryPacked<TestType>::from_values(v);
            REQUIRE(t.rows() == rows);
            REQUIRE(t.cols() == k);
            REQUIRE(t.bytes() % 64 == 0);
            REQUIRE(t.bytes() >= rows * ((k + 3) / 4));
            auto back = t.template unpack<int>();
            for (std::size_t r = 0; r < rows; ++r)
                for (std::size_t c = 0; c < k; ++c) REQUIRE(back(r, c) == v(r, c));
        }
}

TEST_CASE("ternary planes never overlap and their padding is clear", "[core]") {
    auto v = random_ints<float>(7, 513, -1, 1);
    auto t = TernaryPacked<enc::planes>::from_values(v);
    auto tv = t.view();
    REQUIRE(tv.stride == 2 * tv.row_words);
    for (std::size_t r = 0; r < 7; ++r) {
        auto p = tv.plus().words(r), m = tv.minus().words(r);
        for (std::size_t j = 0; j < p.size(); ++j) REQUIRE((p[j] & m[j]) == 0);
        for (std::size_t k = 513; k < 64 * p.size(); ++k) {
            REQUIRE(((p[k / 64] >> (k % 64)) & 1u) == 0);
            REQUIRE(((m[k / 64] >> (k % 64)) & 1u) == 0);
        }
    }
}

TEST_CASE("ternary code2 stores value + 1 low bits first and pads with code 1", "[core]") {
    TernaryPacked<enc::code2> t(2, 5);
    t.set(0, 0, -1);
    t.set(0, 1, 1);
    t.set(0, 3, 0);
    t.set(1, 4, 1);
    const auto v = t.view();
    // byte 0 of row 0: codes 0, 2, 1, 1 -> 0b01'01'10'00
    REQUIRE(v.codes(0)[0] == 0b01011000);
    REQUIRE(v.codes(1)[1] == 0b01010110);  // value 4 = +1 (code 2) then padding code 1
    REQUIRE(v.row_bytes == 64);
    for (std::size_t b = 2; b < 64; ++b) REQUIRE(v.codes(1)[b] == 0x55);
}

TEST_CASE("convert between ternary layouts is exact", "[core]") {
    auto v = random_ints<int>(7, 300, -1, 1);
    auto p = TernaryPacked<enc::planes>::from_values(v);
    auto c = convert<enc::code2>(p);
    auto p2 = convert<enc::planes>(c);
    REQUIRE(p2 == p);
    REQUIRE(c == TernaryPacked<enc::code2>::from_values(v));
    auto cl = c.clone();
    cl.set(0, 0, cl.at(0, 0) == 1 ? -1 : 1);
    REQUIRE_FALSE(cl == c);
}

TEST_CASE("pack_ternary applies a symmetric dead zone", "[core]") {
    auto x = random_floats(5, 100);
    auto t = pack_ternary<enc::code2>(x, 0.5);
    for (std::size_t r = 0; r < 5; ++r)
        for (std::size_t c = 0; c < 100; ++c) {
            const int want = x(r, c) > 0.5f ? 1 : (x(r, c) < -0.5f ? -1 : 0);
            REQUIRE(t.at(r, c) == want);
        }
}

TEST_CASE("TernaryPacked rejects bad values and indices", "[core][errors]") {
    Matrix<float> x(1, 3);
    x(0, 2) = 2;
    REQUIRE_THROWS_WITH(TernaryPacked<enc::planes>::from_values(x), Catch::Contains("values(0, 2) = 2"));
    x(0, 2) = -0.5f;
    REQUIRE_THROWS_WITH(TernaryPacked<enc::code2>::from_values(x), Catch::Contains("values(0, 2) = -0.5"));
    x(0, 2) = std::numeric_limits<float>::quiet_NaN();
    REQUIRE_THROWS_WITH(pack_ternary(x, 0.1), Catch::Contains("not finite"));
    x(0, 2) = 0;
    REQUIRE_THROWS_WITH(pack_ternary(x, -0.1), Catch::Contains("threshold = -0.1"));
    TernaryPacked<enc::code2> t(2, 3);
    REQUIRE_THROWS_WITH(t.set(1, 3, 0), Catch::Contains("outside 2 x 3"));
    REQUIRE_THROWS_WITH(t.set(1, 2, -2), Catch::Contains("[-1, 1]"));
    REQUIRE_THROWS_AS(TernaryPacked<enc::code2>(SIZE_MAX / 64, 1024), bitla::error);
}
