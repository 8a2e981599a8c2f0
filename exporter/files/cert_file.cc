#include "exporter/files/cert_file.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "common/base64.h"
#include "common/keystore/keystore.h"

namespace certwatch {
namespace {

Result<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot open"};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One kubeconfig entry (a user or a cluster): `data_key` holds base64 PEM, `file_key` a path.
Status AddEntry(const YAML::Node& body, const std::string& where, const char* data_key,
                const char* file_key, const std::string& dir, std::vector<FoundCert>& out) {
  if (!body || !body.IsMap()) return OkStatus();
  std::string pem;
  if (body[data_key] && body[data_key].IsScalar()) {
    auto decoded = Base64Decode(body[data_key].Scalar());
    if (!decoded) return decoded.error().Wrap(where + "." + data_key);
    pem = std::move(decoded.value());
  } else if (body[file_key] && body[file_key].IsScalar()) {
    std::string path = body[file_key].Scalar();
    if (!path.empty() && path[0] != '/') path = dir + "/" + path;
    auto data = ReadSmallFile(path);
    if (!data) return data.error().Wrap(where + "." + file_key);
    pem = std::move(data.value());
  } else {
    return OkStatus();  // token or exec auth: no certificate here
  }
  auto certs = ParseCertificates(pem);
  if (!certs) return certs.error().Wrap(where + (body[data_key] ? "." : ".") + data_key);
  for (auto& f : certs.value()) out.push_back({.where = where, .facts = std::move(f)});
  return OkStatus();
}

}  // namespace

bool LooksLikeKubeconfig(std::string_view data) {
  if (data.find("-----BEGIN") != std::string_view::npos) return false;
  return data.find("clusters:") != std::string_view::npos ||
         data.find("users:") != std::string_view::npos;
}

Result<std::vector<FoundCert>> CertsFromKubeconfig(std::string_view yaml, const std::string& dir) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Error{"line " + std::to_string(e.mark.line + 1) + ", column " +
                 std::to_string(e.mark.column + 1) + ": " + e.msg};
  }
  if (!root.IsMap()) return Error{"kubeconfig is not a YAML mapping"};
  std::vector<FoundCert> out;
  try {
    if (const YAML::Node users = root["users"]; users && users.IsSequence()) {
      for (const auto& u : users) {
        std::string name = u["name"] && u["name"].IsScalar() ? u["name"].Scalar() : "?";
        auto st = AddEntry(u["user"], "users[" + name + "]", "client-certificate-data",
                           "client-certificate", dir, out);
        if (!st) return st.error();
      }
    }
    if (const YAML::Node clusters = root["clusters"]; clusters && clusters.IsSequence()) {
      for (const auto& c : clusters) {
        std::string name = c["name"] && c["name"].IsScalar() ? c["name"].Scalar() : "?";
        auto st = AddEntry(c["cluster"], "clusters[" + name + "]", "certificate-authority-data",
                           "certificate-authority", dir, out);
        if (!st) return st.error();
      }
    }
  } catch (const YAML::Exception& e) {
    return Error{"kubeconfig: " + e.msg};
  }
  for (auto& f : out) {
    // "users[admin]" -> "user:admin", "clusters[x]" -> "cluster:x"
    auto open = f.where.find('[');
    std::string kind = f.where.substr(0, open);
    kind.pop_back();  // users -> user
    f.where = kind + ":" + f.where.substr(open + 1, f.where.size() - open - 2);
  }
  if (out.empty()) return Error{"kubeconfig holds no certificate (token or exec auth only)"};
  return out;
}

namespace {

std::optional<keystore::Format> KeystoreFormat(std::string_view data, std::string_view format) {
  if (format == "pkcs12") return keystore::Format::kPkcs12;
  if (format == "jks") return keystore::Format::kJks;
  if (format == "auto") return keystore::Sniff(data);
  return std::nullopt;
}

}  // namespace

bool IsKeystore(std::string_view data, std::string_view format) {
  return KeystoreFormat(data, format).has_value();
}

FileRead ReadCertFileData(std::string_view data, const std::string& dir, std::string_view format,
                          std::optional<std::string_view> password) {
  FileRead out;
  if (auto ks = KeystoreFormat(data, format)) {
    keystore::Outcome o = keystore::Parse(*ks, data, password);
    for (auto& c : o.certs) {
      out.certs.push_back({"", std::move(c.facts), true, std::move(c.alias)});
    }
    if (o.reason) {
      out.error = std::move(o.error);
      out.reason = keystore::ToString(*o.reason);
    }
    return out;
  }
  Result<std::vector<FoundCert>> certs = Error{""};
  if (format == "pem" && data.find("-----BEGIN") == std::string_view::npos) {
    certs = Error{"no PEM block (files[].format: pem)"};
  } else if (format == "der" && data.find("-----BEGIN") != std::string_view::npos) {
    certs = Error{"PEM data where DER was configured (files[].format: der)"};
  } else if (format == "pem" || format == "der") {
    auto parsed = ParseCertificates(data);
    if (parsed) {
      std::vector<FoundCert> found;
      for (auto& f : parsed.value()) found.push_back({.where = "", .facts = std::move(f)});
      certs = std::move(found);
    } else {
      certs = parsed.error();
    }
  } else {
    certs = CertsFromFileData(data, dir);
  }
  if (certs) {
    out.certs = std::move(certs.value());
  } else {
    out.error = certs.error().message;
  }
  return out;
}

Result<std::vector<FoundCert>> CertsFromFileData(std::string_view data, const std::string& dir) {
  if (LooksLikeKubeconfig(data)) return CertsFromKubeconfig(data, dir);
  auto certs = ParseCertificates(data);
  if (!certs) return certs.error();
  std::vector<FoundCert> out;
  out.reserve(certs->size());
  for (auto& f : certs.value()) out.push_back({.where = "", .facts = std::move(f)});
  return out;
}

}  // namespace certwatch
