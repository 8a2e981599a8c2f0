#include "common/kube/kubeconfig.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/base64.h"

namespace certwatch {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/certwatch-kubeconfig-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& content) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p) << content;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

constexpr char kBasic[] = R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: prod
  cluster:
    server: https://prod.example:6443/
    certificate-authority: ca.crt
- name: dev
  cluster:
    server: https://127.0.0.1:8443
    insecure-skip-tls-verify: true
contexts:
- name: dev
  context: {cluster: dev, user: alice, namespace: team-a}
- name: prod
  context: {cluster: prod, user: bob}
users:
- name: alice
  user: {token: abc123}
- name: bob
  user:
    client-certificate: certs/bob.crt
    client-key: /abs/bob.key
)";

TEST(Kubeconfig, CurrentContextWithToken) {
  auto cfg = ParseKubeconfig(kBasic, "kc", "/base");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->server, "https://127.0.0.1:8443");
  EXPECT_TRUE(cfg->insecure_skip_tls_verify);
  EXPECT_EQ(cfg->token.str(), "abc123");
  EXPECT_EQ(cfg->namespace_, "team-a");
  EXPECT_EQ(cfg->source, "kubeconfig kc (context dev)");
}

TEST(Kubeconfig, ExplicitContextResolvesRelativePaths) {
  auto cfg = ParseKubeconfig(kBasic, "kc", "/base", "prod");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->server, "https://prod.example:6443");  // trailing slash dropped
  EXPECT_EQ(cfg->ca_file, "/base/ca.crt");
  EXPECT_EQ(cfg->client_cert_file, "/base/certs/bob.crt");
  EXPECT_EQ(cfg->client_key_file, "/abs/bob.key");
  EXPECT_TRUE(cfg->token.empty());
  EXPECT_FALSE(cfg->insecure_skip_tls_verify);
}

TEST(Kubeconfig, InlineDataIsDecoded) {
  const std::string yaml =
      "current-context: c\nclusters:\n- name: k\n  cluster:\n"
      "    server: https://h:1\n    certificate-authority-data: " +
      Base64Encode("CA PEM") +
      "\ncontexts:\n- name: c\n  context: "
      "{cluster: k, user: u}\nusers:\n- name: u\n  user:\n"
      "    client-certificate-data: " +
      Base64Encode("CERT") + "\n    client-key-data: " + Base64Encode("KEY") + "\n";
  auto cfg = ParseKubeconfig(yaml, "kc", "/");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->ca_pem, "CA PEM");
  EXPECT_EQ(cfg->client_cert_pem, "CERT");
  EXPECT_EQ(cfg->client_key_pem.str(), "KEY");
}

TEST(Kubeconfig, TokenFile) {
  auto cfg = ParseKubeconfig(
      "current-context: c\nclusters: [{name: k, cluster: {server: 'http://h:1'}}]\n"
      "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
      "users: [{name: u, user: {tokenFile: tok}}]\n",
      "kc", "/d");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->token_file, "/d/tok");
}

TEST(Kubeconfig, ErrorsNameTheFieldAndFile) {
  auto missing_ctx = ParseKubeconfig(kBasic, "kc", "/", "nope");
  ASSERT_FALSE(missing_ctx);
  EXPECT_EQ(missing_ctx.error().message, "kc: context \"nope\" not found");

  auto no_server = ParseKubeconfig(
      "current-context: c\nclusters: [{name: k, cluster: {}}]\n"
      "contexts: [{name: c, context: {cluster: k}}]\n",
      "kc", "/");
  ASSERT_FALSE(no_server);
  EXPECT_EQ(no_server.error().message, "kc: clusters[k].cluster.server: required");

  auto exec = ParseKubeconfig(
      "current-context: c\nclusters: [{name: k, cluster: {server: 'https://h'}}]\n"
      "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
      "users: [{name: u, user: {exec: {command: aws}}}]\n",
      "kc", "/");
  ASSERT_FALSE(exec);
  EXPECT_NE(exec.error().message.find("users[u].user: exec and auth-provider"), std::string::npos);

  auto half = ParseKubeconfig(
      "current-context: c\nclusters: [{name: k, cluster: {server: 'https://h'}}]\n"
      "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
      "users: [{name: u, user: {client-certificate: a.crt}}]\n",
      "kc", "/");
  ASSERT_FALSE(half);
  EXPECT_NE(half.error().message.find("must be given together"), std::string::npos);

  auto syntax = ParseKubeconfig("clusters: [", "kc", "/");
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().message.rfind("kc:", 0), 0u);
}

TEST(Kubeconfig, MultipleFilesFirstWins) {
  TempDir dir;
  std::string a = dir.Write("a",
                            "current-context: one\n"
                            "users: [{name: u, user: {token: from-a}}]\n");
  std::string b = dir.Write("b",
                            "current-context: two\n"
                            "clusters: [{name: k, cluster: {server: 'https://b:1'}}]\n"
                            "contexts: [{name: one, context: {cluster: k, user: u}}]\n"
                            "users: [{name: u, user: {token: from-b}}]\n");
  auto cfg = LoadKubeconfigFiles(a + ":" + dir.path() + "/missing:" + b);
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->server, "https://b:1");
  EXPECT_EQ(cfg->token.str(), "from-a");
  auto single_missing = LoadKubeconfigFiles(dir.path() + "/missing");
  ASSERT_FALSE(single_missing);
  EXPECT_NE(single_missing.error().message.find("/missing: cannot read"), std::string::npos);
}

TEST(Kubeconfig, InCluster) {
  TempDir dir;
  dir.Write("token", "tok\n");
  dir.Write("ca.crt", "CA");
  dir.Write("namespace", "certwatch\n");
  auto cfg = InClusterConfig({"10.96.0.1", "443", dir.path()});
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->server, "https://10.96.0.1:443");
  EXPECT_EQ(cfg->token_file, dir.path() + "/token");
  EXPECT_EQ(cfg->ca_file, dir.path() + "/ca.crt");
  EXPECT_EQ(cfg->namespace_, "certwatch");
  auto v6 = InClusterConfig({"fd00::1", "6443", dir.path()});
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->server, "https://[fd00::1]:6443");
  auto outside = InClusterConfig({"", "", dir.path()});
  ASSERT_FALSE(outside);
  EXPECT_NE(outside.error().message.find("KUBERNETES_SERVICE_HOST"), std::string::npos);
  auto no_token = InClusterConfig({"h", "1", dir.path() + "/nope"});
  ASSERT_FALSE(no_token);
  EXPECT_NE(no_token.error().message.find("service account token"), std::string::npos);
}

TEST(Kubeconfig, SecretBytesWipes) {
  SecretBytes a(std::string("secret"));
  SecretBytes b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is wiped
  EXPECT_EQ(b.str(), "secret");
  b.Wipe();
  EXPECT_TRUE(b.empty());
}

}  // namespace
}  // namespace certwatch
