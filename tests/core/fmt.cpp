#include <bitla/bitla.hpp>
#include <bitla/fmt.hpp>

#include <catch2/catch.hpp>

using namespace bitla;

TEST_CASE("fmt formats ISAs and packed matrices", "[core][fmt]") {
    REQUIRE(fmt::format("{}", isa::avx512_vpopcnt) == "avx512_vpopcnt");
    Matrix<int> v(2, 3);
    v(0, 0) = 1;
    v(0, 1) = -1;
    v(1, 2) = -1;
    auto t = TernaryPacked<enc::planes>::from_values(v);
    REQUIRE(fmt::format("{}", t) == "TernaryPacked<planes> 2 x 3 (256 bytes)");
    REQUIRE(fmt::format("{:v}", t) == "TernaryPacked<planes> 2 x 3 (256 bytes)\n+-0\n00-");
    auto s = pack_sign(Matrix<float>(1, 100));
    REQUIRE(fmt::format("{:v}", s).ends_with(std::string(96, '+') + " …"));
    auto p = BitPlanes::from_values(Matrix<int>(20, 2), 4);
    REQUIRE(fmt::format("{:v}", p).ends_with("\n… (4 more rows)"));
    REQUIRE_THROWS_AS(fmt::format(fmt::runtime("{:x}"), t), fmt::format_error);
}
