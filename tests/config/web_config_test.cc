// The exporter-toolkit web config: strict parsing with positions, client-auth policies,
// relative paths, and bcrypt checks through the system's crypt library.
#include "config/web_config.h"

#include <crypt.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace certwatch {
namespace {

TEST(WebConfig, FullFileWithRelativePaths) {
  auto w = ParseWebConfig(
      "tls_server_config:\n"
      "  cert_file: server.crt\n"
      "  key_file: /etc/certwatch/server.key\n"
      "  client_auth_type: RequireAndVerifyClientCert\n"
      "  client_ca_file: ../ca/clients.crt\n"
      "  client_allowed_sans: [prometheus.example.test]\n"
      "  min_version: TLS13\n"
      "basic_auth_users:\n"
      "  alice: $2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW\n",
      "web.yml", "/etc/certwatch");
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_TRUE(w->tls.enabled());
  EXPECT_EQ(w->tls.cert_file, "/etc/certwatch/server.crt");
  EXPECT_EQ(w->tls.key_file, "/etc/certwatch/server.key");
  EXPECT_EQ(w->tls.client_ca_file, "/etc/ca/clients.crt");
  EXPECT_EQ(w->tls.client_allowed_sans, std::vector<std::string>{"prometheus.example.test"});
  EXPECT_EQ(w->tls.min_proto_version(), 0x0304);
  EXPECT_EQ(w->tls.max_proto_version(), 0x0304);
  ClientAuthPolicy p = w->tls.client_auth();
  EXPECT_TRUE(p.request);
  EXPECT_TRUE(p.require);
  EXPECT_TRUE(p.verify);
  ASSERT_EQ(w->basic_auth_users.size(), 1u);
  EXPECT_EQ(w->basic_auth_users.at("alice"),
            "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW");
}

TEST(WebConfig, EmptyFileIsPlainHttpWithoutAuth) {
  auto w = ParseWebConfig("", "web.yml", "");
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_FALSE(w->tls.enabled());
  EXPECT_TRUE(w->basic_auth_users.empty());
  EXPECT_EQ(w->tls.min_proto_version(), 0x0303);  // TLS 1.2, as exporter-toolkit
}

TEST(WebConfig, ClientAuthPolicies) {
  struct Case {
    const char* type;
    bool request, require, verify;
  };
  for (const Case& c :
       {Case{"NoClientCert", false, false, false}, Case{"RequestClientCert", true, false, false},
        Case{"RequireAnyClientCert", true, true, false},
        Case{"VerifyClientCertIfGiven", true, false, true},
        Case{"RequireAndVerifyClientCert", true, true, true}}) {
    WebTlsConfig t;
    t.client_auth_type = c.type;
    ClientAuthPolicy p = t.client_auth();
    EXPECT_EQ(p.request, c.request) << c.type;
    EXPECT_EQ(p.require, c.require) << c.type;
    EXPECT_EQ(p.verify, c.verify) << c.type;
  }
}

struct BadCase {
  const char* yaml;
  const char* error;
};

TEST(WebConfig, ExactErrors) {
  const BadCase cases[] = {
      {"tls_server_config:\n  certfile: a.crt\n",
       "web.yml:2:3: tls_server_config.certfile: unknown key (did you mean cert_file?); allowed "
       "keys: cert_file, client_allowed_sans, client_auth_type, client_ca_file, key_file, "
       "max_version, min_version"},
      {"tls_server_config:\n  cert_file: a.crt\n",
       "web.yml:2:3: tls_server_config.cert_file: set without key_file"},
      {"tls_server_config:\n  key_file: a.key\n",
       "web.yml:2:3: tls_server_config.key_file: set without cert_file"},
      {"tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n"
       "  client_auth_type: RequireAndVerifyClientCert\n",
       "web.yml:4:3: tls_server_config.client_auth_type: RequireAndVerifyClientCert needs "
       "client_ca_file"},
      {"tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_ca_file: ca.crt\n",
       "web.yml:4:3: tls_server_config.client_ca_file: set with client_auth_type NoClientCert "
       "(want RequireAndVerifyClientCert or VerifyClientCertIfGiven)"},
      {"tls_server_config:\n  client_auth_type: RequireAnyClientCert\n",
       "web.yml:2:3: tls_server_config.client_auth_type: needs cert_file and key_file"},
      {"tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: Always\n",
       "web.yml:4:21: tls_server_config.client_auth_type: \"Always\" is not one of NoClientCert, "
       "RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, "
       "RequireAndVerifyClientCert"},
      {"tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  min_version: TLS13\n"
       "  max_version: TLS12\n",
       "web.yml:4:3: tls_server_config.min_version: higher than max_version (TLS12)"},
      {"tls_server_config:\n  min_version: TLS1.2\n",
       "web.yml:2:16: tls_server_config.min_version: \"TLS1.2\" is not one of TLS10, TLS11, "
       "TLS12, TLS13"},
      {"basic_auth_users:\n  alice: secret\n",
       "web.yml:2:10: basic_auth_users.alice: not a bcrypt hash (want $2y$, $2b$ or $2a$ with "
       "cost 04-31, 60 characters)"},
      {"basic_auth_users:\n  alice: $2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW\n"
       "  alice: $2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW\n",
       "web.yml:3:3: basic_auth_users.alice: duplicate key (first at line 2)"},
      {"basic_auth_users:\n  \"a:b\": "
       "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW\n",
       "web.yml:2:3: basic_auth_users.a:b: user names must be non-empty and contain no ':'"},
      {"basic_auth_users:\n  - alice\n",
       "web.yml:2:3: basic_auth_users: want a mapping, got a list"},
      {"http_server_config:\n  http2: true\n",
       "web.yml:1:1: http_server_config: unknown key; allowed keys: basic_auth_users, "
       "tls_server_config"},
  };
  for (const auto& c : cases) {
    auto w = ParseWebConfig(c.yaml, "web.yml", "");
    ASSERT_FALSE(w) << c.yaml;
    EXPECT_EQ(w.error().message, c.error) << c.yaml;
  }
}

TEST(WebConfig, LoadFileResolvesAgainstItsDirectory) {
  auto dir =
      std::filesystem::temp_directory_path() / ("certwatch-webcfg-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "web.yml") << "tls_server_config:\n  cert_file: tls/s.crt\n"
                                      "  key_file: tls/s.key\n";
  }
  auto w = LoadWebConfigFile((dir / "web.yml").string());
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(w->tls.cert_file, (dir / "tls/s.crt").string());
  EXPECT_EQ(w->tls.key_file, (dir / "tls/s.key").string());
  auto missing = LoadWebConfigFile((dir / "nope.yml").string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            (dir / "nope.yml").string() + ": cannot read: No such file or directory");
  std::filesystem::remove_all(dir);
}

// Openwall crypt_blowfish test vectors: an independent check of the library call.
TEST(BasicAuth, KnownBcryptVectors) {
  EXPECT_TRUE(CheckBasicAuthPassword("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                                     "U*U"));
  EXPECT_TRUE(CheckBasicAuthPassword("$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK",
                                     "U*U*"));
  EXPECT_FALSE(CheckBasicAuthPassword(
      "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U*"));
  EXPECT_FALSE(
      CheckBasicAuthPassword("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", ""));
}

TEST(BasicAuth, FreshHashFromCryptGensalt) {
  for (const char* prefix : {"$2y$", "$2b$"}) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    ASSERT_NE(crypt_gensalt_rn(prefix, 4, nullptr, 0, salt, sizeof salt), nullptr);
    crypt_data data{};
    const char* hash = crypt_rn("correct horse", salt, &data, sizeof data);
    ASSERT_NE(hash, nullptr);
    std::string h(hash);
    ASSERT_EQ(h.substr(0, 4), prefix);
    EXPECT_TRUE(CheckBasicAuthPassword(h, "correct horse"));
    EXPECT_FALSE(CheckBasicAuthPassword(h, "correct horsf"));
    EXPECT_FALSE(CheckBasicAuthPassword(h, std::string("correct horse\0x", 15)));
    // The hash is accepted by the web config loader.
    auto w = ParseWebConfig("basic_auth_users:\n  bob: '" + h + "'\n", "web.yml", "");
    ASSERT_TRUE(w) << w.error().message;
  }
}

TEST(BasicAuth, MalformedHashesNeverMatch) {
  for (const char* h :
       {"", "secret", "$1$abc$def", "$2y$99$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "*0", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe"}) {
    EXPECT_FALSE(CheckBasicAuthPassword(h, "U*U")) << h;
  }
}

}  // namespace
}  // namespace certwatch
