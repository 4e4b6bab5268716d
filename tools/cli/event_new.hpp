// `custos event new KIND ...` (event_new.cpp): an event from options, filled in from the node,
// checked against the schema, signed and submitted.
#pragma once

#include "tools/support/command.hpp"

namespace custos::cli {

// Adds `new` to the `event` command.
void add_event_new(Tool& tool, CLI::App& event);

}  // namespace custos::cli
