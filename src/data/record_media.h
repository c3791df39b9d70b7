// Loading a training record's media through the engine's media readers, the same ones `run`
// uses, with the training defaults (videos at 1 fps, volumes along the axial axis).
#pragma once

#include "data/training_record.h"
#include "media/frames.h"

namespace hm {

// Decodes the item; throws hm::Error naming the file on anything missing or undecodable.
Frames LoadRecordMedia(const RecordMedia& media);

}  // namespace hm
