// The commands of `custos`, the tool for officers, prosecutors, auditors and operators: one
// function per command that adds it to the tool, with its options and help (main.cpp calls them;
// what the tools share is in tools/support/).
#pragma once

#include "tools/support/command.hpp"

namespace custos::cli {

void add_keygen(Tool& tool);
// `custos key passwd FILE [--new-passphrase-file F]` (key.cpp).
void add_key(Tool& tool);
void add_genesis(Tool& tool);
void add_event(Tool& tool);
// `custos audit --data DIR [--genesis-hash HEX] [--json]` (audit.cpp).
void add_audit(Tool& tool);
// `custos submit EVENT.json|ENVELOPE.json --node URL --key FILE [--sign-event] [--wait] [--json]`
void add_submit(Tool& tool);
// `custos trail ITEM --node URL --key FILE [--json]`
void add_trail(Tool& tool);
// `custos case CASE --node URL --key FILE [--json]`
void add_case(Tool& tool);
// `custos inbox --node URL --key FILE [--agency AGENCY] [--json]` (inbox.cpp)
void add_inbox(Tool& tool);
// `custos cases --node URL --key FILE [--agency AGENCY] [--json]` (cases.cpp)
void add_cases(Tool& tool);
// `custos find --sha256 HEX|--sha256-of FILE|--officer KEY|--from T --to T [--case C] --node URL --key FILE
// [--json]` (find.cpp)
void add_find(Tool& tool);
// `custos reads ITEM --node URL --key FILE [--json]` (reads.cpp)
void add_reads(Tool& tool);
// `custos follow [--from-height H] [--case CASE] [--max-events N] --node URL --key FILE [--json]`
// (follow.cpp)
void add_follow(Tool& tool);
// `custos status --node URL --key FILE [--json]`
void add_status(Tool& tool);
// `custos explorer --node URL --key FILE [--listen ADDR] [--assets DIR]` (explorer.cpp).
void add_explorer(Tool& tool);

}  // namespace custos::cli
