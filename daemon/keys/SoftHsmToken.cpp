#include "keys/SoftHsmToken.h"

#include <fcntl.h>
#include <gnutls/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "crypto/Digest.h"

namespace peertrust::keys {
namespace {

Result<std::string> randomPin() {
    std::uint8_t bytes[16];
    if (gnutls_rnd(GNUTLS_RND_KEY, bytes, sizeof bytes) != 0) {
        return internalError("cannot make a PIN: no randomness");
    }
    return crypto::toHex(bytes);
}

// Written whole with mode 0600 from the start, never readable by others for a moment.
Result<void> writePrivateFile(const std::filesystem::path& path, const std::string& text) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return unavailable("cannot create " + path.string() + ": " + std::strerror(errno));
    }
    bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    written = ::fsync(fd) == 0 && written;
    ::close(fd);
    if (!written) {
        return unavailable("cannot write " + path.string());
    }
    return {};
}

std::string padded(std::string_view text, std::size_t width) {
    std::string out(text.substr(0, width));
    out.resize(width, ' ');
    return out;
}

// C_InitToken on the first slot whose token is not yet initialised, then the user PIN.
Result<void> initialiseToken(const std::filesystem::path& module, const std::string& soPin,
                             const std::string& userPin) {
    PEERTRUST_TRY_ASSIGN(auto loaded, Pkcs11Module::load(module));
    CK_FUNCTION_LIST* f = loaded->functions();
    CK_ULONG count = 0;
    CK_RV rv = f->C_GetSlotList(CK_TRUE, nullptr, &count);
    std::vector<CK_SLOT_ID> slots(count);
    if (rv == CKR_OK) {
        rv = f->C_GetSlotList(CK_TRUE, slots.data(), &count);
    }
    if (rv != CKR_OK) {
        return backendError("cannot list SoftHSM's slots", rv);
    }
    slots.resize(count);
    for (CK_SLOT_ID slot : slots) {
        CK_TOKEN_INFO info;
        if (f->C_GetTokenInfo(slot, &info) != CKR_OK || (info.flags & CKF_TOKEN_INITIALIZED)) {
            continue;
        }
        std::string so = soPin;
        std::string user = userPin;
        std::string label = padded(kSoftHsmTokenLabel, 32);
        rv = f->C_InitToken(slot, reinterpret_cast<CK_UTF8CHAR*>(so.data()), so.size(),
                            reinterpret_cast<CK_UTF8CHAR*>(label.data()));
        if (rv != CKR_OK) {
            return backendError("cannot initialise the SoftHSM token", rv);
        }
        // C_InitToken gives the token a new slot id in SoftHSM: look it up again by label.
        loaded.reset();
        PEERTRUST_TRY_ASSIGN(auto again, Pkcs11Module::load(module));
        f = again->functions();
        count = 8;
        slots.assign(count, 0);
        rv = f->C_GetSlotList(CK_TRUE, slots.data(), &count);
        if (rv != CKR_OK) {
            return backendError("cannot list SoftHSM's slots", rv);
        }
        for (CK_ULONG i = 0; i < count; ++i) {
            if (f->C_GetTokenInfo(slots[i], &info) != CKR_OK ||
                std::memcmp(info.label, label.data(), 32) != 0) {
                continue;
            }
            CK_SESSION_HANDLE session = 0;
            rv = f->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr,
                                  &session);
            if (rv == CKR_OK) {
                rv = f->C_Login(session, CKU_SO, reinterpret_cast<CK_UTF8CHAR*>(so.data()),
                                so.size());
            }
            if (rv == CKR_OK) {
                rv =
                    f->C_InitPIN(session, reinterpret_cast<CK_UTF8CHAR*>(user.data()), user.size());
            }
            f->C_CloseSession(session);
            if (rv != CKR_OK) {
                return backendError("cannot set the SoftHSM token's user PIN", rv);
            }
            return {};
        }
        return unavailable("SoftHSM lost the token it just initialised");
    }
    return unavailable("SoftHSM offers no free slot to initialise a token in");
}

}  // namespace

Result<BackendConfig> provisionSoftHsm(const std::filesystem::path& stateDir,
                                       const std::filesystem::path& module) {
    std::error_code ec;
    std::filesystem::create_directories(stateDir / "tokens", ec);
    if (ec) {
        return unavailable("cannot create " + (stateDir / "tokens").string() + ": " + ec.message());
    }
    ::chmod(stateDir.c_str(), 0700);
    const auto conf = stateDir / "softhsm2.conf";
    if (!std::filesystem::exists(conf)) {
        PEERTRUST_TRY(
            writePrivateFile(conf, "directories.tokendir = " + (stateDir / "tokens").string() +
                                       "\nobjectstore.backend = file\nlog.level = "
                                       "ERROR\n"));
    }
    // SoftHSM reads its configuration when the module is initialised.
    ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);
    const auto pinFile = stateDir / "backend.pin";
    BackendConfig config{module, kSoftHsmTokenLabel, {}};
    if (std::filesystem::exists(pinFile)) {
        std::ifstream in(pinFile);
        std::getline(in, config.userPin);
        if (config.userPin.empty()) {
            return unavailable(pinFile.string() + " holds no PIN: the key backend is damaged");
        }
        return config;
    }
    // The user PIN first line, the SO PIN second: only the daemon reads this file. Written
    // before the token exists, so a crash in between never leaves a token nobody can open.
    const auto pending = stateDir / "backend.pin.new";
    std::string soPin;
    {
        std::ifstream in(pending);
        std::getline(in, config.userPin);
        std::getline(in, soPin);
    }
    const bool tokenMade = !std::filesystem::is_empty(stateDir / "tokens", ec) && !ec;
    if (config.userPin.empty() || soPin.empty()) {
        if (tokenMade) {
            // A token, but no whole PIN file for it: nothing here can open it.
            return unavailable("the key backend in " + stateDir.string() +
                               " has a token but no PIN for it: the key backend is damaged");
        }
        PEERTRUST_TRY_ASSIGN(soPin, randomPin());
        PEERTRUST_TRY_ASSIGN(config.userPin, randomPin());
        std::filesystem::remove(pending, ec);
        PEERTRUST_TRY(writePrivateFile(pending, config.userPin + "\n" + soPin + "\n"));
    }
    // A whole pending file is of a start that stopped after writing it: its token, if made,
    // is opened with it, never replaced by a second one.
    if (!tokenMade) {
        PEERTRUST_TRY(initialiseToken(module, soPin, config.userPin));
    }
    std::filesystem::rename(pending, pinFile, ec);
    if (ec) {
        return unavailable("cannot keep the key backend's PIN in " + pinFile.string() + ": " +
                           ec.message());
    }
    return config;
}

}  // namespace peertrust::keys
