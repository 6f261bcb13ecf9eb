// Files written by the formats' own tools (tests/io/data, made by make_tool_files.py, see
// README_safetensors.md there): transformers' pack_weights (BitNet layout) and hqq's
// HQQLinear state dicts, each next to the values the tool itself decodes (unpack_weights /
// HQQLinear.dequantize()), stored in *.expected.safetensors. Those are read here with a
// parser of this file's own (nlohmann-json and memcpy), not with bitla's reader, and bitla's
// decoded values must equal them.
#include <catch2/catch.hpp>

#include <bitla/gemm/add.hpp>
#include <bitla/io/hf_bitnet.hpp>
#include <bitla/io/hqq_safetensors.hpp>
#include <nlohmann/json.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "io/safetensors_files.hpp"
#include "support/random.hpp"

using bitla::BitnetScaling;
using bitla::HqqLayer;
using bitla::Matrix;
using bitla::safetensors::Dtype;
using bitla::safetensors::File;

namespace {

std::string data_path(const std::string& name) { return std::string(BITLA_TEST_DATA_DIR) + "/" + name; }

/// An *.expected.safetensors file read without bitla: F32, U8 and I8 tensors by name.
class Expected {
public:
    explicit Expected(const std::string& name) : bytes_(bitla_test::read_file(data_path(name))) {
        REQUIRE(bytes_.size() >= 8);
        std::uint64_t n = 0;
        for (int i = 7; i >= 0; --i) n = n << 8 | bytes_[static_cast<std::size_t>(i)];
        REQUIRE(n <= bytes_.size() - 8);
        header_ = nlohmann::json::parse(bytes_.begin() + 8, bytes_.begin() + 8 + static_cast<std::ptrdiff_t>(n));
        base_ = 8 + static_cast<std::size_t>(n);
    }
    [[nodiscard]] std::vector<float> f32(const std::string& name) const {
        const auto [p, bytes] = locate(name, "F32");
        std::vector<float> out(bytes / 4);
        std::memcpy(out.data(), p, bytes);  // little-endian hosts (x86-64, aarch64)
        return out;
    }
    [[nodiscard]] std::vector<int> ints(const std::string& name) const {
        const std::string dtype = header_.at(name).at("dtype").get<std::string>();
        REQUIRE((dtype == "U8" || dtype == "I8"));
        const auto [p, bytes] = locate(name, dtype);
        std::vector<int> out(bytes);
        for (std::size_t i = 0; i < bytes; ++i) out[i] = dtype == "U8" ? int{p[i]} : int{static_cast<std::int8_t>(p[i])};
        return out;
    }
    [[nodiscard]] bool has(const std::string& name) const { return header_.contains(name); }

private:
    std::pair<const std::uint8_t*, std::size_t> locate(const std::string& name, const std::string& dtype) const {
        INFO("expected tensor " << name);
        REQUIRE(header_.contains(name));
        const auto& t = header_.at(name);
        REQUIRE(t.at("dtype").get<std::string>() == dtype);
        const auto b = t.at("data_offsets").at(0).get<std::size_t>(), e = t.at("data_offsets").at(1).get<std::size_t>();
        REQUIRE(b <= e);
        REQUIRE(base_ + e <= bytes_.size());
        return {bytes_.data() + base_ + b, e - b};
    }
    std::vector<std::uint8_t> bytes_;
    nlohmann::json header_;
    std::size_t base_ = 0;
};

std::uint32_t bits(float v) { return std::bit_cast<std::uint32_t>(v); }

/// A float rounded to the compute dtype, round to nearest even: what torch's CPU kernels do
/// after each F16 / BF16 operation (they compute in float and round the result back).
float round_compute(Dtype d, float v) {
    if (d == Dtype::F16) return bitla::detail::half_bits_to_float(bitla::detail::float_to_half(v));
    if (d == Dtype::BF16) return bitla::detail::bf16_to_float(bitla::detail::float_to_bf16(v));
    return v;
}

}  // namespace

TEST_CASE("tool files: transformers pack_weights layers decode to unpack_weights' values", "[io][hf_bitnet][tools]") {
    const File f = File::open(data_path("hf_bitnet.safetensors"));
    const Expected ex("hf_bitnet.expected.safetensors");
    REQUIRE(bitla::bitnet_scaling(data_path("hf_bitnet.config.json")) == BitnetScaling::divide);
    const std::vector<std::string> modules{"model.layers.0.mlp.down_proj", "model.layers.0.self_attn.o_proj"};
    REQUIRE(bitla::hf_bitnet_modules(f) == modules);

    bitla::safetensors::Writer again;
    again.set_metadata("format", "pt");
    for (const auto& m : modules) {
        CAPTURE(m);
        const auto w = bitla::read_hf_bitnet(f, m, BitnetScaling::divide);
        const auto wp = bitla::read_hf_bitnet<bitla::enc::planes>(f, m, BitnetScaling::divide);
        const std::size_t n = w.values.rows(), k = w.values.cols();
        const std::vector<int> codes = ex.ints(m + ".codes");  // unpack_weights(packed, int8)
        const std::vector<float> dense = ex.f32(m + ".dense");  // unpack_weights(packed, f32) / weight_scale
        REQUIRE(codes.size() == n * k);
        REQUIRE(dense.size() == n * k);
        CHECK(w.scale_dtype == Dtype::BF16);
        // the same ternary values, and T / weight_scale in float: the same division, bit for bit
        const Matrix<float> d = w.dequantize();
        std::size_t code_mismatches = 0, value_mismatches = 0;
        for (std::size_t r = 0; r < n; ++r)
            for (std::size_t c = 0; c < k; ++c) {
                code_mismatches += w.values.at(r, c) != codes[r * k + c];
                code_mismatches += wp.values.at(r, c) != codes[r * k + c];
                value_mismatches += bits(d(r, c)) != bits(dense[r * k + c]);
            }
        CHECK(code_mismatches == 0);
        CHECK(value_mismatches == 0);

        // import -> pack_add -> gemv on int8 x: the exact integer dot with the tool's codes, and
        // the scaled product x_scale · dot / weight_scale
        const auto x = bitla_test::random_ints<std::int8_t>(1, k, -127, 127);
        std::vector<std::int32_t> yi(n);
        bitla::gemv(x.flat(), bitla::pack_add(w.values), yi);
        std::vector<float> yf(n);
        const float xs = 0.03125f;
        bitla::gemv(bitla::Int8Vector{x.flat(), xs}, bitla::pack_add(w), yf);
        for (std::size_t r = 0; r < n; ++r) {
            std::int32_t dot = 0;
            for (std::size_t c = 0; c < k; ++c) dot += int{x(0, c)} * codes[r * k + c];
            CHECK(yi[r] == dot);
            // float: scale() is 1/weight_scale rounded once, then two float products
            CHECK(yf[r] == Approx(double{xs} * dot / double{w.weight_scale}).epsilon(1e-6).margin(1e-30));
        }
        bitla::add_hf_bitnet(again, m, w);
    }
    // written back with bitla's writer (next to the untouched norm weight): the tool file's bytes
    const auto* norm = f.find("model.norm.weight");
    REQUIRE(norm != nullptr);
    again.add_view(norm->name, norm->dtype, norm->shape, f.bytes(*norm));
    CHECK(again.bytes() == bitla_test::read_file(data_path("hf_bitnet.safetensors")));
}

namespace {

struct HqqCase {
    std::string module;
    float nbits;
    std::size_t group_size;
    int axis;
    Dtype compute;
    bool bias;
};

void check_hqq_file(const std::string& file, const std::vector<HqqCase>& cases) {
    CAPTURE(file);
    const File f = File::open(data_path(file + ".safetensors"));
    const Expected ex(file + ".expected.safetensors");
    CHECK_FALSE(f.has_metadata());  // hqq's save_to_safetensors passes none
    bitla::safetensors::Writer again;
    for (const auto& hc : cases) {
        CAPTURE(hc.module);
        const HqqLayer l = bitla::read_hqq(f, hc.module);
        const bitla::HqqQuantized& q = l.q;
        CHECK(q.nbits == hc.nbits);
        CHECK(q.group_size == hc.group_size);
        CHECK(q.axis == hc.axis);
        CHECK(l.compute_dtype == hc.compute);
        CHECK(l.has_bias == hc.bias);
        const std::size_t n = q.rows(), k = q.cols();
        const std::vector<int> codes = ex.ints(hc.module + ".codes");
        const std::vector<float> dense = ex.f32(hc.module + ".dense"), scale = ex.f32(hc.module + ".scale"),
                                 zero = ex.f32(hc.module + ".zero");
        REQUIRE(codes.size() == n * k);
        REQUIRE(dense.size() == n * k);
        REQUIRE(scale.size() == q.groups());
        REQUIRE(zero.size() == q.groups());
        // group metadata in HQQ's flat group order; HqqQuantized keeps the same order
        std::size_t meta_mismatches = 0;
        for (std::size_t j = 0; j < q.groups(); ++j)
            meta_mismatches += std::size_t{bits(q.scale.flat()[j]) != bits(scale[j])} + std::size_t{bits(q.zero.flat()[j]) != bits(zero[j])};
        CHECK(meta_mismatches == 0);
        if (hc.bias) {
            const std::vector<float> bias = ex.f32(hc.module + ".bias");
            CHECK(l.bias == bias);
        }

        // Decoded values. hqq dequantizes in the compute dtype: W = r(r(c - z) · s), r rounding
        // to F16 / BF16 after each operation (torch's CPU kernels compute each op in float and
        // round back; the float results are exact here: c - z of an integer and a 16-bit float,
        // the product of two 16-bit floats). bitla's dequantize() computes (c - z) · s in float.
        // So: (1) the tool's values equal r(r(c - z) · s) on bitla's codes, scale and zero, bit
        // for bit; (2) bitla's float values equal them exactly for F32, and otherwise within the
        // two roundings: |r(v) - v| <= 2^-p·|v| + h with p = 11 (F16), 8 (BF16) and h the
        // subnormal half-step (2^-25 for F16; BF16 has float's exponent range, h = 0 here), so
        //     |tool - bitla| <= 2^-p·|c - z|·|s|·(2 + 2^-p) + h·(|s| + 1) + 2^-23·|c - z|·|s|
        // (the last term bitla's own two float roundings).
        const Matrix<float> d = q.dequantize();
        const int p = hc.compute == Dtype::F16 ? 11 : 8;
        const double h = hc.compute == Dtype::F16 ? std::ldexp(1.0, -25) : 0.0;
        std::size_t code_mismatches = 0, emulation_mismatches = 0, out_of_bound = 0, inexact = 0;
        double worst = 0;
        const auto v = q.values.view();
        for (std::size_t r = 0; r < n; ++r)
            for (std::size_t c = 0; c < k; ++c) {
                const float tool = dense[r * k + c];
                code_mismatches += static_cast<int>(v(r, c)) != codes[r * k + c];
                const auto [gr, gc] = q.group_of(r, c);
                const float s = q.scale(gr, gc), z = q.zero(gr, gc), code = static_cast<float>(v(r, c));
                const float emulated = round_compute(hc.compute, round_compute(hc.compute, code - z) * s);
                emulation_mismatches += bits(emulated) != bits(tool);
                if (hc.compute == Dtype::F32) {
                    inexact += bits(d(r, c)) != bits(tool);
                } else {
                    const double mag = std::fabs(double{code} - double{z}) * std::fabs(double{s});
                    const double bound = std::ldexp(mag, -p) * (2 + std::ldexp(1.0, -p)) + h * (std::fabs(double{s}) + 1) +
                                         std::ldexp(mag, -23);
                    const double err = std::fabs(double{d(r, c)} - double{tool});
                    out_of_bound += err > bound;
                    if (bound > 0) worst = std::max(worst, err / bound);
                }
            }
        INFO("largest error / bound: " << worst);
        CHECK(code_mismatches == 0);
        CHECK(emulation_mismatches == 0);
        CHECK(inexact == 0);
        CHECK(out_of_bound == 0);

        // import -> pack_add -> gemv on int8 x. Integer path: x · codes exactly. Scaled path:
        // Σ_g s·(x · c)_g - z·s·(Σ_{k∈g} x_k), computed here in double from the tool's codes,
        // scale and zero. The packed group metadata is fp16 (gemm/add_weights.hpp): s exactly
        // for F16 and for these BF16 scales (8 significant bits, fp16's normal range; the
        // F32 layers' scales round, relative 2^-11), and u = -z·s rounded once (2^-11 of
        // max(|u|, |s|), checked_half); the sums are float. Bound per output:
        //     2^-11 · Σ_g (|s|·|(x·c)_g| + max(|u|, |s|)·|Σx_g|) · 1.01 + 2^-20 · Σ_g |terms|
        const auto x = bitla_test::random_ints<std::int8_t>(1, k, -127, 127);
        std::vector<std::int32_t> yi(n);
        bitla::gemv(x.flat(), bitla::pack_add(q.values), yi);
        for (std::size_t r = 0; r < n; ++r) {
            std::int64_t dot = 0;
            for (std::size_t c = 0; c < k; ++c) dot += int{x(0, c)} * codes[r * k + c];
            CHECK(yi[r] == dot);
        }
        if (q.axis == 0) {
            // HQQ's axis-0 groups are strided: the add-only products cannot take them
            CHECK_THROWS_AS(bitla::hqq_axis1(q), bitla::error);
        } else {
            std::vector<float> yf(n);
            bitla::gemv(bitla::Int8Vector{x.flat(), 1.0f}, bitla::pack_add(q), yf);
            const std::size_t g = q.group_size;
            for (std::size_t r = 0; r < n; ++r) {
                double ref = 0, rounding = 0, magnitude = 0;
                for (std::size_t j = 0; j < k / g; ++j) {
                    const std::size_t gi = (r * k) / g + j;  // HQQ's flat group index (axis 1)
                    const double s = scale[gi], z = zero[gi], u = -z * s;
                    std::int64_t dg = 0, sx = 0;
                    for (std::size_t c = j * g; c < (j + 1) * g; ++c) {
                        dg += int{x(0, c)} * codes[r * k + c];
                        sx += x(0, c);
                    }
                    const double a = s * static_cast<double>(dg), b = u * static_cast<double>(sx);
                    ref += a + b;
                    rounding += std::fabs(a) + std::max(std::fabs(u), std::fabs(s)) * std::fabs(static_cast<double>(sx));
                    magnitude += std::fabs(a) + std::fabs(b);
                }
                CAPTURE(r, ref);
                CHECK(std::fabs(double{yf[r]} - ref) <= std::ldexp(rounding, -11) * 1.01 + std::ldexp(magnitude, -20));
            }
        }
        bitla::add_hqq(again, hc.module, l);
    }
    // bitla's writer writes the tool's file back byte for byte
    CHECK(again.bytes() == bitla_test::read_file(data_path(file + ".safetensors")));
}

}  // namespace

TEST_CASE("tool files: hqq HQQLinear state dicts decode to HQQLinear.dequantize()'s values", "[io][hqq][tools]") {
    SECTION("2 bits: F16, BF16 with bias, F32") {
        check_hqq_file("hqq_2bit", {{"model.layers.0.self_attn.q_proj", 2, 64, 1, Dtype::F16, false},
                                    {"model.layers.0.mlp.down_proj", 2, 64, 1, Dtype::BF16, true},
                                    {"model.layers.0.mlp.up_proj", 2, 32, 1, Dtype::F32, false}});
    }
    SECTION("1 bit: F16, F32 with bias") {
        check_hqq_file("hqq_1bit", {{"model.layers.0.self_attn.k_proj", 1, 64, 1, Dtype::F16, false},
                                    {"model.layers.0.self_attn.v_proj", 1, 32, 1, Dtype::F32, true}});
    }
    SECTION("3 bits (int32 packing) and 4 bits on axis 0") {
        check_hqq_file("hqq_3bit_4bit", {{"model.layers.1.self_attn.q_proj", 3, 64, 1, Dtype::F16, false},
                                         {"model.layers.1.self_attn.o_proj", 4, 64, 0, Dtype::F16, false}});
    }
}
