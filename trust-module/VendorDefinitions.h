// PKCS#11 vendor values the trust module speaks that p11-kit 0.24's public pkcs11x.h lacks:
// the trust assertions gcr reads and writes (values as gnome-keyring and p11-kit define them)
// and the extension criticality flag.
#pragma once

#include <p11-kit/pkcs11.h>
#include <p11-kit/pkcs11x.h>

namespace peertrust::trustmodule {

inline constexpr CK_OBJECT_CLASS kClassTrustAssertion = 0xD8444764UL;
inline constexpr CK_ATTRIBUTE_TYPE kAttrAssertionType = 0xD8444701UL;
inline constexpr CK_ATTRIBUTE_TYPE kAttrCertificateValue = 0xD8444702UL;
inline constexpr CK_ATTRIBUTE_TYPE kAttrPurpose = 0xD8444703UL;
inline constexpr CK_ATTRIBUTE_TYPE kAttrPeer = 0xD8444704UL;
inline constexpr CK_ATTRIBUTE_TYPE kAttrCritical = CKA_X_VENDOR + 101;

inline constexpr CK_ULONG kAssertionDistrusted = 1;
inline constexpr CK_ULONG kAssertionPinned = 2;
inline constexpr CK_ULONG kAssertionAnchored = 3;

}  // namespace peertrust::trustmodule
