// A fresh, empty folder for the running test. ctest runs every TEST as its own process, side by
// side, so a fixed name under /tmp is shared by whichever tests run together; this one is named
// after the suite, the test, the process and a per-process count, and is removed when the test
// ends. HULUMED_KEEP_SCRATCH=1 keeps it and prints where it is, to look at a failure's files.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace hm {

class ScratchDir {
 public:
  ScratchDir() : path_(std::filesystem::temp_directory_path() / UniqueName()) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    const char* keep = std::getenv("HULUMED_KEEP_SCRATCH");
    if (keep != nullptr && std::string_view(keep) == "1") {
      std::fprintf(stderr, "HULUMED_KEEP_SCRATCH: kept %s\n", path_.c_str());
      return;
    }
    std::error_code ignored;  // a test that already removed its folder is fine
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }
  // The path of `name` inside, as the string most APIs under test take.
  std::string File(std::string_view name) const { return (path_ / name).string(); }
  // An empty folder `name` inside, for a test that needs several side by side.
  std::filesystem::path Folder(std::string_view name) const {
    std::filesystem::create_directories(path_ / name);
    return path_ / name;
  }

 private:
  // hm_<suite>.<test>_<pid>_<n>; parameterized names ("Cases/Suite.Test/0") lose their slashes.
  static std::string UniqueName() {
    static std::atomic<int> count{0};
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const ::testing::TestSuite* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
    std::string test = info != nullptr   ? std::string(info->test_suite_name()) + "." + info->name()
                       : suite != nullptr ? std::string(suite->name())  // SetUpTestSuite
                                          : std::string("no_test");
    for (char& c : test) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.') c = '_';
    }
    return "hm_" + test + "_" + std::to_string(::getpid()) + "_" + std::to_string(count++);
  }

  std::filesystem::path path_;
};

}  // namespace hm
