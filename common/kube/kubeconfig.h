// Where the Kubernetes API is and how to authenticate to it: a kubeconfig file (kubectl's
// format, several files merged the way client-go does for $KUBECONFIG) or the in-cluster
// service account.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace certwatch {

// Bytes wiped from memory when dropped (client keys, bearer tokens).
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::string s) : s_(std::move(s)) {}
  SecretBytes(const SecretBytes& o) : s_(o.s_) {}
  SecretBytes& operator=(const SecretBytes& o);
  SecretBytes(SecretBytes&& o) noexcept : s_(std::move(o.s_)) { o.Wipe(); }
  SecretBytes& operator=(SecretBytes&& o) noexcept;
  ~SecretBytes() { Wipe(); }
  const std::string& str() const { return s_; }
  bool empty() const { return s_.empty(); }
  void Wipe();

 private:
  std::string s_;
};

struct KubeConfig {
  std::string source;  // "kubeconfig /path (context fake)" or "in-cluster", for messages
  std::string server;  // https://host:port, no trailing slash
  std::string ca_file;
  std::string ca_pem;  // certificate-authority-data, decoded
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string client_cert_file;
  std::string client_cert_pem;
  std::string client_key_file;
  SecretBytes client_key_pem;
  SecretBytes token;
  std::string token_file;  // re-read when it changes (bound service account tokens rotate)
  std::string namespace_;  // the context's namespace ("" = unset)
};

// Parses one kubeconfig document. `source_name` prefixes errors; relative file paths are
// resolved against `base_dir`. `context` overrides current-context when non-empty.
Result<KubeConfig> ParseKubeconfig(std::string_view yaml, const std::string& source_name,
                                   const std::string& base_dir, const std::string& context = "");

// Loads kubeconfig files (a $KUBECONFIG-style colon list; for every map entry and for
// current-context the first file that sets it wins, as in client-go).
Result<KubeConfig> LoadKubeconfigFiles(const std::string& path_list,
                                       const std::string& context = "");

struct InClusterEnv {
  std::string host;  // $KUBERNETES_SERVICE_HOST
  std::string port;  // $KUBERNETES_SERVICE_PORT
  // /var/run/secrets/kubernetes.io/serviceaccount, or $CERTWATCH_SERVICE_ACCOUNT_DIR (tests,
  // sidecars that mount the token elsewhere).
  std::string account_dir;
  static InClusterEnv FromEnvironment();
};

// The in-cluster service account config; an error when not running in a cluster.
Result<KubeConfig> InClusterConfig(const InClusterEnv& env);

// Resolves the config the way certwatch documents it: `explicit_path` (--kubeconfig or the
// config file's kubernetes.kubeconfig) when set, else $KUBECONFIG, else in-cluster.
Result<KubeConfig> ResolveKubeConfig(const std::string& explicit_path);

}  // namespace certwatch
