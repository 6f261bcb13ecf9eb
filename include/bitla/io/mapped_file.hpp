// bitla/io/mapped_file.hpp — `MappedFile`: a whole file's bytes, read-only, either mapped
// (mmap, PROT_READ; the default where the system has it) or read into memory.
//
// The bytes stay where they are for the object's life, moves included, so spans into
// them (a GGUF tensor's data) stay valid as long as the MappedFile (or its GgufFile) does.
// Errors (bitla::error, argument = the path): the file cannot be opened, sized, mapped or read.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

#if __has_include(<sys/mman.h>) && __has_include(<fcntl.h>) && __has_include(<unistd.h>)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define BITLA_HAS_MMAP 1
#else
#define BITLA_HAS_MMAP 0
#endif

#include "../core/error.hpp"

BITLA_BEGIN_NAMESPACE

enum class FileAccess : std::uint8_t {
    map,   ///< mmap read-only where available (else read)
    read,  ///< read the whole file into memory
};

class MappedFile {
public:
    MappedFile() = default;
    MappedFile(const std::filesystem::path& path, FileAccess how = FileAccess::map) {
        const std::string p = path.string();
#if BITLA_HAS_MMAP
        if (how == FileAccess::map) {
            const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
            detail::require(fd >= 0, p, "cannot open: ", std::strerror(errno));
            struct stat st {};
            const bool sized = ::fstat(fd, &st) == 0 && st.st_size >= 0;
            const int err = errno;
            const bool directory = sized && S_ISDIR(st.st_mode);
            if (sized && !directory && st.st_size > 0) {
                size_ = static_cast<std::size_t>(st.st_size);
                void* m = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
                map_ = m == MAP_FAILED ? nullptr : m;
            }
            ::close(fd);
            detail::require(sized, p, "cannot read its size: ", std::strerror(err));
            detail::require(!directory, p, "is a directory, not a file");
            if (map_ != nullptr || size_ == 0) return;
            size_ = 0;  // mapping refused (a pipe, a special file): read it instead
        }
#endif
        (void)how;
        std::FILE* f = std::fopen(p.c_str(), "rb");
        detail::require(f != nullptr, p, "cannot open: ", std::strerror(errno));
        std::byte chunk[1 << 16];
        for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, f)) > 0;) copy_.insert(copy_.end(), chunk, chunk + n);
        const bool failed = std::ferror(f) != 0;
        std::fclose(f);
        detail::require(!failed, p, "read error");
        size_ = copy_.size();
    }
    MappedFile(MappedFile&& o) noexcept
        : map_(std::exchange(o.map_, nullptr)), size_(std::exchange(o.size_, 0)), copy_(std::move(o.copy_)) {}
    MappedFile& operator=(MappedFile&& o) noexcept {
        if (this != &o) {
            release();
            map_ = std::exchange(o.map_, nullptr);
            size_ = std::exchange(o.size_, 0);
            copy_ = std::move(o.copy_);
        }
        return *this;
    }
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile() { release(); }

    [[nodiscard]] std::span<const std::byte> bytes() const noexcept {
        return map_ != nullptr ? std::span<const std::byte>(static_cast<const std::byte*>(map_), size_)
                               : std::span<const std::byte>(copy_);
    }
    [[nodiscard]] bool mapped() const noexcept { return map_ != nullptr; }

private:
    void release() noexcept {
#if BITLA_HAS_MMAP
        if (map_ != nullptr) ::munmap(map_, size_);
#endif
        map_ = nullptr;
    }

    void* map_ = nullptr;
    std::size_t size_ = 0;
    std::vector<std::byte> copy_;
};

BITLA_END_NAMESPACE
