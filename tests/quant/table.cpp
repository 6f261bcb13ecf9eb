// The relative-error table of issue 6, printed on request (hidden: `test-quant "[.table]"`):
// round-to-nearest, faithful HQQ, the slow search, improved, improved + low-rank r = 8, 32,
// on the Gaussian and heavy-tailed 256 x 1024 matrices, plus the faithful and improved times.
#include <catch2/catch.hpp>

#include <bitla/quant/quant.hpp>

#include <chrono>
#include <cstdio>

#include "quant/matrices.hpp"
#include "quant/oracle.hpp"

TEST_CASE("hqq error table", "[.table]") {
    using clock = std::chrono::steady_clock;
    const std::size_t rows = 256, cols = 1024;
    std::printf("| matrix | bits | G | RTN | HQQ | slow search | improved | +LR r=8 | +LR r=32 | t HQQ ms | t improved ms |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int kind = 0; kind < 2; ++kind) {
        const auto w = kind == 0 ? bitla_test::gaussian_weights(rows, cols) : bitla_test::heavy_tailed_weights(rows, cols);
        for (float nbits : {1.0f, 2.0f, 4.0f})
            for (std::size_t gs : {8, 16, 32, 64, 128}) {
                bitla::HqqOptions o{.nbits = nbits, .group_size = gs};
                o.optimize = false;
                const double rtn = bitla_test::relative_error(w, bitla::quantize_hqq(w, o).dequantize());
                o.optimize = true;
                auto t0 = clock::now();
                const auto f = bitla::quantize_hqq(w, o);
                auto t1 = clock::now();
                o.mode = bitla::HqqMode::improved;
                const auto im = bitla::quantize_hqq(w, o);
                auto t2 = clock::now();
                double oracle = 0, norm = 0;
                for (std::size_t g = 0; g < rows * cols / gs; ++g)
                    oracle += bitla_test::oracle_group(w.data() + g * gs, gs, im.max_level(), 200).sse;
                for (float x : w.flat()) norm += double(x) * x;
                const double lr8 = gs == 64 ? bitla::hqq_low_rank(w, 8, {.hqq = o}).errors[0] : NAN;
                const double lr32 = gs == 64 ? bitla::hqq_low_rank(w, 32, {.hqq = o}).errors[0] : NAN;
                std::printf("| %s | %g | %zu | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.1f | %.1f |\n",
                            kind ? "heavy-tailed" : "gaussian", double(nbits), gs, rtn,
                            bitla_test::relative_error(w, f.dequantize()), std::sqrt(oracle / norm),
                            bitla_test::relative_error(w, im.dequantize()), lr8, lr32,
                            std::chrono::duration<double, std::milli>(t1 - t0).count(),
                            std::chrono::duration<double, std::milli>(t2 - t1).count());
                std::fflush(stdout);
            }
    }
}
