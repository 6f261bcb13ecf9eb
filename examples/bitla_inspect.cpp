// bitla-inspect: what a model file holds, checked, and its tensors as NumPy arrays.
//
//   bitla-inspect FILE                       metadata (key, type, value) and tensors (name,
//                                            type, shape, bytes, offset)
//   bitla-inspect FILE --dump NAME OUT.npy   one tensor decoded to float32, shape (N, K)
//   bitla-inspect FILE --dump-all DIR        every tensor bitla decodes, as DIR/<name>.npy
//
// Exit status: 0 done, 1 a bad file (the bitla::error's text: every size and offset is
// checked when the file is opened), a tensor that cannot be decoded or an output that cannot
// be written, 2 bad usage.
//
// Formats are told apart by their first bytes (`sniff`); each has a reader that gives a
// `Model`. GGUF is read always; safetensors when the tool is built with nlohmann-json
// (BITLA_INSPECT_SAFETENSORS, set by CMake when find_package finds it; otherwise such a
// file is recognised and refused with that reason); anything else is refused as unknown.
// docs/inspect.md has examples.
#include <bitla/io/gguf.hpp>
#if BITLA_INSPECT_SAFETENSORS
#include <bitla/io/hf_bitnet.hpp>
#include <bitla/io/hqq_safetensors.hpp>
#endif

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "npy.hpp"

namespace {

namespace fs = std::filesystem;
using Table = std::vector<std::vector<std::string>>;

// ---- what any format's reader gives ----

struct TensorInfo {
    std::string name, type;
    std::string shape;  ///< as the format writes shapes (Model::shape_heading)
    std::uint64_t bytes = 0, offset = 0;
    bool decodable = false;
};

/// A tensor --dump-all passes over (with its reason on stderr) rather than stopping: one
/// whose values float32 cannot hold exactly.
struct Skip : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Model {
public:
    virtual ~Model() = default;
    /// One line: the format, its version and the file's layout.
    [[nodiscard]] virtual std::string summary() const = 0;
    /// Rows of key, type, value.
    [[nodiscard]] virtual Table metadata() const = 0;
    [[nodiscard]] virtual std::vector<TensorInfo> tensors() const = 0;
    /// The heading of the tensor table's shape column.
    [[nodiscard]] virtual std::string shape_heading() const = 0;
    /// The tensor's values, N x K, as the file means them (bitla::error if they cannot be,
    /// Skip if float32 cannot hold them).
    [[nodiscard]] virtual bitla::Matrix<float> decode(const std::string& name) const = 0;
};

// ---- GGUF ----

/// s with backslashes (and with `quotes`, '"') escaped and control characters as \n or
/// \xNN: a file's text never reaches the terminal as commands.
std::string escape(std::string_view s, bool quotes = false) {
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\\' || (quotes && c == '"')) out += {'\\', c};
        else if (c == '\n') out += "\\n";
        else if (u >= 0x20 && u != 0x7f) out += c;
        else {
            char e[8];
            std::snprintf(e, sizeof e, "\\x%02x", u);
            out += e;
        }
    }
    return out;
}

/// A string value: quoted, escaped, cut after 80 bytes (with its length).
std::string quote(std::string_view s) {
    constexpr std::size_t longest = 80;
    std::string out = '"' + escape(s.substr(0, longest), true) + '"';
    if (s.size() > longest) out += "... (" + std::to_string(s.size()) + " bytes)";
    return out;
}

/// A scalar as text: numbers in their shortest exact form, bools as true / false.
std::string text(const bitla::GgufScalar& v) {
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>) return quote(x);
            else if constexpr (std::is_same_v<T, bool>) return x ? "true" : "false";
            else if constexpr (sizeof(T) == 1) return std::to_string(int{x});
            else {
                char buf[32];
                return std::string(buf, std::to_chars(buf, buf + sizeof buf, x).ptr);
            }
        },
        v);
}

/// Element i of a numeric array, as the scalar of its type.
bitla::GgufScalar element(const bitla::GgufValue& v, std::size_t i) {
    using bitla::detail::load_le;
    using T = bitla::GgufValueType;
    const std::byte* p = v.raw.data() + i * bitla::value_bytes(v.element);
    switch (v.element) {
        case T::u8: return load_le<std::uint8_t>(p);
        case T::i8: return load_le<std::int8_t>(p);
        case T::u16: return load_le<std::uint16_t>(p);
        case T::i16: return load_le<std::int16_t>(p);
        case T::u32: return load_le<std::uint32_t>(p);
        case T::i32: return load_le<std::int32_t>(p);
        case T::f32: return load_le<float>(p);
        case T::boolean: return load_le<bool>(p);
        case T::u64: return load_le<std::uint64_t>(p);
        case T::i64: return load_le<std::int64_t>(p);
        default: return load_le<double>(p);
    }
}

/// "[a, b, c]", or the first few values then "..." for a long array.
std::string array_text(const bitla::GgufValue& v) {
    constexpr std::size_t shown = 6;
    std::string out = "[";
    for (std::size_t i = 0; i < v.count && i < shown; ++i) {
        if (i) out += ", ";
        out += v.element == bitla::GgufValueType::string ? quote(v.strings[i]) : text(element(v, i));
    }
    return out + (v.count > shown ? ", ...]" : "]");
}

class GgufModel final : public Model {
public:
    explicit GgufModel(const fs::path& path) : f_(bitla::GgufFile::open(path)) {}

    [[nodiscard]] std::string summary() const override {
        const std::size_t keys = f_.metadata().size(), tensors = f_.tensors().size();
        return bitla::detail::concat("GGUF v", f_.version(), ", ", bitla::name(f_.dialect()), ", alignment ",
                                     f_.alignment(), ", ", keys, keys == 1 ? " metadata key, " : " metadata keys, ",
                                     tensors, tensors == 1 ? " tensor" : " tensors", " from byte ", f_.data_offset(),
                                     "; every size and offset checked");
    }
    [[nodiscard]] Table metadata() const override {
        Table rows;
        for (const auto& [key, v] : f_.metadata().entries) {
            if (v.is_array())
                rows.push_back({escape(key), bitla::detail::concat(bitla::name(v.element), "[", v.count, "]"),
                                array_text(v)});
            else
                rows.push_back({escape(key), bitla::name(v.type), text(v.scalar)});
        }
        return rows;
    }
    [[nodiscard]] std::vector<TensorInfo> tensors() const override {
        std::vector<TensorInfo> out;
        for (const bitla::GgufTensor& t : f_.tensors()) {
            std::string shape;  // ne, fastest first
            for (const std::uint64_t d : t.shape) shape += (shape.empty() ? "" : " × ") + std::to_string(d);
            out.push_back({t.name, std::string(bitla::name(t.type)), shape, t.data.size(), t.offset,
                           bitla::info(t.type).decodable});
        }
        return out;
    }
    [[nodiscard]] std::string shape_heading() const override { return "shape (K × N)"; }
    [[nodiscard]] bitla::Matrix<float> decode(const std::string& name) const override {
        return bitla::dequantize(f_.tensor(name));
    }

private:
    bitla::GgufFile f_;
};

// ---- safetensors ----

#if BITLA_INSPECT_SAFETENSORS
namespace st = bitla::safetensors;

/// element i of an integer tensor (BOOL, U*, I*) as float, or Skip when float32 cannot hold it.
float integer_value(const st::TensorInfo& t, const std::uint8_t* p, std::size_t i) {
    const std::size_t n = st::element_size(t.dtype);
    const std::uint64_t u = st::detail::load_le(p + i * n, n);
    const bool is_signed = t.dtype == st::Dtype::I8 || t.dtype == st::Dtype::I16 || t.dtype == st::Dtype::I32 ||
                           t.dtype == st::Dtype::I64;
    bool exact = false;
    float x = 0;
    std::string text;
    if (is_signed) {
        std::uint64_t v = u;
        if (n < 8 && (v >> (8 * n - 1)) != 0) v |= ~std::uint64_t{0} << (8 * n);  // sign-extend
        const auto s = static_cast<std::int64_t>(v);
        x = static_cast<float>(s);
        exact = x >= -0x1p63f && x < 0x1p63f && static_cast<std::int64_t>(x) == s;
        text = std::to_string(s);
    } else {
        x = static_cast<float>(u);
        exact = x < 0x1p64f && static_cast<std::uint64_t>(x) == u;
        text = std::to_string(u);
    }
    if (!exact)
        throw Skip(bitla::detail::concat(st::name(t.dtype), " value ", text, " (element ", i,
                                         ") is not exact in float32, and dumps hold exact values only"));
    return x;
}

class SafetensorsModel final : public Model {
public:
    explicit SafetensorsModel(const fs::path& path) : f_(st::File::open(path)) {
        for (const std::string& m : bitla::hf_bitnet_modules(f_)) bitnet_.emplace(m + ".weight", m);
        constexpr std::string_view suffix = ".W_q";
        for (const st::TensorInfo& t : f_.tensors()) {
            const std::string_view n = t.name;
            if (!n.ends_with(suffix)) continue;
            const std::string m(n.substr(0, n.size() - suffix.size()));
            if (f_.find(m + ".scale") != nullptr && f_.find(m + ".zero") != nullptr) hqq_.emplace(t.name, m);
        }
    }

    [[nodiscard]] std::string summary() const override {
        const std::size_t keys = f_.metadata().size(), tensors = f_.tensors().size();
        std::string layers;
        if (!bitnet_.empty())
            layers += bitla::detail::concat(", ", bitnet_.size(), bitnet_.size() == 1 ? " HF BitNet layer" : " HF BitNet layers");
        if (!hqq_.empty()) layers += bitla::detail::concat(", ", hqq_.size(), hqq_.size() == 1 ? " HQQ layer" : " HQQ layers");
        return bitla::detail::concat(
            "safetensors, header ", f_.header().length, " bytes, ",
            f_.has_metadata() ? bitla::detail::concat(keys, keys == 1 ? " metadata key, " : " metadata keys, ")
                              : std::string("no __metadata__, "),
            tensors, tensors == 1 ? " tensor" : " tensors", " from byte ", 8 + f_.header().length, layers,
            "; every size and offset checked");
    }
    [[nodiscard]] Table metadata() const override {
        Table rows;
        for (const auto& [key, value] : f_.metadata()) rows.push_back({escape(key), "string", quote(value)});
        return rows;
    }
    [[nodiscard]] std::vector<TensorInfo> tensors() const override {
        std::vector<TensorInfo> out;
        for (const st::TensorInfo& t : f_.tensors()) {
            std::string type(st::name(t.dtype));
            if (bitnet_.contains(t.name)) type += " (HF BitNet)";
            else if (hqq_.contains(t.name)) type += " (HQQ)";
            const bool decodable = t.dtype != st::Dtype::F8_E5M2 && t.dtype != st::Dtype::F8_E4M3 &&
                                   t.dtype != st::Dtype::F8_E8M0;
            out.push_back({t.name, type, st::File::shape_string(t.shape), t.bytes(), t.begin, decodable});
        }
        return out;
    }
    [[nodiscard]] std::string shape_heading() const override { return "shape"; }

    [[nodiscard]] bitla::Matrix<float> decode(const std::string& name) const override {
        if (const auto m = bitnet_.find(name); m != bitnet_.end())  // T: the scale is its own tensor
            return bitla::read_hf_bitnet(f_, m->second, bitla::BitnetScaling::multiply).values.unpack<float>();
        if (const auto m = hqq_.find(name); m != hqq_.end()) return bitla::read_hqq(f_, m->second).q.dequantize();
        const st::TensorInfo& t = f_.at(name);
        // Every dimension before the last folds into N; a 0-D tensor is 1 x 1.
        const std::size_t cols = t.shape.empty() ? 1 : t.shape.back();
        const std::size_t rows = cols == 0 ? 0 : t.elements / cols;
        if (st::is_float_dtype(t.dtype)) return f_.floats(name, rows, cols);
        bitla::detail::require(st::info(t.dtype).is_integer || t.dtype == st::Dtype::F64, f_.path(), "tensor \"",
                               name, "\": bitla does not decode ", st::name(t.dtype));
        bitla::Matrix<float> out(rows, cols);
        const std::uint8_t* p = f_.bytes(t).data();
        for (std::size_t i = 0; i < t.elements; ++i) {
            if (t.dtype != st::Dtype::F64) {
                out.flat()[i] = integer_value(t, p, i);
                continue;
            }
            const auto d = std::bit_cast<double>(st::detail::load_le(p + 8 * i, 8));
            const auto x = static_cast<float>(d);
            if (static_cast<double>(x) != d && !std::isnan(d))
                throw Skip(bitla::detail::concat("F64 value ", d, " (element ", i,
                                                 ") is not exact in float32, and dumps hold exact values only"));
            out.flat()[i] = x;
        }
        return out;
    }

private:
    st::File f_;
    std::map<std::string, std::string, std::less<>> bitnet_, hqq_;  // tensor -> layer
};
#endif

// ---- formats by their first bytes ----

enum class Format { gguf, safetensors, unknown };

/// GGUF: the magic "GGUF". safetensors: a u64 little-endian header length that fits in
/// the file, then the header's '{'.
Format sniff(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    bitla::detail::require(in.is_open(), path.string(), "cannot open the file");
    unsigned char b[9] = {};
    in.read(reinterpret_cast<char*>(b), sizeof b);
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got >= 4 && std::string_view(reinterpret_cast<const char*>(b), 4) == "GGUF") return Format::gguf;
    if (got == sizeof b) {
        std::uint64_t n = 0;
        for (int i = 7; i >= 0; --i) n = n << 8 | b[i];
        if (n >= 2 && n <= fs::file_size(path) - 8 && b[8] == '{') return Format::safetensors;
    }
    return Format::unknown;
}

std::unique_ptr<Model> open(const fs::path& path) {
    switch (sniff(path)) {
        case Format::gguf: return std::make_unique<GgufModel>(path);
        case Format::safetensors:
#if BITLA_INSPECT_SAFETENSORS
            return std::make_unique<SafetensorsModel>(path);
#else
            bitla::detail::fail(path.string(), "a safetensors file, which this bitla-inspect cannot read: it was built "
                                               "without nlohmann-json 3 (reconfigure with it installed to read them)");
#endif
        case Format::unknown: break;
    }
    bitla::detail::fail(path.string(), "not a model file bitla-inspect reads: it starts with neither \"GGUF\" nor a "
                                       "safetensors header length");
}

// ---- output ----

/// Columns padded to their widest cell (in characters: "×" is one).
void print(const Table& rows) {
    auto width = [](const std::string& s) {
        std::size_t n = 0;
        for (const char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
        return n;
    };
    std::vector<std::size_t> w;
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (w.size() <= i) w.push_back(0);
            w[i] = std::max(w[i], width(row[i]));
        }
    for (const auto& row : rows) {
        std::string line = "  ";
        for (std::size_t i = 0; i < row.size(); ++i)
            line += i + 1 < row.size() ? row[i] + std::string(w[i] - width(row[i]) + 2, ' ') : row[i];
        std::puts(line.c_str());
    }
}

void list(const fs::path& path, const Model& m) {
    std::printf("%s: %s\n\nmetadata:\n", path.string().c_str(), m.summary().c_str());
    const Table metadata = m.metadata();
    if (metadata.empty()) std::puts("  (none)");
    print(metadata);
    Table rows = {{"name", "type", m.shape_heading(), "bytes", "offset"}};
    for (const TensorInfo& t : m.tensors())
        rows.push_back({escape(t.name), t.type, t.shape, std::to_string(t.bytes), std::to_string(t.offset)});
    std::puts("\ntensors:");
    print(rows);
}

void dump(const Model& m, const std::string& name, const fs::path& out) {
    const bitla::Matrix<float> w = m.decode(name);
    npy::write(out, w);
    std::printf("%s: %s, %zu x %zu float32\n", out.string().c_str(), escape(name).c_str(), w.rows(), w.cols());
}

/// A file name for a tensor: letters, digits, '.', '-' and '_' kept, the rest '_'; never
/// hidden, never one an earlier tensor got.
std::string file_name(const std::string& tensor, std::set<std::string>& taken) {
    std::string s = tensor;
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
    if (s.front() == '.') s.insert(0, "_");
    while (!taken.insert(s).second) s += '_';
    return s + ".npy";
}

void dump_all(const Model& m, const fs::path& dir) {
    fs::create_directories(dir);
    std::set<std::string> taken;
    for (const TensorInfo& t : m.tensors()) {
        const fs::path out = dir / file_name(t.name, taken);
        if (!t.decodable) {
            std::fprintf(stderr, "skipped %s: bitla does not decode %s\n", escape(t.name).c_str(), t.type.c_str());
            continue;
        }
        try {
            dump(m, t.name, out);
        } catch (const Skip& e) {
            std::fprintf(stderr, "skipped %s: %s\n", escape(t.name).c_str(), e.what());
        }
    }
}

constexpr const char* usage =
    R"(usage: bitla-inspect FILE                      list metadata and tensors, checking every size and offset
       bitla-inspect FILE --dump NAME OUT.npy  write tensor NAME decoded to float32 (N, K)
       bitla-inspect FILE --dump-all DIR       write every tensor bitla decodes as DIR/<name>.npy
FILE: a GGUF or safetensors file. Exit status: 0 done, 1 a bad file, a tensor that cannot be
decoded or an unwritable output, 2 bad usage.
)";

int bad_usage(const std::string& why) {
    std::fprintf(stderr, "bitla-inspect: %s\n%s", why.c_str(), usage);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 1 && (args[0] == "-h" || args[0] == "--help")) {
        std::fputs(usage, stdout);
        return 0;
    }
    const bool one = args.size() == 4 && args[1] == "--dump", all = args.size() == 3 && args[1] == "--dump-all";
    if (args.size() != 1 && !one && !all)
        return bad_usage(args.empty() ? "no FILE given" : "unexpected arguments after FILE");
    try {
        const std::unique_ptr<Model> m = open(args[0]);
        if (args.size() == 1) list(args[0], *m);
        else if (all) dump_all(*m, args[2]);
        else {
            bool found = false;
            for (const TensorInfo& t : m->tensors()) found = found || t.name == args[2];
            if (!found)
                return bad_usage("no tensor '" + args[2] + "' in " + args[0] + " (bitla-inspect FILE lists them)");
            try {
                dump(*m, args[2], args[3]);
            } catch (const Skip& e) {
                std::fprintf(stderr, "bitla-inspect: tensor '%s': %s\n", escape(args[2]).c_str(), e.what());
                return 1;
            }
        }
        return 0;
    } catch (const std::exception& e) {  // bitla::error, and filesystem or allocation failures
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
