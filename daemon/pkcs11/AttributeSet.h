// The attributes of one PKCS#11 object, as the bytes C_GetAttributeValue hands out, and the
// plain byte-for-byte template matching of C_FindObjects.
#pragma once

#include <p11-kit/pkcs11.h>

#include <cstdint>
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

private:
    std::map<CK_ATTRIBUTE_TYPE, AttributeBytes> m_values;
};

// The bytes of a CK_BBOOL or CK_ULONG, as a template carries them.
AttributeBytes boolBytes(bool value);
AttributeBytes ulongBytes(CK_ULONG value);

}  // namespace peertrust::pkcs11
