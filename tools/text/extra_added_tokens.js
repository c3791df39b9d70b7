// Added tokens appended to the Qwen3 vocabulary for the added-token goldens; the C++ test
// reads this same list (as JSON) so both sides build the identical tokenizer.
"use strict";
const extraAddedTokens = require("../../testdata/text/extra_added_tokens.json");
module.exports = { extraAddedTokens };
