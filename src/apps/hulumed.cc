// hulumed: run, serve and evaluate Hulu-Med models on the CPU.
#include <cstdio>

#include "apps/commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"hulumed: Hulu-Med medical vision-language models on the CPU"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every command");
  hm::AddRunCommand(app);
  hm::AddCreateModelCommand(app);
  hm::AddTokenizeCommand(app);
  hm::AddTemplateCommand(app);
  hm::AddServeCommand(app);
  hm::AddQuantizeCommand(app);
  hm::AddBenchCommand(app);
  hm::AddTrainGradCommand(app);
  hm::AddTrainCommand(app);
  hm::AddTrainExportCommand(app);
  hm::AddEvalCommands(app);
  hm::AddDataCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const hm::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {  // e.g. a filesystem_error: it names the path
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
