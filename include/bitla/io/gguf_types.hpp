// bitla/io/gguf_types.hpp — GGUF tensor types: what a type id means, how many bytes a
// tensor of it takes, and which ids mean different things in ggml's forks.
//
// A type id is read in a *dialect*, decided by the file's own metadata:
//
//   GgufDialect::ggml        mainline ggml: 36..38 removed, 39 MXFP4, 40 NVFP4, 41 Q1_0, 42 Q2_0
//   GgufDialect::bitnet_cpp  `general.file_type = 40`: 36 I2_S, 37 I8_S, 38 TL1, 39 TL2, 40.. none
//
// `resolve_type(id, dialect)` gives the GgufType or nullopt with the reason (an id another
// dialect defines is named there), so a file is never decoded with a fork's wrong layout.
// Types bitla cannot decode but whose size it knows (Q4_0, K-quants, ...) still load: their
// bytes are viewed, sized and bounds-checked like every other tensor.
//
// Sizes: a tensor of n = ne0·ne1·ne2·ne3 values takes n / block · block_bytes bytes, ne0
// (K) a multiple of the block; I2_S takes n / 4 + 32 (codes, one float32 scale, 28 unused
// bytes). `tensor_bytes` checks every product for overflow, the dimensions of a tensor
// without values (some ne = 0) included.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>

#include "../core/error.hpp"

BITLA_BEGIN_NAMESPACE

enum class GgufType : std::uint32_t {
    f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9,
    q2_k = 10, q3_k = 11, q4_k = 12, q5_k = 13, q6_k = 14, q8_k = 15,
    iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22, iq4_xs = 23,
    i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30,
    tq1_0 = 34, tq2_0 = 35,
    i2_s = 36,  ///< bitnet.cpp only (general.file_type = 40)
    mxfp4 = 39, q1_0 = 41, q2_0 = 42,
};

enum class GgufDialect : std::uint8_t { ggml, bitnet_cpp };

[[nodiscard]] constexpr const char* name(GgufDialect d) noexcept {
    return d == GgufDialect::ggml ? "mainline ggml" : "bitnet.cpp (general.file_type = 40)";
}

/// `general.file_type` of a bitnet.cpp I2_S model (LLAMA_FTYPE_MOSTLY_I2_S).
inline constexpr std::uint32_t bitnet_cpp_file_type = 40;

struct GgufTypeInfo {
    const char* name = nullptr;      ///< nullptr: no type of this id
    std::uint32_t block = 0;         ///< values per block (along ne0)
    std::uint32_t block_bytes = 0;   ///< bytes per block
    bool decodable = false;          ///< bitla decodes it (dequantize, import)
};

namespace detail {
inline constexpr std::array<GgufTypeInfo, 43> gguf_types = [] {
    std::array<GgufTypeInfo, 43> t{};
    t[0] = {"F32", 1, 4, true};
    t[1] = {"F16", 1, 2, true};
    t[2] = {"Q4_0", 32, 18};
    t[3] = {"Q4_1", 32, 20};
    t[6] = {"Q5_0", 32, 22};
    t[7] = {"Q5_1", 32, 24};
    t[8] = {"Q8_0", 32, 34};
    t[9] = {"Q8_1", 32, 36};
    t[10] = {"Q2_K", 256, 84};
    t[11] = {"Q3_K", 256, 110};
    t[12] = {"Q4_K", 256, 144};
    t[13] = {"Q5_K", 256, 176};
    t[14] = {"Q6_K", 256, 210};
    t[15] = {"Q8_K", 256, 292};
    t[16] = {"IQ2_XXS", 256, 66};
    t[17] = {"IQ2_XS", 256, 74};
    t[18] = {"IQ3_XXS", 256, 98};
    t[19] = {"IQ1_S", 256, 50};
    t[20] = {"IQ4_NL", 32, 18};
    t[21] = {"IQ3_S", 256, 110};
    t[22] = {"IQ2_S", 256, 82};
    t[23] = {"IQ4_XS", 256, 136};
    t[24] = {"I8", 1, 1};
    t[25] = {"I16", 1, 2};
    t[26] = {"I32", 1, 4};
    t[27] = {"I64", 1, 8};
    t[28] = {"F64", 1, 8};
    t[29] = {"IQ1_M", 256, 56};
    t[30] = {"BF16", 1, 2, true};
    t[34] = {"TQ1_0", 256, 54, true};
    t[35] = {"TQ2_0", 256, 66, true};
    t[36] = {"I2_S", 128, 32, true};  // plus the 32-byte tail: tensor_bytes
    t[39] = {"MXFP4", 32, 17};
    t[41] = {"Q1_0", 128, 18, true};
    t[42] = {"Q2_0", 64, 18, true};
    return t;
}();
inline constexpr GgufTypeInfo gguf_no_type{};
}  // namespace detail

/// The type's name and sizes (all empty for an id that is no type).
[[nodiscard]] constexpr const GgufTypeInfo& info(GgufType t) noexcept {
    const auto id = static_cast<std::uint32_t>(t);
    return id < detail::gguf_types.size() ? detail::gguf_types[id] : detail::gguf_no_type;
}
[[nodiscard]] constexpr const char* name(GgufType t) noexcept {
    return info(t).name != nullptr ? info(t).name : "unknown";
}

/// The type that id `id` means in `dialect`, or nullopt with `why` saying what the id is
/// (removed, another fork's type, a type bitla has no size for, unknown).
[[nodiscard]] inline std::optional<GgufType> resolve_type(std::uint32_t id, GgufDialect dialect, std::string& why) {
    const bool bitnet = dialect == GgufDialect::bitnet_cpp;
    if (bitnet && id >= 37 && id <= 39) {
        why = std::string("bitnet.cpp's ") + (id == 37 ? "I8_S" : id == 38 ? "TL1" : "TL2") +
              ", whose layout bitla does not read (in mainline ggml the id is " +
              (id == 39 ? "MXFP4" : "a removed type") + ")";
        return std::nullopt;
    }
    if (bitnet && id >= 40) {
        why = "not a bitnet.cpp type (in mainline ggml: " +
              std::string(id == 40 ? "NVFP4" : id < 43 ? name(static_cast<GgufType>(id)) : "none") +
              "); the file says general.file_type = 40, a bitnet.cpp I2_S model";
        return std::nullopt;
    }
    if (!bitnet && id >= 36 && id <= 38) {
        why = id == 36 ? "removed in mainline ggml (bitnet.cpp's I2_S, but general.file_type is not 40, "
                         "which marks a bitnet.cpp file)"
                       : "removed in mainline ggml (bitnet.cpp: I8_S / TL1)";
        return std::nullopt;
    }
    if (!bitnet && id == 40) {
        why = "NVFP4 (mainline ggml), which bitla does not size or read (bitnet.cpp files say general.file_type = 40)";
        return std::nullopt;
    }
    if (id >= detail::gguf_types.size() || detail::gguf_types[id].name == nullptr) {
        why = "not a GGUF type bitla knows";
        return std::nullopt;
    }
    return static_cast<GgufType>(id);
}

/// Bytes of a tensor of `type` with dimensions `ne` (ne[0] = K, the fastest), or nullopt
/// with `why` (K not a multiple of the block, the element count or byte count past 2^63).
[[nodiscard]] inline std::optional<std::uint64_t> tensor_bytes(GgufType type, std::span<const std::uint64_t> ne,
                                                               std::string& why) {
    constexpr std::uint64_t limit = std::numeric_limits<std::int64_t>::max();
    const GgufTypeInfo& t = info(type);
    if (t.name == nullptr) {
        why = "type " + std::to_string(static_cast<std::uint32_t>(type)) + " is not a GGUF type bitla knows";
        return std::nullopt;
    }
    // extent: the product of the nonzero dimensions, so that a tensor without values
    // cannot claim 2^64 or more rows either (GgufTensor::rows() would wrap).
    std::uint64_t n = 1, extent = 1;
    for (std::size_t i = 0; i < ne.size(); ++i) {
        if (ne[i] > limit || (ne[i] != 0 && extent > limit / ne[i])) {
            why = "the element count overflows at ne[" + std::to_string(i) + "] = " + std::to_string(ne[i]);
            return std::nullopt;
        }
        n *= ne[i];
        if (ne[i] != 0) extent *= ne[i];
    }
    if (!ne.empty() && ne[0] % t.block != 0) {
        why = "ne[0] = K = " + std::to_string(ne[0]) + " is not a multiple of " + t.name + "'s block of " +
              std::to_string(t.block);
        return std::nullopt;
    }
    if (type == GgufType::i2_s) return n / 4 + 32;  // n / 4 <= 2^61: no overflow
    if (n / t.block > limit / t.block_bytes) {
        why = std::to_string(n / t.block) + " blocks of " + std::to_string(t.block_bytes) + " bytes overflow";
        return std::nullopt;
    }
    return n / t.block * t.block_bytes;
}

BITLA_END_NAMESPACE
