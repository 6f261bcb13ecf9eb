// bitla/io/safetensors_file.hpp — `MappedFile`: a whole file mapped read-only (POSIX mmap),
// the bytes a safetensors reader views without copying. Move-only; unmaps on destruction.
//
//     bitla::safetensors::MappedFile f("model.safetensors");   // bitla::error(path, why) on failure
//     std::span<const std::uint8_t> bytes = f.bytes();
//
// An empty file maps nothing (bytes() is empty). The mapping is private and read-only:
// another process that truncates the file while it is mapped makes reads past the new
// end fault (SIGBUS); that is the price of not copying, as with every mmap reader.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/error.hpp"

BITLA_BEGIN_NAMESPACE
namespace safetensors {

class MappedFile {
public:
    MappedFile() = default;
    explicit MappedFile(std::string path) : path_(std::move(path)) {
        const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) fail_errno("cannot open it");
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            const int e = errno;
            ::close(fd);
            errno = e;
            fail_errno("cannot stat it");
        }
        if (!S_ISREG(st.st_mode)) {
            ::close(fd);
            bitla::detail::fail(path_, "not a regular file");
        }
        size_ = static_cast<std::size_t>(st.st_size);
        if (size_ != 0) {
            void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p == MAP_FAILED) {
                const int e = errno;
                ::close(fd);
                errno = e;
                fail_errno("cannot map it");
            }
            data_ = static_cast<const std::uint8_t*>(p);
        }
        ::close(fd);
    }
    MappedFile(MappedFile&& o) noexcept
        : path_(std::move(o.path_)), data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
    MappedFile& operator=(MappedFile&& o) noexcept {
        if (this != &o) {
            unmap();
            path_ = std::move(o.path_);
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0);
        }
        return *this;
    }
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile() { unmap(); }

    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    [[nodiscard]] std::span<const std::uint8_t> bytes() const noexcept { return {data_, size_}; }

private:
    [[noreturn]] void fail_errno(const char* what) const {
        bitla::detail::fail(path_, what, ": ", std::strerror(errno));
    }
    void unmap() noexcept {
        if (data_ != nullptr) ::munmap(const_cast<std::uint8_t*>(data_), size_);
        data_ = nullptr;
        size_ = 0;
    }

    std::string path_;
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace safetensors
BITLA_END_NAMESPACE
