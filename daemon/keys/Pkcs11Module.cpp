#include "keys/Pkcs11Module.h"

#include <p11-kit/p11-kit.h>

#include <cstdio>

namespace peertrust::keys {
namespace {

std::string hexName(const char* prefix, unsigned long value) {
    char text[32];
    std::snprintf(text, sizeof text, "%s0x%lx", prefix, value);
    return text;
}

}  // namespace

Result<std::unique_ptr<Pkcs11Module>> Pkcs11Module::load(const std::filesystem::path& path) {
    // Unmanaged: the module is ours alone, not shared with other p11-kit users in-process.
    CK_FUNCTION_LIST* functions = p11_kit_module_load(path.c_str(), P11_KIT_MODULE_UNMANAGED);
    if (functions == nullptr) {
        const char* why = p11_kit_message();
        return unavailable("cannot load the key backend module " + path.string() + ": " +
                           (why != nullptr ? why : "unknown error"));
    }
    CK_RV rv = p11_kit_module_initialize(functions);
    if (rv != CKR_OK) {
        p11_kit_module_release(functions);
        return backendError("cannot initialise the key backend module " + path.string(), rv);
    }
    return std::make_unique<Pkcs11Module>(functions);
}

Pkcs11Module::~Pkcs11Module() {
    p11_kit_module_finalize(m_functions);
    p11_kit_module_release(m_functions);
}

std::string rvName(CK_RV rv) {
    const char* name = p11_kit_strerror(rv);
    // p11_kit_strerror gives a sentence; the audit keeps the stable symbol for the common ones.
    switch (rv) {
        case CKR_OK:
            return "ok";
        case CKR_ARGUMENTS_BAD:
            return "CKR_ARGUMENTS_BAD";
        case CKR_DATA_LEN_RANGE:
            return "CKR_DATA_LEN_RANGE";
        case CKR_DATA_INVALID:
            return "CKR_DATA_INVALID";
        case CKR_ENCRYPTED_DATA_INVALID:
            return "CKR_ENCRYPTED_DATA_INVALID";
        case CKR_ENCRYPTED_DATA_LEN_RANGE:
            return "CKR_ENCRYPTED_DATA_LEN_RANGE";
        case CKR_MECHANISM_INVALID:
            return "CKR_MECHANISM_INVALID";
        case CKR_MECHANISM_PARAM_INVALID:
            return "CKR_MECHANISM_PARAM_INVALID";
        case CKR_KEY_FUNCTION_NOT_PERMITTED:
            return "CKR_KEY_FUNCTION_NOT_PERMITTED";
        case CKR_KEY_HANDLE_INVALID:
            return "CKR_KEY_HANDLE_INVALID";
        case CKR_DEVICE_ERROR:
            return "CKR_DEVICE_ERROR";
        case CKR_GENERAL_ERROR:
            return "CKR_GENERAL_ERROR";
        default:
            return name != nullptr ? hexName("CKR_", rv) + " (" + name + ")" : hexName("CKR_", rv);
    }
}

std::string mechanismName(CK_MECHANISM_TYPE mechanism) {
    switch (mechanism) {
        case CKM_RSA_PKCS:
            return "CKM_RSA_PKCS";
        case CKM_RSA_PKCS_PSS:
            return "CKM_RSA_PKCS_PSS";
        case CKM_RSA_PKCS_OAEP:
            return "CKM_RSA_PKCS_OAEP";
        case CKM_SHA256_RSA_PKCS:
            return "CKM_SHA256_RSA_PKCS";
        case CKM_SHA384_RSA_PKCS:
            return "CKM_SHA384_RSA_PKCS";
        case CKM_SHA512_RSA_PKCS:
            return "CKM_SHA512_RSA_PKCS";
        case CKM_SHA256_RSA_PKCS_PSS:
            return "CKM_SHA256_RSA_PKCS_PSS";
        case CKM_SHA384_RSA_PKCS_PSS:
            return "CKM_SHA384_RSA_PKCS_PSS";
        case CKM_SHA512_RSA_PKCS_PSS:
            return "CKM_SHA512_RSA_PKCS_PSS";
        case CKM_ECDSA:
            return "CKM_ECDSA";
        case CKM_ECDSA_SHA256:
            return "CKM_ECDSA_SHA256";
        case CKM_ECDSA_SHA384:
            return "CKM_ECDSA_SHA384";
        case CKM_ECDSA_SHA512:
            return "CKM_ECDSA_SHA512";
        default:
            return hexName("CKM_", mechanism);
    }
}

Error backendError(std::string_view what, CK_RV rv) {
    return unavailable(std::string(what) + ": " + rvName(rv));
}

}  // namespace peertrust::keys
