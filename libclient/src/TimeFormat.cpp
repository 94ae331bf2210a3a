#include "peertrust/TimeFormat.h"

#include <cstdio>
#include <ctime>

namespace peertrust {

std::string formatIsoTime(UnixTime time) {
    std::time_t t = static_cast<std::time_t>(time);
    std::tm tm{};
    if (gmtime_r(&t, &tm) == nullptr) {
        return std::to_string(time);
    }
    char out[32];
    std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

Result<UnixTime> parseIsoTime(std::string_view text) {
    std::tm tm{};
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    char tail = 0;
    std::string copy(text);
    int fields = 0;
    if (copy.size() == 10) {
        fields = std::sscanf(copy.c_str(), "%4d-%2d-%2d%c", &year, &month, &day, &tail);
        if (fields != 3) {
            fields = 0;
        }
    } else if (copy.size() == 20) {
        fields = std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &year, &month, &day, &hour,
                             &minute, &second, &tail);
        if (fields != 7 || tail != 'Z') {
            fields = 0;
        }
    }
    if (fields == 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
        second > 60) {
        return invalidInput("date \"" + std::string(text.substr(0, 40)) +
                            "\" must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)");
    }
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    std::time_t t = timegm(&tm);
    if (formatIsoTime(t).substr(0, 10) != copy.substr(0, 10)) {
        return invalidInput("date \"" + copy + "\" does not exist");
    }
    return static_cast<UnixTime>(t);
}

}  // namespace peertrust
