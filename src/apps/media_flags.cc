#include "apps/media_flags.h"

namespace hm {

void AddMediaOptionFlags(CLI::App& cmd, MediaSpec& o, const std::string& group) {
  cmd.add_option("--slices", o.slices, "Volume slices to sample (default 180)")->group(group);
  cmd.add_option_function<std::string>(
         "--axis", [&o](const std::string& v) { o.axis = ParseSliceAxis(v, "--axis"); },
         "Volume slice axis: axial (default), coronal or sagittal")
      ->group(group);
  cmd.add_option("--window", o.window,
                 "DICOM intensity window WIDTH:LEVEL, 'file', or a CT preset (lung, mediastinum, bone, brain, "
                 "abdomen, liver)")
      ->group(group);
  cmd.add_option("--fps", o.fps, "Video frames per second to sample (default 1, as the reference)")->group(group);
  cmd.add_option("--max-frames", o.max_frames, "Video frame cap; more are sampled uniformly down to it (default 4096, 768 for a folder of frames)")
      ->group(group);
  cmd.add_option("--start", o.start, "Video start (s)")->group(group);
  cmd.add_option("--end", o.end, "Video end (s)")->group(group);
}

void AddVisualFlags(CLI::App& cmd, VisualSettings& s, const std::string& group) {
  cmd.add_flag("--timestamps", s.timestamps, "Put frame times in the prompt (the reference does not)")->group(group);
  cmd.add_flag("--true-aspect-ratio", s.true_aspect_ratio,
               "Size images by their real aspect ratio (the reference swaps height and width of still images)")
      ->group(group);
  cmd.add_flag("!--no-token-reduction", s.token_reduction, "Keep every visual token of videos and volumes")
      ->group(group);
  cmd.add_flag("--keep-first-frame", s.keep_first_frame,
               "Token reduction fix: keep frame 0 whole (the reference keeps one token of it)")
      ->group(group);
  cmd.add_option_function<std::string>(
         "--reduction", [&s](const std::string& v) { s.reduction_rule = ParseReductionRule(v, "--reduction"); },
         "Token reduction rule: reference (pixels, default) or paper (encoder features)")
      ->group(group);
  cmd.add_option_function<std::string>(
         "--reduction-precision",
         [&s](const std::string& v) { s.reduction_precision = ParseReductionPrecision(v, "--reduction-precision"); },
         "Pixel precision of the reference mask: auto (default: bf16 for bf16 checkpoints, as the reference), "
         "bf16, f32")
      ->group(group);
  cmd.add_option("--reduction-threshold", s.reduction_threshold, "Token reduction threshold tau")
      ->group(group)
      ->capture_default_str();
}

}  // namespace hm
