// Where `custos audit` gets the certified checkpoints it compares a store with: a file
// (--expect) or a node (--against). Either way the checkpoint is only text here: audit verifies
// its signatures against the validator sets the replay derives (ledger/audit/audit_checkpoint.hpp), so
// neither the file nor the node is trusted.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "ledger/types.hpp"

namespace custos::cli {

// A checkpoint file holds the signed note as a node serves it: either the note's text, or the
// JSON answer of GET /v1/checkpoints/{height|latest} (its "note" member).
[[nodiscard]] Result<ledger::Certificate> read_checkpoint_file(const std::filesystem::path& path);
// GET URL/v1/checkpoints/latest (unauthenticated) and its "note".
[[nodiscard]] Result<ledger::Certificate> fetch_latest_checkpoint(std::string_view url);

}  // namespace custos::cli
