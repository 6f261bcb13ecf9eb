// bitla/io/hf_bitnet.hpp — transformers' BitNet layers (integrations/bitnet.py, the layout of
// microsoft/bitnet-b1.58-2B-4T) read into bitla's ternary type with their scale, and written
// back bit for bit.
//
// A layer `<module>` of a ternary out x in matrix T is two tensors:
//
//     <module>.weight        U8   [out/4, in]   row r = i·(out/4) + p of T is in packed[p, :],
//                                                bits 2i..2i+1, as the code T + 1 (0, 1, 2):
//                                                the first quarter of the rows in the LOW bits
//     <module>.weight_scale  BF16 [1]           (F16 and F32 are read too, and written back as read)
//
// and the dense weight is T / weight_scale for `linear_class: "bitlinear"` (BitLinear divides
// its output by weight_scale) or T · weight_scale for `"autobitlinear"` (AutoBitLinear
// multiplies): the caller says which (`BitnetScaling`), or `bitnet_scaling(config.json)` reads
// it from the model's `quantization_config`.
//
//     const auto f = bitla::safetensors::File::open("model.safetensors");
//     const auto scaling = bitla::bitnet_scaling("config.json");
//     auto w = bitla::read_hf_bitnet(f, "model.layers.0.mlp.down_proj", scaling);  // HfBitnetWeight
//     bitla::AddWeights packed = bitla::pack_add(w);   // ternary codes, per-tensor scale w.scale()
//
// With int8 activations the products are exact integer dots times `scale()`: weight_scale
// (multiply) or the float nearest 1/weight_scale (divide: one rounding, none when
// weight_scale is a power of two). `dequantize()` is the file's own arithmetic, T / s or T · s.
//
// Errors (bitla::error naming the file, the tensor and the field): a missing tensor; a weight
// that is not a 2-D U8 tensor, or whose out = 4·rows overflows; a code 3 (no ternary value:
// named with its packed position and the row and column it would be); a weight_scale that is
// not one F32/F16/BF16 value, not finite, or zero where the weights divide by it. Writing: a
// matrix whose row count is not a multiple of 4 (the format cannot hold it), a scale the
// chosen dtype cannot hold exactly.
#pragma once

#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../core/ternary_packed.hpp"
#include "../gemm/add_weights.hpp"
#include "safetensors_writer.hpp"

BITLA_BEGIN_NAMESPACE

/// How a BitNet layer's weight_scale applies: dense W = T / weight_scale (BitLinear, the
/// "bitlinear" linear class) or T · weight_scale (AutoBitLinear, "autobitlinear").
enum class BitnetScaling { divide, multiply };

/// The scaling a transformers BitNet config.json declares: its quantization_config must name
/// quant_method "bitnet"; linear_class "bitlinear" (the default) divides, "autobitlinear"
/// multiplies; quantization_mode "online" has no packed weights to read and is refused.
[[nodiscard]] inline BitnetScaling bitnet_scaling(const std::string& config_json) {
    using Json = safetensors::detail::Json;
    std::ifstream in(config_json, std::ios::binary);
    detail::require(in.good(), config_json, "cannot open it");
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const Json config = Json::parse(text, nullptr, false);
    detail::require(!config.is_discarded() && config.is_object(), config_json, "not a JSON object");
    const auto qc = config.find("quantization_config");
    detail::require(qc != config.end() && qc->is_object(), config_json, "no quantization_config object");
    const auto field = [&](const char* key, const char* absent) {
        const auto it = qc->find(key);
        if (it == qc->end()) return std::string(absent);
        detail::require(it->is_string(), config_json, "quantization_config.", key, " is ", it->dump(),
                        ", not a string");
        return it->get<std::string>();
    };
    const std::string method = field("quant_method", ""), linear = field("linear_class", "bitlinear"),
                      mode = field("quantization_mode", "offline");
    detail::require(method == "bitnet", config_json, "quantization_config.quant_method is \"", method,
                    "\", not \"bitnet\"");
    detail::require(mode == "offline", config_json, "quantization_config.quantization_mode is \"", mode,
                    "\": only offline-quantized (packed) weights are stored");
    if (linear == "bitlinear") return BitnetScaling::divide;
    detail::require(linear == "autobitlinear", config_json, "quantization_config.linear_class is \"", linear,
                    "\", neither \"bitlinear\" nor \"autobitlinear\"");
    return BitnetScaling::multiply;
}

template <ternary_layout L = enc::code2>
struct HfBitnetWeight {
    TernaryPacked<L> values;  ///< T, out x in
    float weight_scale = 1.0f;  ///< the file's weight_scale
    safetensors::Dtype scale_dtype = safetensors::Dtype::BF16;
    BitnetScaling scaling = BitnetScaling::divide;

    /// The multiplier of T: weight_scale, or the float nearest 1 / weight_scale.
    [[nodiscard]] float scale() const noexcept {
        return scaling == BitnetScaling::multiply ? weight_scale : 1.0f / weight_scale;
    }
    /// The dense weight as the file defines it: T / weight_scale or T · weight_scale.
    [[nodiscard]] Matrix<float> dequantize() const {
        Matrix<float> out = values.template unpack<float>();
        for (float& x : out.flat()) x = scaling == BitnetScaling::multiply ? x * weight_scale : x / weight_scale;
        return out;
    }
};

/// Layer `module` of a transformers BitNet checkpoint (`module`.weight and .weight_scale).
template <ternary_layout L = enc::code2>
[[nodiscard]] HfBitnetWeight<L> read_hf_bitnet(const safetensors::File& f, std::string_view module,
                                               BitnetScaling scaling) {
    using safetensors::Dtype;
    const std::string wname = std::string(module) + ".weight", sname = wname + "_scale";
    const auto& wt = f.expect_dtype(wname, {Dtype::U8});
    detail::require(wt.shape.size() == 2, f.path(), "tensor \"", wname, "\": shape is ",
                    safetensors::File::shape_string(wt.shape), ", not [out/4, in]");
    const std::size_t quarter = wt.shape[0], in = wt.shape[1];
    detail::require(quarter <= SIZE_MAX / 4, f.path(), "tensor \"", wname, "\": out = 4 x ", quarter,
                    " overflows size_t");
    const std::size_t out = 4 * quarter;
    const auto& st = f.expect_dtype(sname, {Dtype::BF16, Dtype::F16, Dtype::F32});
    f.expect_shape(st, std::array<std::size_t, 1>{1});
    HfBitnetWeight<L> w;
    w.weight_scale = f.floats(sname, 1, 1)(0, 0);
    w.scale_dtype = st.dtype;
    w.scaling = scaling;
    detail::require(std::isfinite(w.weight_scale) && (w.weight_scale != 0 || scaling == BitnetScaling::multiply),
                    f.path(), "tensor \"", sname, "\": weight_scale = ", w.weight_scale, " is ",
                    std::isfinite(w.weight_scale) ? "zero, and the weights divide by it" : "not finite");
    // Every code is checked before anything is allocated: a pair 11 is a byte b with
    // b & (b >> 1) & 0b01010101 set.
    const std::uint8_t* packed = f.bytes(wt).data();
    for (std::size_t o = 0; o < quarter * in; ++o)
        if (const unsigned bad = packed[o] & (packed[o] >> 1) & 0x55u; bad != 0) {
            const std::size_t p = o / in, j = o % in, i = static_cast<std::size_t>(std::countr_zero(bad)) / 2;
            detail::fail(f.path(), "tensor \"", wname, "\": code 3 (no ternary value) at packed [", p, ", ", j,
                         "] bits ", 2 * i, "..", 2 * i + 1, " (row ", i * quarter + p, ", column ", j, ")");
        }
    w.values = TernaryPacked<L>(out, in);
    for (std::size_t p = 0; p < quarter; ++p)
        for (std::size_t j = 0; j < in; ++j) {
            const unsigned b = packed[p * in + j];
            for (std::size_t i = 0; i < 4; ++i)
                if (const int v = static_cast<int>((b >> (2 * i)) & 3u) - 1; v != 0) w.values.set(i * quarter + p, j, v);
        }
    return w;
}

/// Adds layer `module` (`module`.weight, .weight_scale) to a safetensors writer: the bytes
/// read_hf_bitnet read, bit for bit.
template <ternary_layout L>
void add_hf_bitnet(safetensors::Writer& out, std::string_view module, const HfBitnetWeight<L>& w) {
    const std::size_t rows = w.values.rows(), in = w.values.cols(), quarter = rows / 4;
    detail::require(rows % 4 == 0, "w", "w has ", rows, " rows: the BitNet layout packs four row quarters in a ",
                    "byte, so it holds only multiples of 4");
    std::vector<std::uint8_t> packed(quarter * in);
    const auto v = w.values.view();
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t j = 0; j < in; ++j)
            packed[(r % quarter) * in + j] |= static_cast<std::uint8_t>((v(r, j) + 1) << (2 * (r / quarter)));
    const std::string wname = std::string(module) + ".weight";
    out.add_floats(wname + "_scale", w.scale_dtype, {1}, std::span<const float>(&w.weight_scale, 1));
    try {
        out.add(wname, safetensors::Dtype::U8, {quarter, in}, std::move(packed));
    } catch (...) {
        out.erase(wname + "_scale");  // all or nothing
        throw;
    }
}

/// The modules of `f` stored in the BitNet layout: a 2-D U8 `<module>.weight` next to a
/// `<module>.weight_scale`, in data order.
[[nodiscard]] inline std::vector<std::string> hf_bitnet_modules(const safetensors::File& f) {
    std::vector<std::string> out;
    constexpr std::string_view suffix = ".weight";
    for (const auto& t : f.tensors()) {
        const std::string_view n = t.name;
        if (t.dtype == safetensors::Dtype::U8 && t.shape.size() == 2 && n.ends_with(suffix) &&
            f.find(t.name + "_scale") != nullptr)
            out.emplace_back(n.substr(0, n.size() - suffix.size()));
    }
    return out;
}

/// The add-only products' weights for a BitNet layer: its ternary codes with the per-tensor
/// scale `scale()`.
template <ternary_layout L>
[[nodiscard]] AddWeights pack_add(const HfBitnetWeight<L>& w) {
    return pack_add(w.values, WeightScales::per_tensor(w.scale()));
}

BITLA_END_NAMESPACE
