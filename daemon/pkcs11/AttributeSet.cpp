#include "pkcs11/AttributeSet.h"

#include <algorithm>
#include <cstring>

namespace peertrust::pkcs11 {

AttributeBytes boolBytes(bool value) {
    CK_BBOOL b = value ? CK_TRUE : CK_FALSE;
    return {b};
}

AttributeBytes ulongBytes(CK_ULONG value) {
    AttributeBytes out(sizeof value);
    std::memcpy(out.data(), &value, sizeof value);
    return out;
}

void AttributeSet::setBytes(CK_ATTRIBUTE_TYPE type, std::span<const std::uint8_t> value) {
    m_values[type].assign(value.begin(), value.end());
}

void AttributeSet::setString(CK_ATTRIBUTE_TYPE type, std::string_view value) {
    // PKCS#11 strings carry no terminating NUL.
    m_values[type].assign(value.begin(), value.end());
}

void AttributeSet::setBool(CK_ATTRIBUTE_TYPE type, bool value) {
    m_values[type] = boolBytes(value);
}

void AttributeSet::setUlong(CK_ATTRIBUTE_TYPE type, CK_ULONG value) {
    m_values[type] = ulongBytes(value);
}

const AttributeBytes* AttributeSet::find(CK_ATTRIBUTE_TYPE type) const {
    auto it = m_values.find(type);
    return it == m_values.end() ? nullptr : &it->second;
}

std::optional<CK_ULONG> AttributeSet::ulong(CK_ATTRIBUTE_TYPE type) const {
    const AttributeBytes* bytes = find(type);
    if (!bytes || bytes->size() != sizeof(CK_ULONG)) {
        return std::nullopt;
    }
    CK_ULONG value = 0;
    std::memcpy(&value, bytes->data(), sizeof value);
    return value;
}

bool AttributeSet::holds(CK_ATTRIBUTE_TYPE type, std::span<const std::uint8_t> value) const {
    const AttributeBytes* bytes = find(type);
    return bytes && bytes->size() == value.size() &&
           std::equal(bytes->begin(), bytes->end(), value.begin());
}

CK_RV AttributeSet::copyValues(std::span<CK_ATTRIBUTE> request,
                               const std::function<bool(CK_ATTRIBUTE_TYPE)>& isSensitive) const {
    bool sensitive = false;
    bool invalid = false;
    bool tooSmall = false;
    for (CK_ATTRIBUTE& attribute : request) {
        // Withheld before looked up: a secret is sensitive whether or not the set holds it.
        if (isSensitive && isSensitive(attribute.type)) {
            attribute.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            sensitive = true;
            continue;
        }
        const AttributeBytes* value = find(attribute.type);
        if (value == nullptr) {
            attribute.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            invalid = true;
        } else if (attribute.pValue == nullptr) {
            attribute.ulValueLen = value->size();
        } else if (attribute.ulValueLen < value->size()) {
            attribute.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            tooSmall = true;
        } else {
            std::memcpy(attribute.pValue, value->data(), value->size());
            attribute.ulValueLen = value->size();
        }
    }
    if (sensitive) {
        return CKR_ATTRIBUTE_SENSITIVE;
    }
    if (invalid) {
        return CKR_ATTRIBUTE_TYPE_INVALID;
    }
    return tooSmall ? CKR_BUFFER_TOO_SMALL : CKR_OK;
}

}  // namespace peertrust::pkcs11
