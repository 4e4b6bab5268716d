// `custos event new KIND ...` (event_new.cpp): an event from options, filled in from the node,
// checked against the schema, signed and submitted.
#pragma once

#include <string_view>

#include "tools/cli/commands.hpp"

namespace custos::cli {

int run_event_new(const Args& args);

inline constexpr std::string_view event_new_usage =
    "usage: custos event new KIND --node URL --key FILE [--item ID] [options] [--dry-run] [--wait] [--json]\n"
    "\n"
    "Builds a custody or governance event from options, so that nobody writes JSON, ids or times\n"
    "by hand, then signs it with FILE and submits it (POST /v1/events). Filled in for you:\n"
    "  chain_id, agency   from the key's record on the node (GET /v1/officers/{key})\n"
    "  prev, case         the item's head and case, from its committed trail (not for register)\n"
    "  time               this machine's clock, in milliseconds (or --time)\n"
    "  released_by / received_by   the key's officer name, unless given\n"
    "The event is checked against the schema (rule R1) here; an error names the option to fix.\n"
    "The node checks the custody rules (R3..R32) and prints its refusal like 'custos submit'.\n"
    "\n"
    "KIND (docs/FORMAT.md section 6; what each needs is in docs/OPERATIONS.md, 'Writing events'):\n"
    "  register        --item --case --sha256|--sha256-of --description --location --authority [--seal]\n"
    "  transfer.offer  --item --to AGENCY --authority [--released-by] [--location]\n"
    "  transfer.accept --item --sha256|--sha256-of --seal-intact yes|no --location [--received-by]\n"
    "  transfer.reject --item --reason [--received-by]\n"
    "  transfer.cancel --item [--reason]\n"
    "  access          --item --action view|copy|image|analyse|export --purpose --authority [--tool]\n"
    "                  [--result SHA256 ...]\n"
    "  grant           --item --grantee AGENCY --scope view,analyse,... --expires TIME|+<n>d --authority\n"
    "  revoke          --item --grantee AGENCY [--reason]\n"
    "  verify          --item --sha256|--sha256-of [--tool]\n"
    "  seal, unseal    --item --seal NUMBER (unseal: the current seal) [--reason]\n"
    "  derive          --item --new-item ID --sha256|--sha256-of --description --authority [--tool]\n"
    "  dispose         --item --outcome returned|destroyed|archived [--reason]\n"
    "  officer.add     --officer KEY --roles custodian,... --name NAME        (an admin's key)\n"
    "  officer.revoke  --officer KEY --reason TEXT                           (an admin's key)\n"
    "  validator.propose  --validator-name N --validator-key KEY --power P --address HOST:PORT\n"
    "                     --reason TEXT [--validator-agency A]                (an admin's key)\n"
    "  validator.approve  --proposal EVENT-ID [--reason]                      (an admin's key)\n"
    "Every kind also takes --location, --authority and --attribute NAME=VALUE (repeatable) where\n"
    "FORMAT.md allows them.\n"
    "\n"
    "options:\n"
    "  --node URL           the node's REST base URL, e.g. http://127.0.0.1:8081\n"
    "  --key FILE           the officer's secret key file (mode 0600)\n"
    "  --item ID, --case ID the item (and, for register, its case)\n"
    "  --authority K:REF    the legal authority, K one of warrant, mlat, eio, other (warrant:W-1)\n"
    "  --sha256 HEX         a digest (--md5, --sha1 beside it); --sha256-of FILE hashes a file here\n"
    "  --time TIME          the event's time instead of now (2026-02-01T10:00:00.000Z)\n"
    "  --expires TIME       a grant's end: a time, or +<n>d / +<n>h after the event's time\n"
    "  --officer KEY        a key id (64 hex) or a public key file (FILE.pub); --validator-key too\n"
    "  --prev ID            the event this one follows, instead of the item's head\n"
    "  --dry-run            print the event (JSON) and its id; sign and submit nothing\n"
    "  --wait               wait until the event is committed (POST /v1/events?wait=commit)\n"
    "  --json               print the node's JSON answer\n"
    "  -h, --help           show this help\n"
    "\n"
    "exit status: 0 admitted (committed with --wait) or printed (--dry-run), 1 refused or failed,\n"
    "2 bad usage.\n";

}  // namespace custos::cli
