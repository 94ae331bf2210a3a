// The module's one exported symbol: everything else is reached through its function list.
#include "Pkcs11Entry.h"

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(
    CK_FUNCTION_LIST_PTR_PTR list) {
    return peertrust::trustmodule::functionListOf(list);
}
