// Fixture shared by the fetch_* test files.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fetch/fetcher.h"
#include "unit/fetch_git_helpers.h"
#include "util/tar.h"

namespace ipc::fetch::testing {

inline constexpr const char* kTokenEnv = "IPC_FETCH_TEST_TOKEN";

class FetchTest : public ::testing::Test {
 protected:
  FetchRequest Req(const std::string& source, std::vector<std::string> refs) {
    FetchRequest r;
    r.source = source;
    r.refs = std::move(refs);
    r.cache_dir = tmp_ / "cache";
    r.credentials.token_env = kTokenEnv;
    r.timeout_s = 60;
    return r;
  }

  Snapshot MustFetch(const FetchRequest& req) {
    Snapshot s;
    FetchError e;
    EXPECT_TRUE(fetcher_->Fetch(req, &s, &e)) << e.message;
    return s;
  }

  FetchError MustFail(const FetchRequest& req) {
    Snapshot s;
    FetchError e;
    EXPECT_FALSE(fetcher_->Fetch(req, &s, &e))
        << "fetch unexpectedly succeeded";
    EXPECT_FALSE(e.message.empty());
    return e;
  }

  static const TreeEntry* FindEntry(const Snapshot& s,
                                    const std::string& path) {
    for (const TreeEntry& e : s.entries) {
      if (e.path == path) return &e;
    }
    return nullptr;
  }

  // By value, so a missing path fails the test instead of dereferencing
  // null.
  static TreeEntry EntryAt(const Snapshot& s, const std::string& path) {
    const TreeEntry* e = FindEntry(s, path);
    if (e == nullptr) {
      ADD_FAILURE() << "no entry " << path;
      return TreeEntry{"<missing>", EntryType::kFile, 0};
    }
    return *e;
  }

  static std::vector<tar::Member> Members(const Snapshot& s) {
    std::vector<tar::Member> out;
    std::string err;
    EXPECT_TRUE(tar::List(s.tar, &out, &err)) << err;
    return out;
  }

  static const tar::Member* FindMember(const std::vector<tar::Member>& ms,
                                       const std::string& path) {
    for (const tar::Member& m : ms) {
      if (m.path == path) return &m;
    }
    return nullptr;
  }

  static tar::Member MemberAt(const std::vector<tar::Member>& ms,
                              const std::string& path) {
    const tar::Member* m = FindMember(ms, path);
    if (m == nullptr) {
      ADD_FAILURE() << "no tar member " << path;
      return tar::Member{};
    }
    return *m;
  }

  static bool AnyContains(const std::vector<std::string>& lines,
                          const std::string& a, const std::string& b = "") {
    for (const std::string& l : lines) {
      if (l.find(a) != std::string::npos && l.find(b) != std::string::npos)
        return true;
    }
    return false;
  }

  TempDir tmp_;
  std::unique_ptr<Fetcher> fetcher_ = MakeGitFetcher();
};

}  // namespace ipc::fetch::testing
