#include "peertrust/Types.h"

#include <stdexcept>

#include "peertrust/TextExcerpt.h"

namespace peertrust {

std::string_view toString(ErrorCategory category) {
    switch (category) {
        case ErrorCategory::InvalidInput:
            return "InvalidInput";
        case ErrorCategory::NotFound:
            return "NotFound";
        case ErrorCategory::Conflict:
            return "Conflict";
        case ErrorCategory::NotAuthorized:
            return "NotAuthorized";
        case ErrorCategory::Unavailable:
            return "Unavailable";
        case ErrorCategory::Internal:
            return "Internal";
        case ErrorCategory::Usage:
            return "Usage";
    }
    return "Internal";
}

Error Error::withContext(std::string_view context) const {
    return Error(m_category, std::string(context) + ": " + m_message);
}

std::string_view toString(KeyFormat format) {
    switch (format) {
        case KeyFormat::X509Chain:
            return "x509-chain";
        case KeyFormat::Spki:
            return "spki";
        case KeyFormat::OpenSsh:
            return "openssh";
    }
    return "spki";
}

Result<KeyFormat> parseKeyFormat(std::string_view text) {
    for (KeyFormat format : {KeyFormat::X509Chain, KeyFormat::Spki, KeyFormat::OpenSsh}) {
        if (text == toString(format)) {
            return format;
        }
    }
    return invalidInput("unknown key format \"" + textExcerpt(text, 40) +
                        "\" (x509-chain, spki, openssh)");
}

std::string_view toString(VerdictKind kind) {
    switch (kind) {
        case VerdictKind::Accepted:
            return "accepted";
        case VerdictKind::Rejected:
            return "rejected";
        case VerdictKind::Unknown:
            return "unknown";
    }
    return "rejected";
}

std::string_view toString(PinOrigin origin) {
    switch (origin) {
        case PinOrigin::Tofu:
            return "tofu";
        case PinOrigin::Manual:
            return "manual";
        case PinOrigin::Imported:
            return "imported";
        case PinOrigin::Gcr:
            return "gcr";
    }
    return "manual";
}

Result<PinOrigin> parsePinOrigin(std::string_view text) {
    for (PinOrigin origin :
         {PinOrigin::Tofu, PinOrigin::Manual, PinOrigin::Imported, PinOrigin::Gcr}) {
        if (text == toString(origin)) {
            return origin;
        }
    }
    return invalidInput("unknown pin origin \"" + textExcerpt(text, 40) + "\"");
}

std::string toString(const NameSubtree& subtree) {
    switch (subtree.type) {
        case NameSubtree::Type::Dns:
            return "." + subtree.value;
        case NameSubtree::Type::Email:
            return "@" + subtree.value;
        case NameSubtree::Type::Ip:
            return subtree.value;
    }
    return subtree.value;
}

NameSubtree nameSubtreeFromText(const std::string& text) {
    if (text.starts_with("@")) {
        return {NameSubtree::Type::Email, text.substr(1)};
    }
    if (text.find('/') != std::string::npos) {
        return {NameSubtree::Type::Ip, text};
    }
    return {NameSubtree::Type::Dns, text.starts_with(".") ? text.substr(1) : text};
}

std::string_view toString(StoreLayer layer) {
    return layer == StoreLayer::System ? "system" : "user";
}

std::string_view toString(ExportLevel level) {
    switch (level) {
        case ExportLevel::Anchor:
            return "anchor";
        case ExportLevel::AnchorWithNameConstraints:
            return "anchor+name-constraints";
        case ExportLevel::MustVerify:
            return "must-verify";
        case ExportLevel::None:
            return "none";
    }
    return "none";
}

std::string_view toString(DistrustKind kind) {
    return kind == DistrustKind::Certificate ? "certificate" : "spki";
}

std::string_view toString(ProtocolPolicy policy) {
    return policy == ProtocolPolicy::Tofu ? "tofu" : "ca-only";
}

Result<ProtocolPolicy> parseProtocolPolicy(std::string_view text) {
    if (text == "tofu") {
        return ProtocolPolicy::Tofu;
    }
    if (text == "ca-only") {
        return ProtocolPolicy::CaOnly;
    }
    return invalidInput("unknown protocol policy \"" + textExcerpt(text, 40) +
                        "\" (tofu, ca-only)");
}

}  // namespace peertrust
