// Writes small valid safetensors files: the safetensors fuzz targets' seed corpus and
// bitla-inspect's safetensors test input. Plain tensors are laid out by the tests' own
// encoder (tests/io/safetensors_files.hpp, independent of bitla's writer); the packed
// layers by bitla's writer (add_hf_bitnet, add_hqq), which the io tests check against the
// tools' own bytes.
//
//   <DIR>/plain.safetensors     metadata (one value holds a quote, a newline and an ESC) and
//                               one tensor of each dtype: F32 [2, 3], F16 [2, 4], BF16 [3],
//                               F64 [2], I8 [4], U8 [2, 2], I16, U16, I32 0-D, U32, I64 [2]
//                               (one value 2^40 + 1, not exact in float32), U64, BOOL [3],
//                               F8_E4M3 [2], and an empty U8 [0, 4]
//   <DIR>/bitnet.safetensors    transformers BitNet layer "model.layers.0.mlp.down_proj"
//                               (8 x 16 ternary, BF16 weight_scale 2) and an F32 norm [16]
//   <DIR>/hqq.safetensors       HQQ layer "model.layers.0.self_attn.q_proj": 4 x 16, 2 bits,
//                               group 8, axis 1, F32 scale and zero, with a bias
//   <DIR>/hqq3.safetensors      HQQ layer "layer": 3 bits (I32 W_q), axis 0, F16
//   <DIR>/hole.safetensors      plain F32 tensors with 4 bytes between them (a bad file)
//
// Usage: safetensors-samples DIR
#include <bitla/io/hf_bitnet.hpp>
#include <bitla/io/hqq_safetensors.hpp>
#include <bitla/quant/hqq.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "io/safetensors_files.hpp"

namespace {

using bitla::safetensors::Dtype;
using bitla_test::RawTensor;

/// The little-endian bytes of each value, `n` bytes each.
template <class T>
std::vector<std::uint8_t> le(std::initializer_list<T> values, std::size_t n = sizeof(T)) {
    std::vector<std::uint8_t> out;
    for (const T v : values) {
        std::uint64_t u = 0;
        if constexpr (std::is_same_v<T, float>) u = std::bit_cast<std::uint32_t>(v);
        else if constexpr (std::is_same_v<T, double>) u = std::bit_cast<std::uint64_t>(v);
        else u = static_cast<std::uint64_t>(v);
        for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(u >> (8 * i)));
    }
    return out;
}

/// Halves and bfloat16s of floats that both hold exactly (all of the samples' values).
std::vector<std::uint8_t> f16(std::initializer_list<float> v) {
    std::vector<std::uint8_t> out;
    for (const float x : v) {
        const std::uint16_t h = bitla::detail::float_to_half(x);
        out.push_back(static_cast<std::uint8_t>(h));
        out.push_back(static_cast<std::uint8_t>(h >> 8));
    }
    return out;
}
std::vector<std::uint8_t> bf16(std::initializer_list<float> v) {
    std::vector<std::uint8_t> out;
    for (const float x : v) {
        const auto u = static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(x) >> 16);
        out.push_back(static_cast<std::uint8_t>(u));
        out.push_back(static_cast<std::uint8_t>(u >> 8));
    }
    return out;
}

/// An N x K float matrix with spread values (no two groups alike).
bitla::Matrix<float> weights(std::size_t n, std::size_t k) {
    bitla::Matrix<float> w(n, k);
    for (std::size_t i = 0; i < w.flat().size(); ++i)
        w.flat()[i] = std::sin(0.7f * static_cast<float>(i) + 0.3f) * (1.0f + static_cast<float>(i % 5) / 4);
    return w;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: safetensors-samples DIR\n");
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    const auto save = [&](const char* name, const std::vector<std::uint8_t>& bytes) {
        bitla_test::write_file((dir / name).string(), bytes);
    };

    save("plain.safetensors",
         bitla_test::reference_image(
             {
                 {"f32", "F32", {2, 3}, le<float>({0.5f, -1.25f, 3, 65504, -0.0f, 1e-7f})},
                 {"f16", "F16", {2, 4}, f16({-2, -1.5f, -1, -0.5f, 0, 0.5f, 1, 1.5f})},
                 {"bf16", "BF16", {3}, bf16({0.5f, -1.25f, 0x1p100f})},
                 {"f64", "F64", {2}, le<double>({0.125, -3})},
                 {"i8", "I8", {4}, le<std::int8_t>({-128, -1, 0, 127})},
                 {"u8", "U8", {2, 2}, le<std::uint8_t>({0, 1, 200, 255})},
                 {"i16", "I16", {2}, le<std::int16_t>({-30000, 7})},
                 {"u16", "U16", {2}, le<std::uint16_t>({60000, 7})},
                 {"i32", "I32", {}, le<std::int32_t>({-7})},
                 {"u32", "U32", {1}, le<std::uint32_t>({16777216})},
                 {"i64", "I64", {2}, le<std::int64_t>({-3, (std::int64_t{1} << 40) + 1})},
                 {"u64", "U64", {1}, le<std::uint64_t>({1ull << 40})},
                 {"bool", "BOOL", {3}, le<std::uint8_t>({1, 0, 1})},
                 {"f8", "F8_E4M3", {2}, le<std::uint8_t>({0x38, 0xb8})},
                 {"empty", "U8", {0, 4}, {}},
             },
             R"({"format":"pt","note":"bitla \"sample\"\n\u001b[2J"})"));

    {
        bitla::safetensors::Writer w;
        bitla::HfBitnetWeight<> b;
        bitla::Matrix<int> t(8, 16);
        for (std::size_t i = 0; i < t.flat().size(); ++i) t.flat()[i] = static_cast<int>((i * 7 + i / 5) % 3) - 1;
        b.values = bitla::TernaryPacked<bitla::enc::code2>::from_values(t);
        b.weight_scale = 2.0f;
        bitla::add_hf_bitnet(w, "model.layers.0.mlp.down_proj", b);
        std::vector<float> norm(16);
        for (std::size_t i = 0; i < norm.size(); ++i) norm[i] = 1.0f + static_cast<float>(i) / 16;
        w.add_floats("model.norm.weight", Dtype::F32, {16}, norm);
        save("bitnet.safetensors", w.bytes());
    }
    {
        bitla::safetensors::Writer w;
        bitla::HqqLayer l;
        l.q = bitla::quantize_hqq(weights(4, 16), {.nbits = 2, .group_size = 8, .axis = 1});
        l.compute_dtype = Dtype::F32;
        l.has_bias = true;
        l.bias = {0.25f, -0.5f, 1, 0};
        bitla::add_hqq(w, "model.layers.0.self_attn.q_proj", l);
        save("hqq.safetensors", w.bytes());
    }
    {
        bitla::safetensors::Writer w;
        bitla::HqqLayer l;
        l.q = bitla::quantize_hqq(weights(4, 20), {.nbits = 3, .group_size = 8, .axis = 0});
        l.compute_dtype = Dtype::F16;
        for (float& x : l.q.scale.flat()) x = bitla::safetensors::round_to(Dtype::F16, x);
        for (float& x : l.q.zero.flat()) x = bitla::safetensors::round_to(Dtype::F16, x);
        bitla::add_hqq(w, "layer", l);
        save("hqq3.safetensors", w.bytes());
    }
    save("hole.safetensors",
         bitla_test::safetensors_image(
             R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
             le<float>({1, 0, 2})));
    return 0;
}
