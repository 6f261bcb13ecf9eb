// HQQ results plug into the expression layer as they are: Wq as bit-planes, HQQ's own
// (scale, zero) storage and the low-rank factors, without copies or conversions.
#include <catch2/catch.hpp>

#include <bitla/expr/expr.hpp>
#include <bitla/quant/quant.hpp>

#include <cmath>

#include "quant/matrices.hpp"
#include "support/random.hpp"

TEST_CASE("hqq result evaluates through the expression layer", "[quant][expr]") {
    const auto w = bitla_test::heavy_tailed_weights(32, 256, 31);
    for (auto mode : {bitla::HqqMode::faithful, bitla::HqqMode::improved}) {
        const auto hl = bitla::hqq_low_rank(w, 8, {.hqq = {.nbits = 2, .group_size = 64, .mode = mode}});
        const auto& q = hl.quantized;
        const auto e = bitla::expr::packed(q.values) * bitla::expr::group_scale(q.scale, 64) +
                       bitla::expr::group_zero_point(q.zero, q.scale, 64) +
                       bitla::expr::low_rank(hl.correction.b, hl.correction.a);
        auto expected = q.dequantize();
        const auto ba = hl.correction.product();
        for (std::size_t i = 0; i < expected.flat().size(); ++i) expected.flat()[i] += ba.flat()[i];
        const auto got = bitla::expr::dequantize(e);
        for (std::size_t i = 0; i < expected.flat().size(); ++i)
            CHECK(got.flat()[i] == Approx(expected.flat()[i]).margin(1e-6));
        // and a product with activations: y = x · Ŵᵀ
        const auto x = bitla_test::random_floats(3, 256);
        const auto y = bitla::expr::evaluate(bitla::expr::linear(x, e));
        for (std::size_t m = 0; m < 3; ++m)
            for (std::size_t n = 0; n < 32; ++n) {
                double ref = 0, mag = 0;
                for (std::size_t k = 0; k < 256; ++k) {
                    ref += double(x(m, k)) * expected(n, k);
                    mag += std::abs(double(x(m, k)) * expected(n, k));
                }
                CHECK(std::abs(y(m, n) - ref) <= 1e-5 * mag + 1e-6);
            }
    }
}
