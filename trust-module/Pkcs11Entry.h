// The trust module's function list, for the exported C_GetFunctionList and for tests that
// link the module's sources statically and drive it exactly as a PKCS#11 caller would.
#pragma once

#include <p11-kit/pkcs11.h>

namespace peertrust::trustmodule {

CK_RV functionListOf(CK_FUNCTION_LIST_PTR_PTR list);

}  // namespace peertrust::trustmodule
