// libFuzzer target: what bitla reads, it writes back. For any bytes GgufFile::parse
// accepts, gguf_bytes(its tensors, its metadata) must succeed, parse again to the same
// tensors (names, types, shapes, bytes), and be written again to the same bytes. A
// violation aborts (a finding); parse's own bitla::error is the one allowed exit.
// Files aligned to more than 4 KiB are skipped: the rewrite pads to the alignment, so a
// 100-byte file with general.alignment = 2^31 and no tensor data would write 2 GiB.
#include <bitla/io/gguf.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

namespace {

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "round trip: %s\n", what);
        std::abort();
    }
}

std::vector<std::byte> rewrite(const bitla::GgufFile& f) {
    try {
        return bitla::gguf_bytes(f.tensors(), f.metadata());
    } catch (const bitla::error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        require(false, "the writer refuses what the reader accepted");
    }
    return {};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::optional<bitla::GgufFile> f;
    try {
        f.emplace(bitla::GgufFile::parse(std::as_bytes(std::span(data, size)), "fuzz.gguf"));
    } catch (const bitla::error&) {
        return 0;
    }
    if (f->alignment() > 4096) return 0;
    const std::vector<std::byte> bytes = rewrite(*f);
    try {
        const auto g = bitla::GgufFile::parse(bytes, "rewritten.gguf");
        require(g.tensors().size() == f->tensors().size() && g.metadata().size() == f->metadata().size(),
                "the rewritten file holds other counts");
        for (std::size_t i = 0; i < g.tensors().size(); ++i) {
            const bitla::GgufTensor &a = f->tensors()[i], &b = g.tensors()[i];
            require(a.name == b.name && a.type == b.type && a.shape == b.shape &&
                        std::equal(a.data.begin(), a.data.end(), b.data.begin(), b.data.end()),
                    "a tensor differs after the round trip");
        }
        require(rewrite(g) == bytes, "writing the rewritten file again gives other bytes");
    } catch (const bitla::error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        require(false, "the reader refuses what the writer wrote");
    }
    return 0;
}
