// HQQ, faithful mode: hand-computed cases, the algorithm's invariants, a plain
// transcription of docs/design.md §7 as a second implementation, axis 0 grouping, and bad input.
#include <catch2/catch.hpp>

#include <bitla/quant/quant.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "quant/matrices.hpp"
#include "support/random.hpp"

using bitla::HqqOptions;
using bitla::Matrix;

namespace {

Matrix<float> one_row(std::initializer_list<float> v) {
    Matrix<float> m(1, v.size());
    std::size_t c = 0;
    for (float x : v) m(0, c++) = x;
    return m;
}

/// docs/design.md §7 written out plainly, element by element, with std::nearbyint and the shrink
/// always evaluated: the fast paths of the library must give the same answer.
struct PlainHqq {
    std::vector<float> qscale, zero, errors;
    std::vector<int> values;  // flat order
};

PlainHqq plain_hqq(const Matrix<float>& w, float nbits, std::size_t gs, int axis, bool round_zero, int iters,
                   float p = 0.7f, double beta = 10, bool early_stop = true) {
    const std::size_t size = w.rows() * w.cols(), groups = size / gs;
    const float L = std::round(std::exp2(nbits) - 1);
    const auto at = [&](std::size_t g, std::size_t t) { return axis == 1 ? g * gs + t : g + t * groups; };
    PlainHqq h;
    h.qscale.resize(groups);
    h.zero.resize(groups);
    for (std::size_t g = 0; g < groups; ++g) {
        float mn = INFINITY, mx = -INFINITY;
        for (std::size_t t = 0; t < gs; ++t) {
            mn = std::min(mn, w.flat()[at(g, t)]);
            mx = std::max(mx, w.flat()[at(g, t)]);
        }
        float s = (1 / (mx - mn)) * L;  // torch's `max_v / tensor`: reciprocal, then multiply
        if (std::abs(mx - mn) <= 1e-4f) s = 1;
        h.qscale[g] = std::min(s, 2e4f);
        h.zero[g] = -mn * h.qscale[g];
        if (round_zero) h.zero[g] = std::nearbyint(h.zero[g]);
    }
    const auto quant = [&](float x, std::size_t g) {
        return std::clamp(std::nearbyint(x * h.qscale[g] + h.zero[g]), 0.0f, L);
    };
    float best = INFINITY;
    for (int i = 0; i < iters; ++i) {
        double err = 0;
        std::vector<float> next(groups);
        for (std::size_t g = 0; g < groups; ++g) {
            double zs = 0;
            for (std::size_t t = 0; t < gs; ++t) {
                const float x = w.flat()[at(g, t)];
                const float q = quant(x, g);
                const float e = x - (q - h.zero[g]) / h.qscale[g];
                err += std::abs(e);
                const float a = std::abs(e);
                const float sh = std::max(a - float(1.0 / beta) * std::pow(a, p - 1.0f), 0.0f);
                const float we = e > 0 ? sh : (e < 0 ? -sh : 0.0f);
                zs += q - (x - we) * h.qscale[g];
            }
            next[g] = float(zs / double(gs));
        }
        h.zero = next;
        const float e = float(err / double(size));
        h.errors.push_back(e);
        if (e < best) best = e;
        else if (early_stop) break;
    }
    h.values.resize(size);
    for (std::size_t g = 0; g < groups; ++g)
        for (std::size_t t = 0; t < gs; ++t) h.values[at(g, t)] = int(quant(w.flat()[at(g, t)], g));
    return h;
}

}  // namespace

TEST_CASE("hqq: hand-computed 1-bit case keeps the zero of the stopping iteration", "[quant][hqq]") {
    // min 0, max 0.1: qscale = 10, zero = 0. Every |e| <= 0.03 < 0.17: the shrink never fires.
    // iter 1: W·10 = [0 .1 .2 .3 1 1 1 1] -> Wq = [0 0 0 0 1 1 1 1], Wr = Wq / 10,
    //         mean|e| = (0.01 + 0.02 + 0.03) / 8 = 0.0075, zero = mean(Wq - 10 W) = -0.6/8 = -0.075.
    // iter 2: W·10 + 0.075 rounds to the same Wq, Wr = (Wq + 0.075) / 10,
    //         mean|e| = (0.0075 + 0.0025 + 0.0125 + 0.0225 + 4 * 0.0075) / 8 = 0.009375 >= 0.0075:
    //         stop, keeping the zero updated in this iteration (-0.075 again).
    const auto w = one_row({0.0f, 0.01f, 0.02f, 0.03f, 0.1f, 0.1f, 0.1f, 0.1f});
    const auto q = bitla::quantize_hqq(w, {.nbits = 1, .group_size = 8});
    REQUIRE(q.errors.size() == 2);
    CHECK(q.errors[0] == Approx(0.0075).epsilon(1e-5));
    CHECK(q.errors[1] == Approx(0.009375).epsilon(1e-5));
    CHECK(q.scale(0, 0) == 0.1f);  // 1 / ((1 / 0.1f) · 1), every step exact in float32
    CHECK(q.zero(0, 0) == Approx(-0.075).epsilon(1e-5));
    for (std::size_t c = 0; c < 8; ++c) CHECK(q.values.at(0, c) == (c < 4 ? 0 : 1));
    CHECK(q.dequantize()(0, 0) == Approx(0.0075).epsilon(1e-5));
}

TEST_CASE("hqq: the shrink fires on errors above beta^(-1/(2-p))", "[quant][hqq]") {
    // The same values x10: now |e| = 0.2 and 0.3 exceed 0.17 and are shrunk before the zero
    // update, so the second iteration differs from the scaled-down case: HQQ is not
    // scale-invariant. iter 1: zero = mean(Wq - (W - We)) with We(0.2) = 0.2 - 0.2^-0.3/10,
    // We(0.3) = 0.3 - 0.3^-0.3/10 and We(0.1) = 0 (0.1 - 0.1^-0.3/10 < 0).
    const auto w = one_row({0.0f, 0.1f, 0.2f, 0.3f, 1.0f, 1.0f, 1.0f, 1.0f});
    const auto q = bitla::quantize_hqq(w, {.nbits = 1, .group_size = 8, .iters = 1});
    const double we2 = 0.2 - std::pow(0.2, -0.3) / 10, we3 = 0.3 - std::pow(0.3, -0.3) / 10;
    CHECK(q.errors[0] == Approx(0.075).epsilon(1e-5));
    CHECK(q.zero(0, 0) == Approx((-0.1 - (0.2 - we2) - (0.3 - we3)) / 8).epsilon(1e-5));
}

TEST_CASE("hqq: hand-computed 2-bit initial scale and zero", "[quant][hqq]") {
    // min -0.25, max 0.5: qscale = 3 / 0.75 = 4, stored scale 0.25, zero = 0.25 * 4 = 1.
    // W·4 + 1 = [0, 1, 2, 3, 1.5, 0.5, 2.5, 0]: ties round half to even to 2, 0, 2.
    const auto w = one_row({-0.25f, 0.0f, 0.25f, 0.5f, 0.125f, -0.125f, 0.375f, -0.25f});
    const auto q = bitla::quantize_hqq(w, {.nbits = 2, .group_size = 8, .optimize = false});
    CHECK(q.scale(0, 0) == 0.25f);
    CHECK(q.zero(0, 0) == 1.0f);
    const int expected[8] = {0, 1, 2, 3, 2, 0, 2, 0};
    for (std::size_t c = 0; c < 8; ++c) CHECK(q.values.at(0, c) == expected[c]);
    CHECK(q.errors.empty());
}

TEST_CASE("hqq: the scale rounds twice, as torch evaluates max_v / (max - min)", "[quant][hqq]") {
    // The reference computes `max_v / (_max - _min)` with a Python int over a float32 tensor;
    // torch evaluates that as reciprocal(_max - _min) * max_v, two roundings. For these groups
    // one division would give a stored scale 1 ulp larger (0x1.9ec1c8p-6, 0x1.59afb2p-8:
    // found, and the expected values computed, in exact rational arithmetic rounded to float32).
    const auto two_bit = one_row({-0x1.d8c24ap-6f, 0.0f, 0.01f, 0.02f, 0x1.81c186p-5f, -0.01f, 0.03f, 0.0f});
    CHECK(bitla::quantize_hqq(two_bit, {.nbits = 2, .group_size = 8}).scale(0, 0) == 0x1.9ec1c6p-6f);
    CHECK(bitla::quantize_hqq(two_bit, {.nbits = 2, .group_size = 8, .optimize = false}).scale(0, 0) ==
          0x1.9ec1c6p-6f);
    const auto four_bit = one_row({-0x1.78ea44p-6f, 0.0f, 0.01f, 0.02f, 0x1.cbb44ep-5f, -0.01f, 0.03f, 0.0f});
    CHECK(bitla::quantize_hqq(four_bit, {.nbits = 4, .group_size = 8}).scale(0, 0) == 0x1.59afb4p-8f);
}

TEST_CASE("hqq: the range rules give 1.0 at or below 1e-4 and cap at 2e4", "[quant][hqq]") {
    Matrix<float> w(2, 8);
    for (std::size_t c = 0; c < 8; ++c) {
        w(0, c) = 0.5f + (c % 2) * 5e-5f;   // range 5e-5 <= 1e-4: qscale 1
        w(1, c) = 0.25f + (c % 2) * 1e-3f;  // range 1e-3: 3 / 1e-3 = 3000
    }
    auto q = bitla::quantize_hqq(w, {.nbits = 2, .group_size = 8, .optimize = false});
    CHECK(q.scale(0, 0) == 1.0f);
    CHECK(q.zero(0, 0) == -0.5f);
    CHECK(q.scale(1, 0) == 0x1.5d8556p-12f);  // 1 / ((1 / 1e-3) · 3) in float32, ≈ 1 / 3000
    for (std::size_t c = 0; c < 8; ++c) w(1, c) = 0.25f + (c % 2) * 1.2e-4f;  // 3 / 1.2e-4 = 25000 -> 2e4
    q = bitla::quantize_hqq(w, {.nbits = 2, .group_size = 8, .optimize = false});
    CHECK(q.scale(1, 0) == 1.0f / 2e4f);
}

TEST_CASE("hqq: round_zero defaults to 4 bits only", "[quant][hqq]") {
    const auto w = bitla_test::gaussian_weights(4, 64, 7);
    for (float nbits : {2.0f, 4.0f}) {
        const auto q = bitla::quantize_hqq(w, {.nbits = nbits, .group_size = 16, .optimize = false});
        int fractional = 0;
        for (float z : q.zero.flat()) fractional += z != std::nearbyint(z);
        if (nbits == 4) CHECK(fractional == 0);
        else CHECK(fractional > 0);
    }
    const auto q = bitla::quantize_hqq(w, {.nbits = 2, .group_size = 16, .round_zero = true, .optimize = false});
    for (float z : q.zero.flat()) CHECK(z == std::nearbyint(z));
}

TEST_CASE("hqq: invariants of the optimizer on random matrices", "[quant][hqq]") {
    for (int kind = 0; kind < 2; ++kind)
        for (float nbits : {1.0f, 1.58f, 2.0f, 3.0f, 4.0f, 8.0f}) {
            const auto w = kind == 0 ? bitla_test::gaussian_weights(16, 256, 3) : bitla_test::heavy_tailed_weights(16, 256, 4);
            const HqqOptions o{.nbits = nbits, .group_size = 32};
            const auto q = bitla::quantize_hqq(w, o);
            const auto init = bitla::quantize_hqq(w, {.nbits = nbits, .group_size = 32, .optimize = false});
            const int L = q.max_level();
            CHECK(L == (nbits == 1.58f ? 2 : int(std::exp2(nbits)) - 1));
            CHECK(q.values.bits() == (nbits == 1.58f ? 2 : int(nbits)));
            // The scale never changes: stored scale = 1 / ((1 / (max - min)) · L), bit for bit.
            for (std::size_t r = 0; r < 16; ++r)
                for (std::size_t g = 0; g < 8; ++g) {
                    float mn = INFINITY, mx = -INFINITY;
                    for (std::size_t t = 0; t < 32; ++t) {
                        mn = std::min(mn, w(r, g * 32 + t));
                        mx = std::max(mx, w(r, g * 32 + t));
                    }
                    const float qs = (1.0f / (mx - mn)) * float(L);
                    CHECK(q.scale(r, g) == 1.0f / qs);
                    CHECK(init.scale(r, g) == 1.0f / qs);
                    const float z0 = -mn * qs;
                    CHECK(init.zero(r, g) == (nbits == 4 ? std::nearbyint(z0) : z0));
                }
            // Codes in range; the error falls strictly until the stop, which did not fall.
            for (std::size_t r = 0; r < 16; ++r)
                for (std::size_t c = 0; c < 256; ++c) CHECK((q.values.at(r, c) >= 0 && q.values.at(r, c) <= L));
            REQUIRE(!q.errors.empty());
            CHECK(q.errors.size() <= 20);
            for (std::size_t i = 1; i + 1 < q.errors.size(); ++i) CHECK(q.errors[i] < q.errors[i - 1]);
            if (q.errors.size() < 20) CHECK(q.errors.back() >= q.errors[q.errors.size() - 2]);
        }
}

TEST_CASE("hqq: matches a plain transcription of the algorithm", "[quant][hqq]") {
    // sigma 0.02 (shrink never fires) and sigma 1 (it fires): the fast path must agree.
    for (float sigma : {0.02f, 1.0f})
        for (int axis : {0, 1})
            for (float nbits : {1.0f, 2.0f, 3.0f, 4.0f}) {
                const auto w = bitla_test::random_floats(24, 128, sigma);
                const std::size_t gs = 64;
                const auto q = bitla::quantize_hqq(w, {.nbits = nbits, .group_size = gs, .axis = axis});
                INFO("sigma " << sigma << " axis " << axis << " nbits " << nbits);
                auto ref = plain_hqq(w, nbits, gs, axis, nbits == 4, 20);
                if (q.errors.size() != ref.errors.size()) {
                    // Two errors in a row equal to float precision: the summation orders break
                    // the tie differently, so one run stops later. Every error from the tie on
                    // must match it; then the transcription is run as long as the library.
                    const auto& shorter = q.errors.size() < ref.errors.size() ? q.errors : ref.errors;
                    const auto& longer = q.errors.size() < ref.errors.size() ? ref.errors : q.errors;
                    REQUIRE(shorter.size() >= 2);
                    for (std::size_t i = shorter.size() - 2; i < longer.size(); ++i)
                        CHECK(longer[i] == Approx(shorter.back()).epsilon(1e-6));
                    ref = plain_hqq(w, nbits, gs, axis, nbits == 4, int(q.errors.size()), 0.7f, 10, false);
                }
                REQUIRE(q.errors.size() == ref.errors.size());
                for (std::size_t i = 0; i < ref.errors.size(); ++i) CHECK(q.errors[i] == Approx(ref.errors[i]).epsilon(1e-6));
                for (std::size_t g = 0; g < ref.zero.size(); ++g) {
                    CHECK(q.zero.flat()[g] == Approx(ref.zero[g]).epsilon(1e-5).margin(1e-5));
                    CHECK(q.scale.flat()[g] == 1.0f / ref.qscale[g]);
                }
                std::size_t mismatches = 0;
                for (std::size_t f = 0; f < ref.values.size(); ++f) mismatches += q.values.at(f / 128, f % 128) != ref.values[f];
                CHECK(mismatches <= ref.values.size() / 1000);  // rounding ties only
            }
}

TEST_CASE("hqq: axis 0 groups every (R*C/G)-th flat element", "[quant][hqq]") {
    // 16 x 8, G = 8: 16 groups, group j holds flat j + 16 t. Value = j + 0.01 t.
    Matrix<float> w(16, 8);
    for (std::size_t f = 0; f < 128; ++f) w.flat()[f] = float(f % 16) + 0.01f * float(f / 16);
    const auto q = bitla::quantize_hqq(w, {.nbits = 3, .group_size = 8, .axis = 0, .optimize = false});
    REQUIRE(q.scale.rows() == 1);
    REQUIRE(q.scale.cols() == 16);
    for (std::size_t j = 0; j < 16; ++j) {
        CHECK(q.scale(0, j) == Approx(0.07 / 7).epsilon(1e-3));
        CHECK(q.zero(0, j) == Approx(-double(j) * 7 / 0.07).epsilon(1e-3));
    }
    // every element lands on its own level t: W = (t - zero) * scale exactly enough
    for (std::size_t f = 0; f < 128; ++f) CHECK(q.values.at(f / 8, f % 8) == int(f / 16));
    CHECK(q.group_of(3, 5) == std::pair<std::size_t, std::size_t>{0, (3 * 8 + 5) % 16});
    const auto d = q.dequantize();
    for (std::size_t f = 0; f < 128; ++f) CHECK(d.flat()[f] == Approx(w.flat()[f]).margin(1e-3));
}

TEST_CASE("hqq: kappa and early_stop options", "[quant][hqq]") {
    const auto w = bitla_test::random_floats(8, 64, 1.0f);
    const auto all = bitla::quantize_hqq(w, {.nbits = 2, .group_size = 16, .iters = 7, .early_stop = false});
    CHECK(all.errors.size() == 7);
    const auto ref = plain_hqq(w, 2, 16, 1, false, 1);
    CHECK(all.errors[0] == Approx(ref.errors[0]).epsilon(1e-6));
    // with kappa, beta grows: the second iteration's shrink differs from constant beta
    const auto k1 = bitla::quantize_hqq(w, {.nbits = 2, .group_size = 16, .kappa = 2.0f, .use_kappa = true, .iters = 3,
                                            .early_stop = false});
    const auto k0 = bitla::quantize_hqq(w, {.nbits = 2, .group_size = 16, .kappa = 2.0f, .iters = 3, .early_stop = false});
    CHECK(k1.errors[0] == k0.errors[0]);
    CHECK(k1.errors[2] != k0.errors[2]);
    const auto none = bitla::quantize_hqq(w, {.nbits = 2, .group_size = 16, .iters = 0});
    CHECK(none.errors.empty());
}

TEST_CASE("hqq: bad input throws before any output", "[quant][hqq][errors]") {
    auto w = bitla_test::random_floats(4, 64, 0.02f);
    const auto arg = [&](const Matrix<float>& m, const HqqOptions& o) -> std::string {
        try {
            (void)bitla::quantize_hqq(m, o);
        } catch (const bitla::error& e) {
            return e.argument();
        }
        return "none";
    };
    CHECK(arg(w, {.nbits = 7}) == "nbits");
    CHECK(arg(w, {.nbits = 1.5f}) == "nbits");
    CHECK(arg(w, {.nbits = 0}) == "nbits");
    CHECK(arg(w, {.group_size = 12}) == "group_size");
    CHECK(arg(w, {.group_size = 0}) == "group_size");
    CHECK(arg(w, {.group_size = 48}) == "group_size");           // does not divide K = 64
    CHECK(arg(w, {.group_size = 128, .axis = 1}) == "group_size");
    CHECK(arg(w, {.group_size = 128, .axis = 0}) == "none");    // divides N*K = 256
    CHECK(arg(w, {.group_size = 24, .axis = 0}) == "group_size");
    CHECK(arg(w, {.axis = 2}) == "axis");
    CHECK(arg(w, {.lp_norm = 0}) == "lp_norm");
    CHECK(arg(w, {.beta = 0}) == "beta");
    CHECK(arg(w, {.kappa = 0.5f}) == "kappa");
    CHECK(arg(w, {.iters = -1}) == "iters");
    CHECK(arg(Matrix<float>(0, 64), {}) == "w");
    w(2, 7) = std::numeric_limits<float>::quiet_NaN();
    CHECK(arg(w, {}) == "w");
    w(2, 7) = -std::numeric_limits<float>::infinity();
    CHECK(arg(w, {.mode = bitla::HqqMode::improved}) == "w");
}

TEST_CASE("hqq: a group whose range passes FLT_MAX is rejected, never an infinite scale", "[quant][hqq][errors]") {
    // Row 1, group 1 spans [-3e38, 3e38]: max - min overflows float, the reference's
    // qscale is 0 and its stored scale infinite (then NaN in dequantize). Both modes either
    // reject W (argument w, the group named) or return finite scales, zeros and values.
    constexpr float big = 3e38f, top = std::numeric_limits<float>::max();
    Matrix<float> w(2, 16);
    for (std::size_t r = 0; r < 2; ++r)
        for (std::size_t c = 0; c < 16; ++c) w(r, c) = 0.01f * float(c % 5);
    w(1, 8) = -big;
    w(1, 13) = big;
    const auto error_of = [](const Matrix<float>& m, const HqqOptions& o) -> std::string {
        try {
            const auto q = bitla::quantize_hqq(m, o);
            for (float v : q.scale.flat()) REQUIRE(std::isfinite(v));
            for (float v : q.zero.flat()) REQUIRE(std::isfinite(v));
            const auto d = q.dequantize();
            for (float v : d.flat()) REQUIRE(std::isfinite(v));
        } catch (const bitla::error& e) {
            return e.argument() + " | " + e.what();
        }
        return "none";
    };
    for (float nbits : {1.0f, 1.58f, 2.0f, 3.0f, 4.0f, 8.0f})
        for (bool optimize : {true, false}) {
            const std::string f = error_of(w, {.nbits = nbits, .group_size = 8, .optimize = optimize});
            CHECK(f.rfind("w | ", 0) == 0);
            CHECK(f.find("group 1 of row 1 spans [-3e+38, 3e+38]") != std::string::npos);
            const std::string i = error_of(w, {.nbits = nbits, .group_size = 8, .mode = bitla::HqqMode::improved});
            CHECK((i == "none" || i.rfind("w | ", 0) == 0));
            if (nbits == 1) CHECK(i != "none");  // its least-squares scale, about 6e38, is no float either
        }
    // axis 0 names the group alone: 32 elements, G = 8, group j holds flat j, j + 4, ...
    Matrix<float> wa(2, 16);
    wa(1, 8) = -big;  // flat 24
    wa(1, 12) = big;  // flat 28
    CHECK(error_of(wa, {.nbits = 2, .group_size = 8, .axis = 0}).find("group 0 spans [-3e+38, 3e+38]") !=
          std::string::npos);
    // Near FLT_MAX the optimizer's (Wq - zero) / qscale overflows though the range is finite.
    Matrix<float> edge(1, 8);
    for (std::size_t c = 0; c < 8; ++c) edge(0, c) = top * float(c) / 7;
    edge(0, 7) = top;
    for (float nbits : {1.58f, 2.0f, 3.0f, 4.0f, 8.0f}) CHECK(error_of(edge, {.nbits = nbits, .group_size = 8}).rfind("w | ", 0) == 0);
    // A range up to about FLT_MAX / 2 at magnitudes below that is quantized as usual.
    for (std::size_t c = 0; c < 16; ++c) w(1, c) = 1.5e38f * (float(c % 8) / 3.5f - 1);
    for (float nbits : {1.0f, 2.0f, 4.0f, 8.0f})
        for (auto mode : {bitla::HqqMode::faithful, bitla::HqqMode::improved})
            CHECK(error_of(w, {.nbits = nbits, .group_size = 8, .mode = mode}) == "none");
}

TEST_CASE("hqq: a float matrix read in place and a strided view or double copy agree", "[quant][hqq]") {
    // axis 1 on a float matrix reads the groups where they are; other element types and
    // axis 0 go through a group-major copy. Both modes must not care which.
    const auto w = bitla_test::heavy_tailed_weights(12, 96, 4);
    Matrix<float> wide(12, 100);  // the same values at ld = 100
    Matrix<double> wd(12, 96);
    for (std::size_t r = 0; r < 12; ++r)
        for (std::size_t c = 0; c < 96; ++c) {
            wide(r, c) = w(r, c);
            wd(r, c) = w(r, c);
        }
    const bitla::MatrixView<const float> strided(wide.data(), 12, 96, 100);
    for (auto mode : {bitla::HqqMode::faithful, bitla::HqqMode::improved})
        for (float nbits : {1.0f, 2.0f, 4.0f}) {
            const HqqOptions o{.nbits = nbits, .group_size = 32, .mode = mode};
            const auto a = bitla::quantize_hqq(w, o), b = bitla::quantize_hqq(strided, o), c = bitla::quantize_hqq(wd, o);
            CHECK(a.values == b.values);
            CHECK(a.values == c.values);
            CHECK(a.scale.flat()[5] == b.scale.flat()[5]);
            for (std::size_t g = 0; g < a.groups(); ++g) {
                CHECK(a.scale.flat()[g] == b.scale.flat()[g]);
                CHECK(a.zero.flat()[g] == b.zero.flat()[g]);
                CHECK(a.scale.flat()[g] == c.scale.flat()[g]);
                CHECK(a.zero.flat()[g] == c.zero.flat()[g]);
            }
            CHECK(a.errors == b.errors);
            CHECK(a.errors == c.errors);
        }
}
