// GGUF files written by the formats' own tools (tests/io/data, made by make_tool_files.cpp):
// ggml d99724f's gguf writer and quantizers, bitnet.cpp 16da220's quantize_i2_s. bitla must
// read the metadata ggml wrote, decode every tensor to the floats the tool decodes (bit for
// bit), run the imports on the add-only products with the integer dots those floats imply,
// and write the file back byte for byte. Each comparison is shown to catch a flipped byte.
#include <bitla/bitla.hpp>

#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/random.hpp"

using namespace bitla;

namespace {

const std::string data_dir = BITLA_TEST_DATA_DIR;
const std::string ggml_file = data_dir + "/ggml_d99724f.gguf";
const std::string bitnet_file = data_dir + "/bitnet_16da220.gguf";

std::vector<std::byte> file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    std::vector<char> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(c.size());
    std::memcpy(out.data(), c.data(), c.size());
    return out;
}

/// The float32 values the tool decoded from tensor `name` of `gguf` (little-endian, row-major).
std::vector<float> tool_values(const std::string& gguf, const std::string& name) {
    const std::string path = gguf.substr(0, gguf.size() - 5) + "." + name + ".bin";
    const std::vector<std::byte> b = file_bytes(path);
    REQUIRE(b.size() % 4 == 0);
    std::vector<float> out(b.size() / 4);
    for (std::size_t i = 0; i < out.size(); ++i) {
        std::uint32_t u = 0;
        for (std::size_t j = 0; j < 4; ++j) u |= std::to_integer<std::uint32_t>(b[4 * i + j]) << (8 * j);
        out[i] = std::bit_cast<float>(u);
    }
    return out;
}

/// Where `got` first differs from `want` in its bits (−0.0, subnormals, NaN payloads
/// count), or `want.size()` when every value is the same; a size mismatch is index 0.
std::size_t first_difference(const Matrix<float>& got, const std::vector<float>& want) {
    if (got.flat().size() != want.size()) return 0;
    for (std::size_t i = 0; i < want.size(); ++i)
        if (std::bit_cast<std::uint32_t>(got.flat()[i]) != std::bit_cast<std::uint32_t>(want[i])) return i;
    return want.size();
}

/// Each tensor of the file against the tool's values: the count that differ (0: all equal).
std::size_t differing_tensors(const GgufFile& f, const std::string& gguf) {
    std::size_t n = 0;
    for (const GgufTensor& t : f.tensors()) {
        const std::vector<float> want = tool_values(gguf, t.name);
        const std::size_t at = first_difference(dequantize(t), want);
        if (at != want.size()) {
            UNSCOPED_INFO(t.name << " (" << name(t.type) << "): value " << at << " differs from the tool's "
                                 << (at < want.size() ? want[at] : 0.0f));
            ++n;
        }
    }
    return n;
}

/// A loaded layer on the add-only products, on every ISA the host runs. `values` are the
/// import's integers v, `scale_of` each value's scale from the file: v·scale must be the
/// tool's float bit for bit (so v is what the tool decoded, divided by the file's scale);
/// the int32 product of pack_add(w.values), which stores v + code_offset (Q2_0 as HQQ: its
/// codes), is exactly Σ x·(v + code_offset); the int8 GEMV with the file's scales is
/// Σ x · (the tool's floats) — exact in double — within the float bound (each block's
/// integer dot is exact, its scaling and the sum over blocks are float).
template <class Imported>
void check_products(const Imported& w, const Matrix<std::int32_t>& values, const std::vector<float>& tool,
                    const std::vector<float>& scale_of, int code_offset = 0) {
    const std::size_t n = values.rows(), k = values.cols();
    REQUIRE(tool.size() == n * k);
    for (std::size_t i = 0; i < n * k; ++i) {
        INFO("value " << i);
        REQUIRE(std::bit_cast<std::uint32_t>(static_cast<float>(values.flat()[i]) * scale_of[i]) ==
                std::bit_cast<std::uint32_t>(tool[i]));
    }
    Matrix<std::int8_t> x = bitla_test::random_ints<std::int8_t>(2, k, -127, 127);
    for (std::size_t c = 0; c < k; ++c) x(0, c) = c % 2 ? 127 : -127;
    for (isa kernels : available_isas()) {
        INFO("on " << name(kernels));
        const ScopedIsaLimit limit(kernels);
        const AddWeights plain = pack_add(w.values);
        Matrix<std::int32_t> yi(2, n);
        gemm(x.view(), plain, yi.view());
        const AddWeights layer = pack_add(w);
        std::vector<float> yv(n);
        for (std::size_t m = 0; m < 2; ++m) {
            gemv(Int8Vector{x.row(m), 1.0f}, layer, std::span<float>(yv));
            for (std::size_t r = 0; r < n; ++r) {
                std::int64_t dot = 0;
                double exact = 0, mag = 0;
                for (std::size_t c = 0; c < k; ++c) {
                    const double s = std::abs(double(scale_of[r * k + c]));
                    dot += x(m, c) * (values(r, c) + code_offset);
                    exact += double(x(m, c)) * double(tool[r * k + c]);
                    // the kernels form d·(x·q) + u·Σx per group, codes q <= 3, |u| = |d|
                    mag += 4 * std::abs(double(x(m, c))) * (std::abs(double(tool[r * k + c])) + s);
                }
                INFO("row " << r << ", activation row " << m);
                REQUIRE(yi(m, r) == dot);
                REQUIRE(std::abs(double(yv[r]) - exact) <= bitla_test::float_bound(k, mag));
            }
        }
    }
}

/// The scale of each value of a GroupScaled or HQQ import, row-major.
std::vector<float> group_scale_of(const Matrix<float>& scale, std::size_t n, std::size_t k, std::size_t g) {
    std::vector<float> s(n * k);
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t c = 0; c < k; ++c) s[r * k + c] = scale(r, c / g);
    return s;
}

template <class V>
Matrix<std::int32_t> as_ints(const V& values) {
    const Matrix<float> f = values.template unpack<float>();
    Matrix<std::int32_t> out(f.rows(), f.cols());
    for (std::size_t i = 0; i < f.flat().size(); ++i) out.flat()[i] = static_cast<std::int32_t>(f.flat()[i]);
    return out;
}

}  // namespace

TEST_CASE("tool files: bitla reads the metadata ggml's gguf writer wrote", "[io][tool_files]") {
    for (FileAccess how : {FileAccess::map, FileAccess::read}) {
        const GgufFile f = GgufFile::open(ggml_file, how);
        const GgufMetadata& m = f.metadata();
        REQUIRE(f.dialect() == GgufDialect::ggml);
        REQUIRE(f.alignment() == 64);
        REQUIRE(f.data_offset() % 64 == 0);
        REQUIRE(m.size() == 18);
        REQUIRE(m.at("general.architecture").as<std::string>() == "bitla-tool-files");
        REQUIRE(m.at("general.name").as<std::string>() == "ggml d99724f quantizers: tern\xc3\xa4r \xe2\x9c\x93");
        REQUIRE(m.at("general.alignment").as<std::uint32_t>() == 64);
        REQUIRE(m.at("test.u8").as<std::uint8_t>() == 200);
        REQUIRE(m.at("test.i8").as<std::int8_t>() == -100);
        REQUIRE(m.at("test.u16").as<std::uint16_t>() == 60000);
        REQUIRE(m.at("test.i16").as<std::int16_t>() == -30000);
        REQUIRE(m.at("test.u32").as<std::uint32_t>() == 4000000000u);
        REQUIRE(m.at("test.i32").as<std::int32_t>() == -2000000000);
        REQUIRE(m.at("test.f32").as<float>() == 1.5f);
        REQUIRE(m.at("test.bool").as<bool>() == true);
        REQUIRE(m.at("test.u64").as<std::uint64_t>() == std::uint64_t{1} << 60);
        REQUIRE(m.at("test.i64").as<std::int64_t>() == -(std::int64_t{1} << 60));
        REQUIRE(m.at("test.f64").as<double>() == -0.25);
        REQUIRE(m.at("test.empty").as<std::string>().empty());
        REQUIRE(m.at("test.arr_i32").elements<std::int32_t>() == std::vector<std::int32_t>{1, -2, 3, -4});
        REQUIRE(m.at("test.arr_f32").elements<float>() == std::vector<float>{0.5f, -1.0f, 3.25f});
        REQUIRE(m.at("test.arr_str").strings == std::vector<std::string>{"<s>", "", "hello"});

        const std::vector<std::pair<std::string, GgufType>> names = {
            {"tq1_0", GgufType::tq1_0}, {"tq2_0", GgufType::tq2_0}, {"q1_0", GgufType::q1_0},
            {"q2_0", GgufType::q2_0},   {"f16", GgufType::f16},     {"bf16", GgufType::bf16},
            {"f32", GgufType::f32},     {"tq1_0.bytes", GgufType::tq1_0}, {"tq2_0.bytes", GgufType::tq2_0},
            {"q1_0.bytes", GgufType::q1_0}, {"q2_0.bytes", GgufType::q2_0}};
        REQUIRE(f.tensors().size() == names.size());
        for (std::size_t i = 0; i < names.size(); ++i) {
            REQUIRE(f.tensors()[i].name == names[i].first);
            REQUIRE(f.tensors()[i].type == names[i].second);
            REQUIRE(f.tensors()[i].offset % 64 == 0);
        }
        REQUIRE(f.tensor("tq1_0").shape == std::vector<std::uint64_t>{512, 5});
        REQUIRE(f.tensor("q2_0").shape == std::vector<std::uint64_t>{256, 5});
        REQUIRE(f.tensor("f16").shape == std::vector<std::uint64_t>{32, 2});

        const GgufFile b = GgufFile::open(bitnet_file, how);
        REQUIRE(b.dialect() == GgufDialect::bitnet_cpp);
        REQUIRE(b.metadata().at("general.file_type").as<std::uint32_t>() == 40);
        REQUIRE(b.metadata().at("general.architecture").as<std::string>() == "bitnet-b1.58");
        REQUIRE(b.tensor("blk.0.ffn_up.weight").type == GgufType::i2_s);
        REQUIRE(b.tensor("blk.0.ffn_up.weight").shape == std::vector<std::uint64_t>{256, 4});
        REQUIRE(b.tensor("blk.0.ffn_up.weight").data.size() == 256 * 4 / 4 + 32);
    }
}

TEST_CASE("tool files: ggml's misaligned file (general.alignment set on an empty context) is refused as ggml refuses it",
          "[io][tool_files]") {
    // ggml's writer keeps padding to 32 when the key says 64; its reader then rejects the
    // file ("tensor 'b' has offset 32, expected 64"), and bitla names the same fault.
    REQUIRE_THROWS_WITH(GgufFile::open(data_dir + "/ggml_d99724f.misaligned.gguf"),
                        Catch::Contains("tensor 'b': offset 32 is not a multiple of the alignment 64"));
}

TEST_CASE("tool files: every tensor decodes bit for bit to what ggml and bitnet.cpp decode", "[io][tool_files]") {
    for (const std::string& path : {ggml_file, bitnet_file}) {
        INFO(path);
        const GgufFile f = GgufFile::open(path);
        REQUIRE(differing_tensors(f, path) == 0);
    }
}

TEST_CASE("tool files: a flipped byte in any tensor is caught by the comparison", "[io][tool_files]") {
    for (const std::string& path : {ggml_file, bitnet_file}) {
        const std::vector<std::byte> original = file_bytes(path);
        const GgufFile f = GgufFile::parse(original, path);
        for (const GgufTensor& t : f.tensors()) {
            // The first byte of a random row (codes, or Q1_0's and Q2_0's d); I2_S: its scale's
            // lowest byte (a flipped code byte may hold code 3, which decoding refuses).
            const bool i2_s = t.type == GgufType::i2_s;
            const std::size_t at = f.data_offset() + t.offset + (i2_s ? t.data.size() - 32 : 0);
            std::vector<std::byte> bytes = original;
            bytes[at] ^= std::byte{0x14};
            INFO(t.name);
            REQUIRE(differing_tensors(GgufFile::parse(bytes, path), path) == 1);
            if (i2_s) {  // its 28 unused bytes are not read
                bytes = original;
                bytes[at + 4] ^= std::byte{0x14};
                bytes[at + 31] ^= std::byte{0xff};
                REQUIRE(differing_tensors(GgufFile::parse(bytes, path), path) == 0);
            }
        }
    }
}

TEST_CASE("tool files: the imports run on the add-only products with the tools' values", "[io][tool_files]") {
    const GgufFile f = GgufFile::open(ggml_file);
    const GgufFile b = GgufFile::open(bitnet_file);
    for (const char* name : {"tq1_0", "tq2_0", "tq1_0.bytes"}) {
        SECTION(name) {
            const GgufTensor& t = f.tensor(name);
            const auto w = import_ternary<enc::base3>(t);
            const auto s = group_scale_of(w.scale, t.rows(), t.cols(), 256);
            check_products(w, as_ints(w.values), tool_values(ggml_file, name), s);
            const auto c = import_ternary<enc::code2>(t);
            check_products(c, as_ints(c.values), tool_values(ggml_file, name), s);
        }
    }
    SECTION("q1_0") {
        const auto w = import_q1_0(f.tensor("q1_0"));
        check_products(w, as_ints(w.values), tool_values(ggml_file, "q1_0"), group_scale_of(w.scale, 5, 256, 128));
    }
    for (const char* name : {"q2_0", "q2_0.bytes"}) {
        SECTION(name) {
            const GgufTensor& t = f.tensor(name);
            const HqqQuantized w = import_q2_0(t);
            Matrix<std::int32_t> v(t.rows(), t.cols());  // values: codes - zero point 1
            for (std::size_t r = 0; r < v.rows(); ++r)
                for (std::size_t c = 0; c < v.cols(); ++c) v(r, c) = w.values.at(r, c) - 1;
            check_products(w, v, tool_values(ggml_file, name), group_scale_of(w.scale, t.rows(), t.cols(), 64), 1);
        }
    }
    SECTION("I2_S") {
        const GgufTensor& t = b.tensor("blk.0.ffn_up.weight");
        const auto w = import_i2_s(t);
        const std::vector<float> s(t.rows() * t.cols(), w.scale);
        check_products(w, as_ints(w.values), tool_values(bitnet_file, t.name), s);
    }
    SECTION("what the imports refuse, as documented") {
        // TQ2_0 code 3: ggml decodes (3 - 1)·d, which no ternary layout holds. The error
        // names the file and the value (before the fix: "value: value(0, 3) = 2 is not an
        // integer in [-1, 1]", from TernaryPacked::set, argument "value").
        try {
            (void)import_ternary<enc::base3>(f.tensor("tq2_0.bytes"));
            FAIL("no error");
        } catch (const bitla::error& e) {
            REQUIRE(e.argument() == ggml_file);
            REQUIRE_THAT(e.what(), Catch::Contains("tensor 'tq2_0.bytes' (TQ2_0): value (0, 3) (block 0) has code 3"));
        }
        // Q1_0 with |d| = 65504: decoded exactly, but its packed 2d is beyond fp16.
        const auto q1 = import_q1_0(f.tensor("q1_0.bytes"));
        REQUIRE_THROWS_AS(pack_add(q1), bitla::error);
    }
}

TEST_CASE("tool files: bitla writes back the bytes the tools wrote, and its exports decode the same",
          "[io][tool_files]") {
    for (const std::string& path : {ggml_file, bitnet_file}) {
        INFO(path);
        const std::vector<std::byte> original = file_bytes(path);
        const GgufFile f = GgufFile::parse(original, path);
        // The directory and data as read, written again: ggml's file, byte for byte (bitnet.cpp's
        // I2_S tail included, which the tensor's bytes carry).
        REQUIRE(gguf_bytes(f.tensors(), f.metadata()) == original);

        // Imported into bitla's types, exported, written, read again: the tools' values.
        std::vector<GgufTensorData> exported;
        for (const GgufTensor& t : f.tensors()) {
            switch (t.type) {
                case GgufType::tq1_0: exported.push_back(to_gguf(t.name, t.type, import_ternary<enc::base3>(t))); break;
                case GgufType::tq2_0:
                    if (t.name == "tq2_0.bytes")  // code 3 (2d), which no ternary type holds: kept as F32
                        exported.push_back(to_gguf(t.name, GgufType::f32, dequantize(t).view()));
                    else exported.push_back(to_gguf(t.name, t.type, import_ternary(t)));
                    break;
                case GgufType::q1_0: exported.push_back(to_gguf(t.name, t.type, import_q1_0(t))); break;
                case GgufType::q2_0: exported.push_back(to_gguf(t.name, t.type, import_q2_0(t))); break;
                case GgufType::i2_s: exported.push_back(to_gguf(t.name, t.type, import_i2_s(t))); break;
                default: exported.push_back(to_gguf(t.name, t.type, dequantize(t).view())); break;
            }
        }
        std::vector<GgufTensor> views;
        for (const auto& e : exported) views.push_back(e.view());
        const std::string out = (std::filesystem::temp_directory_path() / "bitla-test-io-tool-files.gguf").string();
        write_gguf(out, views, f.metadata());
        const GgufFile g = GgufFile::open(out, FileAccess::read);
        REQUIRE(g.metadata() == f.metadata());
        REQUIRE(differing_tensors(g, path) == 0);
        // Exports of the quantizers' tensors are their bytes (I2_S: but the 28 unused).
        for (const char* name : {"tq1_0", "tq2_0", "q1_0", "q2_0", "f16", "bf16", "f32", "blk.0.ffn_up.weight"}) {
            const GgufTensor* a = f.find(name);
            if (a == nullptr) continue;
            const GgufTensor& c = g.tensor(name);
            const std::size_t n = a->type == GgufType::i2_s ? a->data.size() - 28 : a->data.size();
            INFO(name);
            REQUIRE(c.data.size() == a->data.size());
            REQUIRE(std::memcmp(c.data.data(), a->data.data(), n) == 0);
        }
        std::filesystem::remove(out);
    }
}
