// The media and visual-policy flags that `run`, `serve` and the tools after them share, so a
// flag means the same everywhere and lands in the runtime's policy types (media_request.h,
// request_policy.h) that the API fills from request JSON.
#pragma once

#include <CLI/CLI.hpp>

#include "runtime/media_request.h"
#include "runtime/request_policy.h"

namespace hm {

// --slices --axis --window --fps --max-frames --start --end: options for every media item of
// the command line; LoadMedia applies the defaults and checks the ranges.
void AddMediaOptionFlags(CLI::App& cmd, MediaSpec& options, const std::string& group);

// --true-aspect-ratio --no-token-reduction --keep-first-frame --reduction
// --reduction-precision --reduction-threshold --timestamps.
void AddVisualFlags(CLI::App& cmd, VisualSettings& settings, const std::string& group);

}  // namespace hm
