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

namespace certwatch {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

FilesSourceOptions Opts(std::vector<std::string> patterns) {
  FilesSourceOptions o;
  o.patterns = std::move(patterns);
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
  std::ofstream(dir_ / "bundle.pem") << ReadAll(a) << ReadAll(dir_ / "a.key") << ReadAll(b);
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
      << Base64Encode(ReadAll(ca)) << "\nusers:\n- name: kubernetes-admin\n  user:\n"
      << "    client-certificate-data: " << Base64Encode(ReadAll(client))
      << "\n    client-key-data: " << Base64Encode(ReadAll(dir_ / "client.key")) << "\n";
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

}  // namespace
}  // namespace certwatch
