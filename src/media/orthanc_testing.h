// A real PACS for tests: Debian's Orthanc with its DICOMweb plugin, started on a free loopback
// port with a throwaway storage folder and basic auth, stopped when the object goes. Tests
// skip, saying why, where Orthanc is not installed or does not come up.
#pragma once

#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace hm::testing {

class Orthanc {
 public:
  static constexpr const char* kUser = "pacsuser";
  static constexpr const char* kPassword = "s3cret-pacs-password";

  Orthanc() {
    namespace fs = std::filesystem;
    const char* binary = "/usr/sbin/Orthanc";
    const char* plugin = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";
    if (!fs::exists(binary) || !fs::exists(plugin)) {
      why_not_ = "Orthanc or its DICOMweb plugin is not installed (Debian: orthanc, orthanc-dicomweb)";
      return;
    }
    char dir[] = "/tmp/hulumed-orthanc-XXXXXX";
    if (!mkdtemp(dir)) {
      why_not_ = "cannot make a storage folder";
      return;
    }
    dir_ = dir;
    port_ = FreePort();
    std::ofstream(dir_ / "orthanc.json") << R"({"Name": "hulumed-test", "StorageDirectory": ")" << (dir_ / "db").string()
                                         << R"(", "IndexDirectory": ")" << (dir_ / "db").string() << R"(", "HttpPort": )"
                                         << port_ << R"(, "DicomServerEnabled": false, "RemoteAccessAllowed": false,
      "AuthenticationEnabled": true, "RegisteredUsers": {")" << kUser << R"(": ")" << kPassword << R"("},
      "HttpsCaCertificates": "", "Plugins": [")" << plugin << R"("], "DicomWeb": {"Enable": true, "Root": "/dicom-web/"}})";
    pid_ = fork();
    if (pid_ == 0) {
      const std::string log = (dir_ / "orthanc.log").string();
      freopen(log.c_str(), "w", stdout);
      freopen(log.c_str(), "a", stderr);
      execl(binary, binary, (dir_ / "orthanc.json").c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {  // up to 20 s
      if (auto r = Client().Get("/system"); r && r->status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    why_not_ = "Orthanc did not answer on 127.0.0.1:" + std::to_string(port_) + " within 20 s (see " +
               (dir_ / "orthanc.log").string() + ")";
  }

  ~Orthanc() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    if (!dir_.empty() && why_not_.empty()) std::filesystem::remove_all(dir_);
  }

  // Empty when Orthanc is up; else the reason to skip.
  const std::string& why_not() const { return why_not_; }
  int port() const { return port_; }
  std::string dicomweb_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/dicom-web"; }

  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_basic_auth(kUser, kPassword);
    c.set_connection_timeout(2, 0);
    return c;
  }

  // Stores every file of `folder` through Orthanc's REST API; returns false on any refusal.
  bool Upload(const std::filesystem::path& folder) const {
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      auto r = Client().Post("/instances", bytes, "application/dicom");
      if (!r || r->status != 200) return false;
    }
    return true;
  }

 private:
  static int FreePort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    return ntohs(addr.sin_port);
  }

  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string why_not_;
};

}  // namespace hm::testing
