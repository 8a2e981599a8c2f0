#include "common/kube/kubeconfig.h"

#include <openssl/crypto.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/base64.h"

namespace certwatch {

SecretBytes& SecretBytes::operator=(const SecretBytes& o) {
  if (this != &o) {
    Wipe();
    s_ = o.s_;
  }
  return *this;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& o) noexcept {
  if (this != &o) {
    Wipe();
    s_ = std::move(o.s_);
    o.Wipe();
  }
  return *this;
}

void SecretBytes::Wipe() {
  if (!s_.empty()) OPENSSL_cleanse(s_.data(), s_.size());
  s_.clear();
}

namespace {

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot read"};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string DirOf(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string Resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty() || p[0] == '/') return p;
  return base_dir + "/" + p;
}

// A named entry (cluster, user, context) and the directory of the file that defined it.
struct Entry {
  YAML::Node node;
  std::string base_dir;
  std::string file;
};

struct Merged {
  std::string current_context;
  std::map<std::string, Entry> clusters, users, contexts;
};

std::string Str(const YAML::Node& n, const char* key) {
  const YAML::Node v = n[key];
  if (!v || !v.IsScalar()) return "";
  return v.as<std::string>();
}

// Adds one parsed document to the merge; the first definition of a name wins.
Status MergeDocument(const YAML::Node& doc, const std::string& file, Merged& m) {
  if (!doc || doc.IsNull()) return OkStatus();
  if (!doc.IsMap()) return Error{file + ": not a kubeconfig (want a mapping at the top level)"};
  if (m.current_context.empty()) m.current_context = Str(doc, "current-context");
  const std::string dir = DirOf(file);
  for (auto [list, inner, out] :
       {std::tuple{"clusters", "cluster", &m.clusters}, std::tuple{"users", "user", &m.users},
        std::tuple{"contexts", "context", &m.contexts}}) {
    const YAML::Node items = doc[list];
    if (!items) continue;
    if (!items.IsSequence()) {
      return Error{file + ":" + std::to_string(items.Mark().line + 1) + ": " + list +
                   ": want a list"};
    }
    for (const YAML::Node& item : items) {
      const std::string name = Str(item, "name");
      if (name.empty()) {
        return Error{file + ":" + std::to_string(item.Mark().line + 1) + ": " + list +
                     ": entry without a name"};
      }
      if (!out->count(name)) (*out)[name] = Entry{item[inner], dir, file};
    }
  }
  return OkStatus();
}

// Reads a "<field>" / "<field>-data" pair: the file path (resolved) or the decoded data.
Status FileOrData(const Entry& e, const std::string& what, const char* field, std::string* file_out,
                  std::string* data_out) {
  const std::string data_key = std::string(field) + "-data";
  const std::string data = Str(e.node, data_key.c_str());
  if (!data.empty()) {
    auto decoded = Base64Decode(data);
    if (!decoded) return decoded.error().Wrap(what + "." + data_key);
    *data_out = std::move(*decoded);
    return OkStatus();
  }
  const std::string path = Str(e.node, field);
  if (!path.empty()) *file_out = Resolve(e.base_dir, path);
  return OkStatus();
}

Result<KubeConfig> Build(const Merged& m, const std::string& source, const std::string& context) {
  const std::string ctx_name = context.empty() ? m.current_context : context;
  if (ctx_name.empty()) return Error{source + ": no current-context"};
  auto ctx_it = m.contexts.find(ctx_name);
  if (ctx_it == m.contexts.end()) return Error{source + ": context \"" + ctx_name + "\" not found"};
  const Entry& ctx = ctx_it->second;
  if (!ctx.node || !ctx.node.IsMap()) {
    return Error{source + ": contexts[" + ctx_name + "].context: want a mapping"};
  }
  KubeConfig cfg;
  cfg.source = "kubeconfig " + source + " (context " + ctx_name + ")";
  cfg.namespace_ = Str(ctx.node, "namespace");
  const std::string cluster_name = Str(ctx.node, "cluster");
  auto cl_it = m.clusters.find(cluster_name);
  if (cl_it == m.clusters.end()) {
    return Error{source + ": contexts[" + ctx_name + "].context.cluster: cluster \"" +
                 cluster_name + "\" not found"};
  }
  const Entry& cl = cl_it->second;
  const std::string cl_what = "clusters[" + cluster_name + "].cluster";
  if (!cl.node || !cl.node.IsMap()) return Error{source + ": " + cl_what + ": want a mapping"};
  cfg.server = Str(cl.node, "server");
  while (!cfg.server.empty() && cfg.server.back() == '/') cfg.server.pop_back();
  if (cfg.server.empty()) return Error{cl.file + ": " + cl_what + ".server: required"};
  if (cfg.server.rfind("https://", 0) != 0 && cfg.server.rfind("http://", 0) != 0) {
    return Error{cl.file + ": " + cl_what + ".server: want an http(s) URL, got \"" + cfg.server +
                 "\""};
  }
  if (Status s = FileOrData(cl, cl.file + ": " + cl_what, "certificate-authority", &cfg.ca_file,
                            &cfg.ca_pem);
      !s) {
    return s.error();
  }
  cfg.insecure_skip_tls_verify = Str(cl.node, "insecure-skip-tls-verify") == "true";
  cfg.tls_server_name = Str(cl.node, "tls-server-name");

  const std::string user_name = Str(ctx.node, "user");
  if (user_name.empty()) return cfg;  // anonymous
  auto us_it = m.users.find(user_name);
  if (us_it == m.users.end()) {
    return Error{source + ": contexts[" + ctx_name + "].context.user: user \"" + user_name +
                 "\" not found"};
  }
  const Entry& us = us_it->second;
  const std::string us_what = us.file + ": users[" + user_name + "].user";
  if (!us.node || us.node.IsNull()) return cfg;
  if (!us.node.IsMap()) return Error{us_what + ": want a mapping"};
  if (us.node["exec"] || us.node["auth-provider"]) {
    return Error{us_what +
                 ": exec and auth-provider credentials are not supported; use a "
                 "token, tokenFile or client certificate"};
  }
  if (Status s = FileOrData(us, us_what, "client-certificate", &cfg.client_cert_file,
                            &cfg.client_cert_pem);
      !s) {
    return s.error();
  }
  std::string key_data;
  if (Status s = FileOrData(us, us_what, "client-key", &cfg.client_key_file, &key_data); !s) {
    return s.error();
  }
  cfg.client_key_pem = SecretBytes(std::move(key_data));
  cfg.token = SecretBytes(Str(us.node, "token"));
  const std::string token_file = Str(us.node, "tokenFile");
  if (cfg.token.empty() && !token_file.empty()) cfg.token_file = Resolve(us.base_dir, token_file);
  const bool has_cert = !cfg.client_cert_file.empty() || !cfg.client_cert_pem.empty();
  const bool has_key = !cfg.client_key_file.empty() || !cfg.client_key_pem.empty();
  if (has_cert != has_key) {
    return Error{us_what + ": client-certificate and client-key must be given together"};
  }
  if (!Str(us.node, "username").empty()) {
    return Error{us_what + ": basic auth (username/password) is not supported"};
  }
  return cfg;
}

Result<YAML::Node> ParseYaml(std::string_view text, const std::string& source_name) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Error{source_name + ":" + std::to_string(e.mark.line + 1) + ":" +
                 std::to_string(e.mark.column + 1) + ": " + e.msg};
  }
}

}  // namespace

Result<KubeConfig> ParseKubeconfig(std::string_view yaml, const std::string& source_name,
                                   const std::string& base_dir, const std::string& context) {
  auto doc = ParseYaml(yaml, source_name);
  if (!doc) return doc.error();
  Merged m;
  try {
    if (Status s = MergeDocument(*doc, source_name, m); !s) return s.error();
    for (auto* map : {&m.clusters, &m.users, &m.contexts}) {
      for (auto& [name, e] : *map) e.base_dir = base_dir;
    }
    return Build(m, source_name, context);
  } catch (const YAML::Exception& e) {
    return Error{source_name + ": " + e.what()};
  }
}

Result<KubeConfig> LoadKubeconfigFiles(const std::string& path_list, const std::string& context) {
  Merged m;
  std::string first;
  size_t start = 0;
  int loaded = 0;
  while (start <= path_list.size()) {
    size_t colon = path_list.find(':', start);
    if (colon == std::string::npos) colon = path_list.size();
    std::string path = path_list.substr(start, colon - start);
    start = colon + 1;
    if (path.empty()) continue;
    auto text = ReadWholeFile(path);
    if (!text) {
      // client-go skips missing files in a $KUBECONFIG list, but not a single explicit one.
      if (path_list.find(':') != std::string::npos) continue;
      return Error{"kubeconfig " + text.error().message};
    }
    auto doc = ParseYaml(*text, path);
    if (!doc) return doc.error().Wrap("kubeconfig");
    try {
      if (Status s = MergeDocument(*doc, path, m); !s) return s.error().Wrap("kubeconfig");
    } catch (const YAML::Exception& e) {
      return Error{"kubeconfig " + path + ": " + e.what()};
    }
    if (first.empty()) first = path;
    ++loaded;
  }
  if (loaded == 0) return Error{"kubeconfig: no readable file in \"" + path_list + "\""};
  try {
    auto cfg = Build(m, first, context);
    if (!cfg) return cfg.error().Wrap("kubeconfig");
    return cfg;
  } catch (const YAML::Exception& e) {
    return Error{"kubeconfig " + first + ": " + e.what()};
  }
}

InClusterEnv InClusterEnv::FromEnvironment() {
  InClusterEnv env;
  if (const char* h = std::getenv("KUBERNETES_SERVICE_HOST")) env.host = h;
  if (const char* p = std::getenv("KUBERNETES_SERVICE_PORT")) env.port = p;
  const char* dir = std::getenv("CERTWATCH_SERVICE_ACCOUNT_DIR");
  env.account_dir = dir && *dir ? dir : "/var/run/secrets/kubernetes.io/serviceaccount";
  return env;
}

Result<KubeConfig> InClusterConfig(const InClusterEnv& env) {
  if (env.host.empty() || env.port.empty()) {
    return Error{
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not "
        "set (not running in a cluster; set kubernetes.kubeconfig or $KUBECONFIG)"};
  }
  KubeConfig cfg;
  cfg.source = "in-cluster service account (" + env.account_dir + ")";
  const bool v6 = env.host.find(':') != std::string::npos;
  cfg.server = "https://" + (v6 ? "[" + env.host + "]" : env.host) + ":" + env.port;
  cfg.token_file = env.account_dir + "/token";
  cfg.ca_file = env.account_dir + "/ca.crt";
  if (auto token = ReadWholeFile(cfg.token_file); !token) {
    return token.error().Wrap("in-cluster config: service account token");
  } else {
    SecretBytes wipe(std::move(*token));
  }
  if (auto ns = ReadWholeFile(env.account_dir + "/namespace"); ns) {
    cfg.namespace_ = *ns;
    while (!cfg.namespace_.empty() && isspace(static_cast<unsigned char>(cfg.namespace_.back()))) {
      cfg.namespace_.pop_back();
    }
  }
  return cfg;
}

Result<KubeConfig> ResolveKubeConfig(const std::string& explicit_path) {
  if (!explicit_path.empty()) return LoadKubeconfigFiles(explicit_path);
  if (const char* env = std::getenv("KUBECONFIG"); env && *env) return LoadKubeconfigFiles(env);
  return InClusterConfig(InClusterEnv::FromEnvironment());
}

}  // namespace certwatch
