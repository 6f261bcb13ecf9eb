// transformers' BitNet layers: an independent encoder of the layout (written from
// integrations/bitnet.py's description, not with bitla's codec), edge rows, bit-exact write
// back, products equal to the decoded values', and bad layers.
#include <catch2/catch.hpp>

#include <bitla/gemm/add.hpp>
#include <bitla/io/hf_bitnet.hpp>
#include <bitla/kernels/generic/reference.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "io/safetensors_files.hpp"
#include "support/random.hpp"

using bitla::BitnetScaling;
using bitla::Matrix;
using bitla::safetensors::File;

namespace {

/// The layout, byte by byte: packed[p, j] = (T[p, j] + 1) | (T[q + p, j] + 1) << 2 |
/// (T[2q + p, j] + 1) << 4 | (T[3q + p, j] + 1) << 6, q = out / 4.
std::vector<std::uint8_t> encode_bitnet(const Matrix<int>& t) {
    const std::size_t q = t.rows() / 4, in = t.cols();
    std::vector<std::uint8_t> out(q * in);
    for (std::size_t p = 0; p < q; ++p)
        for (std::size_t j = 0; j < in; ++j)
            out[p * in + j] = static_cast<std::uint8_t>((t(p, j) + 1) | (t(q + p, j) + 1) << 2 |
                                                        (t(2 * q + p, j) + 1) << 4 | (t(3 * q + p, j) + 1) << 6);
    return out;
}

/// A one-layer file as the reference writes it: weight_scale (BF16, bits `scale_bits`)
/// sorts before weight (U8).
std::vector<std::uint8_t> bitnet_file(const std::string& module, std::size_t quarter, std::size_t in,
                                      const std::vector<std::uint8_t>& packed, std::uint16_t scale_bits) {
    std::vector<std::uint8_t> data{static_cast<std::uint8_t>(scale_bits), static_cast<std::uint8_t>(scale_bits >> 8)};
    data.insert(data.end(), packed.begin(), packed.end());
    return bitla_test::safetensors_image(
        R"({"__metadata__":{"format":"pt"},")" + module + R"(.weight_scale":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]},")" +
            module + R"(.weight":{"dtype":"U8","shape":[)" + std::to_string(quarter) + "," + std::to_string(in) +
            R"(],"data_offsets":[2,)" + std::to_string(2 + packed.size()) + "]}}",
        data);
}

/// out x in ternary values with the edge rows: row 0 a single -1 at column 0, row 1 all
/// zeros, the last row a single +1 at the last column, the last but one all +1, others random.
Matrix<int> edge_ternary(std::size_t out, std::size_t in) {
    Matrix<int> t = bitla_test::random_ints<int>(out, in, -1, 1);
    for (std::size_t j = 0; j < in; ++j) {
        t(0, j) = t(1, j) = t(out - 1, j) = 0;
        t(out - 2, j) = 1;
    }
    t(0, 0) = -1;
    t(out - 1, in - 1) = 1;
    return t;
}

}  // namespace

TEST_CASE("hf bitnet: the layout's documented example", "[io][hf_bitnet]") {
    // transformers' unpack_weights docstring: [[0b10100001, 0b00011000], [0b10010000, 0b00001010]]
    // unpacks to rows [0,-1] [-1,1] [-1,1] [-1,1] [1,0] [0,-1] [1,-1] [1,-1].
    const auto image = bitnet_file("m", 2, 2, {0b10100001, 0b00011000, 0b10010000, 0b00001010}, 0x3f80);  // 1.0
    const File f = File::parse(image, "doc");
    const auto w = bitla::read_hf_bitnet(f, "m", BitnetScaling::divide);
    const int expect[8][2] = {{0, -1}, {-1, 1}, {-1, 1}, {-1, 1}, {1, 0}, {0, -1}, {1, -1}, {1, -1}};
    REQUIRE(w.values.rows() == 8);
    REQUIRE(w.values.cols() == 2);
    for (std::size_t r = 0; r < 8; ++r)
        for (std::size_t c = 0; c < 2; ++c) CHECK(w.values.at(r, c) == expect[r][c]);
    CHECK(w.weight_scale == 1.0f);
    CHECK(bitla::hf_bitnet_modules(f) == std::vector<std::string>{"m"});
}

TEST_CASE("hf bitnet: edge rows read exactly and write back bit for bit", "[io][hf_bitnet]") {
    for (const std::size_t out : {4u, 12u})
        for (const std::size_t in : {1u, 70u, 513u}) {
            CAPTURE(out, in);
            const Matrix<int> t = edge_ternary(out, in);
            const auto image = bitnet_file("model.layers.0.mlp.down_proj", out / 4, in, encode_bitnet(t), 0x4020);  // 2.5
            const File f = File::parse(image, "edge");
            const auto w = bitla::read_hf_bitnet(f, "model.layers.0.mlp.down_proj", BitnetScaling::divide);
            const auto wp = bitla::read_hf_bitnet<bitla::enc::planes>(f, "model.layers.0.mlp.down_proj", BitnetScaling::divide);
            CHECK(w.values == bitla::TernaryPacked<bitla::enc::code2>::from_values(t));
            CHECK(wp.values == bitla::TernaryPacked<bitla::enc::planes>::from_values(t));
            CHECK(w.weight_scale == 2.5f);
            CHECK(w.scale_dtype == bitla::safetensors::Dtype::BF16);
            CHECK(w.scale() == 0.4f);
            const auto dense = w.dequantize();
            for (std::size_t r = 0; r < out; ++r)
                for (std::size_t c = 0; c < in; ++c) CHECK(dense(r, c) == static_cast<float>(t(r, c)) / 2.5f);

            bitla::safetensors::Writer again;
            again.set_metadata("format", "pt");
            bitla::add_hf_bitnet(again, "model.layers.0.mlp.down_proj", w);
            CHECK(again.bytes() == image);
            bitla::safetensors::Writer from_planes;
            from_planes.set_metadata("format", "pt");
            bitla::add_hf_bitnet(from_planes, "model.layers.0.mlp.down_proj", wp);
            CHECK(from_planes.bytes() == image);
        }
}

TEST_CASE("hf bitnet: products equal the decoded values' (exact int8 dots)", "[io][hf_bitnet]") {
    const std::size_t out = 16, in = 300, m = 3;
    const Matrix<int> t = edge_ternary(out, in);
    const auto image = bitnet_file("layer", out / 4, in, encode_bitnet(t), 0x4020);
    const File f = File::parse(image, "gemm");
    for (const auto scaling : {BitnetScaling::divide, BitnetScaling::multiply}) {
        const auto w = bitla::read_hf_bitnet(f, "layer", scaling);
        const auto x = bitla_test::random_ints<std::int8_t>(m, in, -127, 127);
        Matrix<std::int32_t> y(m, out), y_ref(m, out);
        bitla::gemm(x.view(), bitla::pack_add(w.values), y.view());
        bitla::reference::gemm(x, w.values, y_ref);
        const std::vector<float> xs{0.5f, 0.125f, 3.0f};
        Matrix<float> yf(m, out);
        bitla::gemm(bitla::Int8Rows{x.view(), xs}, bitla::pack_add(w), yf.view());
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t n = 0; n < out; ++n) {
                std::int32_t dot = 0;
                for (std::size_t k = 0; k < in; ++k) dot += x(i, k) * t(n, k);
                CHECK(y(i, n) == dot);
                CHECK(y_ref(i, n) == dot);
                // the file's arithmetic: dot / (x_scale⁻¹ · weight_scale), or times weight_scale
                const double exact = scaling == BitnetScaling::divide ? double(xs[i]) * dot / 2.5 : double(xs[i]) * dot * 2.5;
                CHECK(yf(i, n) == Approx(exact).epsilon(1e-6).margin(1e-6));
            }
    }
}

TEST_CASE("hf bitnet: config.json names the scaling", "[io][hf_bitnet]") {
    const auto dir = bitla_test::temp_dir();
    const std::string path = dir + "/config.json";
    const auto config = [&](const std::string& qc) {
        bitla_test::write_file(path, bitla_test::bytes_of(R"({"architectures":["BitNetForCausalLM"],"quantization_config":)" + qc + "}"));
    };
    config(R"({"linear_class":"bitlinear","quant_method":"bitnet","quantization_mode":"offline"})");
    CHECK(bitla::bitnet_scaling(path) == BitnetScaling::divide);
    config(R"({"quant_method":"bitnet"})");
    CHECK(bitla::bitnet_scaling(path) == BitnetScaling::divide);
    config(R"({"linear_class":"autobitlinear","quant_method":"bitnet","quantization_mode":"offline"})");
    CHECK(bitla::bitnet_scaling(path) == BitnetScaling::multiply);
    for (const char* bad : {R"({"linear_class":"autobitlinear","quant_method":"bitnet","quantization_mode":"online"})",
                            R"({"linear_class":"other","quant_method":"bitnet"})", R"({"quant_method":"hqq"})",
                            R"({"quant_method":7})", "[]"}) {
        config(bad);
        CHECK_THROWS_AS(bitla::bitnet_scaling(path), bitla::error);
    }
    bitla_test::write_file(path, bitla_test::bytes_of("{"));
    CHECK_THROWS_AS(bitla::bitnet_scaling(path), bitla::error);
    std::remove(path.c_str());
}

TEST_CASE("hf bitnet: bad layers are refused, naming the file and tensor", "[io][hf_bitnet][errors]") {
    const auto refused = [](const std::vector<std::uint8_t>& image, const std::string& words,
                            BitnetScaling s = BitnetScaling::divide) {
        try {
            const File f = File::parse(image, "bad");
            (void)bitla::read_hf_bitnet(f, "m", s);
            FAIL("accepted; expected " << words);
        } catch (const bitla::error& e) {
            CHECK(e.argument() == "bad");
            INFO(e.what());
            CHECK(std::string(e.what()).find(words) != std::string::npos);
        }
    };
    Matrix<int> t(8, 5);
    std::vector<std::uint8_t> packed = encode_bitnet(t);
    packed[1 * 5 + 3] |= 0b11 << 4;  // packed [1, 3], bits 4..5: row 2·2 + 1 = 5, column 3
    refused(bitnet_file("m", 2, 5, packed, 0x3f80), "code 3 (no ternary value) at packed [1, 3] bits 4..5 (row 5, column 3)");
    const auto good = encode_bitnet(t);
    refused(bitnet_file("m", 2, 5, good, 0x0000), "\"m.weight_scale\": weight_scale = 0 is zero");
    refused(bitnet_file("m", 2, 5, good, 0x7f80), "weight_scale = inf is not finite");
    CHECK_NOTHROW(bitla::read_hf_bitnet(File::parse(bitnet_file("m", 2, 5, good, 0x0000), "ok"), "m", BitnetScaling::multiply));
    refused(bitnet_file("x", 2, 5, good, 0x3f80), "no tensor \"m.weight\"");
    using bitla_test::safetensors_image;
    refused(safetensors_image(R"({"m.weight":{"dtype":"U8","shape":[10],"data_offsets":[0,10]},)"
                              R"("m.weight_scale":{"dtype":"BF16","shape":[1],"data_offsets":[10,12]}})",
                              std::vector<std::uint8_t>(12, 0x55)),
            "\"m.weight\": shape is [10], not [out/4, in]");
    refused(safetensors_image(R"({"m.weight":{"dtype":"I8","shape":[2,5],"data_offsets":[0,10]}})", std::vector<std::uint8_t>(10)),
            "\"m.weight\": dtype is I8, expected U8");
    refused(safetensors_image(R"({"m.weight":{"dtype":"U8","shape":[2,5],"data_offsets":[0,10]},)"
                              R"("m.weight_scale":{"dtype":"BF16","shape":[2],"data_offsets":[10,14]}})",
                              std::vector<std::uint8_t>(14, 0x55)),
            "\"m.weight_scale\": shape is [2], expected [1]");
    refused(safetensors_image(R"({"m.weight":{"dtype":"U8","shape":[2,5],"data_offsets":[0,10]},)"
                              R"("m.weight_scale":{"dtype":"U16","shape":[1],"data_offsets":[10,12]}})",
                              std::vector<std::uint8_t>(12, 0x55)),
            "dtype is U16, expected BF16 or F16 or F32");

    bitla::HfBitnetWeight<> six;
    six.values = bitla::TernaryPacked<bitla::enc::code2>(6, 3);
    bitla::safetensors::Writer w;
    try {
        bitla::add_hf_bitnet(w, "m", six);
        FAIL("6 rows accepted");
    } catch (const bitla::error& e) {
        CHECK(e.argument() == "w");
    }
    bitla::HfBitnetWeight<> inexact;
    inexact.values = bitla::TernaryPacked<bitla::enc::code2>(4, 3);
    inexact.weight_scale = 0.1f;  // not a bfloat16
    CHECK_THROWS_AS(bitla::add_hf_bitnet(w, "m", inexact), bitla::error);
    CHECK(w.bytes().size() == 16);  // nothing was added
}
