#include "rules/jsonnet_vm.h"

// libjsonnet.h has no extern "C" guards; libjsonnet++.h includes it inside one. The C++ class
// it declares hides the VM and offers no import callback, so the C API is used directly.
#include <libjsonnet++.h>

#include <cstring>
#include <functional>
#include <memory>
#include <vector>

namespace certwatch {
namespace {

struct VmDeleter {
  void operator()(JsonnetVm* vm) const { jsonnet_destroy(vm); }
};
using VmPtr = std::unique_ptr<JsonnetVm, VmDeleter>;

struct ImportContext {
  JsonnetVm* vm;
  std::span<const EmbeddedSource> sources;
};

// A copy of `s` in memory owned by libjsonnet (it frees what callbacks return).
char* VmString(JsonnetVm* vm, std::string_view s) {
  char* out = jsonnet_realloc(vm, nullptr, s.size() + 1);
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

char* ImportCallback(void* ctx, const char* base, const char* rel, char** found_here,
                     int* success) {
  auto* context = static_cast<ImportContext*>(ctx);
  std::string path = ResolveImportPath(base, rel);
  for (const auto& source : context->sources) {
    if (!path.empty() && source.path == path) {
      *found_here = VmString(context->vm, path);
      *success = 1;
      return VmString(context->vm, source.content);
    }
  }
  *success = 0;
  return VmString(context->vm, "no embedded mixin source " + std::string(rel) + " (resolved to " +
                                   (path.empty() ? std::string("outside the mixin") : path) + ")");
}

// Splits the buffer of jsonnet_evaluate_snippet_multi: name\0json\0name\0json\0\0.
std::map<std::string, std::string> SplitMulti(const char* buffer) {
  std::map<std::string, std::string> files;
  const char* p = buffer;
  while (*p != '\0') {
    std::string name = p;
    p += name.size() + 1;
    std::string json = p;
    p += json.size() + 1;
    files.emplace(std::move(name), std::move(json));
  }
  return files;
}

}  // namespace

std::string ResolveImportPath(std::string_view base_dir, std::string_view rel) {
  std::string joined =
      rel.starts_with('/') ? std::string(rel) : std::string(base_dir) + std::string(rel);
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= joined.size()) {
    size_t end = joined.find('/', start);
    if (end == std::string::npos) end = joined.size();
    std::string part = joined.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) return "";
      parts.pop_back();
      continue;
    }
    parts.push_back(std::move(part));
  }
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

Result<std::map<std::string, std::string>> EvaluateJsonnetMulti(
    std::span<const EmbeddedSource> sources, std::string_view entry,
    const std::map<std::string, std::string>& tla_code) {
  const EmbeddedSource* main = nullptr;
  for (const auto& source : sources) {
    if (source.path == entry) main = &source;
  }
  if (main == nullptr) return Error{"jsonnet: no embedded source " + std::string(entry)};

  VmPtr vm(jsonnet_make());
  if (!vm) return Error{"jsonnet: cannot create a VM"};
  ImportContext context{vm.get(), sources};
  jsonnet_import_callback(vm.get(), &ImportCallback, &context);
  jsonnet_max_trace(vm.get(), 20);
  for (const auto& [key, code] : tla_code) jsonnet_tla_code(vm.get(), key.c_str(), code.c_str());

  int error = 0;
  std::string snippet(main->content);
  std::string filename(main->path);
  char* out = jsonnet_evaluate_snippet_multi(vm.get(), filename.c_str(), snippet.c_str(), &error);
  // The buffer belongs to the VM: copy out, then release it before the VM goes.
  std::unique_ptr<char, std::function<void(char*)>> buffer(
      out, [vm = vm.get()](char* p) { jsonnet_realloc(vm, p, 0); });
  if (error != 0) {
    std::string message = buffer ? buffer.get() : "unknown error";
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Error{"jsonnet: evaluating " + filename + ": " + message};
  }
  return SplitMulti(buffer.get());
}

}  // namespace certwatch
