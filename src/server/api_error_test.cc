#include "server/api_error.h"

#include <gtest/gtest.h>

namespace hm {
namespace {

ErrorStatus StatusOfThrown(void (*fail)()) {
  try {
    fail();
  } catch (const std::exception& e) {
    return StatusOf(e);
  }
  ADD_FAILURE() << "nothing thrown";
  return {0, ""};
}

// Only the client's mistakes are 4xx; the checkpoint's and the engine's failures are 500.
TEST(ApiError, StatusFollowsWhoseFaultItIs) {
  const ErrorStatus input = StatusOfThrown([] { Fail("\"messages\" must be a non-empty list"); });
  EXPECT_EQ(input.status, 400);
  EXPECT_EQ(input.type, "invalid_request_error");
  const ErrorStatus api = StatusOfThrown([] { throw ApiError(413, "invalid_request_error", "too big"); });
  EXPECT_EQ(api.status, 413);
  const ErrorStatus internal = StatusOfThrown([] { FailInternal("serve: no free KV cache slot"); });
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.type, "server_error");
  const ErrorStatus other = StatusOfThrown([] { throw std::runtime_error("bug"); });
  EXPECT_EQ(other.status, 500);
  EXPECT_EQ(other.type, "server_error");
}

}  // namespace
}  // namespace hm
