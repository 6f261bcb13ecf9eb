// The int8 tiles (M >= 2, ungrouped): every code format at the extremes of its
// sums, every tile shape the drivers cut (2 .. 4 activation rows of a tile, 1 .. 4 weight
// rows, tiles starting at odd rows of a panel), bit-exact against bitla::reference on every
// ISA the host runs. neon_i8mm's smmla tile pairs rows (kernels/neon/add_tile_mmla.hpp):
// odd M and N repeat a row into the pair, bits codes are summed negated; NEON decodes n-bit
// planes (kernels/neon/add_planes.hpp), 8 of them (codes up to 255) with usdot.
#include <bitla/gemm/add.hpp>
#include <bitla/kernels/generic/reference.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <utility>
#include <vector>

#include "support/random.hpp"

using namespace bitla;
using bitla_test::random_ints;

namespace {

template <class W>
void check(const Matrix<std::int8_t>& x, const W& w, const char* what) {
    Matrix<std::int32_t> ref(x.rows(), w.rows());
    reference::gemm(x, w, ref);
    const auto packed = pack_add(w);
    const std::size_t n = w.rows();
    const std::size_t cuts[] = {0, 1, 4, 7, 8, 11, n};
    for (isa i : available_isas()) {
        ScopedIsaLimit limit(i);
        INFO(what << " M = " << x.rows() << " K = " << x.cols() << " x(0, 0) = " << int(x(0, 0)) << " isa " << name(i));
        Matrix<std::int32_t> y(x.rows(), n);
        gemm(x, packed, y);
        bool ok = true;
        for (std::size_t r = 0; r < x.rows(); ++r)
            for (std::size_t j = 0; j < n; ++j) ok = ok && y(r, j) == ref(r, j);
        REQUIRE(ok);
        // Ranges cut inside panels: tiles of 1 .. 3 rows starting at rows 1, 4, 7 of a panel.
        const auto a = prepare(Int8Rows{x, {}}, packed);
        Matrix<std::int32_t> z(x.rows(), n);
        for (std::size_t c = 0; c + 1 < std::size(cuts); ++c)
            gemm_block(a, packed, z.view(), OutputBlock::columns(cuts[c], cuts[c + 1]));
        for (std::size_t r = 0; r < x.rows(); ++r)
            for (std::size_t j = 0; j < n; ++j) ok = ok && z(r, j) == ref(r, j);
        REQUIRE(ok);
    }
}

/// Rows of `top` (the largest code) but rows 2 and 9, random in [lo, hi].
Matrix<int> extreme(std::size_t n, std::size_t k, int top, int lo, int hi) {
    Matrix<int> v(n, k);
    for (auto& e : v.flat()) e = top;
    const auto mixed = random_ints<int>(n, k, lo, hi);
    for (std::size_t c = 0; c < k; ++c) v(2, c) = mixed(2, c), v(9, c) = mixed(9, c);
    return v;
}

}  // namespace

TEST_CASE("int8 prefill tiles at the extremes of every code format and tile shape", "[add][exact][gemm][prefill]") {
    const std::size_t n = 13;
    for (std::size_t k : {64, 1000, 4097})
        for (std::size_t m : {2, 3, 4, 5, 7}) {
            std::vector<Matrix<std::int8_t>> xs;
            for (int xv : {-128, 127}) {
                Matrix<std::int8_t> x(m, k);
                for (auto& v : x.flat()) v = static_cast<std::int8_t>(xv);
                xs.push_back(std::move(x));
            }
            xs.push_back(random_ints<std::int8_t>(m, k, -128, 127));
            for (const auto& x : xs) {
                auto signs = extreme(n, k, 1, 0, 1);
                for (auto& v : signs.flat()) v = 2 * v - 1;
                check(x, BitPacked<enc::sign>::from_values(signs), "sign");
                check(x, BitPacked<enc::zero_one>::from_values(extreme(n, k, 1, 0, 1)), "zero_one");
                check(x, TernaryPacked<enc::code2>::from_values(extreme(n, k, 1, -1, 1)), "ternary code2");
                check(x, TernaryPacked<enc::base3>::from_values(extreme(n, k, 1, -1, 1)), "ternary base3");
                check(x, BitPlanes::from_values(extreme(n, k, 3, 0, 3), 2), "bitplanes2");
                check(x, BitPlanes::from_values(extreme(n, k, 1, 0, 1), 1), "bitplanes1");
                check(x, BitPlanes::from_values(extreme(n, k, 7, 0, 7), 3), "bitplanes3");
                check(x, BitPlanes::from_values(extreme(n, k, 127, 0, 127), 7), "bitplanes7");  // neon: smull pairs 2·127·128 in int16
                check(x, BitPlanes::from_values(extreme(n, k, 255, 0, 255), 8), "bitplanes8");
            }
        }
}
