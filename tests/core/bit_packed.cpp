#include <catch2/catch.hpp>

#include <limits>

#include "support/random.hpp"

using namespace bitla;
using namespace bitla_test;

namespace {
template <class E>
void check_padding_is_zero(const BitPacked<E>& b) {
    for (std::size_t r = 0; r < b.rows(); ++r) {
        const auto w = b.words(r);
        REQUIRE(w.size() == b.row_words());
        for (std::size_t k = b.cols(); k < 64 * w.size(); ++k) REQUIRE(((w[k / 64] >> (k % 64)) & 1u) == 0);
    }
}
}  // namespace

TEMPLATE_TEST_CASE("BitPacked round-trips exact values at edge shapes", "[core]", float, std::int8_t, int) {
    for (std::size_t rows : edge_mn)
        for (std::size_t k : edge_k) {
            auto s = random_signs<TestType>(rows, k);
            auto bs = BitPacked<enc::sign>::from_values(s);
            REQUIRE(bs.rows() == rows);
            REQUIRE(bs.cols() == k);
            REQUIRE(bs.row_words() % 8 == 0);
            REQUIRE(bs.row_words() * 64 >= k);
            REQUIRE(bs.bytes() == rows * bs.row_words() * 8);
            check_padding_is_zero(bs);
            auto back = bs.template unpack<TestType>();
            for (std::size_t r = 0; r < rows; ++r)
                for (std::size_t c = 0; c < k; ++c) REQUIRE(back(r, c) == s(r, c));

            auto z = random_ints<TestType>(rows, k, 0, 1);
            auto bz = BitPacked<enc::zero_one>::from_values(z);
            check_padding_is_zero(bz);
            for (std::size_t r = 0; r < rows; ++r)
                for (std::size_t c = 0; c < k; ++c) REQUIRE(bz.at(r, c) == int(z(r, c)));
        }
}

TEST_CASE("BitPacked rows are cache-line aligned", "[core]") {
    BitPacked<enc::sign> b(5, 100);
    REQUIRE(reinterpret_cast<std::uintptr_t>(b.words(0).data()) % 64 == 0);
    REQUIRE(reinterpret_cast<std::uintptr_t>(b.words(3).data()) % 64 == 0);
    REQUIRE(b.at(4, 99) == -1);  // zero bits are -1 under enc::sign
    BitPacked<enc::zero_one> z(5, 100);
    REQUIRE(z.at(4, 99) == 0);
}

TEST_CASE("BitPacked set and equality and clone and move", "[core]") {
    BitPacked<enc::sign> a(3, 70);
    a.set(2, 69, 1);
    a.set(0, 0, 1);
    REQUIRE(a.at(2, 69) == 1);
    BitPacked<enc::sign> b = a.clone();
    REQUIRE(a == b);
    b.set(0, 0, -1);
    REQUIRE_FALSE(a == b);
    BitPacked<enc::sign> c = std::move(a);
    REQUIRE(c.at(2, 69) == 1);
    REQUIRE(a.rows() == 0);
    STATIC_REQUIRE(!std::is_copy_constructible_v<BitPacked<enc::sign>>);
    REQUIRE_FALSE(BitPacked<enc::sign>(3, 70) == BitPacked<enc::sign>(3, 71));
}

TEST_CASE("BitView slices rows and reinterprets the encoding", "[core]") {
    auto s = random_signs<int>(7, 130);
    auto b = BitPacked<enc::sign>::from_values(s);
    auto v = b.view().slice_rows(2, 5);
    REQUIRE(v.rows == 3);
    for (std::size_t r = 0; r < 3; ++r)
        for (std::size_t c = 0; c < 130; ++c) {
            REQUIRE(v(r, c) == s(r + 2, c));
            REQUIRE(v.as<enc::zero_one>()(r, c) == (s(r + 2, c) + 1) / 2);
        }
}

TEST_CASE("pack_sign maps x >= 0 to +1 and x < 0 to -1", "[core]") {
    Matrix<float> x(2, 3);
    float vals[] = {-0.5f, 0.0f, 2.0f, -0.0f, -1e-30f, 1e-30f};
    for (std::size_t i = 0; i < 6; ++i) x.flat()[i] = vals[i];
    auto b = pack_sign(x);
    int want[] = {-1, 1, 1, 1, -1, 1};
    for (std::size_t i = 0; i < 6; ++i) REQUIRE(b.at(i / 3, i % 3) == want[i]);
}

TEST_CASE("pack_threshold maps x > t to 1", "[core]") {
    auto x = random_floats(4, 200);
    auto b = pack_threshold(x, 0.3);
    for (std::size_t r = 0; r < 4; ++r)
        for (std::size_t c = 0; c < 200; ++c) REQUIRE(b.at(r, c) == (x(r, c) > 0.3f ? 1 : 0));
}

TEST_CASE("BitPacked rejects bad values and indices and non-finite input", "[core][errors]") {
    Matrix<float> x(2, 2);
    x(0, 0) = 1;
    x(0, 1) = -1;
    x(1, 0) = 1;
    x(1, 1) = 0;  // 0 is not a sign
    REQUIRE_THROWS_WITH(BitPacked<enc::sign>::from_values(x), Catch::Contains("values(1, 1) = 0"));
    x(1, 1) = 0.5f;
    REQUIRE_THROWS_WITH(BitPacked<enc::sign>::from_values(x), Catch::Contains("values(1, 1) = 0.5"));
    x(1, 1) = 1;
    REQUIRE_NOTHROW(BitPacked<enc::sign>::from_values(x));
    REQUIRE_THROWS_WITH(BitPacked<enc::zero_one>::from_values(x), Catch::Contains("values(0, 1) = -1"));
    x(1, 1) = std::numeric_limits<float>::quiet_NaN();
    REQUIRE_THROWS_AS(BitPacked<enc::sign>::from_values(x), bitla::error);
    REQUIRE_THROWS_WITH(pack_sign(x), Catch::Contains("x(1, 1)") && Catch::Contains("not finite"));
    x(1, 1) = std::numeric_limits<float>::infinity();
    REQUIRE_THROWS_WITH(pack_threshold(x, 0.0), Catch::Contains("not finite"));
    x(1, 1) = 0;
    REQUIRE_THROWS_WITH(pack_threshold(x, std::nan("")), Catch::Contains("threshold"));

    BitPacked<enc::sign> b(2, 3);
    REQUIRE_THROWS_WITH(b.at(2, 0), Catch::Contains("(2, 0) is outside 2 x 3"));
    REQUIRE_THROWS_WITH(b.set(0, 3, 1), Catch::Contains("outside"));
    REQUIRE_THROWS_WITH(b.set(0, 0, 0), Catch::Contains("is not -1 or +1"));
    REQUIRE_THROWS_WITH(b.set(0, 0, 2), Catch::Contains("not an integer in [-1, 1]"));
    BitPacked<enc::zero_one> z(2, 3);
    REQUIRE_THROWS_WITH(z.set(0, 0, -1), Catch::Contains("[0, 1]"));
    REQUIRE_THROWS_AS(BitPacked<enc::sign>(SIZE_MAX / 8, 1024), bitla::error);
}
