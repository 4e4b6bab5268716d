// The transport against a client written from docs/FORMAT.md alone (interop_client.py, Python
// with libsodium through ctypes): if the document and the code disagree on a byte, this fails.
#include <doctest/doctest.h>
#include <sodium.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "crypto/encoding.hpp"
#include "test_network.hpp"

namespace {

using namespace custos;
using namespace custos::runtime;
using namespace custos::runtime::testing;

// Runs a command and returns its exit status and standard output.
std::pair<int, std::string> run_command(const std::string& command) {
    std::string output;
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE_MESSAGE(pipe != nullptr, "cannot run: " << command);
    std::array<char, 256> chunk{};
    while (std::fgets(chunk.data(), chunk.size(), pipe) != nullptr)
        output += chunk.data();
    const int status = ::pclose(pipe);
    return {status, output};
}

}  // namespace

TEST_CASE("a client written from FORMAT.md alone handshakes and exchanges messages") {
    IoThread io_thread;
    const SecretKey server_key = SecretKey::generate();
    const Bytes client_seed(crypto::seed_bytes, 0x42);
    const Result<SecretKey> client_key = SecretKey::from_seed(client_seed);
    REQUIRE(client_key.has_value());
    TransportNode server(io_thread.io, server_key,
                         fast_options({server_key.public_key(), client_key->public_key()}));
    Transport* transport = server.transport.get();
    transport->on_message([transport](const PublicKey& from, Bytes message) {
        message.insert(message.begin(), {'e', 'c', 'h', 'o', ' '});
        (void)transport->send(from, std::move(message));
    });

    const std::string script = std::string(CUSTOS_VECTORS_DIR) + "/../runtime/interop_client.py";
    const std::string command = "timeout 20 python3 " + script + " " + std::to_string(server.port) + " " +
                                std::string(test_chain_id) + " " + crypto::hex_encode(server.key.view()) +
                                " " + crypto::hex_encode(client_seed) + " from-python";
    // Plain variables, not a structured binding: INFO captures them, which clang 14 refuses.
    const std::pair<int, std::string> result = run_command(command);
    const int status = result.first;
    const std::string& output = result.second;
    INFO("command: " << command);
    INFO("output: " << output);
    CHECK(status == 0);
    CHECK(output == "REPLY " + crypto::hex_encode(as_bytes("echo from-python")) + "\n");
    REQUIRE(wait_until([&] { return server.stats().handshakes_completed == 1; }));
    CHECK(server.stats().drops_for(DropReason::decrypt_failed) == 0);
}
