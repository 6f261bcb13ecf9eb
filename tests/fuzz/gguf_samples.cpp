// Writes small valid GGUF files, field by field with the spec builder (tests/io/spec.hpp,
// independent of bitla/io): the fuzz targets' seed corpus and bitla-inspect's test input.
//
//   <DIR>/<type>.gguf   one 2-row tensor of each type bitla sizes or decodes (I2_S in a
//                       bitnet.cpp file, general.file_type = 40)
//   <DIR>/sample.gguf   metadata of every value type (scalars, arrays of each, a 40-value
//                       f32 array, strings, a key holding an ESC) and TQ2_0, Q1_0, F16
//                       tensors, alignment 64
//   <DIR>/truncated.gguf      sample.gguf without its last 8 bytes (a bad file)
//   <DIR>/not_gguf.safetensors  an empty safetensors file (another format)
//
// Usage: gguf-samples DIR
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "io/spec.hpp"

namespace {

struct Tensor {
    std::string name;
    std::vector<std::uint64_t> ne;
    std::uint32_t type;
    spec::Bytes data;
};
using Kv = std::function<void(spec::Writer&)>;

/// Value i of a pattern that visits every code of a format with range [lo, hi].
int pattern(std::size_t i, int lo, int hi) {
    return lo + static_cast<int>((i * 7 + i / 5) % static_cast<std::size_t>(hi - lo + 1));
}

/// 2 rows of K = one block of format f, scales 1.0 and -0.5 (fp16), I2_S scale 0.25.
Tensor block_tensor(const spec::Format& f, const std::string& name) {
    const std::size_t n = 2 * f.block;
    std::vector<int> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = pattern(i, f.lo, f.hi);
    return {name, {f.block, 2}, f.id, spec::encode(f, v, {0x3c00, 0xb800}, 0.25f)};
}

/// fp16 bits of x: 0 or a normal number exactly representable (the samples' values).
std::uint16_t half_bits(float x) {
    std::uint32_t u;
    std::memcpy(&u, &x, 4);
    if (x == 0) return 0;
    return static_cast<std::uint16_t>(((u >> 16) & 0x8000) | ((((u >> 23) & 0xff) - 112) << 10) | ((u >> 13) & 0x3ff));
}

/// 2 rows of K = 8 values (i - 6) / 4 of a float type, or i - 6 of an integer type.
Tensor plain_tensor(const std::string& name, std::uint32_t type) {
    spec::Writer w;
    for (int i = 0; i < 16; ++i) {
        const float x = static_cast<float>(i - 6) / 4;
        std::uint32_t u;
        std::memcpy(&u, &x, 4);
        if (type == 0) w.raw(u);
        else if (type == 1) w.raw(half_bits(x));
        else if (type == 30) w.raw(static_cast<std::uint16_t>(u >> 16));
        else if (type == 24) w.raw(static_cast<std::int8_t>(i - 6));
        else w.raw(static_cast<std::int32_t>(i - 6));
    }
    return {name, {8, 2}, type, w.out};
}

spec::Bytes file(const std::vector<Kv>& kvs, const std::vector<Tensor>& tensors, std::size_t alignment) {
    spec::Writer w;
    w.header(tensors.size(), kvs.size());
    for (const Kv& kv : kvs) kv(w);
    std::uint64_t offset = 0;
    for (const Tensor& t : tensors) {
        w.tensor(t.name, t.ne, t.type, offset);
        offset = (offset + t.data.size() + alignment - 1) / alignment * alignment;
    }
    for (const Tensor& t : tensors) w.pad(alignment).data(t.data);
    return w.out;
}

template <class T>
Kv scalar(std::string key, std::uint32_t type, T v) {
    return [=](spec::Writer& w) { w.str(key).raw(type).raw(v); };
}
template <class T>
Kv array(std::string key, std::uint32_t type, std::vector<T> v) {
    return [=](spec::Writer& w) {
        w.str(key).raw<std::uint32_t>(9).raw(type).raw<std::uint64_t>(v.size());
        for (const T& x : v) w.raw(x);
    };
}
Kv string(std::string key, std::string v) {
    return [=](spec::Writer& w) { w.str(key).raw<std::uint32_t>(8).str(v); };
}

void save(const std::filesystem::path& path, const spec::Bytes& bytes) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: gguf-samples DIR\n");
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    const std::vector<Kv> name = {string("general.name", "bitla sample")};
    for (const spec::Format& f : spec::formats) {
        std::vector<Kv> kvs = name;
        if (f.name == "I2_S") kvs.push_back(scalar<std::uint32_t>("general.file_type", 4, 40));
        save(dir / (f.name + ".gguf"), file(kvs, {block_tensor(f, "w." + f.name)}, 32));
    }
    const std::pair<std::string, std::uint32_t> plain[] = {{"F32", 0}, {"F16", 1}, {"BF16", 30}, {"I8", 24}, {"I32", 26}};
    for (const auto& [type, id] : plain) save(dir / (type + ".gguf"), file(name, {plain_tensor("w", id)}, 32));
    save(dir / "Q4_0.gguf", file(name, {{"w.Q4_0", {32, 2}, 2, spec::Bytes(36, std::byte{0x11})}}, 32));

    std::vector<float> scores(40);
    for (std::size_t i = 0; i < scores.size(); ++i) scores[i] = 0.5f * static_cast<float>(i) - 1;
    const std::vector<Kv> kvs = {
        string("general.architecture", "bitnet-b1.58"), string("general.name", "bitla \"sample\"\n"),
        scalar<std::uint32_t>("general.alignment", 4, 64), scalar<std::uint8_t>("x.u8", 0, 200),
        scalar<std::int8_t>("x.i8", 1, -100), scalar<std::uint16_t>("x.u16", 2, 60000),
        scalar<std::int16_t>("x.i16", 3, -30000), scalar<std::int32_t>("x.i32", 5, -2000000000),
        scalar<float>("x.f32", 6, 1.5f), scalar<std::uint8_t>("x.bool", 7, 1),
        scalar<std::uint64_t>("x.u64", 10, 1ull << 40), scalar<std::int64_t>("x.i64", 11, -(1ll << 40)),
        scalar<double>("x.f64", 12, 0.125), array<std::uint8_t>("x.bools", 7, {1, 0, 1}),
        array<std::int8_t>("x.i8s", 1, {-1, 0, 1}), array<std::uint16_t>("x.u16s", 2, {1, 2}),
        array<std::int16_t>("x.i16s", 3, {-1, -2}), array<std::uint32_t>("x.u32s", 4, {7}),
        array<std::int32_t>("x.i32s", 5, {-7, 7}), array<std::uint64_t>("x.u64s", 10, {1, 2, 3}),
        array<std::int64_t>("x.i64s", 11, {-3}), array<double>("x.f64s", 12, {0.5, 0.25}),
        array<std::uint8_t>("x.u8s", 0, {}), scalar<std::uint8_t>("x.\x1b[2J", 0, 1),
        array<float>("tokenizer.ggml.scores", 6, scores),
        [](spec::Writer& w) {
            w.str("tokenizer.ggml.tokens").raw<std::uint32_t>(9).raw<std::uint32_t>(8).raw<std::uint64_t>(3);
            w.str("<s>").str("</s>").str("hello");
        },
    };
    const std::vector<Tensor> tensors = {block_tensor(spec::formats[1], "blk.0/ffn_up.weight"),
                                         block_tensor(spec::formats[2], "blk.0.ffn_down.weight"),
                                         plain_tensor("token_embd.weight", 1)};
    const spec::Bytes sample = file(kvs, tensors, 64);
    save(dir / "sample.gguf", sample);
    save(dir / "truncated.gguf", spec::Bytes(sample.begin(), sample.end() - 8));
    spec::Writer safetensors;
    save(dir / "not_gguf.safetensors", safetensors.raw<std::uint64_t>(2).data({std::byte{'{'}, std::byte{'}'}}).out);
    return 0;
}
