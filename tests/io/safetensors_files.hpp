// Test support for the safetensors tests: file images built from the format's definition
// (not with bitla's writer), and temporary files.
#pragma once

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
