// How many containers one submission gets (cli/options.h): the policy that
// keeps a class at one container per student and spreads a lone rerun.
#include <gtest/gtest.h>

#include "cli/options.h"

namespace ipc::cli {
namespace {

TEST(LanesPerSubmission, TheUsersChoiceWins) {
  EXPECT_EQ(LanesPerSubmission(1, 4, 1), 1);
  EXPECT_EQ(LanesPerSubmission(5, 4, 30), 5);
}

TEST(LanesPerSubmission, AClassKeepsOneContainerPerStudent) {
  EXPECT_EQ(LanesPerSubmission(0, 4, 30), 1);
  EXPECT_EQ(LanesPerSubmission(0, 4, 4), 1);
  EXPECT_EQ(LanesPerSubmission(0, 4, 3), 1);  // 4 / 3: no whole slot to spare
}

TEST(LanesPerSubmission, IdleSlotsSpreadFewStudentsUpToTheCap) {
  EXPECT_EQ(LanesPerSubmission(0, 4, 2), 2);
  EXPECT_EQ(LanesPerSubmission(0, 4, 1), kAutoLanes);
  EXPECT_EQ(LanesPerSubmission(0, 64, 1), kAutoLanes);
  EXPECT_EQ(LanesPerSubmission(0, 2, 1), 2);
  EXPECT_EQ(LanesPerSubmission(0, 4, 0), 1);
}

}  // namespace
}  // namespace ipc::cli
