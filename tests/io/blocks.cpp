// GGUF block formats (io/block_codecs.hpp, gguf_decode.hpp, gguf_import.hpp,
// gguf_export.hpp) against the specifications transcribed in spec.hpp: decoding bit for
// bit, edge rows (all-zero rows, fp16-subnormal d, d = ±65504, −0.0, single non-zeros at
// block ends), imports whose add-only products, on every ISA the host runs, equal the
// file's dequantization (int8: the integer dot exactly, scaled within a K-derived bound),
// and exports that give the file's bytes back.
#include <bitla/bitla.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "io/spec.hpp"
#include "support/random.hpp"

using namespace bitla;

namespace {

constexpr std::size_t kN = 7, kK = 512;

struct Case {
    const spec::Format* f;
    std::vector<int> values;         // N x K
    std::vector<std::uint16_t> d;    // per block
    float i2s_scale = 0.37f;
    spec::Bytes bytes;
    GgufTensor tensor() const { return {"w", static_cast<GgufType>(f->id), {kK, kN}, 0, bytes, "case.gguf"}; }
};

/// Edge rows: 0 all zero (Q1_0: all −1), 1 one non-zero at each block's end, 2 one at each
/// block's start, 3 random with fp16-subnormal d, 4 random with d = ±65504 (Q1_0: ±32752,
/// whose 2d fp16 still holds), 5 random with d = ±0.0 mixed, 6 random with random d.
Case make_case(const spec::Format& f, std::uint16_t big_d) {
    Case c{&f, std::vector<int>(kN * kK), {}, 0.37f, {}};
    std::mt19937 g(f.id);
    std::uniform_int_distribution<int> val(f.lo, f.hi);
    const int zero = f.name == "Q1_0" ? -1 : 0, one = f.name == "Q1_0" ? -zero : 1;
    for (std::size_t r = 0; r < kN; ++r)
        for (std::size_t k = 0; k < kK; ++k) {
            int v = val(g);
            if (f.name == "Q1_0" && v == 0) v = 1;
            if (r == 0) v = zero;
            if (r == 1) v = (k % f.block == f.block - 1) ? one : zero;
            if (r == 2) v = (k % f.block == 0) ? -one : zero;
            c.values[r * kK + k] = v;
        }
    const std::size_t per_row = kK / f.block;
    std::uniform_int_distribution<int> normal(0x0400, 0x5bff);
    for (std::size_t b = 0; b < kN * per_row; ++b) {
        const std::size_t r = b / per_row;
        std::uint16_t d = static_cast<std::uint16_t>(normal(g) | (b % 3 == 0 ? 0x8000 : 0));
        if (r == 3) d = b % 2 ? 0x0001 : 0x83ff;  // smallest and largest (negative) subnormal
        if (r == 4) d = b % 2 ? big_d : static_cast<std::uint16_t>(big_d | 0x8000);
        if (r == 5) d = b % 2 ? 0x8000 : 0x0000;
        c.d.push_back(d);
    }
    c.bytes = spec::encode(f, c.values, c.d, c.i2s_scale);
    return c;
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

/// Products of a loaded layer (pack_add of the import) against the file's dequantization.
template <class Imported>
void check_products(const Case& c, const Imported& w, int code_offset, isa kernels) {
    const auto deq = spec::decode(*c.f, c.bytes, kN * kK);
    Matrix<std::int8_t> x = bitla_test::random_ints<std::int8_t>(3, kK, -127, 127);
    for (std::size_t k = 0; k < kK; ++k) x(0, k) = k % 2 ? 127 : -127;

    // Exact: the integer dot of the stored codes, against the spec's values and the oracle.
    const ScopedIsaLimit limit(kernels);
    const AddWeights plain = pack_add(w.values);
    Matrix<std::int32_t> yi(3, kN), yr(3, kN);
    gemm(x.view(), plain, yi.view());
    reference::gemm(x, w.values, yr.view());
    const Matrix<std::int32_t> stored = unpack_values(plain);
    for (std::size_t m = 0; m < 3; ++m)
        for (std::size_t n = 0; n < kN; ++n) {
            std::int64_t dot = 0;
            for (std::size_t k = 0; k < kK; ++k) dot += x(m, k) * (c.values[n * kK + k] + code_offset);
            REQUIRE(yi(m, n) == dot);
            REQUIRE(yr(m, n) == dot);
        }
    for (std::size_t i = 0; i < kN * kK; ++i) REQUIRE(stored.flat()[i] == c.values[i] + code_offset);

    // Scaled, int8 and float activations: Σ_k x·(v·d) within (K + 1)·eps·Σ|x|·|d|·4 (the
    // kernels form d·(x·q) + u·Σx per group, codes q <= 3, |u| = |d|).
    const AddWeights layer = pack_add(w);
    Matrix<float> xf(3, kK);
    for (std::size_t i = 0; i < xf.flat().size(); ++i) xf.flat()[i] = static_cast<float>(x.flat()[i]) / 64.0f;
    Matrix<float> y8(3, kN), yf(3, kN);
    gemm(Int8Rows{x.view()}, layer, y8.view());
    gemm(xf.view(), layer, yf.view());
    std::vector<float> yv(kN);
    gemv(Int8Vector{x.row(0), 1.0f}, layer, std::span<float>(yv));
    for (std::size_t m = 0; m < 3; ++m)
        for (std::size_t n = 0; n < kN; ++n) {
            double exact = 0, mag = 0;
            for (std::size_t k = 0; k < kK; ++k) {
                exact += double(x(m, k)) * double(deq[n * kK + k]);
                const double d = std::abs(double(deq[n * kK + k])) + std::abs(double(spec::half(c.d[(n * kK + k) / c.f->block])));
                mag += 4 * std::abs(double(x(m, k))) * (c.f->name == "I2_S" ? c.i2s_scale : d);
            }
            INFO(c.f->name << " on " << name(kernels) << ", row " << n << ", activation row " << m);
            const double bound = bitla_test::float_bound(kK, mag);
            REQUIRE(std::abs(double(y8(m, n)) - exact) <= bound);
            REQUIRE(std::abs(double(yf(m, n)) - exact / 64.0) <= bound / 64.0);
            if (m == 0) REQUIRE(std::abs(double(yv[n]) - exact) <= bound);
        }
}

/// check_products on every ISA the host runs.
template <class Imported>
void check_products(const Case& c, const Imported& w, int code_offset) {
    for (isa i : available_isas()) check_products(c, w, code_offset, i);
}

template <class Imported>
void check_export(const Case& c, const Imported& w) {
    const GgufTensorData back = to_gguf("w", static_cast<GgufType>(c.f->id), w);
    REQUIRE(back.shape == std::vector<std::uint64_t>{kK, kN});
    // I2_S: codes and scale; its 28 unused bytes are written as zeros, read as anything.
    const std::size_t compare = c.f->name == "I2_S" ? kN * kK / 4 + 4 : c.bytes.size();
    REQUIRE(back.bytes.size() == c.bytes.size());
    REQUIRE(std::memcmp(back.bytes.data(), c.bytes.data(), compare) == 0);
}

}  // namespace

TEST_CASE("every block format decodes as its specification says, edge rows included", "[io]") {
    for (const auto& f : spec::formats) {
        const Case c = make_case(f, 0x7bff);
        const auto expected = spec::decode(f, c.bytes, kN * kK);
        const Matrix<float> got = dequantize(c.tensor());
        REQUIRE(got.rows() == kN);
        REQUIRE(got.cols() == kK);
        for (std::size_t i = 0; i < kN * kK; ++i) {
            INFO(f.name << " value " << i << ": " << got.flat()[i] << " vs " << expected[i]);
            REQUIRE(same_bits(got.flat()[i], expected[i]));  // −0.0 and subnormals included
        }
    }
}

TEST_CASE("TQ1_0 bytes decode to the digits they encode for all 243 digit groups", "[io]") {
    for (int v = 0; v < 243; ++v) {
        const int t[5] = {v / 81, v / 27 % 3, v / 9 % 3, v / 3 % 3, v % 3};
        const std::uint8_t byte = spec::tq1_byte(t);
        for (int n = 0; n < 5; ++n) REQUIRE(base3::trit(byte, n) == t[n]);
    }
}

TEST_CASE("loaded layers run on the add-only products with the file's results", "[io]") {
    for (const auto& f : spec::formats) {
        const Case c = make_case(f, f.name == "Q1_0" ? 0x77ff : 0x7bff);
        const GgufTensor t = c.tensor();
        SECTION(f.name) {
            if (f.name == "TQ1_0") {
                const auto w = import_ternary<enc::base3>(t);
                check_products(c, w, 0);
                check_export(c, w);
            } else if (f.name == "TQ2_0") {
                const auto w = import_ternary<enc::code2>(t);
                check_products(c, w, 0);
                check_export(c, w);
                check_products(c, import_ternary<enc::planes>(t), 0);
            } else if (f.name == "Q1_0") {
                const auto w = import_q1_0(t);
                check_products(c, w, 0);
                check_export(c, w);
            } else if (f.name == "Q2_0") {
                const auto w = import_q2_0(t);
                check_products(c, w, 1);
                check_export(c, w);
            } else {
                const auto w = import_i2_s(t);
                REQUIRE(w.scale == c.i2s_scale);
                check_products(c, w, 0);
                check_export(c, w);
            }
        }
    }
}

TEST_CASE("Q1_0 with |d| > 32752 decodes but cannot pack: its 2d is beyond fp16", "[io]") {
    const Case c = make_case(spec::formats[2], 0x7bff);  // d = ±65504
    const auto w = import_q1_0(c.tensor());
    REQUIRE(w.scale(4, 0) == -65504.0f);
    try {
        (void)pack_add(w);
        FAIL("pack_add accepted 2d = 131008");
    } catch (const bitla::error& e) {
        REQUIRE(e.argument() == "scale");
    }
}

TEST_CASE("quantizer results export to GGUF and import back exactly", "[io]") {
    const Matrix<float> w = bitla_test::random_floats(4, 512);
    const auto t = quantize_absmean(w);
    const float gamma16 = detail::half_to_float(detail::float_to_half(t.scale));
    for (GgufType type : {GgufType::tq1_0, GgufType::tq2_0, GgufType::q2_0, GgufType::i2_s}) {
        const GgufTensorData e = to_gguf("t", type, t);
        const Matrix<float> back = dequantize(e.view());
        const Matrix<float> v = t.values.unpack<float>();
        const float s = type == GgufType::i2_s ? t.scale : gamma16;
        for (std::size_t i = 0; i < v.flat().size(); ++i) REQUIRE(same_bits(back.flat()[i], v.flat()[i] * s));
    }
    const auto sq = quantize_sign(w);
    const auto q1 = import_q1_0(to_gguf("s", GgufType::q1_0, sq).view());
    REQUIRE(q1.values == sq.values);
    auto hq = quantize_hqq(w, {.nbits = 2, .group_size = 64});
    try {
        (void)to_gguf("h", GgufType::q2_0, hq);
        FAIL("an HQQ zero point other than 1 went to Q2_0");
    } catch (const bitla::error& e) {
        REQUIRE(e.argument() == "zero");
    }
    for (auto& z : hq.zero.flat()) z = 1.0f;
    const auto q2 = import_q2_0(to_gguf("h", GgufType::q2_0, hq).view());
    REQUIRE(q2.values == hq.values);
}

TEST_CASE("exports reject what the format cannot hold", "[io]") {
    auto arg = [](auto&& f) {
        try {
            f();
        } catch (const bitla::error& e) {
            return e.argument();
        }
        return std::string("no error");
    };
    const Matrix<float> w = bitla_test::random_floats(2, 256);
    const auto t = quantize_absmean(w);
    REQUIRE(arg([&] { (void)to_gguf("t", GgufType::q1_0, t); }) == "values");  // ternary zeros
    REQUIRE(arg([&] { (void)to_gguf("t", GgufType::q4_0, t); }) == "type");
    auto big = quantize_absmean(w);
    big.scale = 1e6f;
    REQUIRE(arg([&] { (void)to_gguf("t", GgufType::tq2_0, big); }) == "scale");
    REQUIRE(arg([&] { (void)to_gguf("t", GgufType::tq2_0, quantize_absmean(bitla_test::random_floats(2, 128))); }) ==
            "values");  // K = 128 is not a multiple of 256
    Matrix<float> f(1, 2);
    f(0, 0) = 1e5f;
    REQUIRE(arg([&] { (void)to_gguf("f", GgufType::f16, f.view()); }) == "values");
    const GgufTensorData bf = to_gguf("f", GgufType::bf16, f.view());
    REQUIRE(dequantize(bf.view())(0, 0) == 99840.0f);  // 1e5 to nearest bfloat16
}
