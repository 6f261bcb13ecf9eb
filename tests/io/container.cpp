// The GGUF container (io/gguf_reader.hpp, gguf_writer.hpp, gguf_metadata.hpp): metadata of
// every type, files compared byte for byte with one built field by field from the
// specification (spec.hpp), a file read and written again byte-identically, the alignment
// key honoured both ways, bitnet.cpp's I2_S placed by its own size rule.
#include <bitla/bitla.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "io/spec.hpp"
#include "support/random.hpp"

using namespace bitla;

namespace {

std::string temp_path(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("bitla-test-io-" + name)).string();
}

spec::Bytes file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    spec::Bytes out(c.size());
    for (std::size_t i = 0; i < c.size(); ++i) out[i] = static_cast<std::byte>(c[i]);
    return out;
}

GgufMetadata every_type() {
    GgufMetadata m;
    m.set("general.architecture", std::string("bitnet-b1.58"));
    m.set("u8", std::uint8_t{200});
    m.set("i8", std::int8_t{-100});
    m.set("u16", std::uint16_t{60000});
    m.set("i16", std::int16_t{-30000});
    m.set("u32", std::uint32_t{4000000000u});
    m.set("i32", std::int32_t{-2000000000});
    m.set("f32", 1.5f);
    m.set("bool", true);
    m.set("u64", std::uint64_t{1} << 60);
    m.set("i64", std::int64_t{-1} << 60);
    m.set("f64", -0.25);
    const std::vector<float> scores = {0.5f, -1.0f, 3.25f};
    const std::vector<std::int32_t> ids = {1, -2, 3, -4};
    const bool flags[] = {true, false};
    const std::vector<double> empty;
    m.set("tokenizer.ggml.scores", GgufValue::array(std::span<const float>(scores)));
    m.set("ids", GgufValue::array(std::span<const std::int32_t>(ids)));
    m.set("flags", GgufValue::array(std::span<const bool>(flags)));
    m.set("empty", GgufValue::array(std::span<const double>(empty)));
    m.set("tokenizer.ggml.tokens", GgufValue::array(std::vector<std::string>{"<s>", "", "hello"}));
    return m;
}

}  // namespace

TEST_CASE("metadata of every GGUF type and tensors round-trip through a file byte-identically", "[io]") {
    const GgufMetadata m = every_type();
    Matrix<float> norm(1, 8);
    for (std::size_t i = 0; i < 8; ++i) norm(0, i) = 0.125f * float(i) - 0.3f;
    const GgufTensorData a = to_gguf("norm.weight", GgufType::f32, norm.view());
    const GgufTensorData b = to_gguf("half", GgufType::f16, norm.view());
    const GgufTensorData c = to_gguf("brain", GgufType::bf16, norm.view());
    const GgufTensorData d = to_gguf("tq2", GgufType::tq2_0, quantize_absmean(bitla_test::random_floats(3, 256)));
    const std::vector<GgufTensor> ts = {a.view(), b.view(), c.view(), d.view()};
    const std::string path = temp_path("roundtrip.gguf");
    write_gguf(path, ts, m);
    const spec::Bytes written = file_bytes(path);

    for (FileAccess how : {FileAccess::map, FileAccess::read}) {
        const GgufFile f = GgufFile::open(path, how);
        REQUIRE(f.metadata() == m);
        REQUIRE(f.metadata().at("i64").as<std::int64_t>() == (std::int64_t{-1} << 60));
        REQUIRE(f.metadata().at("ids").elements<std::int32_t>() == std::vector<std::int32_t>{1, -2, 3, -4});
        REQUIRE(f.metadata().at("tokenizer.ggml.tokens").strings[2] == "hello");
        REQUIRE(f.tensors().size() == 4);
        for (std::size_t i = 0; i < 4; ++i) {
            REQUIRE(f.tensors()[i].name == ts[i].name);
            REQUIRE(f.tensors()[i].shape == ts[i].shape);
            REQUIRE(f.tensors()[i].type == ts[i].type);
            REQUIRE(std::equal(f.tensors()[i].data.begin(), f.tensors()[i].data.end(), ts[i].data.begin(), ts[i].data.end()));
            REQUIRE(f.tensors()[i].offset % 32 == 0);
        }
        REQUIRE(dequantize(f.tensor("norm.weight"))(0, 7) == norm(0, 7));
        // Read, then written again: the same bytes.
        REQUIRE(gguf_bytes(f.tensors(), f.metadata()) == written);
    }
    std::remove(path.c_str());
}

TEST_CASE("the writer's bytes are the specification's, alignment and padding included", "[io]") {
    const spec::Format& tq2 = spec::formats[1];
    std::vector<int> v(512, 0);
    v[3] = 1;
    v[300] = -1;
    const spec::Bytes codes = spec::encode(tq2, v, {0x3c00, 0xbc00}, 0);  // d = 1, -1
    const spec::Bytes small = {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};  // one f32
    for (std::uint32_t alignment : {0u, 64u, 8u}) {
        GgufMetadata m;
        m.set("general.name", std::string("t"));
        if (alignment != 0) m.set("general.alignment", alignment);
        const std::vector<GgufTensor> ts = {{"a", GgufType::f32, {1}, 0, small, ""},
                                            {"b", GgufType::tq2_0, {256, 2}, 0, codes, ""}};
        const std::size_t a = alignment == 0 ? 32 : alignment;
        spec::Writer w;
        w.header(2, m.size()).str("general.name").raw<std::uint32_t>(8).str("t");
        if (alignment != 0) w.kv_u32("general.alignment", alignment);
        w.tensor("a", {1}, 0, 0).tensor("b", {256, 2}, 35, (4 + a - 1) / a * a).pad(a);
        w.data(small).pad(a).data(codes).pad(a);
        INFO("alignment " << a);
        const auto bytes = gguf_bytes(ts, m);
        REQUIRE(bytes == w.out);
        const GgufFile f = GgufFile::parse(bytes, "aligned.gguf");
        REQUIRE(f.alignment() == a);
        REQUIRE(f.data_offset() % a == 0);
        REQUIRE(f.tensor("b").offset == (4 + a - 1) / a * a);
        REQUIRE(dequantize(f.tensor("b"))(1, 300 - 256) == 1.0f);  // -1 · d = -1 · -1
    }
}

TEST_CASE("I2_S files are bitnet.cpp files: file type 40, n/4 + 32 bytes each", "[io]") {
    const auto q = quantize_absmean(bitla_test::random_floats(2, 128));
    const GgufTensorData i2 = to_gguf("blk.0.w", GgufType::i2_s, q);
    REQUIRE(i2.bytes.size() == 2 * 128 / 4 + 32);
    const GgufTensorData next = to_gguf("blk.0.n", GgufType::f32, Matrix<float>(1, 3).view());
    const std::vector<GgufTensor> ts = {i2.view(), next.view()};
    const auto bytes = gguf_bytes(ts);
    const GgufFile f = GgufFile::parse(bytes, "bitnet.gguf");
    REQUIRE(f.dialect() == GgufDialect::bitnet_cpp);
    REQUIRE(f.metadata().at("general.file_type").as<std::uint32_t>() == 40);
    REQUIRE(f.tensor("blk.0.n").offset == 96);  // 64 + 32 bytes, aligned to 32
    REQUIRE(import_i2_s<enc::planes>(f.tensor("blk.0.w")).values == q.values);

    auto arg = [&](const std::vector<GgufTensor>& t, const GgufMetadata& m) {
        try {
            (void)gguf_bytes(t, m);
        } catch (const bitla::error& e) {
            return e.argument();
        }
        return std::string("no error");
    };
    GgufMetadata other;
    other.set("general.file_type", std::uint32_t{7});
    REQUIRE(arg(ts, other) == "metadata");
    const GgufTensorData q1 = to_gguf("q1", GgufType::q1_0, quantize_sign(bitla_test::random_floats(1, 128)));
    REQUIRE(arg({i2.view(), q1.view()}, {}) == "tensors");  // 41 means nothing in bitnet.cpp
    REQUIRE(arg({next.view(), next.view()}, {}) == "tensors");  // the same name twice
    GgufTensor wrong = next.view();
    wrong.shape = {4};
    REQUIRE(arg({wrong}, {}) == "tensors");  // 12 bytes for 4 floats
    GgufMetadata bad_align;
    bad_align.set("general.alignment", std::uint32_t{48});
    REQUIRE(arg({next.view()}, bad_align) == "metadata");
}
