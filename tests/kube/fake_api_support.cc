#include "tests/kube/fake_api_support.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/handles.h"

extern char** environ;

namespace certwatch::testing {

namespace {
size_t Append(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}
}  // namespace

FakeKubeApi::FakeKubeApi(std::vector<std::string> extra_args) {
  char tmpl[] = "/tmp/certwatch-fakekube-XXXXXX";
  dir_ = mkdtemp(tmpl);
  const std::string port_file = dir_ + "/port";
  const std::string script = std::string(CERTWATCH_SOURCE_DIR) + "/tests/fakes/kube_api.py";
  std::vector<std::string> args = {"/usr/bin/python3", script,   "--port", "0",
                                   "--port-file",      port_file};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  const std::string log = dir_ + "/server.log";
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) {
    posix_spawn_file_actions_destroy(&fa);
    throw std::runtime_error("cannot start the fake API server");
  }
  posix_spawn_file_actions_destroy(&fa);
  if (!WaitFor([&] { return std::filesystem::exists(port_file); })) {
    Stop();
    throw std::runtime_error("fake API server did not start; see " + log);
  }
  std::ifstream in(port_file);
  int port = 0;
  in >> port;
  url_ = "http://127.0.0.1:" + std::to_string(port);
}

FakeKubeApi::~FakeKubeApi() {
  Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void FakeKubeApi::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 250; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    struct timespec ts {
      0, 20'000'000
    };
    nanosleep(&ts, nullptr);
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string FakeKubeApi::WriteKubeconfig(const std::string& token) const {
  const std::string path = dir_ + "/kubeconfig";
  std::ofstream out(path);
  out << "apiVersion: v1\nkind: Config\ncurrent-context: fake\nclusters:\n- name: fake\n"
         "  cluster:\n    server: "
      << url_ << "\ncontexts:\n- name: fake\n  context: {cluster: fake, user: fake}\n"
      << "users:\n- name: fake\n  user: {" << (token.empty() ? "" : "token: " + token) << "}\n";
  return path;
}

std::string FakeKubeApi::Control(const std::string& method, const std::string& what,
                                 const std::string& body) const {
  CurlPtr c(curl_easy_init());
  std::string out;
  const std::string url = url_ + "/_fake/" + what;
  curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  if (!body.empty()) {
    curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &out);
  curl_easy_setopt(c.get(), CURLOPT_TIMEOUT, 60L);
  if (curl_easy_perform(c.get()) != CURLE_OK) return "";
  return out;
}

}  // namespace certwatch::testing
