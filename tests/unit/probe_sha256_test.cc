// The static probe's own SHA-256 (the tracer fingerprints test scripts
// with it): the FIPS 180-4 / NIST example vectors, and every length
// across the padding boundaries against OpenSSL's (util/sha256.h).
#include "probe/sha256.h"

#include <gtest/gtest.h>

#include "util/sha256.h"

namespace ipc::probe {
namespace {

TEST(ProbeSha256, MatchesTheNistExampleVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // 448 bits: the padding needs a second block.
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                      "klmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(ProbeSha256, AgreesWithOpenSslForEveryLengthAcrossBlockBoundaries) {
  std::string data;
  for (int n = 0; n <= 300; ++n) {
    EXPECT_EQ(Sha256Hex(data), ::ipc::Sha256Hex(data)) << "length " << n;
    data += static_cast<char>((n * 131 + 7) & 0xff);  // every byte value, NUL included
  }
}

}  // namespace
}  // namespace ipc::probe
