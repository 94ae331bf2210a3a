// Dates as people and scripts see them: ISO 8601, UTC.
#pragma once

#include <string>
#include <string_view>

#include "peertrust/Export.h"
#include "peertrust/Types.h"

namespace peertrust {

PEERTRUST_API std::string formatIsoTime(UnixTime time);  // "2026-11-23T14:00:00Z"
// "2027-01-31", "2027-01-31T12:00:00Z" (UTC only).
PEERTRUST_API Result<UnixTime> parseIsoTime(std::string_view text);

}  // namespace peertrust
