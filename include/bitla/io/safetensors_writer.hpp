// bitla/io/safetensors_writer.hpp — `Writer`: tensors and metadata into a safetensors file,
// laid out byte for byte as the reference writer (huggingface/safetensors `serialize`) does:
//
//   - tensors sorted by dtype, widest-aligned first (the reference's `Dtype` order,
//     descending), then by name (bytewise), and stored in that order without gaps;
//   - the header compact JSON: "__metadata__" first (when set), then one entry per tensor
//     with its keys in the order dtype, shape, data_offsets;
//   - the header padded with spaces to a multiple of 8 bytes, so data stays 8-byte aligned.
//
//     bitla::safetensors::Writer w;
//     w.set_metadata("format", "pt");
//     w.add_floats("layer.scale", Dtype::F16, {64}, scales);      // exact, or bitla::error
//     w.add_view("layer.weight", Dtype::U8, {32, 128}, bytes);   // not copied: keep `bytes` alive
//     w.write("out.safetensors");
//
// A file read with io/safetensors.hpp and written back with `add_all` is the same bytes
// when the reference wrote it. Errors (bitla::error, before anything is written): a name
// that is "__metadata__", repeated, or not UTF-8 (argument "name"); a byte count that is not elements x dtype size, or a shape whose size overflows
// ("data", "shape"); a float the dtype cannot hold exactly, an integer outside the dtype
// ("values"); a file that cannot be written (the path).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <fstream>
#include <limits>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "safetensors.hpp"

BITLA_BEGIN_NAMESPACE
namespace safetensors {

class Writer {
public:
    /// A tensor whose bytes stay the caller's (no copy) until bytes() or write().
    void add_view(std::string name, Dtype dtype, std::vector<std::size_t> shape, std::span<const std::uint8_t> data) {
        check_name(name);
        std::size_t elements = 1;
        for (std::size_t d : shape) {
            bitla::detail::require(d == 0 || elements <= std::numeric_limits<std::size_t>::max() / d, "shape",
                                   "tensor \"", name, "\": shape ", File::shape_string(shape), " overflows size_t");
            elements *= d;
        }
        bitla::detail::require(elements <= std::numeric_limits<std::size_t>::max() / element_size(dtype) &&
                                   data.size() == elements * element_size(dtype),
                               "data", "tensor \"", name, "\": ", data.size(), " bytes for shape ",
                               File::shape_string(shape), " of ", safetensors::name(dtype));
        names_.insert(name);
        entries_.push_back({std::move(name), dtype, std::move(shape), data});
    }
    /// A tensor whose bytes the writer keeps.
    void add(std::string name, Dtype dtype, std::vector<std::size_t> shape, std::vector<std::uint8_t> data) {
        owned_.push_back(std::move(data));
        try {
            add_view(std::move(name), dtype, std::move(shape), owned_.back());
        } catch (...) {
            owned_.pop_back();
            throw;
        }
    }
    /// Floats stored as F32, F16 or BF16: every value must be exactly representable
    /// (round with safetensors::round_to first where rounding is meant).
    void add_floats(std::string name, Dtype dtype, std::vector<std::size_t> shape, std::span<const float> values) {
        bitla::detail::require(is_float_dtype(dtype), "dtype", "tensor \"", name, "\": floats are stored as F32, F16 or BF16, not ",
                               safetensors::name(dtype));
        const std::size_t n = element_size(dtype);
        std::vector<std::uint8_t> data(values.size() * n);
        for (std::size_t i = 0; i < values.size(); ++i) {
            bool exact = false;
            detail::store_le(data.data() + i * n, detail::float_bits(dtype, values[i], exact), n);
            bitla::detail::require(exact, "values", "tensor \"", name, "\": value ", i, " = ", values[i], " is not exact in ",
                                   safetensors::name(dtype), " (nearest ", round_to(dtype, values[i]), ")");
        }
        add(std::move(name), dtype, std::move(shape), std::move(data));
    }
    /// One integer in an integer dtype (shape {} for 0-D, as torch.tensor(5) has).
    void add_integer(std::string name, Dtype dtype, std::vector<std::size_t> shape, std::int64_t value) {
        const std::size_t n = element_size(dtype);
        const bool is_signed = dtype == Dtype::I8 || dtype == Dtype::I16 || dtype == Dtype::I32 || dtype == Dtype::I64;
        const bool fits = is_signed ? (n == 8 || (value >= -(std::int64_t{1} << (8 * n - 1)) &&
                                                  value < (std::int64_t{1} << (8 * n - 1))))
                                    : value >= 0 && (n == 8 || value < (std::int64_t{1} << (8 * n)));
        bitla::detail::require(info(dtype).is_integer && fits, "values", "tensor \"", name, "\": ", value,
                               " is not a ", safetensors::name(dtype));
        std::vector<std::uint8_t> data(n);
        detail::store_le(data.data(), static_cast<std::uint64_t>(value), n);
        add(std::move(name), dtype, std::move(shape), std::move(data));
    }
    /// A string as a U8 vector of its bytes (how HQQ stores strings).
    void add_chars(std::string name, std::string_view s) {
        add(std::move(name), Dtype::U8, {s.size()}, std::vector<std::uint8_t>(s.begin(), s.end()));
    }
    /// Every tensor of `f` (viewed: `f` must outlive the writer's use) and its metadata: the
    /// writer's metadata becomes the file's, "__metadata__" included only when the file has it.
    void add_all(const File& f) {
        for (const TensorInfo& t : f.tensors()) add_view(t.name, t.dtype, t.shape, f.bytes(t));
        if (f.has_metadata()) set_metadata(f.metadata());
        else clear_metadata();
    }
    /// Every tensor of `other` (its metadata aside), all or nothing: `other` is left empty.
    void add_all(Writer&& other) {
        for (const Entry& e : other.entries_)
            bitla::detail::require(!names_.contains(e.name), "name", "tensor \"", e.name, "\" was added twice");
        for (auto& bytes : other.owned_) owned_.push_back(std::move(bytes));  // moving keeps the buffers
        for (Entry& e : other.entries_) {
            names_.insert(e.name);
            entries_.push_back(std::move(e));
        }
        other = Writer();
    }
    /// Removes tensor `name`; false if there is none.
    bool erase(std::string_view name) {
        const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.name == name; });
        if (it == entries_.end()) return false;
        names_.erase(names_.find(name));
        entries_.erase(it);
        return true;
    }

    /// Sets (or replaces, in place) one "__metadata__" entry.
    void set_metadata(std::string key, std::string value) {
        check_utf8(key, "metadata");
        check_utf8(value, "metadata");
        has_metadata_ = true;
        for (auto& kv : metadata_)
            if (kv.first == key) {
                kv.second = std::move(value);
                return;
            }
        metadata_.emplace_back(std::move(key), std::move(value));
    }
    /// Replaces all metadata; an empty list still writes "__metadata__": {}.
    void set_metadata(const std::vector<std::pair<std::string, std::string>>& all) {
        metadata_.clear();
        for (const auto& [k, v] : all) set_metadata(k, v);
        has_metadata_ = true;
    }
    void clear_metadata() {
        metadata_.clear();
        has_metadata_ = false;
    }

    /// The header JSON, padded with spaces to a multiple of 8 bytes.
    [[nodiscard]] std::string header() const {
        detail::Json root = detail::Json::object();
        if (has_metadata_) {
            detail::Json m = detail::Json::object();
            for (const auto& [k, v] : metadata_) m[k] = v;
            root["__metadata__"] = std::move(m);
        }
        std::size_t offset = 0;
        for (const Entry* e : sorted()) {
            detail::Json t = detail::Json::object();
            t["dtype"] = std::string(safetensors::name(e->dtype));
            t["shape"] = e->shape;
            t["data_offsets"] = detail::Json::array({offset, offset + e->data.size()});
            offset += e->data.size();
            root[e->name] = std::move(t);
        }
        std::string s = root.dump();
        s.append((8 - s.size() % 8) % 8, ' ');
        return s;
    }
    /// The whole file.
    [[nodiscard]] std::vector<std::uint8_t> bytes() const {
        const std::string h = header();
        const auto order = sorted();
        std::size_t total = 8 + h.size();
        for (const Entry* e : order) total += e->data.size();
        std::vector<std::uint8_t> out(total);
        detail::store_le(out.data(), h.size(), 8);
        auto at = std::copy(h.begin(), h.end(), out.begin() + 8);
        for (const Entry* e : order) at = std::copy(e->data.begin(), e->data.end(), at);
        return out;
    }
    void write(const std::string& path) const {
        const std::string h = header();
        std::uint8_t length[8];
        detail::store_le(length, h.size(), 8);
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        bitla::detail::require(out.good(), path, "cannot open it for writing");
        const auto put = [&](const void* p, std::size_t n) {
            out.write(static_cast<const char*>(p), static_cast<std::streamsize>(n));
        };
        put(length, 8);
        put(h.data(), h.size());
        for (const Entry* e : sorted()) put(e->data.data(), e->data.size());
        out.flush();
        bitla::detail::require(out.good(), path, "writing it failed");
    }

private:
    struct Entry {
        std::string name;
        Dtype dtype;
        std::vector<std::size_t> shape;
        std::span<const std::uint8_t> data;
    };

    static void check_utf8(std::string_view s, std::string_view argument) {
        const std::size_t bad = detail::utf8_error(s);
        bitla::detail::require(bad == s.size(), argument, "\"", s.substr(0, bad), "...\" is not valid UTF-8 at byte ", bad);
    }
    void check_name(const std::string& name) const {
        check_utf8(name, "name");
        bitla::detail::require(name != "__metadata__", "name", "\"__metadata__\" is the header's metadata, not a tensor name");
        bitla::detail::require(!names_.contains(name), "name", "tensor \"", name, "\" was added twice");
    }
    /// The reference's order: dtype descending, then name.
    [[nodiscard]] std::vector<const Entry*> sorted() const {
        std::vector<const Entry*> v;
        for (const Entry& e : entries_) v.push_back(&e);
        std::sort(v.begin(), v.end(), [](const Entry* a, const Entry* b) {
            return a->dtype != b->dtype ? a->dtype > b->dtype : a->name < b->name;
        });
        return v;
    }

    std::vector<Entry> entries_;
    std::set<std::string, std::less<>> names_;
    std::deque<std::vector<std::uint8_t>> owned_;  // a deque: adding never moves the kept bytes' owners
    std::vector<std::pair<std::string, std::string>> metadata_;
    bool has_metadata_ = false;
};

}  // namespace safetensors
BITLA_END_NAMESPACE
