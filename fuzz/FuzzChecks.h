// How a fuzz target that drives an API reports a broken promise: a line saying which, then
// abort(), which libFuzzer records as a crash with the input that caused it.
#pragma once

#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>

namespace peertrust::fuzzing {

[[noreturn]] inline void die(const char* what) {
    std::fprintf(stderr, "broken: %s\n", what);
    std::abort();
}

inline void check(bool condition, const char* what) {
    if (!condition) {
        die(what);
    }
}

// A PKCS#11 call answered a code outside the ones its contract allows there.
inline void expectCode(CK_RV rv, std::initializer_list<CK_RV> allowed, const char* call) {
    if (std::find(allowed.begin(), allowed.end(), rv) == allowed.end()) {
        std::fprintf(stderr, "broken: %s returned 0x%lx\n", call, rv);
        std::abort();
    }
}

}  // namespace peertrust::fuzzing
