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

TEST_CASE("BitPlanes from_codes round-trips and matches set", "[core]") {
    for (int bits = 1; bits <= 8; ++bits)
        for (std::size_t k : {1u, 7u, 63u, 64u, 65u, 130u, 513u}) {
            auto v = random_ints<int>(5, k, 0, (1 << bits) - 1);
            const auto p = BitPlanes::from_codes(5, k, bits, [&](std::size_t r, std::size_t c) { return v(r, c); });
            REQUIRE(p.bits() == bits);
            BitPlanes slow(5, k, bits);
            for (std::size_t r = 0; r < 5; ++r)
                for (std::size_t c = 0; c < k; ++c) slow.set(r, c, v(r, c));
            REQUIRE(p == slow);  // every word, padding included
            const auto back = p.unpack<int>();
            for (std::size_t r = 0; r < 5; ++r)
                for (std::size_t c = 0; c < k; ++c) REQUIRE(back(r, c) == v(r, c));
            // unsigned and narrow code types work too
            const auto u = BitPlanes::from_codes(
                5, k, bits, [&](std::size_t r, std::size_t c) { return static_cast<std::uint8_t>(v(r, c)); });
            REQUIRE(u == p);
        }
}

TEST_CASE("BitPlanes from_codes leaves the padding zero", "[core]") {
    for (std::size_t k : {1u, 50u, 64u, 100u, 600u}) {
        const auto p = BitPlanes::from_codes(3, k, 8, [](std::size_t, std::size_t) { return 255; });
        const auto v = p.view();
        for (std::size_t r = 0; r < 3; ++r)
            for (int i = 0; i < 8; ++i) {
                const std::uint64_t* words = v.data + r * v.stride + std::size_t(i) * v.row_words;
                for (std::size_t w = 0; w < v.row_words; ++w) {
                    const std::size_t lo = w * 64, n = lo >= k ? 0 : std::min<std::size_t>(64, k - lo);
                    const std::uint64_t expect = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
                    REQUIRE(words[w] == expect);
                }
            }
    }
}

TEST_CASE("BitPlanes from_codes rejects codes outside the width", "[core][errors]") {
    const auto bad = [](int value) {
        return [value](std::size_t r, std::size_t c) { return r == 1 && c == 70 ? value : 1; };
    };
    REQUIRE_THROWS_AS(BitPlanes::from_codes(2, 100, 2, bad(4)), bitla::error);
    REQUIRE_THROWS_WITH(BitPlanes::from_codes(2, 100, 2, bad(4)),
                        Catch::Contains("code(1, 70) = 4") && Catch::Contains("[0, 3]"));
    REQUIRE_THROWS_WITH(BitPlanes::from_codes(2, 100, 2, bad(-1)), Catch::Contains("code(1, 70) = -1"));
    REQUIRE_THROWS_WITH(BitPlanes::from_codes(2, 100, 8,
                                              [](std::size_t, std::size_t c) { return static_cast<unsigned>(c * 3); }),
                        Catch::Contains("code(0, 86) = 258"));
    REQUIRE_THROWS_WITH(BitPlanes::from_codes(2, 100, 9, bad(1)), Catch::Contains("bits = 9"));
    REQUIRE_NOTHROW(BitPlanes::from_codes(2, 100, 8, bad(255)));
}
