// The start of a module's CK_FUNCTION_LIST: version 2.40, and every function that takes a
// session refusing through `refuse`, the module's own session checks followed by "not
// supported". The module then sets the functions it implements, and those that take no session.
#pragma once

#include <p11-kit/pkcs11.h>

namespace peertrust::pkcs11 {

using Refusal = CK_RV (*)(CK_SESSION_HANDLE);

namespace detail {

// One stub per signature, made from the list's own member types, so that a bad session handle
// is still reported as such whatever the function.
template <Refusal refuse, typename Function>
struct Refusing;
template <Refusal refuse, typename... Args>
struct Refusing<refuse, CK_RV (*)(CK_SESSION_HANDLE, Args...)> {
    static CK_RV call(CK_SESSION_HANDLE session, Args...) { return refuse(session); }
};

template <Refusal refuse, typename Function>
void setRefusing(Function& entry) {
    entry = &Refusing<refuse, Function>::call;
}

}  // namespace detail

// `refuse` must not throw: the list is called from C.
template <Refusal refuse>
CK_FUNCTION_LIST refusingFunctionList() {
    CK_FUNCTION_LIST f{};
    f.version = {2, 40};
    detail::setRefusing<refuse>(f.C_InitPIN);
    detail::setRefusing<refuse>(f.C_SetPIN);
    detail::setRefusing<refuse>(f.C_CloseSession);
    detail::setRefusing<refuse>(f.C_GetSessionInfo);
    detail::setRefusing<refuse>(f.C_GetOperationState);
    detail::setRefusing<refuse>(f.C_SetOperationState);
    detail::setRefusing<refuse>(f.C_Login);
    detail::setRefusing<refuse>(f.C_Logout);
    detail::setRefusing<refuse>(f.C_CreateObject);
    detail::setRefusing<refuse>(f.C_CopyObject);
    detail::setRefusing<refuse>(f.C_DestroyObject);
    detail::setRefusing<refuse>(f.C_GetObjectSize);
    detail::setRefusing<refuse>(f.C_GetAttributeValue);
    detail::setRefusing<refuse>(f.C_SetAttributeValue);
    detail::setRefusing<refuse>(f.C_FindObjectsInit);
    detail::setRefusing<refuse>(f.C_FindObjects);
    detail::setRefusing<refuse>(f.C_FindObjectsFinal);
    detail::setRefusing<refuse>(f.C_EncryptInit);
    detail::setRefusing<refuse>(f.C_Encrypt);
    detail::setRefusing<refuse>(f.C_EncryptUpdate);
    detail::setRefusing<refuse>(f.C_EncryptFinal);
    detail::setRefusing<refuse>(f.C_DecryptInit);
    detail::setRefusing<refuse>(f.C_Decrypt);
    detail::setRefusing<refuse>(f.C_DecryptUpdate);
    detail::setRefusing<refuse>(f.C_DecryptFinal);
    detail::setRefusing<refuse>(f.C_DigestInit);
    detail::setRefusing<refuse>(f.C_Digest);
    detail::setRefusing<refuse>(f.C_DigestUpdate);
    detail::setRefusing<refuse>(f.C_DigestKey);
    detail::setRefusing<refuse>(f.C_DigestFinal);
    detail::setRefusing<refuse>(f.C_SignInit);
    detail::setRefusing<refuse>(f.C_Sign);
    detail::setRefusing<refuse>(f.C_SignUpdate);
    detail::setRefusing<refuse>(f.C_SignFinal);
    detail::setRefusing<refuse>(f.C_SignRecoverInit);
    detail::setRefusing<refuse>(f.C_SignRecover);
    detail::setRefusing<refuse>(f.C_VerifyInit);
    detail::setRefusing<refuse>(f.C_Verify);
    detail::setRefusing<refuse>(f.C_VerifyUpdate);
    detail::setRefusing<refuse>(f.C_VerifyFinal);
    detail::setRefusing<refuse>(f.C_VerifyRecoverInit);
    detail::setRefusing<refuse>(f.C_VerifyRecover);
    detail::setRefusing<refuse>(f.C_DigestEncryptUpdate);
    detail::setRefusing<refuse>(f.C_DecryptDigestUpdate);
    detail::setRefusing<refuse>(f.C_SignEncryptUpdate);
    detail::setRefusing<refuse>(f.C_DecryptVerifyUpdate);
    detail::setRefusing<refuse>(f.C_GenerateKey);
    detail::setRefusing<refuse>(f.C_GenerateKeyPair);
    detail::setRefusing<refuse>(f.C_WrapKey);
    detail::setRefusing<refuse>(f.C_UnwrapKey);
    detail::setRefusing<refuse>(f.C_DeriveKey);
    detail::setRefusing<refuse>(f.C_SeedRandom);
    detail::setRefusing<refuse>(f.C_GenerateRandom);
    detail::setRefusing<refuse>(f.C_GetFunctionStatus);
    detail::setRefusing<refuse>(f.C_CancelFunction);
    return f;
}

}  // namespace peertrust::pkcs11
