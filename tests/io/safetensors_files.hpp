// Test support for the safetensors tests: file images built from the format's definition
// (not with bitla's writer), and temporary files.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace bitla_test {

/// An image with an explicit header-length field (which may lie) and the header as given.
inline std::vector<std::uint8_t> raw_image(std::uint64_t length_field, std::string_view header,
                                           const std::vector<std::uint8_t>& data) {
    std::vector<std::uint8_t> out;
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(length_field >> (8 * i)));
    out.insert(out.end(), header.begin(), header.end());
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

/// A well-formed image the way the reference writes one: the JSON padded with spaces to a
/// multiple of 8 bytes, its length in front, the data behind.
inline std::vector<std::uint8_t> safetensors_image(std::string json, const std::vector<std::uint8_t>& data) {
    json.append((8 - json.size() % 8) % 8, ' ');
    return raw_image(json.size(), json, data);
}

inline std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

inline std::string temp_dir() {
    const auto dir = std::filesystem::temp_directory_path() / ("bitla-safetensors-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir.string();
}

inline std::vector<std::uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace bitla_test

namespace bitla_test {

/// A tensor for `reference_image`: its dtype by name, its bytes as they go in the file.
struct RawTensor {
    std::string name;
    std::string dtype;
    std::vector<std::size_t> shape;
    std::vector<std::uint8_t> data;
};

/// A file as the reference writer lays it out: tensors sorted by dtype (its enum order,
/// descending), then by name; optional metadata JSON (e.g. R"({"format":"pt"})") first.
inline std::vector<std::uint8_t> reference_image(std::vector<RawTensor> ts, const std::string& metadata = "") {
    static const std::vector<std::string> order{"BOOL", "U8",  "I8",  "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16",
                                                "F16",  "BF16", "I32", "U32",     "F32",     "F64",     "I64", "U64"};
    const auto rank = [&](const std::string& d) { return std::find(order.begin(), order.end(), d) - order.begin(); };
    std::sort(ts.begin(), ts.end(), [&](const RawTensor& a, const RawTensor& b) {
        return rank(a.dtype) != rank(b.dtype) ? rank(a.dtype) > rank(b.dtype) : a.name < b.name;
    });
    std::string json = "{";
    if (!metadata.empty()) json += R"("__metadata__":)" + metadata;
    std::vector<std::uint8_t> data;
    for (const auto& t : ts) {
        if (json.size() > 1) json += ",";
        json += "\"" + t.name + R"(":{"dtype":")" + t.dtype + R"(","shape":[)";
        for (std::size_t i = 0; i < t.shape.size(); ++i) json += (i ? "," : "") + std::to_string(t.shape[i]);
        json += R"(],"data_offsets":[)" + std::to_string(data.size()) + "," + std::to_string(data.size() + t.data.size()) + "]}";
        data.insert(data.end(), t.data.begin(), t.data.end());
    }
    return safetensors_image(json + "}", data);
}

}  // namespace bitla_test
