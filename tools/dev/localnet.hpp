// custos-dev localnet: a local network of validators on 127.0.0.1 for newcomers and tests.
//   localnet.cpp       `init` (keys, genesis, node configs, localnet.json) and its options
//   localnet_run.cpp   `run`: custos-node children, health wait, clean shutdown on a signal
//   localnet_demo.cpp  the demo: register an item, offer it to a second agency, accept it
//
// DIR layout written by init (paths inside the node configs are relative to the config file):
//   DIR/genesis.json                      canonical genesis
//   DIR/localnet.json                     what `run` needs: nodes, REST addresses, agencies
//   DIR/keys/<AGENCY>/<role>.key (+.pub)  one officer key per role per agency (0600)
//   DIR/node<i>/config.json               custos-node --config (consensus/runtime/config.hpp)
//   DIR/node<i>/validator.key (+.pub)     the validator's key
//   DIR/node<i>/data/                     the node's store (made by custos-node)
//   DIR/node<i>/node.log                  the node's output (appended by run)
//   DIR/node<i>/validator_entry.json      init --joiners only, for nodes i >= V whose keys are not in
//                                         the genesis: their entry for a validator.propose (run does
//                                         not start them; docs/OPERATIONS.md 2.1)
//   DIR/node<i>/observer.key (+.pub)      init --observers only, for nodes after the validators and
//                                         joiners: a non-voting node's own key; every validator's
//                                         config lists it under "observers", and run starts it
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "tools/dev/commands.hpp"

namespace custos::cli::localnet {

inline constexpr std::size_t validators_max = 32;
inline constexpr std::size_t joiners_max = 4;    // init --joiners: nodes outside the genesis set.
inline constexpr std::size_t observers_max = 4;  // init --observers: non-voting nodes.
inline constexpr std::uint16_t default_rest_port_base = 8081;
inline constexpr std::uint16_t default_peer_port_base = 26657;
inline constexpr std::string_view chain_id = "custos-localnet";
inline constexpr std::string_view layout_file = "localnet.json";
inline constexpr std::string_view genesis_file = "genesis.json";

struct NodeEntry {
    std::string name;              // Validator name.
    std::filesystem::path config;  // Relative to DIR.
    std::string rest_host = "127.0.0.1";
    std::uint16_t rest_port = 0;
};

// The content of DIR/localnet.json.
struct Layout {
    std::string chain_id;
    std::vector<NodeEntry> nodes;       // The validators (the demo uses these).
    std::vector<NodeEntry> observers;   // Non-voting nodes run also starts ("observers", optional).
    std::vector<std::string> agencies;  // In the order given to init; the demo uses the first two.
};

// DIR/localnet.json, read strictly (ledger/json_fields.hpp): a missing file, bad JSON or a field of
// the wrong type or out of bounds is an error naming the file and the field.
[[nodiscard]] Result<Layout> read_layout(const std::filesystem::path& dir);
[[nodiscard]] std::filesystem::path officer_key_path(const std::filesystem::path& dir,
                                                     std::string_view agency, std::string_view role);
// The absolute path of the `custos` executable beside this `custos-dev`, for the commands printed
// to the user to copy.
[[nodiscard]] std::string custos_command();

// `init` and `run`, added to the `localnet` command.
void add_init(Tool& tool, CLI::App& localnet);
void add_run(Tool& tool, CLI::App& localnet);

struct DemoOptions {
    std::filesystem::path dir;
    Layout layout;
    // Returns true when the user asked to stop (checked between steps).
    bool (*stop_requested)() = nullptr;
};
// Registers a sample item with the first agency's custodian key, offers it to the second agency,
// which accepts; each event goes to a different node. Prints the trail URL. Skips (and says so)
// when the item is already on the ledger (a resumed localnet).
[[nodiscard]] Status run_demo(const DemoOptions& options);

}  // namespace custos::cli::localnet
