#include "cli/commands.h"

namespace ipc::cli {

void RegisterCommands(CLI::App* app, std::function<int()>* run) {
  RegisterGrade(app, run);
  RegisterRubric(app, run);
  RegisterBatch(app, run);
  RegisterMerge(app, run);
  RegisterAdjust(app, run);
  RegisterDiff(app, run);
}

}  // namespace ipc::cli
