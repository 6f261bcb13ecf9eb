// bitla/io/gguf_tensor.hpp — `GgufTensor`: one tensor of a GGUF file, its directory entry
// (name, type, ne, offset) and a view of its bytes; and the container's fixed limits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "gguf_types.hpp"

BITLA_BEGIN_NAMESPACE

/// One tensor of a GGUF file: its directory entry and its bytes.
struct GgufTensor {
    std::string name;
    GgufType type = GgufType::f32;
    std::vector<std::uint64_t> shape;  ///< ne: shape[0] = K (contiguous), shape[1] = N, ...
    std::uint64_t offset = 0;          ///< from the start of the data section
    std::span<const std::byte> data;   ///< exactly tensor_bytes(type, shape) bytes
    std::string file;                  ///< where it came from (errors name it)

    /// K: values per row.
    [[nodiscard]] std::size_t cols() const noexcept { return shape.empty() ? 0 : static_cast<std::size_t>(shape[0]); }
    /// N: rows (the product of every dimension after the first).
    [[nodiscard]] std::size_t rows() const noexcept {
        std::size_t n = 1;
        for (std::size_t i = 1; i < shape.size(); ++i) n *= static_cast<std::size_t>(shape[i]);
        return n;
    }
};

namespace detail {
/// The least bytes of one key/value (8-byte length, a 1-byte key, type, a u8 value) and of
/// one directory entry (length, 1-byte name, n_dims, one ne, type, offset).
inline constexpr std::uint64_t gguf_min_kv = 8 + 1 + 4 + 1, gguf_min_tensor = 8 + 1 + 4 + 8 + 4 + 8;
/// Longest tensor name: ggml's GGML_MAX_NAME = 64 bytes hold the terminator too.
inline constexpr std::uint64_t gguf_max_name = 63;
inline constexpr std::uint32_t gguf_default_alignment = 32;
}  // namespace detail

BITLA_END_NAMESPACE
