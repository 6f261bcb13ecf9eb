// safetensors container: the reference writer's bytes, reading without copies, round trips,
// and malformed files, each refused with bitla::error naming the file.
//
// Files are built here from the format's definition (8-byte little-endian header length,
// JSON, data), not with bitla's writer, so the reader and the writer are checked against
// the format rather than against each other.
#include <catch2/catch.hpp>

#include <bitla/io/safetensors_writer.hpp>

#include <bit>
#include <cstdint>
#include <cstdio>
#include <string>
#include <type_traits>
#include <vector>

#include "io/safetensors_files.hpp"

using bitla::safetensors::Dtype;
using bitla::safetensors::File;
using bitla::safetensors::Writer;
using bitla_test::bytes_of;
using bitla_test::safetensors_image;

namespace {

/// The floats' little-endian F32 bytes.
std::vector<std::uint8_t> f32_bytes(std::initializer_list<float> v) {
    std::vector<std::uint8_t> out;
    for (float f : v) {
        const auto u = std::bit_cast<std::uint32_t>(f);
        for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(u >> (8 * i)));
    }
    return out;
}

/// Expects `f` to throw bitla::error whose argument is `file` and whose message holds `words`.
template <class F>
void expect_refused(F&& f, const std::string& file, const std::string& words) {
    try {
        f();
        FAIL("accepted; expected an error mentioning: " << words);
    } catch (const bitla::error& e) {
        CHECK(e.argument() == file);
        INFO(e.what());
        CHECK(std::string(e.what()).find(words) != std::string::npos);
    }
}

void expect_bad(const std::vector<std::uint8_t>& image, const std::string& words) {
    const std::size_t shown = std::min<std::size_t>(160, image.size() > 8 ? image.size() - 8 : 0);
    INFO(std::string(reinterpret_cast<const char*>(image.data()) + (shown ? 8 : 0), shown));
    expect_refused([&] { (void)File::parse(image, "bad.safetensors"); }, "bad.safetensors", words);
}

}  // namespace

TEST_CASE("safetensors: the writer reproduces the reference's bytes", "[io][safetensors]") {
    // One F32 tensor: the header is 64 bytes with no padding needed... or with padding.
    const auto data = f32_bytes({0, 1, 2, 3, 4, 5});
    Writer w;
    w.add_view("attn.0", Dtype::F32, {1, 2, 3}, data);
    CHECK(w.bytes() == safetensors_image(R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})", data));
    CHECK(w.bytes().size() == 8 + 64 + 24);
    Writer w2;  // a shorter name: 7 spaces of padding
    w2.add_view("attn0", Dtype::F32, {1, 1, 2, 3}, data);
    const auto b2 = w2.bytes();
    CHECK(b2 == safetensors_image(R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}})", data));
    CHECK(b2[0] == 72);
    CHECK(std::string(b2.begin() + 8 + 65, b2.begin() + 8 + 72) == "       ");

    Writer empty;
    CHECK(empty.bytes() == safetensors_image("{}", {}));
    CHECK(empty.bytes().size() == 16);
    empty.set_metadata("framework", "pt");
    CHECK(empty.bytes() == safetensors_image(R"({"__metadata__":{"framework":"pt"}})", {}));
    CHECK(empty.bytes()[0] == 40);
}

TEST_CASE("safetensors: tensors sorted by dtype width, then name", "[io][safetensors]") {
    const std::vector<std::uint8_t> u8{1, 2, 3}, i64(8, 7), f16{0, 0x3c, 0, 0xc0};
    Writer w;
    w.add_view("b", Dtype::U8, {3}, u8);
    w.add_view("a", Dtype::U8, {3}, u8);
    w.add_view("z", Dtype::F16, {2}, f16);
    w.add_view("scalar", Dtype::I64, {}, i64);
    std::vector<std::uint8_t> data(i64);
    data.insert(data.end(), f16.begin(), f16.end());
    data.insert(data.end(), u8.begin(), u8.end());
    data.insert(data.end(), u8.begin(), u8.end());
    CHECK(w.bytes() == safetensors_image(R"({"scalar":{"dtype":"I64","shape":[],"data_offsets":[0,8]},)"
                                         R"("z":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},)"
                                         R"("a":{"dtype":"U8","shape":[3],"data_offsets":[12,15]},)"
                                         R"("b":{"dtype":"U8","shape":[3],"data_offsets":[15,18]}})",
                                         data));
}

TEST_CASE("safetensors: reading views the data in place", "[io][safetensors]") {
    // Out of data order in the JSON, metadata last, unusual names: all legal.
    std::vector<std::uint8_t> data{0x00, 0x3c, 0x00, 0xc0,   // F16 1, -2
                                   0x80, 0x3f, 0x00, 0xc1,   // BF16 1, -8
                                   0x05, 0xff, 0xff, 0xff};  // I32 -251
    const auto image = safetensors_image(R"({"i":{"dtype":"I32","shape":[],"data_offsets":[8,12]},)"
                                         R"("h\u00e9 x":{"dtype":"F16","shape":[2,1],"data_offsets":[0,4]},)"
                                         R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]},)"
                                         R"("__metadata__":{"format":"pt","x":""}})",
                                         data);
    const File f = File::parse(image, "in-memory");
    REQUIRE(f.tensors().size() == 3);
    CHECK(f.tensors()[0].name == "h\xc3\xa9 x");
    CHECK(f.tensors()[1].name == "b");
    CHECK(f.tensors()[2].name == "i");
    CHECK(f.has_metadata());
    CHECK(f.metadata() == std::vector<std::pair<std::string, std::string>>{{"format", "pt"}, {"x", ""}});
    const auto& h = f.at("h\xc3\xa9 x");
    CHECK(h.shape == std::vector<std::size_t>{2, 1});
    CHECK(f.bytes(h).data() == image.data() + image.size() - 12);  // a view, not a copy
    const auto hv = f.floats("h\xc3\xa9 x", 2, 1);
    CHECK(hv(0, 0) == 1.0f);
    CHECK(hv(1, 0) == -2.0f);
    const auto bv = f.floats("b", 1, 2);
    CHECK(bv(0, 0) == 1.0f);
    CHECK(bv(0, 1) == -8.0f);
    CHECK(f.integer("i") == -251);
    CHECK(f.find("nope") == nullptr);
    expect_refused([&] { (void)f.at("nope"); }, "in-memory", "no tensor \"nope\"");
    expect_refused([&] { (void)f.floats("i", 1, 1); }, "in-memory", "dtype is I32, expected F32 or F16 or BF16");
    expect_refused([&] { (void)f.floats("b", 2, 2); }, "in-memory", "holds 2 values, expected 2 x 2");
    expect_refused([&] { (void)f.integer("b"); }, "in-memory", "is not one integer");
}

TEST_CASE("safetensors: write, read, write again is the same bytes", "[io][safetensors]") {
    const auto dir = bitla_test::temp_dir();
    std::vector<float> values{0.5f, -1.25f, 3.0f, 65504.0f, -0.0f, 1e-7f};
    Writer w;
    w.set_metadata("format", "pt");
    w.add_floats("f32", Dtype::F32, {2, 3}, values);
    w.add_floats("f16", Dtype::F16, {6}, std::vector<float>{0.5f, -1.25f, 3.0f, 65504.0f, -0.0f, 0.0f});
    w.add_floats("bf16", Dtype::BF16, {3, 2}, std::vector<float>{0.5f, -1.25f, 3.0f, 65536.0f, -0.0f, 0x1p100f});
    w.add_integer("n", Dtype::I32, {}, -7);
    w.add_chars("s", "2bit_u8");
    w.add("empty", Dtype::U8, {0, 4}, {});
    const std::string path = dir + "/a.safetensors";
    w.write(path);
    const File f = File::open(path);
    CHECK(f.path() == path);
    const File read = File::open(path, bitla::FileAccess::read);  // no mmap: the same tensors
    CHECK(read.tensors().size() == f.tensors().size());
    CHECK(read.floats("f32", 2, 3)(1, 2) == values[5]);
    Writer again;
    again.add_all(f);
    CHECK(again.bytes() == w.bytes());
    CHECK(bitla_test::read_file(path) == w.bytes());
    const auto back = f.floats("f32", 2, 3);
    for (std::size_t i = 0; i < values.size(); ++i) CHECK(back.flat()[i] == values[i]);
    CHECK(f.floats("bf16", 3, 2)(2, 1) == 0x1p100f);
    CHECK(f.integer("n") == -7);
    CHECK(f.chars("s") == "2bit_u8");
    CHECK(f.at("empty").bytes() == 0);
    CHECK(again.erase("n"));
    CHECK_FALSE(again.erase("n"));
    std::remove(path.c_str());
}

TEST_CASE("safetensors: add_all keeps a file without metadata without it", "[io][safetensors]") {
    // Found by fuzz-safetensors_roundtrip: add_all wrote "__metadata__": {} for a file that
    // had none (every HQQ and HF BitNet layer file bitla writes), so the bytes differed.
    const auto data = f32_bytes({1, 2});
    const auto image = safetensors_image(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data);
    const File f = File::parse(image, "plain");
    REQUIRE_FALSE(f.has_metadata());
    Writer w;
    w.set_metadata("stale", "yes");
    w.add_all(f);
    CHECK(w.bytes() == image);
    const auto with = safetensors_image(
        R"({"__metadata__":{},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data);
    Writer w2;
    w2.add_all(File::parse(with, "empty metadata"));
    CHECK(w2.bytes() == with);
}

TEST_CASE("safetensors: malformed files are refused, naming the file", "[io][safetensors][errors]") {
    using bitla_test::raw_image;
    const std::vector<std::uint8_t> d8(8, 1);
    const std::string ok = R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    REQUIRE_NOTHROW(File::parse(safetensors_image(ok, d8), "good"));

    SECTION("too short, or a header length that lies") {
        expect_bad({1, 2, 3}, "too short for the 8-byte header length");
        expect_bad({}, "too short");
        expect_bad(raw_image(ok.size() + 1, ok, {}), "bytes follow the length field");
        expect_bad(raw_image(~std::uint64_t{0}, ok, d8), "exceeds the cap of 100000000 bytes");
        expect_bad(raw_image(std::uint64_t{1} << 63, ok, d8), "exceeds the cap");
        expect_bad(raw_image(100'000'001, ok, d8), "exceeds the cap");
        expect_bad(raw_image(ok.size() - 1, ok, d8), "not valid JSON");  // the header cut short
    }
    SECTION("truncated data, offsets past the end, holes, overlaps, trailing bytes") {
        auto truncated = safetensors_image(ok, d8);
        truncated.pop_back();
        expect_bad(truncated, "reach past the 7-byte data section");
        expect_bad(safetensors_image(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", d8),
                   "reach past the 8-byte data section");
        expect_bad(safetensors_image(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[18446744073709551608,0]}})", d8),
                   "begins after it ends");
        expect_bad(safetensors_image(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", d8),
                   "leave a hole of 4 bytes after the start of the data section");
        expect_bad(safetensors_image(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                                     R"("b":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}})",
                                     d8),
                   "leave a hole of 2 bytes after tensor \"a\"");
        expect_bad(safetensors_image(R"({"a":{"dtype":"U8","shape":[6],"data_offsets":[0,6]},)"
                                     R"("b":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}})",
                                     d8),
                   "overlap tensor \"a\", which ends at 6");
        expect_bad(safetensors_image(R"({"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},)"
                                     R"("b":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}})",
                                     d8),
                   "overlap tensor \"a\"");
        expect_bad(safetensors_image(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", d8),
                   "4 bytes after the last tensor");
        expect_bad(safetensors_image("{}", d8), "the tensors cover 0 bytes of the 8-byte data section");
    }
    SECTION("one entry: sizes, rank, dtype, shape, offsets, fields") {
        // {"t": {<entry>}} over 8 bytes of data
        const std::pair<const char*, const char*> cases[] = {
            {R"("dtype":"F32","shape":[3],"data_offsets":[0,8])", "hold 8 bytes but shape [3] of F32 needs 12"},
            // 2^62 elements of 4 bytes overflow the byte count, 2^32 x 2^32 the element count,
            // unless a zero makes the tensor empty
            {R"("dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,8])", "has more bytes than size_t counts"},
            {R"("dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,8])",
             "has more elements than size_t counts"},
            {R"("dtype":"U8","shape":[4294967296,4294967296,0],"data_offsets":[0,8])", "needs 0"},
            {R"("dtype":"F33","shape":[2],"data_offsets":[0,8])", "dtype \"F33\" is not one this reader knows"},
            {R"("dtype":"F4","shape":[16],"data_offsets":[0,8])", "F4"},
            {R"("dtype":7,"shape":[2],"data_offsets":[0,8])", "not a string"},
            {R"("dtype":"F32","shape":[-2],"data_offsets":[0,8])", "shape holds -2, not a non-negative integer"},
            {R"("dtype":"F32","shape":[2.0],"data_offsets":[0,8])", "not a non-negative integer"},
            {R"("dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,8])", "not a non-negative integer"},
            {R"("dtype":"F32","shape":2,"data_offsets":[0,8])", "not an array"},
            {R"("dtype":"F32","shape":[2],"data_offsets":[0,8,9])", "not [begin, end]"},
            {R"("dtype":"F32","shape":[2])", "field data_offsets is missing"},
            {R"("dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1)", "unknown field \"x\""},
        };
        for (const auto& [entry, words] : cases)
            expect_bad(safetensors_image(std::string(R"({"t":{)") + entry + "}}", d8), words);
        std::string deep = R"({"t":{"dtype":"U8","shape":[)";
        for (int i = 0; i < 65; ++i) deep += i ? ",1" : "1";
        expect_bad(safetensors_image(deep + R"(],"data_offsets":[0,1]}})", {1}), "shape has 65 dimensions, more than 64");
        expect_bad(safetensors_image(R"({"t":[1]})", d8), "not an object {dtype, shape, data_offsets}");
        expect_bad(safetensors_image(R"({"__metadata__":{"a":1},"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", d8),
                   "__metadata__: value of \"a\" is 1, not a string");
        expect_bad(safetensors_image(R"({"__metadata__":"pt"})", {}), "__metadata__ is \"pt\", not an object");
    }
    SECTION("JSON: not JSON, not an object, repeated keys, bad UTF-8, nesting bombs") {
        expect_bad(safetensors_image(R"({"t":{"dtype":"F32",)", d8), "not valid JSON");
        expect_bad(safetensors_image(R"([1, 2])", {}), "does not start with '{'");
        expect_bad(safetensors_image(R"( {})", {}), "does not start with '{'");
        // Found by fuzz-safetensors_roundtrip (ASan, heap-buffer-overflow): an empty header
        // (length 0) read the byte after it while building the UTF-8 check's message.
        expect_bad(bitla_test::raw_image(0, "", {}), "does not start with '{'");
        expect_bad(bitla_test::raw_image(0, "", {'{', '}'}), "does not start with '{'");
        expect_bad(raw_image(8, std::string("{}\0\0\0\0\0\0", 8), {}), "NUL byte at byte 10");  // NUL padding
        expect_bad(raw_image(8, std::string("{}\0 junk", 8), {}), "NUL byte");
        expect_bad(safetensors_image(R"({"t":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},)"
                                     R"("t":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}})",
                                     d8),
                   "repeats the key \"t\"");
        expect_bad(safetensors_image(R"({"t":{"dtype":"U8","dtype":"U8","shape":[8],"data_offsets":[0,8]}})", d8),
                   "repeats the key \"dtype\"");
        expect_bad(safetensors_image("{\"t\xff\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}", d8),
                   "not valid UTF-8 at byte 11 (0xff)");
        expect_bad(safetensors_image("{\"t\xc0\xae\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}", d8),
                   "not valid UTF-8 at byte 11");  // overlong '.'
        expect_bad(safetensors_image("{\"t\xed\xa0\x80\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}", d8),
                   "not valid UTF-8");  // a surrogate
        expect_bad(safetensors_image("{\"t\xe2\x82\":{}}", {}), "not valid UTF-8");  // cut short
        expect_bad(safetensors_image(R"({"t\ud800":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}})", d8),
                   "not valid JSON");  // an escaped lone surrogate
        // Nesting bombs, ~1 MB of brackets: refused at the fourth level.
        expect_bad(safetensors_image("{\"a\":" + std::string(1 << 20, '['), {}), "nests deeper than 3 levels");
        std::string objects = "{";
        for (int i = 0; i < (1 << 18); ++i) objects += "\"a\":{";
        expect_bad(safetensors_image(objects, {}), "nests deeper than 3 levels");
        expect_bad(safetensors_image(R"({"t":{"dtype":"U8","shape":[[8]],"data_offsets":[0,8]}})", d8),
                   "nests deeper");
    }
}

// One convention for files (docs/api.md): a named constructor, as GgufFile::open.
static_assert(!std::is_constructible_v<File, std::string>, "safetensors::File is made by File::open(path)");

TEST_CASE("safetensors: files on disk", "[io][safetensors][errors]") {
    const auto dir = bitla_test::temp_dir();
    expect_refused([&] { (void)File::open(dir + "/missing.safetensors"); }, dir + "/missing.safetensors", "cannot open");
    expect_refused([&] { (void)File::open(dir); }, dir, "is a directory");
    const std::string empty = dir + "/empty.safetensors";
    bitla_test::write_file(empty, {});
    expect_refused([&] { (void)File::open(empty); }, empty, "file is 0 bytes");
    const std::string lying = dir + "/lying.safetensors";
    bitla_test::write_file(lying, bitla_test::raw_image(4096, "{}", {}));
    expect_refused([&] { (void)File::open(lying); }, lying, "header length 4096 but only 2 bytes follow");
    std::remove(empty.c_str());
    std::remove(lying.c_str());
}

TEST_CASE("safetensors: the writer refuses what the format cannot hold", "[io][safetensors][errors]") {
    const auto refused = [](auto&& f, const char* argument) {
        try {
            f();
            FAIL("accepted");
        } catch (const bitla::error& e) {
            CHECK(e.argument() == argument);
        }
    };
    Writer w;
    const std::vector<std::uint8_t> b(6, 0);
    w.add_view("x", Dtype::U8, {6}, b);
    refused([&] { w.add_view("x", Dtype::U8, {6}, b); }, "name");
    refused([&] { w.add_view("__metadata__", Dtype::U8, {6}, b); }, "name");
    refused([&] { w.add_view("\xff", Dtype::U8, {6}, b); }, "name");
    refused([&] { w.add_view("y", Dtype::F16, {2}, b); }, "data");
    refused([&] { w.add_view("y", Dtype::U8, {std::size_t{1} << 32, std::size_t{1} << 32}, b); }, "shape");
    refused([&] { w.add_floats("y", Dtype::F16, {1}, std::vector<float>{0.1f}); }, "values");
    refused([&] { w.add_floats("y", Dtype::BF16, {1}, std::vector<float>{1.00390625f}); }, "values");
    refused([&] { w.add_floats("y", Dtype::F16, {1}, std::vector<float>{70000.0f}); }, "values");
    refused([&] { w.add_floats("y", Dtype::I32, {1}, std::vector<float>{1.0f}); }, "dtype");
    refused([&] { w.add_integer("y", Dtype::U8, {}, 256); }, "values");
    refused([&] { w.add_integer("y", Dtype::I8, {}, -129); }, "values");
    refused([&] { w.add_integer("y", Dtype::F32, {}, 1); }, "values");
    refused([&] { w.set_metadata("k", "\xc3"); }, "metadata");
    w.add_integer("y", Dtype::I8, {}, -128);  // nothing above was added
    CHECK(File::parse(w.bytes(), "w").tensors().size() == 2);
    CHECK(bitla::safetensors::round_to(Dtype::F16, 0.1f) == 0.0999755859375f);
    CHECK(bitla::safetensors::round_to(Dtype::BF16, 1.00390625f) == 1.0f);
    CHECK(bitla::safetensors::round_to(Dtype::BF16, 1.01171875f) == 1.015625f);
}
