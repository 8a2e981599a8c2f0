// Result<T>: a value or an Error, spelled like std::expected (has_value/value/error) so it can
// be swapped for it once the project moves to C++23.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace certwatch {

// An error message with context, outermost first:
//   "config.yaml:12:5: tls_probes.targets[2].address: missing port"
struct Error {
  std::string message;

  // Prefixes context: Error{"x"}.Wrap("reading foo") -> "reading foo: x".
  Error Wrap(const std::string& context) const { return Error{context + ": " + message}; }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : data_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  const Error& error() const { return std::get<Error>(data_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> data_;
};

// Result<void>: success or an Error.
struct Ok {};
using Status = Result<Ok>;
inline Status OkStatus() { return Ok{}; }

}  // namespace certwatch
