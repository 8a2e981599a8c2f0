// The files source on real certificates made by the openssl CLI in a temporary directory.
#include "exporter/files/files_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/base64.h"
#include "exporter/files/cert_file.h"
#include "exporter/scrape.h"
#include "tests/lib/keystore_support.h"

namespace certwatch {
namespace {

namespace fs = std::filesystem;

FilesSourceOptions Opts(std::vector<std::string> patterns) {
  FilesSourceOptions o;
  for (auto& p : patterns) o.files.push_back({.path = std::move(p)});
  return o;
}

class FilesSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/certwatch-files-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A self-signed certificate valid for `days`, PEM at dir_/name.crt, key at dir_/name.key.
  fs::path MakeCert(const std::string& name, const std::string& cn, int days) {
    fs::path crt = dir_ / (name + ".crt"), key = dir_ / (name + ".key");
    std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " +
        key.string() + " -out " + crt.string() + " -days " + std::to_string(days) +
        " -subj /CN=" + cn + " 2>/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    return crt;
  }

  StateData Snapshot() {
    return store_.Read([](const StateData& d) { return d; });
  }

  fs::path dir_;
  StateStore store_;
  SystemClock clock_;
  Logger logger_ = NullLogger();
};

TEST_F(FilesSourceTest, ReadsPemBundleDerAndSkipsKeys) {
  fs::path a = MakeCert("a", "alpha", 30);
  fs::path b = MakeCert("b", "beta", 400);
  // Bundle: cert a, its private key, cert b.
  std::ofstream(dir_ / "bundle.pem")
      << testing::ReadFileBytes(a) << testing::ReadFileBytes(dir_ / "a.key")
      << testing::ReadFileBytes(b);
  ASSERT_EQ(std::system(("openssl x509 -in " + a.string() + " -outform DER -out " +
                         (dir_ / "a.der").string())
                            .c_str()),
            0);
  FilesSource src(Opts({(dir_ / "*.pem").string(), (dir_ / "*.der").string()}), store_, logger_,
                  clock_);
  src.ScanOnce();
  StateData d = Snapshot();
  ASSERT_EQ(d.files.size(), 3u);
  const auto& first = d.files.at((dir_ / "bundle.pem").string() + "#0");
  EXPECT_EQ(first.facts.subject, "CN=alpha");
  const auto& second = d.files.at((dir_ / "bundle.pem").string() + "#1");
  EXPECT_EQ(second.facts.subject, "CN=beta");
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  EXPECT_NEAR(static_cast<double>(first.facts.not_after - now), 30 * 86400.0, 120);
  EXPECT_NEAR(static_cast<double>(second.facts.not_after - now), 400 * 86400.0, 120);
  EXPECT_EQ(d.files.at((dir_ / "a.der").string() + "#0").facts.serial, first.facts.serial);
  EXPECT_TRUE(d.sources.at("files").up);
  EXPECT_TRUE(d.file_errors.empty());
}

TEST_F(FilesSourceTest, KubeconfigEmbeddedClientAndCaCertificates) {
  fs::path client = MakeCert("client", "kubernetes-admin", 365);
  fs::path ca = MakeCert("ca", "kubernetes", 3650);
  std::ofstream(dir_ / "admin.conf")
      << "apiVersion: v1\nkind: Config\nclusters:\n- name: kubernetes\n  cluster:\n"
      << "    server: https://127.0.0.1:6443\n    certificate-authority-data: "
      << Base64Encode(testing::ReadFileBytes(ca)) << "\nusers:\n- name: kubernetes-admin\n  user:\n"
      << "    client-certificate-data: " << Base64Encode(testing::ReadFileBytes(client))
      << "\n    client-key-data: " << Base64Encode(testing::ReadFileBytes(dir_ / "client.key"))
      << "\n";
  FilesSource src(Opts({(dir_ / "*.conf").string()}), store_, logger_, clock_);
  src.ScanOnce();
  StateData d = Snapshot();
  ASSERT_EQ(d.files.size(), 2u) << (d.file_errors.empty() ? ""
                                                          : d.file_errors.begin()->second.error);
  std::set<std::string> seen;
  for (const auto& [k, f] : d.files) seen.insert(f.where + " " + f.facts.subject);
  EXPECT_TRUE(seen.count("user:kubernetes-admin CN=kubernetes-admin"));
  EXPECT_TRUE(seen.count("cluster:kubernetes CN=kubernetes"));
}

TEST_F(FilesSourceTest, BadFilesAreErrorsAndOthersStay) {
  MakeCert("good", "good", 10);
  std::ofstream(dir_ / "garbage.crt") << "this is not a certificate";
  std::ofstream(dir_ / "badb64.conf") << "clusters:\n- name: c\n  cluster:\n"
                                      << "    certificate-authority-data: '!!notbase64'\n";
  FilesSource src(Opts({(dir_ / "*.crt").string(), (dir_ / "*.conf").string()}), store_, logger_,
                  clock_);
  src.ScanOnce();
  StateData d = Snapshot();
  EXPECT_EQ(d.files.size(), 1u);
  ASSERT_EQ(d.file_errors.size(), 2u);
  EXPECT_EQ(d.file_errors.at((dir_ / "garbage.crt").string()).error,
            "neither PEM nor DER certificate data");
  EXPECT_EQ(
      d.file_errors.at((dir_ / "badb64.conf").string()).error,
      "clusters[c].certificate-authority-data: invalid base64: length is not a multiple of 4");
}

TEST_F(FilesSourceTest, ChangedAndDeletedFilesFollowWithInotify) {
  fs::path crt = MakeCert("rot", "rotating", 5);
  FilesSourceOptions opts = Opts({(dir_ / "*.crt").string()});
  opts.rescan_interval = std::chrono::hours(1);  // only inotify can explain a quick update
  FilesSource src(opts, store_, logger_, clock_);
  src.Start();
  auto key = crt.string() + "#0";
  auto before = Snapshot().files.at(key).facts.not_after;
  // Renew: write the new certificate through a rename, as kubeadm does.
  fs::path fresh = MakeCert("fresh", "rotating", 365);
  fs::rename(fresh, dir_ / "rot.crt.tmp");
  fs::rename(dir_ / "rot.crt.tmp", crt);
  bool updated = false;
  for (int i = 0; i < 100 && !updated; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto d = Snapshot();
    updated = d.files.count(key) && d.files.at(key).facts.not_after > before + 300 * 86400;
  }
  EXPECT_TRUE(updated) << "renewed file not re-read within 5 s";
  fs::remove(crt);
  bool removed = false;
  for (int i = 0; i < 100 && !removed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    removed = Snapshot().files.empty();
  }
  EXPECT_TRUE(removed) << "deleted file still exported after 5 s";
  src.Stop();
}

TEST_F(FilesSourceTest, ShardOwnsAPartition) {
  for (int i = 0; i < 12; ++i) MakeCert("c" + std::to_string(i), "c" + std::to_string(i), 30);
  size_t total = 0;
  for (uint32_t s = 0; s < 2; ++s) {
    StateStore store;
    FilesSourceOptions opts = Opts({(dir_ / "*.crt").string()});
    opts.shard = Shard(s, 2);
    FilesSource src(opts, store, logger_, clock_);
    src.ScanOnce();
    total += store.Read([](const StateData& d) { return d.files.size(); });
  }
  EXPECT_EQ(total, 12u);
}

// Keystore files (files[].format, files[].password_file): exact series for right, wrong and
// missing passwords, a key without its certificate, and PEM rows keeping their labels.
TEST_F(FilesSourceTest, KeystoresWithRightAndWrongPasswords) {
  const std::string ks = (dir_ / "ks").string();
  fs::create_directory(ks);
  ASSERT_TRUE(testing::MakeKeystores(ks));
  fs::copy_file(ks + "/modern.p12", ks + "/wrong.p12");
  fs::copy_file(ks + "/store.jks", ks + "/nopass.jks");
  std::ofstream(dir_ / "p12.pass") << "s3cret\n";
  std::ofstream(dir_ / "jks.pass") << "changeit\r\n";
  std::ofstream(dir_ / "wrong.pass") << "nope\n";
  const std::string p12_pass = (dir_ / "p12.pass").string();
  FilesSourceOptions opts;
  opts.files = {
      {.path = ks + "/modern.p12", .format = "auto", .password_file = p12_pass},
      {.path = ks + "/legacy.p12", .format = "pkcs12", .password_file = p12_pass},
      {.path = ks + "/store.jks", .format = "jks", .password_file = (dir_ / "jks.pass").string()},
      {.path = ks + "/wrong.p12",
       .format = "auto",
       .password_file = (dir_ / "wrong.pass").string()},
      {.path = ks + "/nopass.jks"},
      {.path = ks + "/nokey-cert.p12", .format = "pkcs12", .password_file = p12_pass},
      {.path = ks + "/leaf.pem", .format = "pem"},
      {.path = ks + "/ca.pem", .format = "der"},
      {.path = ks + "/legacy.p12", .format = "jks"},  // the first entry matching a path wins
  };
  FilesSourceOptions missing_file = opts;
  FilesSource src(opts, store_, logger_, clock_);
  src.ScanOnce();

  auto facts = [&](const std::string& pem) {
    return ParseCertificates(testing::ReadFileBytes(ks + "/" + pem))->front();
  };
  const CertFacts leaf = facts("leaf.pem"), ca = facts("ca.pem");
  CollectContext ctx;
  std::string text = ScrapeText(store_, ctx);
  auto value = [&](const std::string& series) -> std::optional<double> {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
    }
    return std::nullopt;
  };
  const std::string na = "certwatch_file_cert_not_after_timestamp_seconds";
  auto row = [&](const std::string& file, const std::string& alias, const std::string& subject) {
    return na + "{path=\"" + ks + "/" + file + "\",alias=\"" + alias + "\",subject=\"" + subject +
           "\"}";
  };
  EXPECT_EQ(value(row("modern.p12", "app", "CN=app.example.test")), leaf.not_after) << text;
  EXPECT_EQ(value(row("modern.p12", "", "CN=Test CA")), ca.not_after);
  EXPECT_EQ(value(row("legacy.p12", "app", "CN=app.example.test")), leaf.not_after);
  EXPECT_EQ(value(row("store.jks", "app", "CN=app.example.test")), leaf.not_after);
  EXPECT_EQ(value(row("store.jks", "myca", "CN=Test CA")), ca.not_after);
  EXPECT_EQ(value("certwatch_file_cert_not_before_timestamp_seconds{path=\"" + ks +
                  "/store.jks\",alias=\"myca\",subject=\"CN=Test CA\"}"),
            ca.not_before);
  // PEM rows keep their labels: no alias.
  EXPECT_EQ(value(na + "{path=\"" + ks + "/leaf.pem\",subject=\"CN=app.example.test\"}"),
            leaf.not_after);
  auto err = [&](const std::string& file, const std::string& reason) {
    return value("certwatch_file_read_errors{path=\"" + ks + "/" + file + "\"" +
                 (reason.empty() ? "" : ",reason=\"" + reason + "\"") + "}");
  };
  EXPECT_EQ(err("wrong.p12", "wrong_password"), 1);
  EXPECT_EQ(err("nopass.jks", "missing_password"), 1);
  EXPECT_EQ(err("nokey-cert.p12", "no_certificate"), 1);
  EXPECT_EQ(err("ca.pem", ""), 1);  // PEM where DER was configured
  EXPECT_EQ(value(row("wrong.p12", "app", "CN=app.example.test")), std::nullopt);
  StateData d = Snapshot();
  EXPECT_EQ(d.file_errors.size(), 4u);
  EXPECT_EQ(d.files.size(), 6u);
  // Neither password is in the state (errors included) or the exposition.
  for (const auto& [k, e] : d.file_errors) {
    EXPECT_EQ(e.error.find("s3cret"), std::string::npos);
    EXPECT_EQ(e.error.find("nope"), std::string::npos);
  }
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
  EXPECT_EQ(text.find("changeit"), std::string::npos);

  // A password file that cannot be read is a missing password.
  std::string moved = p12_pass + ".away";
  fs::rename(p12_pass, moved);
  StateStore store2;
  FilesSource src2(missing_file, store2, logger_, clock_);
  src2.ScanOnce();
  StateData d2 = store2.Read([](const StateData& s) { return s; });
  ASSERT_TRUE(d2.file_errors.count(ks + "/modern.p12"));
  EXPECT_EQ(d2.file_errors.at(ks + "/modern.p12").reason, "missing_password");
  EXPECT_EQ(d2.file_errors.at(ks + "/modern.p12").error,
            "password_file " + p12_pass + ": cannot open");
}

}  // namespace
}  // namespace certwatch
