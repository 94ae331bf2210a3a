// Symbols of libpeertrust that programs may use; everything else stays inside the library.
#pragma once

#define PEERTRUST_API __attribute__((visibility("default")))
