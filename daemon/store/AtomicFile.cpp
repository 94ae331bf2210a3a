#include "store/AtomicFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace peertrust::store {

Result<void> writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                                 mode_t mode) {
    const std::filesystem::path directory =
        path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    std::string temporary = (directory / ("." + path.filename().string() + ".XXXXXX")).string();
    int fd = ::mkstemp(temporary.data());
    if (fd < 0) {
        return unavailable("cannot write in " + directory.string() + ": " + std::strerror(errno));
    }
    bool ok = ::fchmod(fd, mode) == 0;
    for (std::size_t done = 0; ok && done < content.size();) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        ok = n > 0;
        done += ok ? static_cast<std::size_t>(n) : 0;
    }
    ok = ok && ::fsync(fd) == 0;
    const int error = errno;
    ok = ::close(fd) == 0 && ok;
    if (!ok || ::rename(temporary.c_str(), path.c_str()) != 0) {
        const int renameError = ok ? errno : error;
        ::unlink(temporary.c_str());
        return unavailable("cannot write " + path.string() + ": " + std::strerror(renameError));
    }
    // The rename is durable only once the directory is: after a power loss the old file (an
    // anchor since removed or distrusted) must not come back.
    const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const bool synced = dir >= 0 && ::fsync(dir) == 0;
    if (dir >= 0) {
        ::close(dir);
    }
    if (!synced) {
        return unavailable("wrote " + path.string() + " but cannot sync " + directory.string() +
                           ": " + std::strerror(errno));
    }
    return {};
}

}  // namespace peertrust::store
