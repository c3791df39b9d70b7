// Global-norm gradient clipping over the trainable parameters, as torch.nn.utils.clip_grad_norm_
// (L2): every gradient is scaled by min(1, max_norm / (norm + 1e-6)).
#pragma once

#include <span>

#include "train/group_lrs.h"
#include "train/param_view.h"

namespace hm {

// The L2 norm of all gradients of groups that train under `lrs` (frozen ones are left out,
// as their gradients are never computed in torch). Summed in double, in parameter order, so
// the result does not depend on threads.
double GlobalGradNorm(std::span<const TrainParam> params, const GroupLrs& lrs);

// Returns the norm before clipping. max_norm <= 0 disables clipping (the norm is still
// returned for the log). A non-finite norm leaves the gradients untouched: the caller skips
// that step.
double ClipGradNorm(std::span<TrainParam> params, const GroupLrs& lrs, double max_norm);

}  // namespace hm
