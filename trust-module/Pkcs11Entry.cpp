// The C ABI: the function list and one thin entry per function. Nothing may unwind into a C
// caller, so every entry turns an exception into a PKCS#11 error.
#include "Pkcs11Entry.h"
#include "TrustModule.h"
#include "pkcs11/FunctionList.h"
#include "pkcs11/Guarded.h"

namespace peertrust::trustmodule {

namespace {

using pkcs11::guarded;

TrustModule& module() {
    return theTrustModule();
}

extern "C" {

CK_RV initialize(CK_VOID_PTR args) {
    return guarded([&] { return module().initialize(args); });
}
CK_RV finalize(CK_VOID_PTR reserved) {
    return guarded([&] { return module().finalize(reserved); });
}
CK_RV getInfo(CK_INFO_PTR info) {
    return guarded([&] { return module().getInfo(info); });
}
CK_RV getSlotList(CK_BBOOL present, CK_SLOT_ID_PTR slots, CK_ULONG_PTR count) {
    return guarded([&] { return module().getSlotList(present, slots, count); });
}
CK_RV getSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info) {
    return guarded([&] { return module().getSlotInfo(slot, info); });
}
CK_RV getTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info) {
    return guarded([&] { return module().getTokenInfo(slot, info); });
}
CK_RV getMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count) {
    return guarded([&] { return module().getMechanismList(slot, list, count); });
}
CK_RV getMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info) {
    return guarded([&] { return module().getMechanismInfo(slot, type, info); });
}
CK_RV initToken(CK_SLOT_ID, CK_UTF8CHAR_PTR, CK_ULONG, CK_UTF8CHAR_PTR) {
    return guarded([&] { return module().unsupported(); });
}
CK_RV openSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR, CK_NOTIFY,
                  CK_SESSION_HANDLE_PTR session) {
    return guarded([&] { return module().openSession(slot, flags, session); });
}
CK_RV closeSession(CK_SESSION_HANDLE session) {
    return guarded([&] { return module().closeSession(session); });
}
CK_RV closeAllSessions(CK_SLOT_ID slot) {
    return guarded([&] { return module().closeAllSessions(slot); });
}
CK_RV getSessionInfo(CK_SESSION_HANDLE session, CK_SESSION_INFO_PTR info) {
    return guarded([&] { return module().getSessionInfo(session, info); });
}
CK_RV createObject(CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR attributes, CK_ULONG count,
                   CK_OBJECT_HANDLE_PTR object) {
    return guarded([&] { return module().createObject(session, attributes, count, object); });
}
CK_RV destroyObject(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object) {
    return guarded([&] { return module().destroyObject(session, object); });
}
CK_RV getObjectSize(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ULONG_PTR size) {
    return guarded([&] { return module().getObjectSize(session, object, size); });
}
CK_RV getAttributeValue(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                        CK_ATTRIBUTE_PTR attributes, CK_ULONG count) {
    return guarded([&] { return module().getAttributeValue(session, object, attributes, count); });
}
CK_RV setAttributeValue(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE, CK_ATTRIBUTE_PTR, CK_ULONG) {
    // Trust changes through peertrust, never by editing an exported object.
    return guarded([&] {
        CK_RV rv = module().unsupported(session);
        return rv == CKR_FUNCTION_NOT_SUPPORTED ? CKR_ACTION_PROHIBITED : rv;
    });
}
CK_RV findObjectsInit(CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR attributes, CK_ULONG count) {
    return guarded([&] { return module().findObjectsInit(session, attributes, count); });
}
CK_RV findObjects(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE_PTR objects, CK_ULONG max,
                  CK_ULONG_PTR count) {
    return guarded([&] { return module().findObjects(session, objects, max, count); });
}
CK_RV findObjectsFinal(CK_SESSION_HANDLE session) {
    return guarded([&] { return module().findObjectsFinal(session); });
}

CK_RV waitForSlotEvent(CK_FLAGS, CK_SLOT_ID_PTR, CK_VOID_PTR) {
    return guarded([&] { return module().unsupported(); });
}
CK_RV getFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

}  // extern "C"

// Login and every cryptographic function: this token does none of it, but a bad session
// handle is still reported as such.
CK_RV refuseUnsupported(CK_SESSION_HANDLE session) {
    return guarded([&] { return module().unsupported(session); });
}

CK_RV notParallel(CK_SESSION_HANDLE session) {
    CK_RV rv = refuseUnsupported(session);
    return rv == CKR_FUNCTION_NOT_SUPPORTED ? CKR_FUNCTION_NOT_PARALLEL : rv;
}

CK_FUNCTION_LIST makeFunctionList() {
    CK_FUNCTION_LIST f = pkcs11::refusingFunctionList<refuseUnsupported>();
    f.C_Initialize = initialize;
    f.C_Finalize = finalize;
    f.C_GetInfo = getInfo;
    f.C_GetFunctionList = getFunctionList;
    f.C_GetSlotList = getSlotList;
    f.C_GetSlotInfo = getSlotInfo;
    f.C_GetTokenInfo = getTokenInfo;
    f.C_GetMechanismList = getMechanismList;
    f.C_GetMechanismInfo = getMechanismInfo;
    f.C_InitToken = initToken;
    f.C_OpenSession = openSession;
    f.C_CloseSession = closeSession;
    f.C_CloseAllSessions = closeAllSessions;
    f.C_GetSessionInfo = getSessionInfo;
    f.C_CreateObject = createObject;
    f.C_DestroyObject = destroyObject;
    f.C_GetObjectSize = getObjectSize;
    f.C_GetAttributeValue = getAttributeValue;
    f.C_SetAttributeValue = setAttributeValue;
    f.C_FindObjectsInit = findObjectsInit;
    f.C_FindObjects = findObjects;
    f.C_FindObjectsFinal = findObjectsFinal;
    f.C_GetFunctionStatus = notParallel;
    f.C_CancelFunction = notParallel;
    f.C_WaitForSlotEvent = waitForSlotEvent;
    return f;
}

CK_FUNCTION_LIST functionList = makeFunctionList();

extern "C" CK_RV getFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
    if (list == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    *list = &functionList;
    return CKR_OK;
}

}  // namespace

CK_RV functionListOf(CK_FUNCTION_LIST_PTR_PTR list) {
    return getFunctionList(list);
}

}  // namespace peertrust::trustmodule
