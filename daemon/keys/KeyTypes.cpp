#include "keys/KeyTypes.h"

#include <array>
#include <utility>

namespace peertrust::keys {
namespace {

constexpr std::array<std::pair<KeyType, std::string_view>, 4> kTypeNames = {{
    {KeyType::EcP256, "ec-p256"},
    {KeyType::EcP384, "ec-p384"},
    {KeyType::Rsa2048, "rsa-2048"},
    {KeyType::Rsa3072, "rsa-3072"},
}};

}  // namespace

std::string_view toString(KeyType type) {
    for (const auto& [value, name] : kTypeNames) {
        if (value == type) {
            return name;
        }
    }
    return "unknown";
}

std::string_view toString(KeyUse use) {
    return use == KeyUse::Sign ? "sign" : "decrypt";
}

Result<KeyType> parseKeyType(std::string_view text) {
    for (const auto& [value, name] : kTypeNames) {
        if (name == text) {
            return value;
        }
    }
    return invalidInput("unknown key type '" + std::string(text) +
                        "': use ec-p256, ec-p384, rsa-2048 or rsa-3072");
}

Result<KeyUse> parseKeyUse(std::string_view text) {
    if (text == "sign") {
        return KeyUse::Sign;
    }
    if (text == "decrypt") {
        return KeyUse::Decrypt;
    }
    return invalidInput("unknown key use '" + std::string(text) + "': use sign or decrypt");
}

bool isRsa(KeyType type) {
    return type == KeyType::Rsa2048 || type == KeyType::Rsa3072;
}

}  // namespace peertrust::keys
