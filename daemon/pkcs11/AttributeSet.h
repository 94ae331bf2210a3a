// The attributes of one PKCS#11 object, as the bytes C_GetAttributeValue hands out, and the
// plain byte-for-byte template matching of C_FindObjects.
#pragma once

#include <p11-kit/pkcs11.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace peertrust::pkcs11 {

using AttributeBytes = std::vector<std::uint8_t>;

class AttributeSet {
public:
    void setBytes(CK_ATTRIBUTE_TYPE type, std::span<const std::uint8_t> value);
    void setString(CK_ATTRIBUTE_TYPE type, std::string_view value);
    void setBool(CK_ATTRIBUTE_TYPE type, bool value);
    void setUlong(CK_ATTRIBUTE_TYPE type, CK_ULONG value);

    const AttributeBytes* find(CK_ATTRIBUTE_TYPE type) const;
    std::optional<CK_ULONG> ulong(CK_ATTRIBUTE_TYPE type) const;
    // True when the object holds the attribute with exactly these bytes.
    bool holds(CK_ATTRIBUTE_TYPE type, std::span<const std::uint8_t> value) const;

    // C_GetAttributeValue: answers every attribute of `request` in place (a type this set does
    // not hold, or one `isSensitive` withholds, gets CK_UNAVAILABLE_INFORMATION; a null pValue
    // gets the length; a buffer too small gets CK_UNAVAILABLE_INFORMATION) and returns CKR_OK
    // or, when several conditions held (PKCS#11 2.40 lets a module pick any), the most telling:
    // CKR_ATTRIBUTE_SENSITIVE, then CKR_ATTRIBUTE_TYPE_INVALID, then CKR_BUFFER_TOO_SMALL.
    CK_RV copyValues(std::span<CK_ATTRIBUTE> request,
                     const std::function<bool(CK_ATTRIBUTE_TYPE)>& isSensitive = {}) const;

private:
    std::map<CK_ATTRIBUTE_TYPE, AttributeBytes> m_values;
};

// The bytes of a CK_BBOOL or CK_ULONG, as a template carries them.
AttributeBytes boolBytes(bool value);
AttributeBytes ulongBytes(CK_ULONG value);

}  // namespace peertrust::pkcs11
