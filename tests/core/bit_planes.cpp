#include <catch2/catch.hpp>

#include "support/random.hpp"

using namespace bitla;
using namespace bitla_test;

TEST_CASE("BitPlanes round-trips n-bit values of every width", "[core]") {
    for (int bits = 1; bits <= 8; ++bits)
        for (std::size_t k : {1u, 65u, 513u}) {
            auto v = random_ints<int>(7, k, 0, (1 << bits) - 1);
            auto p = BitPlanes::from_values(v, bits);
            REQUIRE(p.bits() == bits);
            REQUIRE(p.max_value() == (1 << bits) - 1);
            REQUIRE(p.bytes() == 7 * std::size_t(bits) * padded_words(k) * 8);
            auto back = p.unpack<int>();
            for (std::size_t r = 0; r < 7; ++r)
                for (std::size_t c = 0; c < k; ++c) {
                    REQUIRE(back(r, c) == v(r, c));
                    int from_planes = 0;
                    for (int i = 0; i < bits; ++i) from_planes += p.plane(i)(r, c) << i;
                    REQUIRE(from_planes == v(r, c));
                }
        }
}

TEST_CASE("BitPlanes planes of a row are adjacent", "[core]") {
    BitPlanes p(3, 100, 4);
    const auto v = p.view();
    REQUIRE(v.stride == 4 * v.row_words);
    REQUIRE(p.plane(1).data == p.plane(0).data + v.row_words);
    p.set(2, 99, 9);
    REQUIRE(p.at(2, 99) == 9);
    auto c = p.clone();
    REQUIRE(c == p);
    c.set(2, 99, 8);
    REQUIRE_FALSE(c == p);
}

TEST_CASE("BitPlanes rejects bad widths and values and planes", "[core][errors]") {
    REQUIRE_THROWS_WITH(BitPlanes(2, 2, 0), Catch::Contains("bits = 0 is outside [1, 8]"));
    REQUIRE_THROWS_WITH(BitPlanes(2, 2, 9), Catch::Contains("bits = 9"));
    auto v = random_ints<int>(2, 3, 0, 3);
    v(1, 2) = 4;
    REQUIRE_THROWS_WITH(BitPlanes::from_values(v, 2), Catch::Contains("values(1, 2) = 4") && Catch::Contains("[0, 3]"));
    v(1, 2) = -1;
    REQUIRE_THROWS_WITH(BitPlanes::from_values(v, 2), Catch::Contains("values(1, 2) = -1"));
    BitPlanes p(2, 3, 2);
    REQUIRE_THROWS_WITH(p.plane(2), Catch::Contains("plane 2 is outside [0, 2)"));
    REQUIRE_THROWS_WITH(p.set(0, 0, 4), Catch::Contains("[0, 3]"));
    REQUIRE_THROWS_WITH(p.at(0, 3), Catch::Contains("outside"));
}
