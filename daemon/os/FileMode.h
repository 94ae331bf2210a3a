// A file's permission bits as people read and type them (0644), for messages that tell them
// what to change.
#pragma once

#include <sys/stat.h>

#include <cstdio>
#include <string>

namespace peertrust::os {

inline std::string octalMode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

}  // namespace peertrust::os
