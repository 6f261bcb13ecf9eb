// The K bounds of the integer accumulators, at the boundary and one past it: the int8
// add-only products per weight format (K·128·largest code <= 2^31 - 1, with the true K), the
// XNOR products (K <= 2^31 - 1) and the Hamming products (distances K <= 2^32 - 1, top-k
// K <= 2^32 - 2). At the boundary the add-only products run on the extreme values (all
// x = -128, every code its largest) on every ISA, GEMV and tiles, and must be exact. The bit
// products' boundaries use hand-made views over a few words whose data no check reads: the
// call then fails on a later argument (an output of the wrong shape), which proves the K
// check passed without running a kernel.
#include <bitla/gemm/add.hpp>
#include <bitla/gemm/hamming.hpp>
#include <bitla/gemm/xnor.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "support/random.hpp"

using namespace bitla;

namespace {

constexpr long long int32_max = std::numeric_limits<std::int32_t>::max();

/// Runs `packed` (N = 1, every code its largest, values v_max) against x = -128 at M = 1
/// and 2 on every ISA and checks y = -128·K·v_max exactly.
void check_extreme(const AddWeights& packed, long long v_max) {
    const std::size_t k = packed.cols();
    for (std::size_t m : {1, 2}) {
        Matrix<std::int8_t> x(m, k);
        for (auto& v : x.flat()) v = -128;
        for (isa i : available_isas()) {
            ScopedIsaLimit limit(i);
            INFO("K = " << k << " M = " << m << " isa " << name(i));
            Matrix<std::int32_t> y(m, 1);
            gemm(x.view(), packed, y.view());
            for (std::size_t r = 0; r < m; ++r) REQUIRE(y(r, 0) == -128 * static_cast<long long>(k) * v_max);
        }
    }
}

/// K one past the bound is rejected with argument x, before y is written.
void check_past(const AddWeights& packed) {
    Matrix<std::int8_t> x(1, packed.cols());
    Matrix<std::int32_t> y(1, 1);
    y(0, 0) = 12345;
    try {
        gemm(x.view(), packed, y.view());
        FAIL("K = " << packed.cols() << " was accepted");
    } catch (const bitla::error& e) {
        INFO(e.what());
        REQUIRE(e.argument() == "x");
        REQUIRE(std::string(e.what()).find("K = " + std::to_string(packed.cols())) != std::string::npos);
    }
    REQUIRE(y(0, 0) == 12345);
}

template <class Make>
void check_format(long long largest_code, long long v_max, Make make) {
    const std::size_t bound = static_cast<std::size_t>(int32_max / (128 * largest_code));
    INFO("bound K = " << bound);
    check_extreme(make(bound), v_max);
    check_past(make(bound + 1));
}

}  // namespace

TEST_CASE("int8 add-only products: the int32 bound of each format at the true K", "[add][bounds]") {
    SECTION("sign bits: codes 0..1, K <= 16777215") {
        check_format(1, 1, [](std::size_t k) {
            return pack_add(BitPacked<enc::sign>::generate(1, k, [](std::size_t, std::size_t) { return true; }));
        });
    }
    SECTION("0/1 bits: codes 0..1, K <= 16777215") {
        check_format(1, 1, [](std::size_t k) {
            return pack_add(BitPacked<enc::zero_one>::generate(1, k, [](std::size_t, std::size_t) { return true; }));
        });
    }
    SECTION("ternary code2: codes 0..2, K <= 8388607") {
        check_format(2, 1, [](std::size_t k) {
            Matrix<int> ones(1, k);
            for (auto& v : ones.flat()) v = 1;
            return pack_add(TernaryPacked<enc::code2>::from_values(ones));
        });
    }
    SECTION("ternary base3: codes 0..2, K <= 8388607") {
        check_format(2, 1, [](std::size_t k) {
            Matrix<int> ones(1, k);
            for (auto& v : ones.flat()) v = 1;
            return pack_add(TernaryPacked<enc::base3>::from_values(ones));
        });
    }
    SECTION("2-bit planes: codes 0..3, K <= 5592405") {
        check_format(3, 3, [](std::size_t k) {
            return pack_add(BitPlanes::from_codes(1, k, 2, [](std::size_t, std::size_t) { return 3; }));
        });
    }
    SECTION("8-bit planes: codes 0..255, K <= 65793") {
        check_format(255, 255, [](std::size_t k) {
            return pack_add(BitPlanes::from_codes(1, k, 8, [](std::size_t, std::size_t) { return 255; }));
        });
    }
}

namespace {

/// A view of one row of `cols` bits over `words` (which the checks never read).
BitView<enc::sign> claimed(const std::vector<std::uint64_t>& words, std::size_t cols) {
    return {words.data(), 1, cols, padded_words(cols), padded_words(cols)};
}

template <class F>
std::string argument_of(F&& f) {
    try {
        f();
    } catch (const bitla::error& e) {
        return e.argument();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("XNOR: K = 2^31 - 1 passes the int32 check, 2^31 is rejected; no data is read", "[xnor][bounds]") {
    const std::vector<std::uint64_t> words(8);
    Matrix<std::int32_t> y(2, 1);  // the wrong shape for 1 x 1: the check after K's
    const std::size_t at = std::size_t{1} << 31;
    REQUIRE(argument_of([&] { xnor_gemm(claimed(words, at - 1), claimed(words, at - 1), y.view()); }) == "y");
    REQUIRE(argument_of([&] { xnor_gemm(claimed(words, at), claimed(words, at), y.view()); }) == "a");
    REQUIRE(argument_of([&] { reference::xnor_gemm(claimed(words, at - 1), claimed(words, at - 1), y.view()); }) == "y");
    REQUIRE(argument_of([&] { reference::xnor_gemm(claimed(words, at), claimed(words, at), y.view()); }) == "a");
}

TEST_CASE("Hamming: K = 2^32 - 1 fits the uint32 distances, 2^32 is rejected; top-k stops one bit earlier",
          "[hamming][bounds]") {
    const std::vector<std::uint64_t> words(8);
    const std::size_t at = std::size_t{1} << 32;
    Matrix<std::uint32_t> d(2, 1);  // the wrong shape for 1 x 1
    const auto dist = [&](std::size_t k) {
        return argument_of([&] { hamming_distances(claimed(words, k), claimed(words, k), d.view()); });
    };
    const auto ref_dist = [&](std::size_t k) {
        return argument_of([&] { reference::hamming_distances(claimed(words, k), claimed(words, k), d.view()); });
    };
    REQUIRE(dist(at - 1) == "d");
    REQUIRE(dist(at) == "queries");
    REQUIRE(dist(at + 512) == "queries");
    REQUIRE(ref_dist(at - 1) == "d");
    REQUIRE(ref_dist(at) == "queries");

    Matrix<std::uint32_t> td(2, 1);  // wrong shape again
    Matrix<std::size_t> tl(1, 1);
    const auto topk = [&](std::size_t k) {
        return argument_of([&] { hamming_topk(claimed(words, k), claimed(words, k), 1, td.view(), tl.view()); });
    };
    const auto ref_topk = [&](std::size_t k) {
        return argument_of([&] { reference::hamming_topk(claimed(words, k), claimed(words, k), 1, td.view(), tl.view()); });
    };
    REQUIRE(topk(at - 2) == "distances");
    REQUIRE(topk(at - 1) == "queries");
    REQUIRE(ref_topk(at - 2) == "distances");
    REQUIRE(ref_topk(at - 1) == "queries");
}
