// The commands of `custos`, the tool for officers, prosecutors, auditors and operators: one
// function per command, each taking the arguments after its name (the command table is in
// main.cpp; what the tools share is in tools/support/).
#pragma once

#include "tools/support/command.hpp"

namespace custos::cli {

int run_keygen(const Args& args);
// `custos key passwd FILE [--new-passphrase-file F]` (key.cpp).
int run_key(const Args& args);
int run_genesis(const Args& args);
int run_event(const Args& args);
// `custos audit --data DIR [--genesis-hash HEX] [--json]` (audit.cpp).
int run_audit(const Args& args);
// `custos submit EVENT.json|ENVELOPE.json --node URL --key FILE [--sign-event] [--wait] [--json]`
int run_submit(const Args& args);
// `custos trail ITEM --node URL --key FILE [--json]`
int run_trail(const Args& args);
// `custos case CASE --node URL --key FILE [--json]`
int run_case(const Args& args);
// `custos inbox --node URL --key FILE [--agency AGENCY] [--json]` (inbox.cpp)
int run_inbox(const Args& args);
// `custos cases --node URL --key FILE [--agency AGENCY] [--json]` (cases.cpp)
int run_cases(const Args& args);
// `custos find --sha256 HEX|--sha256-of FILE|--officer KEY|--from T --to T [--case C] --node URL --key FILE
// [--json]` (find.cpp)
int run_find(const Args& args);
// `custos reads ITEM --node URL --key FILE [--json]` (reads.cpp)
int run_reads(const Args& args);
// `custos follow [--from-height H] [--case CASE] [--max-events N] --node URL --key FILE [--json]`
// (follow.cpp)
int run_follow(const Args& args);
// `custos status --node URL --key FILE [--json]`
int run_status(const Args& args);
// `custos explorer --node URL --key FILE [--listen ADDR] [--assets DIR]` (explorer.cpp).
int run_explorer(const Args& args);

}  // namespace custos::cli
