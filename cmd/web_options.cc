#include "cmd/web_options.h"

#include "config/web_config.h"

namespace certwatch {

Result<WebServerOptions> WebServerOptionsFor(const WebConfig& web) {
  WebServerOptions options;
  options.listen_address = web.listen_address;
  if (web.config_file.empty()) return options;
  auto file = LoadWebConfigFile(web.config_file);
  if (!file) return file.error();
  if (file->tls.enabled()) {
    WebTlsOptions tls;
    tls.cert_file = file->tls.cert_file;
    tls.key_file = file->tls.key_file;
    tls.client_ca_file = file->tls.client_ca_file;
    tls.client_auth_type = file->tls.client_auth_type;
    tls.client_allowed_sans = file->tls.client_allowed_sans;
    tls.min_version = file->tls.min_version;
    tls.max_version = file->tls.max_version;
    options.tls = std::move(tls);
  }
  options.basic_auth_users = file->basic_auth_users;
  options.check_password = [](const std::string& password, const std::string& hash) {
    return CheckBasicAuthPassword(hash, password);
  };
  return options;
}

}  // namespace certwatch
