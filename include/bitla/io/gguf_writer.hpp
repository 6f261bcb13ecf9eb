// bitla/io/gguf_writer.hpp — writing GGUF v3: `gguf_bytes` (in memory) and `write_gguf`
// (to a path), from tensors (name, type, shape, bytes) and metadata.
//
//     const bitla::GgufTensorData t = to_gguf("blk.0.ffn_up.weight", GgufType::tq2_0, q);
//     const std::vector<bitla::GgufTensor> ts = {t.view()};   // views t's bytes
//     bitla::write_gguf("layer.gguf", ts, metadata);
//
// The file holds the metadata in the order given, the directory in the order of
// `tensors`, and the data section with each tensor at the next multiple of the alignment
// after the previous one (`general.alignment` if the metadata sets it, else 32), padded
// after the last tensor too, so reading a file and writing what it holds gives the same
// bytes back. A file holding I2_S is a bitnet.cpp file: `general.file_type = 40` (u32) is
// appended unless present; such a file cannot also hold types whose ids bitnet.cpp reads
// otherwise (MXFP4, Q1_0, Q2_0). Errors (bitla::error, nothing written): argument
// "metadata" (empty, long or repeated keys, a malformed value or alignment, a file type
// that contradicts I2_S) or "tensors" (a name empty, longer than 63 bytes or repeated,
// 1..4 dimensions, a shape the type cannot hold, bytes of the wrong length); `path` when
// the file cannot be written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "gguf_reader.hpp"

BITLA_BEGIN_NAMESPACE

/// A tensor with its own bytes (what the encoders return); `view()` is what the writer takes.
struct GgufTensorData {
    std::string name;
    GgufType type = GgufType::f32;
    std::vector<std::uint64_t> shape;  ///< ne: shape[0] = K
    std::vector<std::byte> bytes;

    [[nodiscard]] GgufTensor view() const { return {name, type, shape, 0, bytes, "<memory>"}; }
};

namespace detail {

/// The metadata as written: I2_S tensors make it a bitnet.cpp file.
[[nodiscard]] inline GgufMetadata checked_metadata(std::span<const GgufTensor> tensors, const GgufMetadata& m) {
    std::unordered_set<std::string_view> keys;
    for (const auto& [k, v] : m.entries) {
        require(!k.empty() && k.size() <= gguf_max_key, "metadata", "key '", k, "' has ", k.size(),
                " bytes (1 to ", gguf_max_key, ")");
        require(keys.insert(k).second, "metadata", "key '", k, "' appears twice");
        check_value(v, k);
    }
    if (const GgufValue* a = m.find("general.alignment")) {
        require(a->type == GgufValueType::u32, "metadata", "general.alignment is ", a->describe(), ", not u32");
        const std::uint32_t x = a->as<std::uint32_t>();
        require(x != 0 && (x & (x - 1)) == 0, "metadata", "general.alignment = ", x, " is not a power of two");
    }
    GgufMetadata out = m;
    bool i2_s = false;
    for (const auto& t : tensors) i2_s = i2_s || t.type == GgufType::i2_s;
    const GgufValue* ft = m.find("general.file_type");
    if (i2_s && ft == nullptr) out.set("general.file_type", bitnet_cpp_file_type);
    require(!i2_s || ft == nullptr || (ft->type == GgufValueType::u32 && ft->as<std::uint32_t>() == bitnet_cpp_file_type),
            "metadata", "general.file_type is ", ft ? ft->describe() : "", ": a file with I2_S tensors is a bitnet.cpp ",
            "file, general.file_type = 40 (u32)");
    return out;
}

inline void check_tensor(const GgufTensor& t, GgufDialect dialect, std::unordered_set<std::string_view>& names) {
    require(!t.name.empty() && t.name.size() <= gguf_max_name, "tensors", "tensor name '", t.name, "' has ",
            t.name.size(), " bytes (1 to ", gguf_max_name, ")");
    require(names.insert(t.name).second, "tensors", "tensor '", t.name, "' appears twice");
    require(!t.shape.empty() && t.shape.size() <= 4, "tensors", "tensor '", t.name, "' has ", t.shape.size(),
            " dimensions (1 to 4)");
    std::string why;
    const auto as_read = resolve_type(static_cast<std::uint32_t>(t.type), dialect, why);
    require(info(t.type).name != nullptr && as_read == t.type, "tensors", "tensor '", t.name, "': type ",
            static_cast<std::uint32_t>(t.type), " would be read as ", why, " (dialect: ", name(dialect), ")");
    const auto bytes = tensor_bytes(t.type, t.shape, why);
    require(bytes.has_value(), "tensors", "tensor '", t.name, "': ", why);
    require(*bytes == t.data.size(), "tensors", "tensor '", t.name, "' (", name(t.type), ") has ", t.data.size(),
            " bytes, its shape needs ", *bytes);
}

}  // namespace detail

/// The bytes of a GGUF v3 file holding `tensors` (in this order) and `metadata`.
[[nodiscard]] inline std::vector<std::byte> gguf_bytes(std::span<const GgufTensor> tensors,
                                                       const GgufMetadata& metadata = {}) {
    const GgufMetadata m = detail::checked_metadata(tensors, metadata);
    const GgufValue* a = m.find("general.alignment");
    const std::uint64_t alignment = a ? a->as<std::uint32_t>() : detail::gguf_default_alignment;
    const GgufValue* ft = m.find("general.file_type");
    const GgufDialect dialect = ft && ft->type == GgufValueType::u32 && ft->as<std::uint32_t>() == bitnet_cpp_file_type
                                    ? GgufDialect::bitnet_cpp
                                    : GgufDialect::ggml;
    std::unordered_set<std::string_view> names;
    for (const auto& t : tensors) detail::check_tensor(t, dialect, names);

    detail::ByteWriter out;
    for (char c : {'G', 'G', 'U', 'F'}) out.write(c);
    out.write(std::uint32_t{3});
    out.write(std::uint64_t{tensors.size()});
    out.write(std::uint64_t{m.size()});
    for (const auto& [k, v] : m.entries) {
        out.string(k);
        detail::write_value(out, v);
    }
    std::uint64_t offset = 0;
    for (const auto& t : tensors) {
        out.string(t.name);
        out.write(static_cast<std::uint32_t>(t.shape.size()));
        for (std::uint64_t ne : t.shape) out.write(ne);
        out.write(static_cast<std::uint32_t>(t.type));
        out.write(offset);
        offset += (t.data.size() + alignment - 1) / alignment * alignment;
    }
    out.pad_to(alignment);
    for (const auto& t : tensors) {
        out.bytes(t.data);
        out.pad_to(alignment);
    }
    return std::move(out).take();
}

/// Writes gguf_bytes(tensors, metadata) to `path` (replacing it).
inline void write_gguf(const std::filesystem::path& path, std::span<const GgufTensor> tensors,
                       const GgufMetadata& metadata = {}) {
    const std::vector<std::byte> bytes = gguf_bytes(tensors, metadata);
    const std::string p = path.string();
    std::FILE* f = std::fopen(p.c_str(), "wb");
    detail::require(f != nullptr, p, "cannot open for writing");
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    const bool closed = std::fclose(f) == 0;
    detail::require(ok && closed, p, "cannot write ", bytes.size(), " bytes");
}

BITLA_END_NAMESPACE
