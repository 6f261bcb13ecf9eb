// The XNOR microkernels of every ISA this host runs, against plain popcounts, bit for bit.
#include <bitla/arch/dispatch.hpp>
#include <bitla/kernels/families.hpp>

#include <catch2/catch.hpp>

#include <bit>
#include <vector>

#include "support/random.hpp"

using namespace bitla;

namespace {

std::vector<std::uint64_t> random_words(std::size_t n) {
    std::vector<std::uint64_t> v(n);
    for (auto& w : v) w = bitla_test::rng()();
    return v;
}

}  // namespace

TEST_CASE("every ISA's xnor tile matches popcounts", "[kernels][xnor]") {
    for (isa i : available_isas()) {
        const XnorKernels& kern = kernels_for<XnorKernels>(i);
        INFO("isa " << name(i) << " tile " << kern.mr << " x " << kern.nr);
        REQUIRE(kern.id == i);
        REQUIRE(kern.mr * kern.nr <= XnorKernels::max_tile);
        for (std::size_t kw : {1, 2, 7, 8, 64, 65}) {
            const auto a = random_words(kern.mr * kw), b = random_words(kern.nr * kw);
            std::vector<std::uint32_t> out(kern.mr * kern.nr, 0xdeadbeef);
            kern.tile(a.data(), b.data(), kw, out.data());
            for (std::size_t m = 0; m < kern.mr; ++m)
                for (std::size_t n = 0; n < kern.nr; ++n) {
                    std::uint32_t want = 0;
                    for (std::size_t j = 0; j < kw; ++j)
                        want += static_cast<std::uint32_t>(std::popcount(a[j * kern.mr + m] ^ b[j * kern.nr + n]));
                    REQUIRE(out[m * kern.nr + n] == want);
                }
        }
    }
}

TEST_CASE("every ISA's fused xnor dot tile writes k - 2 popcounts into a strided output", "[kernels][xnor]") {
    for (isa i : available_isas()) {
        const XnorKernels& kern = kernels_for<XnorKernels>(i);
        INFO("isa " << name(i) << " tile " << kern.mr << " x " << kern.nr);
        for (std::size_t kw : {1, 2, 7, 8, 64, 65}) {
            const auto a = random_words(kern.mr * kw), b = random_words(kern.nr * kw);
            const auto k = static_cast<std::int32_t>(64 * kw - 5);  // any k: the kernel only adds it
            const std::size_t ldy = kern.nr + 3;
            std::vector<std::int32_t> y(kern.mr * ldy, 0x5a5a5a5a);
            kern.tile_dot(a.data(), b.data(), kw, k, y.data(), ldy);
            for (std::size_t m = 0; m < kern.mr; ++m) {
                for (std::size_t n = 0; n < kern.nr; ++n) {
                    std::int32_t pc = 0;
                    for (std::size_t j = 0; j < kw; ++j)
                        pc += std::popcount(a[j * kern.mr + m] ^ b[j * kern.nr + n]);
                    REQUIRE(y[m * ldy + n] == k - 2 * pc);
                }
                for (std::size_t n = kern.nr; n < ldy; ++n) REQUIRE(y[m * ldy + n] == 0x5a5a5a5a);  // untouched
            }
        }
    }
}

TEST_CASE("every ISA's xnor row kernel matches popcounts", "[kernels][xnor]") {
    for (isa i : available_isas()) {
        const XnorKernels& kern = kernels_for<XnorKernels>(i);
        INFO("isa " << name(i));
        for (std::size_t kw : {8, 16, 72})
            for (std::size_t rows : {1, 3, 4, 5, 9}) {
                const std::size_t stride = kw + 8;
                const auto a = random_words(kw), w = random_words(rows * stride);
                std::vector<std::uint32_t> out(rows);
                kern.rows(a.data(), w.data(), stride, rows, kw, out.data());
                for (std::size_t r = 0; r < rows; ++r) {
                    std::uint32_t want = 0;
                    for (std::size_t j = 0; j < kw; ++j)
                        want += static_cast<std::uint32_t>(std::popcount(a[j] ^ w[r * stride + j]));
                    REQUIRE(out[r] == want);
                }
            }
    }
}

TEST_CASE("the xnor top-k epilogue keeps the k best and breaks ties by index", "[kernels][xnor]") {
    for (isa i : available_isas()) {
        const XnorKernels& kern = kernels_for<XnorKernels>(i);
        INFO("isa " << name(i));
        const std::size_t k = 3;
        std::vector<std::uint32_t> dist(k, 0xffffffffu);
        std::vector<std::size_t> index(k, ~std::size_t{0});
        // Two tiles of one row: columns 10.. then 0.. (out of order on purpose).
        std::vector<std::uint32_t> pc(kern.nr, 9);
        pc[1] = 4;
        pc[2] = 4;
        kern.topk(pc.data(), kern.nr, 1, kern.nr, 10, dist.data(), index.data(), k);
        pc.assign(kern.nr, 7);
        pc[kern.nr - 1] = 4;
        kern.topk(pc.data(), kern.nr, 1, kern.nr - 1, 0, dist.data(), index.data(), k);  // edge: last column unseen
        REQUIRE(dist == std::vector<std::uint32_t>{4, 4, 7});
        REQUIRE(index == std::vector<std::size_t>{11, 12, 0});
    }
}

TEST_CASE("every ISA's xnor kernels keep sums past 16 bits", "[kernels][xnor]") {
    // 4104 words whose bits all differ: each sum is 262656, and every 32-bit half of a NEON
    // lane 131328, so an accumulator that wrapped at 16 bits, or one widened every 4095
    // words and no later, would show.
    const std::size_t kw = 4104;  // a multiple of 8, as `rows` needs
    const auto want = static_cast<std::uint32_t>(64 * kw);
    for (isa i : available_isas()) {
        const XnorKernels& kern = kernels_for<XnorKernels>(i);
        INFO("isa " << name(i));
        const std::vector<std::uint64_t> a(kern.mr * kw, ~std::uint64_t{0}), b(kern.nr * kw, 0);
        std::vector<std::uint32_t> out(kern.mr * kern.nr);
        kern.tile(a.data(), b.data(), kw, out.data());
        for (std::uint32_t v : out) REQUIRE(v == want);
        std::vector<std::int32_t> y(kern.mr * kern.nr);
        kern.tile_dot(a.data(), b.data(), kw, static_cast<std::int32_t>(want), y.data(), kern.nr);
        for (std::int32_t v : y) REQUIRE(v == -static_cast<std::int32_t>(want));
        std::vector<std::uint32_t> rows(5);
        kern.rows(a.data(), b.data(), 0, rows.size(), kw, rows.data());  // stride 0: every row is b's first
        for (std::uint32_t v : rows) REQUIRE(v == want);
    }
}

TEST_CASE("the xnor epilogues are exact at the largest K (no signed overflow)", "[kernels][xnor]") {
    // K up to 2^31 - 1 is accepted; k - 2·popcount is then formed where 2·popcount passes
    // 2^31 (UBSan flags the signed form). Popcounts on both sides of 2^30, one full tile
    // and one column short of it.
    const std::int32_t k = 2147483647;
    for (isa i : available_isas()) {
        const XnorKernels& kern = kernels_for<XnorKernels>(i);
        INFO("isa " << name(i));
        for (std::size_t cols : {std::size_t(kern.nr), std::size_t(kern.nr) - 1}) {
            std::vector<std::uint32_t> pc(cols);
            for (std::size_t n = 0; n < cols; ++n) pc[n] = (1u << 30) - 3 + static_cast<std::uint32_t>(n) * 977u;
            std::vector<std::int32_t> y(cols, 7);
            std::vector<float> yf(cols, 7), ws(cols, 0.5f);
            const float as = 2.0f;
            kern.finish_dot(pc.data(), cols, 1, cols, k, y.data(), cols);
            kern.finish_scaled(pc.data(), cols, 1, cols, k, &as, ws.data(), yf.data(), cols);
            for (std::size_t n = 0; n < cols; ++n) {
                const long long want = static_cast<long long>(k) - 2 * static_cast<long long>(pc[n]);
                REQUIRE(y[n] == want);
                REQUIRE(yf[n] == static_cast<float>(want));  // 2 * 0.5 = 1 exactly
            }
        }
    }
}
