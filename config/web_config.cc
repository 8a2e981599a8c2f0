#include "config/web_config.h"

#include <crypt.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <memory>

#include "config/config_file.h"
#include "config/schema.h"

namespace certwatch {
namespace {

using namespace schema;  // NOLINT(google-build-using-namespace): the table reads better

const std::vector<std::string> kClientAuthTypes = {
    "NoClientCert", "RequestClientCert", "RequireAnyClientCert", "VerifyClientCertIfGiven",
    "RequireAndVerifyClientCert"};
const std::vector<std::string> kTlsVersions = {"TLS10", "TLS11", "TLS12", "TLS13"};

int ProtoVersion(const std::string& name) {
  // TLS1_VERSION .. TLS1_3_VERSION from <openssl/prot.h>, spelled out to keep OpenSSL out of
  // this library's headers.
  if (name == "TLS10") return 0x0301;
  if (name == "TLS11") return 0x0302;
  if (name == "TLS12") return 0x0303;
  return 0x0304;
}

bool IsBcryptHash(std::string_view h) {
  // $2y$10$ + 22 characters of salt + 31 of hash, in bcrypt's base64 alphabet.
  if (h.size() != 60 || h[0] != '$' || h[1] != '2' || h[3] != '$' || h[6] != '$') return false;
  if (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') return false;
  if (!std::isdigit(static_cast<unsigned char>(h[4])) ||
      !std::isdigit(static_cast<unsigned char>(h[5]))) {
    return false;
  }
  int cost = (h[4] - '0') * 10 + (h[5] - '0');
  if (cost < 4 || cost > 31) return false;
  return std::all_of(h.begin() + 7, h.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '/'; });
}

Type BcryptHash() {
  return Str("bcrypt hash", [](std::string_view s) -> Result<std::string> {
    if (!IsBcryptHash(s)) {
      return Error{"not a bcrypt hash (want $2y$, $2b$ or $2a$ with cost 04-31, 60 characters)"};
    }
    return std::string(s);
  });
}

std::vector<Row> WebConfigRows() {
  return {
      {"tls_server_config", Section(), {}, "HTTPS for the web endpoint."},
      {"tls_server_config.cert_file", Str(), M(&WebConfigFile::tls, &WebTlsConfig::cert_file),
       "Server certificate chain (PEM); TLS is on when set. Relative to this file."},
      {"tls_server_config.key_file", Str(), M(&WebConfigFile::tls, &WebTlsConfig::key_file),
       "Private key of cert_file (PEM)."},
      {"tls_server_config.client_auth_type", OneOf(kClientAuthTypes),
       M(&WebConfigFile::tls, &WebTlsConfig::client_auth_type),
       "Client certificate policy, as Go's crypto/tls ClientAuthType."},
      {"tls_server_config.client_ca_file", Str(),
       M(&WebConfigFile::tls, &WebTlsConfig::client_ca_file),
       "CA certificates (PEM) that client certificates are verified against."},
      {"tls_server_config.client_allowed_sans", StrList(),
       M(&WebConfigFile::tls, &WebTlsConfig::client_allowed_sans),
       "If set, a verified client certificate must carry one of these SANs."},
      {"tls_server_config.min_version", OneOf(kTlsVersions),
       M(&WebConfigFile::tls, &WebTlsConfig::min_version), "Lowest TLS version accepted."},
      {"tls_server_config.max_version", OneOf(kTlsVersions),
       M(&WebConfigFile::tls, &WebTlsConfig::max_version), "Highest TLS version accepted."},
      {"basic_auth_users", StrMap(BcryptHash()), M(&WebConfigFile::basic_auth_users),
       "Users and their bcrypt password hashes; every request needs one of them when set."},
  };
}

std::vector<Rule> WebConfigRules() {
  return {
      MakeRule<WebConfigFile>(
          "", "cert_file and key_file go together; client settings need them.",
          [](const WebConfigFile& w, const RuleContext&) -> std::optional<RuleError> {
            const WebTlsConfig& t = w.tls;
            if (!t.cert_file.empty() && t.key_file.empty()) {
              return RuleError{"tls_server_config.cert_file", "set without key_file"};
            }
            if (t.cert_file.empty() && !t.key_file.empty()) {
              return RuleError{"tls_server_config.key_file", "set without cert_file"};
            }
            if (t.cert_file.empty()) {
              if (!t.client_ca_file.empty()) {
                return RuleError{"tls_server_config.client_ca_file",
                                 "needs cert_file and key_file"};
              }
              if (t.client_auth_type != "NoClientCert") {
                return RuleError{"tls_server_config.client_auth_type",
                                 "needs cert_file and key_file"};
              }
            }
            return std::nullopt;
          }),
      MakeRule<WebConfigFile>(
          "",
          "Verifying client_auth_types need client_ca_file; client_ca_file needs a "
          "client_auth_type "
          "other than NoClientCert; client_allowed_sans needs verification.",
          [](const WebConfigFile& w, const RuleContext&) -> std::optional<RuleError> {
            const WebTlsConfig& t = w.tls;
            ClientAuthPolicy p = t.client_auth();
            if (p.verify && t.client_ca_file.empty()) {
              return RuleError{"tls_server_config.client_auth_type",
                               t.client_auth_type + " needs client_ca_file"};
            }
            if (!t.client_ca_file.empty() && t.client_auth_type == "NoClientCert") {
              return RuleError{"tls_server_config.client_ca_file",
                               "set with client_auth_type NoClientCert (want "
                               "RequireAndVerifyClientCert or VerifyClientCertIfGiven)"};
            }
            if (!t.client_allowed_sans.empty() && !p.verify) {
              return RuleError{"tls_server_config.client_allowed_sans",
                               "needs a verifying client_auth_type"};
            }
            return std::nullopt;
          }),
      MakeRule<WebConfigFile>(
          "", "min_version is at most max_version.",
          [](const WebConfigFile& w, const RuleContext&) -> std::optional<RuleError> {
            if (w.tls.min_proto_version() > w.tls.max_proto_version()) {
              return RuleError{"tls_server_config.min_version",
                               "higher than max_version (" + w.tls.max_version + ")"};
            }
            return std::nullopt;
          }),
      MakeRule<WebConfigFile>(
          "", "User names are not empty and contain no ':' (HTTP basic auth cannot carry it).",
          [](const WebConfigFile& w, const RuleContext&) -> std::optional<RuleError> {
            for (const auto& [user, _] : w.basic_auth_users) {
              if (user.empty() || user.find(':') != std::string::npos) {
                return RuleError{"basic_auth_users." + user,
                                 "user names must be non-empty and contain no ':'"};
              }
            }
            return std::nullopt;
          }),
  };
}

const Schema& WebConfigSchema() {
  static const Schema s =
      MakeSchema<WebConfigFile>("certwatch web config", WebConfigRows(), WebConfigRules());
  return s;
}

void Resolve(std::string& path, const std::string& base_dir) {
  if (path.empty() || base_dir.empty() || path.front() == '/') return;
  path = (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

}  // namespace

ClientAuthPolicy WebTlsConfig::client_auth() const {
  const std::string& t = client_auth_type;
  if (t == "RequestClientCert") return {true, false, false};
  if (t == "RequireAnyClientCert") return {true, true, false};
  if (t == "VerifyClientCertIfGiven") return {true, false, true};
  if (t == "RequireAndVerifyClientCert") return {true, true, true};
  return {};
}

int WebTlsConfig::min_proto_version() const { return ProtoVersion(min_version); }
int WebTlsConfig::max_proto_version() const { return ProtoVersion(max_version); }

Result<WebConfigFile> ParseWebConfig(std::string_view yaml, const std::string& source_name,
                                     const std::string& base_dir) {
  WebConfigFile w;
  w.source_file = source_name;
  if (auto st = DecodeInto(WebConfigSchema(), yaml, source_name, w); !st) return st.error();
  Resolve(w.tls.cert_file, base_dir);
  Resolve(w.tls.key_file, base_dir);
  Resolve(w.tls.client_ca_file, base_dir);
  return w;
}

Result<WebConfigFile> LoadWebConfigFile(const std::string& path) {
  auto text = ReadConfigFile(path);
  if (!text) return text.error();
  std::filesystem::path dir = std::filesystem::absolute(path).parent_path();
  return ParseWebConfig(*text, path, dir.string());
}

bool CheckBasicAuthPassword(std::string_view hash, std::string_view password) {
  if (!IsBcryptHash(hash)) return false;
  // crypt takes C strings: a password with a NUL byte could match a shorter one.
  if (password.find('\0') != std::string_view::npos) return false;
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on the stack
  std::string setting(hash);
  std::string phrase(password);
  const char* out = crypt_rn(phrase.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
  // Wipe the copy of the password and crypt's scratch space.
  explicit_bzero(phrase.data(), phrase.size());
  bool ok = false;
  if (out != nullptr && std::strlen(out) == hash.size()) {
    unsigned char diff = 0;  // constant time over the hash length
    for (size_t i = 0; i < hash.size(); ++i) diff |= static_cast<unsigned char>(out[i] ^ hash[i]);
    ok = diff == 0;
  }
  explicit_bzero(data.get(), sizeof(crypt_data));
  return ok;
}

std::string WebConfigReferenceMarkdown() {
  return RenderReference(
      WebConfigSchema(),
      "The file given to `--web.config.file` (or `web.config_file`), in the Prometheus "
      "exporter-toolkit format; checked as strictly as the main config. Relative paths are "
      "relative to the file. Hashes: `htpasswd -nBC 10 USER`.");
}

}  // namespace certwatch
