// bitla/io/safetensors.hpp — safetensors files read safely: every size, offset and shape
// validated against the file before a byte of tensor data is touched, then tensors viewed
// in the memory-mapped file without copying. The writer is io/safetensors_writer.hpp.
//
// The format (huggingface/safetensors): an unsigned 64-bit little-endian header length N,
// N bytes of UTF-8 JSON (padded with spaces), then the data section. The JSON is one object:
//
//     {"__metadata__": {"format": "pt"},                                  optional, string -> string
//      "w": {"dtype": "BF16", "shape": [4, 8], "data_offsets": [0, 64]}, ...}
//
// with offsets relative to the data section, which the tensors cover exactly: sorted by
// offset, each starts where the previous one ends, the first at 0, the last at the end of
// the file. Elements are little-endian, row-major, with no alignment promised.
//
//     const auto f = bitla::safetensors::File::open("model.safetensors");
//     for (const auto& t : f.tensors()) use(t.name, t.dtype, t.shape, f.bytes(t));
//     bitla::Matrix<float> s = f.floats("layer.scale", 1, 64);   // F32/F16/BF16 -> float, exact
//
// What is refused (bitla::error whose argument() is the file's path and whose message names
// the tensor, the field and the values found): a file shorter than 8 bytes; a header length
// above `max_header_bytes` (100 MB, the reference's cap) or past the end of the file; a header
// that is not UTF-8, does not start with '{', is not JSON, nests deeper than `max_json_depth`
// (checked as the parser descends: a nesting bomb fails at its fourth level, before it
// allocates), or repeats a key; an entry that is not {dtype, shape, data_offsets}; an
// unknown dtype; a shape of more than `max_rank` dimensions or whose element count or byte
// count overflows size_t; offsets past the data section, begin > end, a byte count that is not
// elements x dtype size, overlapping tensors, holes, or bytes after the last tensor; metadata
// values that are not strings. The JSON is parsed by nlohmann::json (an optional dependency
// of bitla's io/safetensors* headers alone).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/matrix.hpp"
#include "safetensors_dtype.hpp"
#include "mapped_file.hpp"

BITLA_BEGIN_NAMESPACE
namespace safetensors {

/// The largest header accepted, in bytes (the reference's MAX_HEADER_SIZE).
inline constexpr std::size_t max_header_bytes = 100'000'000;
/// The most dimensions a shape may have (PyTorch's own limit).
inline constexpr std::size_t max_rank = 64;
/// Nesting levels of a valid header: the object, a tensor entry, its shape.
inline constexpr int max_json_depth = 3;

struct TensorInfo {
    std::string name;
    Dtype dtype = Dtype::U8;
    std::vector<std::size_t> shape;  ///< empty: a 0-D tensor (one element)
    std::size_t begin = 0, end = 0;  ///< data_offsets, relative to the data section
    std::size_t elements = 1;        ///< product of shape (checked not to overflow)

    [[nodiscard]] std::size_t bytes() const noexcept { return end - begin; }
};

/// A parsed and validated header.
struct Header {
    std::size_t length = 0;  ///< N: the JSON's bytes, padding included
    bool has_metadata = false;
    std::vector<std::pair<std::string, std::string>> metadata;  ///< in the file's order
    std::vector<TensorInfo> tensors;                            ///< in data order
};

namespace detail {

using bitla::detail::fail;
using bitla::detail::require;

/// Offset of the first byte that breaks UTF-8 (overlong forms, surrogates and code points
/// above U+10FFFF included), or s.size().
[[nodiscard]] inline std::size_t utf8_error(std::string_view s) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned c = p[i];
        std::size_t len = 0;
        unsigned lo = 0x80, hi = 0xbf;  // the second byte's range
        if (c < 0x80) len = 1;
        else if (c >= 0xc2 && c <= 0xdf) len = 2;
        else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            if (c == 0xe0) lo = 0xa0;
            if (c == 0xed) hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            if (c == 0xf0) lo = 0x90;
            if (c == 0xf4) hi = 0x8f;
        } else return i;
        if (len > n - i) return i;
        for (std::size_t k = 1; k < len; ++k) {
            const unsigned b = p[i + k];
            if (b < (k == 1 ? lo : 0x80u) || b > (k == 1 ? hi : 0xbfu)) return i;
        }
        i += len;
    }
    return n;
}

using Json = nlohmann::ordered_json;

/// The JSON of a header, parsed with its nesting bounded and duplicate keys refused as the
/// parser goes (nlohmann's DOM would keep the last of two equal keys silently).
[[nodiscard]] inline Json parse_json(std::string_view text, const std::string& file) {
    std::vector<std::set<std::string, std::less<>>> keys;  // one set per open object
    const Json::parser_callback_t check = [&](int depth, Json::parse_event_t event, Json& parsed) {
        switch (event) {
            case Json::parse_event_t::object_start:
            case Json::parse_event_t::array_start:
                require(depth < max_json_depth, file, "header nests deeper than ", max_json_depth,
                        " levels (object, tensor entry, shape): not a safetensors header");
                if (event == Json::parse_event_t::object_start) keys.emplace_back();
                break;
            case Json::parse_event_t::object_end: keys.pop_back(); break;
            case Json::parse_event_t::key: {
                const auto& k = parsed.get_ref<const std::string&>();
                require(keys.back().insert(k).second, file, "header repeats the key \"", k, "\"");
                break;
            }
            default: break;
        }
        return true;
    };
    try {
        return Json::parse(text.begin(), text.end(), check);
    } catch (const Json::exception& e) {
        fail(file, "header is not valid JSON: ", e.what());
    }
}

[[nodiscard]] inline std::size_t checked_size(const Json& v, const std::string& file, const std::string& tensor,
                                              std::string_view field) {
    require(v.is_number_unsigned(), file, "tensor \"", tensor, "\": ", field, " holds ", v.dump(),
            ", not a non-negative integer");
    const std::uint64_t x = v.get<std::uint64_t>();
    require(x <= std::numeric_limits<std::size_t>::max(), file, "tensor \"", tensor, "\": ", field, " = ", x,
            " overflows size_t");
    return static_cast<std::size_t>(x);
}

[[nodiscard]] inline TensorInfo parse_entry(const std::string& name, const Json& e, std::size_t data_bytes,
                                            const std::string& file) {
    require(e.is_object(), file, "tensor \"", name, "\": entry is ", e.dump(),
            ", not an object {dtype, shape, data_offsets}");
    for (const auto& [k, v] : e.items())
        require(k == "dtype" || k == "shape" || k == "data_offsets", file, "tensor \"", name, "\": unknown field \"",
                k, "\"");
    for (const char* k : {"dtype", "shape", "data_offsets"})
        require(e.contains(k), file, "tensor \"", name, "\": field ", k, " is missing");
    TensorInfo t;
    t.name = name;
    const Json& dt = e["dtype"];
    require(dt.is_string(), file, "tensor \"", name, "\": dtype is ", dt.dump(), ", not a string");
    const auto d = parse_dtype(dt.get_ref<const std::string&>());
    require(d.has_value(), file, "tensor \"", name, "\": dtype ", dt.dump(), " is not one this reader knows");
    t.dtype = *d;
    const Json& sh = e["shape"];
    require(sh.is_array(), file, "tensor \"", name, "\": shape is ", sh.dump(), ", not an array");
    require(sh.size() <= max_rank, file, "tensor \"", name, "\": shape has ", sh.size(), " dimensions, more than ",
            max_rank);
    constexpr std::size_t size_max = std::numeric_limits<std::size_t>::max();
    for (const Json& dim : sh) t.shape.push_back(checked_size(dim, file, name, "shape"));
    if (std::find(t.shape.begin(), t.shape.end(), std::size_t{0}) != t.shape.end()) t.elements = 0;
    for (const std::size_t x : t.shape) {
        require(x == 0 || t.elements <= size_max / x, file, "tensor \"", name, "\": shape ", sh.dump(),
                " has more elements than size_t counts");
        t.elements *= x;
    }
    const std::size_t esize = element_size(t.dtype);
    require(t.elements <= size_max / esize, file, "tensor \"", name, "\": shape ", sh.dump(), " of ", safetensors::name(t.dtype),
            " has more bytes than size_t counts");
    const Json& off = e["data_offsets"];
    require(off.is_array() && off.size() == 2, file, "tensor \"", name, "\": data_offsets is ", off.dump(),
            ", not [begin, end]");
    t.begin = checked_size(off[0], file, name, "data_offsets");
    t.end = checked_size(off[1], file, name, "data_offsets");
    require(t.begin <= t.end, file, "tensor \"", name, "\": data_offsets [", t.begin, ", ", t.end,
            "] begins after it ends");
    require(t.end <= data_bytes, file, "tensor \"", name, "\": data_offsets [", t.begin, ", ", t.end,
            "] reach past the ", data_bytes, "-byte data section");
    require(t.bytes() == t.elements * esize, file, "tensor \"", name, "\": data_offsets [", t.begin, ", ", t.end,
            "] hold ", t.bytes(), " bytes but shape ", sh.dump(), " of ", safetensors::name(t.dtype), " needs ",
            t.elements * esize);
    return t;
}

}  // namespace detail

/// Parses and validates the header of the safetensors file `bytes` (the whole file);
/// `file` names it in errors. Reads only the first 8 + N bytes.
[[nodiscard]] inline Header parse_header(std::span<const std::uint8_t> bytes, const std::string& file) {
    using detail::require;
    require(bytes.size() >= 8, file, "file is ", bytes.size(), " bytes: too short for the 8-byte header length");
    const std::uint64_t n = detail::load_le(bytes.data(), 8);
    require(n <= max_header_bytes, file, "header length ", n, " exceeds the cap of ", max_header_bytes, " bytes");
    require(n <= bytes.size() - 8, file, "header length ", n, " but only ", bytes.size() - 8,
            " bytes follow the length field");
    Header h;
    h.length = static_cast<std::size_t>(n);
    const std::string_view text(reinterpret_cast<const char*>(bytes.data() + 8), h.length);
    // (The message's arguments are evaluated even when a check passes: the offending byte is
    // read only once there is one, never from an empty header.)
    if (const std::size_t bad = detail::utf8_error(text); bad != text.size())
        detail::fail(file, "header is not valid UTF-8 at byte ", 8 + bad, " (0x", std::hex,
                     static_cast<unsigned>(bytes[8 + bad]), ")");
    // JSON text holds no raw NUL (strings escape it), and nlohmann's lexer would stop at one.
    const std::size_t nul = text.find('\0');
    require(nul == std::string_view::npos, file, "header holds a NUL byte at byte ", 8 + nul);
    require(!text.empty() && text.front() == '{', file, "header does not start with '{'");
    const detail::Json root = detail::parse_json(text, file);
    require(root.is_object(), file, "header is not a JSON object");
    const std::size_t data_bytes = bytes.size() - 8 - h.length;
    for (const auto& [key, value] : root.items()) {
        if (key == "__metadata__") {
            require(value.is_object(), file, "__metadata__ is ", value.dump(), ", not an object");
            h.has_metadata = true;
            for (const auto& [k, v] : value.items()) {
                require(v.is_string(), file, "__metadata__: value of \"", k, "\" is ", v.dump(), ", not a string");
                h.metadata.emplace_back(k, v.get<std::string>());
            }
        } else {
            h.tensors.push_back(detail::parse_entry(key, value, data_bytes, file));
        }
    }
    std::stable_sort(h.tensors.begin(), h.tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    std::size_t at = 0;
    const TensorInfo* prev = nullptr;
    for (const TensorInfo& t : h.tensors) {
        require(t.begin <= at, file, "tensor \"", t.name, "\": data_offsets [", t.begin, ", ", t.end,
                "] leave a hole of ", t.begin - at, " bytes after ",
                prev ? "tensor \"" + prev->name + "\"" : std::string("the start of the data section"));
        require(t.begin == at, file, "tensor \"", t.name, "\": data_offsets [", t.begin, ", ", t.end,
                "] overlap tensor \"", prev ? prev->name : "", "\", which ends at ", at);
        at = t.end;
        prev = &t;
    }
    require(at == data_bytes, file, "the tensors cover ", at, " bytes of the ", data_bytes,
            "-byte data section: ", data_bytes - at, " bytes after the last tensor");
    return h;
}

/// A safetensors file, validated, its tensors viewed in place. Move-only. Made by `open`
/// (a file) or `view` (an image in memory), as GgufFile is by `open` and `parse`.
class File {
public:
    /// Opens and validates a file, mapped read-only unless `how` is FileAccess::read
    /// (bitla::error naming the path otherwise). The tensors view the mapping, which moves
    /// with the File.
    [[nodiscard]] static File open(const std::filesystem::path& path, FileAccess how = FileAccess::map) {
        File f;
        f.mapped_ = MappedFile(path, how);
        const std::span<const std::byte> b = f.mapped_.bytes();
        f.init({reinterpret_cast<const std::uint8_t*>(b.data()), b.size()}, path.string());
        return f;
    }
    /// Validates a file image in memory (no copy: `bytes` must outlive the File); `name`
    /// stands for the file in errors.
    [[nodiscard]] static File parse(std::span<const std::uint8_t> bytes, std::string name = "<memory>") {
        File f;
        f.init(bytes, std::move(name));
        return f;
    }

    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    [[nodiscard]] const Header& header() const noexcept { return header_; }
    /// Every tensor, in data order.
    [[nodiscard]] std::span<const TensorInfo> tensors() const noexcept { return header_.tensors; }
    [[nodiscard]] bool has_metadata() const noexcept { return header_.has_metadata; }
    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& metadata() const noexcept {
        return header_.metadata;
    }
    /// The tensor called `name`, or null.
    [[nodiscard]] const TensorInfo* find(std::string_view name) const {
        const auto it = index_.find(name);
        return it == index_.end() ? nullptr : &header_.tensors[it->second];
    }
    /// The tensor called `name` (bitla::error if there is none).
    [[nodiscard]] const TensorInfo& at(std::string_view name) const {
        const TensorInfo* t = find(name);
        bitla::detail::require(t != nullptr, path_, "no tensor \"", name, "\"");
        return *t;
    }
    /// A tensor's bytes, in the file (little-endian elements, no alignment promised).
    [[nodiscard]] std::span<const std::uint8_t> bytes(const TensorInfo& t) const noexcept {
        return data_.subspan(t.begin, t.bytes());
    }

    /// Tensor `name` checked to have dtype `d` and shape `shape` (a mismatch names both).
    const TensorInfo& expect(std::string_view name, Dtype d, std::span<const std::size_t> shape) const {
        const TensorInfo& t = expect_dtype(name, {d});
        expect_shape(t, shape);
        return t;
    }
    /// Tensor `name` checked to have one of the dtypes `allowed`.
    const TensorInfo& expect_dtype(std::string_view name, std::initializer_list<Dtype> allowed) const {
        const TensorInfo& t = at(name);
        std::string list;
        for (Dtype d : allowed) {
            if (d == t.dtype) return t;
            list += (list.empty() ? "" : " or ") + std::string(safetensors::name(d));
        }
        bitla::detail::fail(path_, "tensor \"", t.name, "\": dtype is ", safetensors::name(t.dtype), ", expected ",
                            list);
    }
    void expect_shape(const TensorInfo& t, std::span<const std::size_t> shape) const {
        bitla::detail::require(std::equal(t.shape.begin(), t.shape.end(), shape.begin(), shape.end()), path_,
                               "tensor \"", t.name, "\": shape is ", shape_string(t.shape), ", expected ",
                               shape_string(shape));
    }

    /// A float tensor (F32, F16 or BF16) of rows·cols elements as a rows x cols matrix
    /// (exact: float holds all three).
    [[nodiscard]] Matrix<float> floats(std::string_view name, std::size_t rows, std::size_t cols) const {
        const TensorInfo& t = expect_dtype(name, {Dtype::F32, Dtype::F16, Dtype::BF16});
        bitla::detail::require(cols == 0 || (rows <= t.elements / cols && rows * cols == t.elements), path_,
                               "tensor \"", t.name, "\": shape ", shape_string(t.shape), " holds ", t.elements,
                               " values, expected ", rows, " x ", cols);
        Matrix<float> m(rows, cols);
        const std::uint8_t* p = bytes(t).data();
        for (std::size_t i = 0; i < t.elements; ++i) m.flat()[i] = detail::load_float(t.dtype, p, i);
        return m;
    }
    /// A one-element integer tensor (BOOL, U*, I*; shape [] or [1]) as int64.
    [[nodiscard]] std::int64_t integer(std::string_view name) const {
        const TensorInfo& t = at(name);
        bitla::detail::require(info(t.dtype).is_integer && t.elements == 1, path_, "tensor \"", t.name, "\": ",
                               safetensors::name(t.dtype), " ", shape_string(t.shape), " is not one integer");
        const std::size_t n = element_size(t.dtype);
        std::uint64_t v = detail::load_le(bytes(t).data(), n);
        const bool is_signed = t.dtype == Dtype::I8 || t.dtype == Dtype::I16 || t.dtype == Dtype::I32 ||
                               t.dtype == Dtype::I64;
        if (is_signed && n < 8 && (v >> (8 * n - 1)) != 0) v |= ~std::uint64_t{0} << (8 * n);  // sign-extend
        bitla::detail::require(is_signed || v <= std::uint64_t{INT64_MAX}, path_, "tensor \"", t.name, "\": ", v,
                               " does not fit int64");
        return static_cast<std::int64_t>(v);
    }
    /// A U8 vector of character codes (how HQQ stores strings) as a string.
    [[nodiscard]] std::string chars(std::string_view name) const {
        const TensorInfo& t = expect_dtype(name, {Dtype::U8});
        bitla::detail::require(t.shape.size() == 1, path_, "tensor \"", t.name, "\": shape ", shape_string(t.shape),
                               " is not a vector of character codes");
        const auto b = bytes(t);
        return {reinterpret_cast<const char*>(b.data()), b.size()};
    }

    [[nodiscard]] static std::string shape_string(std::span<const std::size_t> shape) {
        std::string s = "[";
        for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
        return s + "]";
    }

private:
    File() = default;
    void init(std::span<const std::uint8_t> bytes, std::string path) {
        path_ = std::move(path);
        header_ = parse_header(bytes, path_);
        data_ = bytes.subspan(8 + header_.length);
        for (std::size_t i = 0; i < header_.tensors.size(); ++i) index_.emplace(header_.tensors[i].name, i);
    }

    MappedFile mapped_;
    std::string path_;
    Header header_;
    std::span<const std::uint8_t> data_;
    std::map<std::string, std::size_t, std::less<>> index_;
};

}  // namespace safetensors
BITLA_END_NAMESPACE
