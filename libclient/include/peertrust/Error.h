// One error type for all of peertrust: a category that adapters map (D-Bus error names,
// CK_RV codes, CLI exit codes) and a message a person can act on.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "peertrust/Export.h"

namespace peertrust {

enum class ErrorCategory {
    InvalidInput,   // malformed or contradictory input: never a verdict, never a crash
    NotFound,       // a named thing (id, file) does not exist
    Conflict,       // the request collides with existing state
    NotAuthorized,  // the caller may not do this
    Unavailable,    // the store or a backend cannot be used (corrupt, newer schema, I/O)
    Internal,       // a bug or an environment failure we did not foresee
    Usage,          // a command line that is itself wrong (the CLI's own)
};

PEERTRUST_API std::string_view toString(ErrorCategory category);

class PEERTRUST_API Error {
public:
    Error(ErrorCategory category, std::string message)
        : m_category(category), m_message(std::move(message)) {}

    ErrorCategory category() const { return m_category; }
    const std::string& message() const { return m_message; }

    // Prefixes context ("chain certificate 2: ...") while keeping the category.
    Error withContext(std::string_view context) const;

private:
    ErrorCategory m_category;
    std::string m_message;
};

inline Error invalidInput(std::string message) {
    return Error(ErrorCategory::InvalidInput, std::move(message));
}
inline Error notFound(std::string message) {
    return Error(ErrorCategory::NotFound, std::move(message));
}
inline Error conflict(std::string message) {
    return Error(ErrorCategory::Conflict, std::move(message));
}
inline Error notAuthorized(std::string message) {
    return Error(ErrorCategory::NotAuthorized, std::move(message));
}
inline Error unavailable(std::string message) {
    return Error(ErrorCategory::Unavailable, std::move(message));
}
inline Error usageError(std::string message) {
    return Error(ErrorCategory::Usage, std::move(message));
}
inline Error internalError(std::string message) {
    return Error(ErrorCategory::Internal, std::move(message));
}

// A value or an Error. std::expected is C++23; this is the small subset we use.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_state(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_state(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(m_state); }
    const T& value() const& { return std::get<0>(m_state); }
    T&& value() && { return std::get<0>(std::move(m_state)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }

    const Error& error() const { return std::get<1>(m_state); }

private:
    std::variant<T, Error> m_state;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)) {}

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

}  // namespace peertrust

// Evaluates a Result-returning expression; on error returns that error from the enclosing
// function, otherwise binds the value to `decl`.
#define PEERTRUST_CONCAT_INNER(a, b) a##b
#define PEERTRUST_CONCAT(a, b) PEERTRUST_CONCAT_INNER(a, b)
#define PEERTRUST_TRY_ASSIGN_IMPL(tmp, decl, expr) \
    auto tmp = (expr);                             \
    if (!tmp.ok()) {                               \
        return tmp.error();                        \
    }                                              \
    decl = std::move(tmp).value()
#define PEERTRUST_TRY_ASSIGN(decl, expr) \
    PEERTRUST_TRY_ASSIGN_IMPL(PEERTRUST_CONCAT(peertrustTry_, __LINE__), decl, expr)
#define PEERTRUST_TRY(expr)                    \
    do {                                       \
        auto peertrustTryResult = (expr);      \
        if (!peertrustTryResult.ok()) {        \
            return peertrustTryResult.error(); \
        }                                      \
    } while (false)
