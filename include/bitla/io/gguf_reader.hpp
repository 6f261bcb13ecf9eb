// bitla/io/gguf_reader.hpp — `GgufFile`: a GGUF v3 file, validated, its tensors viewed
// where they lie (mmap, no copy).
//
//     auto f = bitla::GgufFile::open("model.gguf");          // FileAccess::read: no mmap
//     const bitla::GgufTensor& t = f.tensor("blk.0.ffn_up.weight");
//     t.type, t.shape (ne: shape[0] = K, the fastest), t.rows() x t.cols(), t.data (a span)
//
// Layout (ggml docs/gguf.md): "GGUF", u32 version 3, u64 tensor count, u64 key/value
// count, the key/values (gguf_metadata.hpp), the tensor directory (name, u32 n_dims <= 4,
// u64 ne[n_dims], u32 type, u64 offset), padding to `general.alignment` (u32, a power of
// two, default 32), then the data section; offsets count from its start.
//
// A file is untrusted. Before anything is decoded or allocated, every count, length and
// id is checked against the bytes that remain and the types bitla knows (and nothing is
// reserved from a count: memory grows with what the file really holds): counts that the
// file cannot hold (a key/value needs 14 bytes at least, a tensor entry 33), strings and
// arrays longer than the rest of the file, duplicate keys or names, n_dims outside 1..4,
// an element or byte count past 2^63, K not a multiple of the type's block, a type id the
// file's dialect (gguf_types.hpp) does not define, offsets that are misaligned, reach past
// the end of the file, or make two tensors overlap. Each is a bitla::error whose argument
// is the file's name and whose message names the key or tensor, the field and the values.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "gguf_tensor.hpp"
#include "gguf_value_io.hpp"
#include "mapped_file.hpp"

BITLA_BEGIN_NAMESPACE

class GgufFile {
public:
    /// Opens and validates a file (mapped read-only unless `how` is FileAccess::read).
    [[nodiscard]] static GgufFile open(const std::filesystem::path& path, FileAccess how = FileAccess::map) {
        GgufFile f;
        f.storage_ = MappedFile(path, how);
        f.parse_all(f.storage_.bytes(), path.string());
        return f;
    }
    /// Validates bytes in memory, which must outlive the result (its tensors view them).
    [[nodiscard]] static GgufFile parse(std::span<const std::byte> bytes, std::string name = "<memory>") {
        GgufFile f;
        f.parse_all(bytes, std::move(name));
        return f;
    }

    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    [[nodiscard]] std::uint32_t version() const noexcept { return 3; }
    [[nodiscard]] std::uint32_t alignment() const noexcept { return alignment_; }
    [[nodiscard]] GgufDialect dialect() const noexcept { return dialect_; }
    [[nodiscard]] const GgufMetadata& metadata() const noexcept { return metadata_; }
    [[nodiscard]] const std::vector<GgufTensor>& tensors() const noexcept { return tensors_; }
    /// Bytes from the start of the file to the data section.
    [[nodiscard]] std::uint64_t data_offset() const noexcept { return data_offset_; }
    [[nodiscard]] const GgufTensor* find(std::string_view name) const noexcept {
        for (const auto& t : tensors_)
            if (t.name == name) return &t;
        return nullptr;
    }
    [[nodiscard]] const GgufTensor& tensor(std::string_view name) const {
        const GgufTensor* t = find(name);
        detail::require(t != nullptr, path_, "no tensor '", name, "'");
        return *t;
    }

private:
    void parse_all(std::span<const std::byte> bytes, std::string name) {
        path_ = std::move(name);
        detail::ByteReader in(bytes, path_);
        const auto magic = in.bytes(4, "the magic");
        detail::require(std::equal(magic.begin(), magic.end(), std::as_bytes(std::span("GGUF", 4)).begin()), path_,
                        "the magic is not \"GGUF\": not a GGUF file");
        const auto version = in.read<std::uint32_t>("the version");
        detail::require(version != 0x03000000u, path_, "a big-endian GGUF file, which bitla does not read");
        detail::require(version == 3, path_, "GGUF version ", version, ": bitla reads version 3");
        const auto n_tensors = in.read<std::uint64_t>("the tensor count");
        const auto n_kv = in.read<std::uint64_t>("the key/value count");
        detail::require(n_kv <= in.remaining() / detail::gguf_min_kv, path_, "the key/value count ", n_kv,
                        " cannot fit in the ", in.remaining(), " bytes left (", detail::gguf_min_kv, " each at least)");
        detail::require(n_tensors <= (in.remaining() - n_kv * detail::gguf_min_kv) / detail::gguf_min_tensor, path_,
                        "the tensor count ", n_tensors, " cannot fit in the ", in.remaining(), " bytes left with ",
                        n_kv, " key/values (", detail::gguf_min_tensor, " bytes each at least)");
        read_metadata(in, n_kv);
        read_directory(in, n_tensors);
        place_tensors(bytes);
    }

    void read_metadata(detail::ByteReader& in, std::uint64_t n) {
        std::unordered_set<std::string_view> seen;
        for (std::uint64_t i = 0; i < n; ++i) {
            const std::string_view key = in.string(detail::gguf_max_key, "key ", i);
            detail::require(!key.empty(), path_, "key ", i, " is empty");
            detail::require(seen.insert(key).second, path_, "key '", key, "' appears twice");
            metadata_.entries.emplace_back(std::string(key), detail::read_value(in, key));
        }
        if (const GgufValue* a = metadata_.find("general.alignment")) {
            detail::require(a->type == GgufValueType::u32, path_, "key 'general.alignment' is ", a->describe(),
                            ", not u32");
            alignment_ = a->as<std::uint32_t>();
            detail::require(alignment_ != 0 && (alignment_ & (alignment_ - 1)) == 0, path_,
                            "key 'general.alignment' = ", alignment_, " is not a power of two");
        }
        if (const GgufValue* t = metadata_.find("general.file_type");
            t != nullptr && t->type == GgufValueType::u32 && t->as<std::uint32_t>() == bitnet_cpp_file_type)
            dialect_ = GgufDialect::bitnet_cpp;
    }

    void read_directory(detail::ByteReader& in, std::uint64_t n) {
        std::unordered_set<std::string> seen;
        for (std::uint64_t i = 0; i < n; ++i) {
            GgufTensor t;
            t.file = path_;
            t.name = std::string(in.string(detail::gguf_max_name, "tensor ", i, "'s name"));
            detail::require(!t.name.empty(), path_, "tensor ", i, "'s name is empty");
            detail::require(seen.insert(t.name).second, path_, "tensor '", t.name, "' appears twice");
            const auto n_dims = in.read<std::uint32_t>("tensor '", t.name, "': n_dims");
            detail::require(n_dims >= 1 && n_dims <= 4, path_, "tensor '", t.name, "': n_dims = ", n_dims,
                            " is outside [1, 4]");
            for (std::uint32_t d = 0; d < n_dims; ++d) t.shape.push_back(in.read<std::uint64_t>("tensor '", t.name, "': ne[", d, "]"));
            const auto id = in.read<std::uint32_t>("tensor '", t.name, "': type");
            std::string why;
            const auto type = resolve_type(id, dialect_, why);
            detail::require(type.has_value(), path_, "tensor '", t.name, "': type ", id, " is ", why, " (dialect: ",
                            name(dialect_), ")");
            t.type = *type;
            t.offset = in.read<std::uint64_t>("tensor '", t.name, "': offset");
            detail::require(t.offset % alignment_ == 0, path_, "tensor '", t.name, "': offset ", t.offset,
                            " is not a multiple of the alignment ", alignment_);
            const auto size = tensor_bytes(t.type, t.shape, why);
            detail::require(size.has_value(), path_, "tensor '", t.name, "' (", name(t.type), ", ne = ", dims(t), "): ", why);
            sizes_.push_back(*size);
            tensors_.push_back(std::move(t));
        }
        data_offset_ = (in.offset() + std::uint64_t{alignment_} - 1) / alignment_ * alignment_;
    }

    void place_tensors(std::span<const std::byte> bytes) {
        const std::uint64_t end = bytes.size();
        const std::uint64_t data = std::min(data_offset_, end);
        for (std::size_t i = 0; i < tensors_.size(); ++i) {
            GgufTensor& t = tensors_[i];
            detail::require(data_offset_ <= end && t.offset <= end - data && sizes_[i] <= end - data - t.offset, path_,
                            "tensor '", t.name, "': ", sizes_[i], " bytes at offset ", t.offset, " (file offset ",
                            data_offset_, " + ", t.offset, ") reach past the end of the ", end, "-byte file");
            t.data = bytes.subspan(static_cast<std::size_t>(data + t.offset), static_cast<std::size_t>(sizes_[i]));
        }
        std::vector<std::size_t> order(tensors_.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return tensors_[a].offset < tensors_[b].offset; });
        // Sorted by offset, each tensor must start at or after the furthest end so far.
        std::size_t furthest = order.empty() ? 0 : order[0];
        for (std::size_t j = 1; j < order.size(); ++j) {
            const std::size_t i = order[j];
            const GgufTensor &a = tensors_[furthest], &b = tensors_[i];
            detail::require(sizes_[i] == 0 || a.offset + sizes_[furthest] <= b.offset, path_, "tensor '", b.name,
                            "' (", sizes_[i], " bytes at offset ", b.offset, ") overlaps tensor '", a.name, "' (",
                            sizes_[furthest], " bytes at offset ", a.offset, ")");
            if (b.offset + sizes_[i] > a.offset + sizes_[furthest]) furthest = i;
        }
        sizes_.clear();
    }

    [[nodiscard]] static std::string dims(const GgufTensor& t) {
        std::string s = "[";
        for (std::size_t i = 0; i < t.shape.size(); ++i) s += (i ? ", " : "") + std::to_string(t.shape[i]);
        return s + "]";
    }

    MappedFile storage_;
    std::string path_;
    std::uint32_t alignment_ = detail::gguf_default_alignment;
    GgufDialect dialect_ = GgufDialect::ggml;
    GgufMetadata metadata_;
    std::vector<GgufTensor> tensors_;
    std::vector<std::uint64_t> sizes_;
    std::uint64_t data_offset_ = 0;
};

BITLA_END_NAMESPACE
