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

}  // namespace peertrust::pkcs11
