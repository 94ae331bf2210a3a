// ASSERT_OK(result): a test step that returns peertrust's Result must have succeeded; the
// failure message is the error's own.
#pragma once

#include <gtest/gtest.h>

#define ASSERT_OK(result)                                                     \
    do {                                                                      \
        const auto& assertOkResult = (result);                                \
        ASSERT_TRUE(assertOkResult.ok()) << assertOkResult.error().message(); \
    } while (false)
