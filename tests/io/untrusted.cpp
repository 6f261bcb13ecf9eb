// GGUF files that lie (io/gguf_reader.hpp, gguf_decode.hpp): every malformed file is a
// bitla::error whose argument is the file's name and whose message names what was wrong,
// before anything is reserved or decoded; under ASan, no read past the bytes given.
#include <bitla/bitla.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/spec.hpp"

using namespace bitla;

namespace {

/// The message of the bitla::error parsing `bytes` throws ("no error" if none); the error's
/// argument must be the file's name.
std::string rejection(const spec::Bytes& bytes) {
    // An exact-size heap copy: ASan sees any read past the end.
    const auto copy = std::make_unique<std::byte[]>(bytes.size() + (bytes.empty() ? 1 : 0));
    std::copy(bytes.begin(), bytes.end(), copy.get());
    try {
        const GgufFile f = GgufFile::parse(std::span<const std::byte>(copy.get(), bytes.size()), "evil.gguf");
        for (const auto& t : f.tensors())
            if (info(t.type).decodable) (void)dequantize(t);
    } catch (const bitla::error& e) {
        REQUIRE(e.argument() == "evil.gguf");
        return e.what();
    }
    return "no error";
}

bool says(const spec::Bytes& bytes, const std::string& words) {
    const std::string m = rejection(bytes);
    INFO(m);
    return m.find(words) != std::string::npos;
}

/// A valid file: one kv, a 2 x 256 TQ2_0 tensor and a 4-value F32 tensor after it.
spec::Writer valid_head(std::uint32_t type2 = 0, std::uint64_t offset2 = 160) {
    spec::Writer w;
    w.header(2, 1).kv_u32("general.alignment", 32);
    w.tensor("blk.0.w", {256, 2}, 35, 0).tensor("norm", {4}, type2, offset2).pad(32);
    return w;
}
spec::Bytes valid(std::uint32_t type2 = 0, std::uint64_t offset2 = 160) {
    spec::Writer w = valid_head(type2, offset2);
    w.data(spec::Bytes(132, std::byte{0x55})).pad(32).data(spec::Bytes(16, std::byte{0}));
    return w.out;
}

}  // namespace

TEST_CASE("a valid file parses, and every truncation of it is rejected", "[io]") {
    const spec::Bytes file = valid();
    REQUIRE(rejection(file) == "no error");
    for (std::size_t n = 0; n < file.size(); ++n) {
        const spec::Bytes cut(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(n));
        INFO("truncated to " << n << " bytes");
        REQUIRE(rejection(cut) != "no error");
    }
}

TEST_CASE("headers that are not GGUF v3", "[io]") {
    spec::Bytes b = valid();
    b[0] = std::byte{'X'};
    REQUIRE(says(b, "magic"));
    spec::Writer v2;
    v2.header(0, 0);
    v2.out[4] = std::byte{2};
    REQUIRE(says(v2.out, "version 2"));
    spec::Writer be;
    be.header(0, 0);
    be.out[4] = std::byte{0};
    be.out[7] = std::byte{3};
    REQUIRE(says(be.out, "big-endian"));
}

TEST_CASE("lying counts and lengths are rejected before anything is reserved", "[io]") {
    spec::Writer kv;
    kv.header(0, std::uint64_t{1} << 40).out.resize(100);
    REQUIRE(says(kv.out, "key/value count 1099511627776 cannot fit"));
    spec::Writer tn;
    tn.header(std::uint64_t{1} << 62, 0).out.resize(100);
    REQUIRE(says(tn.out, "tensor count"));
    spec::Writer key;
    key.header(0, 1).raw(std::uint64_t{1} << 63).out.resize(64);
    REQUIRE(says(key.out, "more than the 65535 allowed"));
    spec::Writer str;
    str.header(0, 1).str("k").raw<std::uint32_t>(8).raw(std::uint64_t{1} << 50).out.resize(80);
    REQUIRE(says(str.out, "key 'k': its string needs 1125899906842624 bytes"));
    spec::Writer arr;
    arr.header(0, 1).str("k").raw<std::uint32_t>(9).raw<std::uint32_t>(4).raw(std::uint64_t{1} << 40).out.resize(100);
    REQUIRE(says(arr.out, "key 'k': array of 1099511627776 u32"));
    spec::Writer sarr;
    sarr.header(0, 1).str("k").raw<std::uint32_t>(9).raw<std::uint32_t>(8).raw(std::uint64_t{1} << 40).out.resize(100);
    REQUIRE(says(sarr.out, "array of 1099511627776 string"));
}

TEST_CASE("malformed metadata values", "[io]") {
    auto one_kv = [](auto&& value) {
        spec::Writer w;
        w.header(0, 1).str("k");
        value(w);
        w.out.resize(w.out.size() + 16);
        return w.out;
    };
    REQUIRE(says(one_kv([](spec::Writer& w) { w.raw<std::uint32_t>(13); }), "key 'k': value type = 13"));
    REQUIRE(says(one_kv([](spec::Writer& w) { w.raw<std::uint32_t>(9).raw<std::uint32_t>(9).raw<std::uint64_t>(1); }),
                 "an array of arrays"));
    REQUIRE(says(one_kv([](spec::Writer& w) { w.raw<std::uint32_t>(7).raw<std::uint8_t>(2); }), "bool value 2"));
    REQUIRE(says(one_kv([](spec::Writer& w) { w.raw<std::uint32_t>(9).raw<std::uint32_t>(7).raw<std::uint64_t>(2).raw<std::uint16_t>(0x0300); }),
                 "bool element 1 is 3"));
    spec::Writer dup;
    dup.header(0, 2).kv_u32("a", 1).kv_u32("a", 2);
    REQUIRE(says(dup.out, "key 'a' appears twice"));
    for (std::uint32_t a : {0u, 48u}) {
        spec::Writer al;
        al.header(0, 1).kv_u32("general.alignment", a);
        REQUIRE(says(al.out, "is not a power of two"));
    }
    spec::Writer al64;
    al64.header(0, 1).str("general.alignment").raw<std::uint32_t>(10).raw<std::uint64_t>(32);
    REQUIRE(says(al64.out, "'general.alignment' is u64, not u32"));
}

TEST_CASE("malformed tensor directories", "[io]") {
    auto dir = [](std::vector<std::uint64_t> ne, std::uint32_t type, std::uint64_t offset, bool bitnet = false) {
        spec::Writer w;
        w.header(1, bitnet ? 1 : 0);
        if (bitnet) w.kv_u32("general.file_type", 40);
        w.tensor("t", ne, type, offset).pad(32).out.resize(w.out.size() + 64);
        return w.out;
    };
    REQUIRE(says(dir({}, 0, 0), "tensor 't': n_dims = 0 is outside [1, 4]"));
    REQUIRE(says(dir({1, 1, 1, 1, 1}, 0, 0), "n_dims = 5"));
    REQUIRE(says(dir({1u << 31, 1u << 31, 1u << 31}, 0, 0), "the element count overflows at ne[2]"));
    REQUIRE(says(dir({std::uint64_t{1} << 62}, 0, 0), "blocks of 4 bytes overflow"));
    REQUIRE(says(dir({100, 2}, 35, 0), "ne[0] = K = 100 is not a multiple of TQ2_0's block of 256"));
    REQUIRE(says(dir({8}, 99, 0), "type 99 is not a GGUF type bitla knows"));
    REQUIRE(says(dir({8}, 4, 0), "type 4 is not a GGUF type"));
    REQUIRE(says(dir({16}, 0, 8), "offset 8 is not a multiple of the alignment 32"));
    REQUIRE(says(dir({16}, 0, 64), "reach past the end"));
    REQUIRE(says(dir({std::uint64_t{1} << 60}, 24, std::uint64_t{1} << 62), "reach past the end"));
    spec::Writer two;
    two.header(2, 0).tensor("t", {4}, 0, 0).tensor("t", {4}, 0, 32);
    REQUIRE(says(two.out, "tensor 't' appears twice"));
    spec::Writer longname;
    longname.header(1, 0).tensor(std::string(64, 'n'), {4}, 0, 0);
    REQUIRE(says(longname.out, "has length 64, more than the 63 allowed"));
    spec::Writer noname;  // found by fuzz/gguf_roundtrip: read, but the writer refused it
    noname.header(1, 0).tensor("", {4}, 0, 0).pad(32).out.resize(noname.out.size() + 32);
    REQUIRE(says(noname.out, "tensor 0's name is empty"));
    // Overlap: the second tensor starts inside the first (also across a zero-size one).
    spec::Bytes overlap = valid(0, 128);
    REQUIRE(says(overlap, "tensor 'norm' (16 bytes at offset 128) overlaps tensor 'blk.0.w' (132 bytes at offset 0)"));
    spec::Writer z;
    z.header(3, 0).tensor("big", {64}, 0, 0).tensor("empty", {0}, 0, 32).tensor("late", {4}, 0, 128).pad(32);
    z.out.resize(z.out.size() + 512);
    REQUIRE(says(z.out, "tensor 'late' (16 bytes at offset 128) overlaps tensor 'big' (256 bytes at offset 0)"));
}

TEST_CASE("type ids are read in the file's dialect and refused when ambiguous", "[io]") {
    auto file = [](std::uint32_t type, bool bitnet) {
        spec::Writer w;
        w.header(1, bitnet ? 1 : 0);
        if (bitnet) w.kv_u32("general.file_type", 40);
        w.tensor("t", {128}, type, 0).pad(32).data(spec::Bytes(256, std::byte{0x55}));
        return w.out;
    };
    REQUIRE(says(file(36, false), "type 36 is removed in mainline ggml (bitnet.cpp's I2_S, but general.file_type is not 40"));
    REQUIRE(rejection(file(36, true)) == "no error");
    REQUIRE(says(file(37, true), "type 37 is bitnet.cpp's I8_S"));
    REQUIRE(says(file(39, true), "bitnet.cpp's TL2"));
    REQUIRE(says(file(41, true), "type 41 is not a bitnet.cpp type (in mainline ggml: Q1_0)"));
    REQUIRE(says(file(40, false), "NVFP4"));
    REQUIRE(rejection(file(41, false)) == "no error");
    REQUIRE(rejection(file(39, false)) == "no error");  // MXFP4: sized, viewed, not decoded
}

TEST_CASE("values no dequantization can mean", "[io]") {
    spec::Writer i2;
    i2.header(1, 1).kv_u32("general.file_type", 40).tensor("t", {128}, 36, 0).pad(32);
    spec::Bytes codes(64, std::byte{0x55});
    codes[5] = std::byte{0x57};  // value 96 + 5 has code 3
    REQUIRE(says(spec::Writer(i2).data(codes).out, "value 101 (block 0, byte 5) has code 3"));
    spec::Writer q1;
    q1.header(1, 0).tensor("t", {128}, 41, 0).pad(32);
    REQUIRE(says(q1.data({std::byte{0x00}, std::byte{0x7c}}).data(spec::Bytes(16)).out, "block 0 (row 0) has scale d = inf"));
    GgufTensor lying{"t", GgufType::tq2_0, {256}, 0, {}, "hand.gguf"};
    try {
        (void)dequantize(lying);
        FAIL("a tensor with no bytes decoded");
    } catch (const bitla::error& e) {
        REQUIRE(e.argument() == "hand.gguf");
    }
}

TEST_CASE("a TQ2_0 code 3 decodes to 2d but is not ternary: the import names it", "[io]") {
    // ggml's dequantize_row_tq2_0 reads code 3 as (3 - 1)·d, and so does dequantize; the
    // ternary imports cannot hold it and say where it is, the file being the argument.
    spec::Writer w;
    w.header(1, 0).tensor("t", {256, 2}, 35, 0).pad(32);
    spec::Bytes codes(132, std::byte{0x55});  // codes 1: zeros; d = 0x5555
    codes[66 + 5] = std::byte{0xd5};          // row 1, byte 5: value 96 + 5 has code 3
    w.data(codes);
    const GgufFile f = GgufFile::parse(w.out, "evil.gguf");
    const Matrix<float> v = dequantize(f.tensor("t"));
    REQUIRE(v(1, 101) == 2.0f * spec::half(0x5555));
    for (auto import : {+[](const GgufTensor& t) { (void)import_ternary<enc::code2>(t); },
                        +[](const GgufTensor& t) { (void)import_ternary<enc::base3>(t); },
                        +[](const GgufTensor& t) { (void)import_ternary<enc::planes>(t); }}) {
        try {
            import(f.tensor("t"));
            FAIL("a code 3 imported");
        } catch (const bitla::error& e) {
            REQUIRE(e.argument() == "evil.gguf");
            REQUIRE_THAT(e.what(), Catch::Contains("tensor 't' (TQ2_0): value (1, 101) (block 1) has code 3"));
        }
    }
}

TEST_CASE("tensors without values: no wrapped row count, no walk over empty rows", "[io]") {
    // K = 0 lets the other dimensions claim anything: the file holds 0 bytes for them.
    auto empty = [](std::vector<std::uint64_t> ne, std::uint32_t type) {
        spec::Writer w;
        w.header(1, 0).tensor("t", ne, type, 0).pad(32);
        return w.out;
    };
    constexpr std::uint64_t big = std::uint64_t{1} << 40;
    REQUIRE(says(empty({0, big, big}, 0), "the element count overflows at ne[2]"));  // rows() would wrap to 0
    for (const std::uint32_t type : {0u, 35u, 41u, 42u}) {
        const spec::Bytes bytes = empty({0, big}, type);
        const GgufFile f = GgufFile::parse(bytes, "empty.gguf");
        const GgufTensor& t = f.tensor("t");
        const Matrix<float> w = dequantize(t);  // at once: 2^40 rows of nothing are not visited
        REQUIRE((w.rows() == big && w.cols() == 0));
    }
    const spec::Bytes tq2 = empty({0, big}, 35);
    const GgufFile f = GgufFile::parse(tq2, "empty.gguf");
    REQUIRE_THROWS_WITH(import_ternary(f.tensor("t")), Catch::Contains("tensor 't' (TQ2_0, 1099511627776 x 0) has no values"));
}
