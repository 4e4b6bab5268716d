// Sealed key files from the command line and in custos-node (issue 19, keys at rest): custos
// keygen --encrypt, custos key passwd, and a --key reader (event sign) with --passphrase-file; a
// wrong passphrase is refused; an unsealed key outside a localnet is warned about, inside one
// not; custos-node opens a sealed validator key with the config's validator_key_passphrase_file.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cli_support.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/sealed_key.hpp"
#include "localnet.hpp"

namespace {

namespace fs = std::filesystem;
using namespace custos::node_test;

void write_0600(const fs::path& path, const std::string& text) {
    int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fd);
}

}  // namespace

TEST_CASE("cli: keygen --encrypt, key passwd and a --key reader with --passphrase-file") {
    fs::path work = fs::temp_directory_path() / ("custos-sealed-cli-" + std::to_string(::getpid()));
    fs::remove_all(work);
    fs::create_directories(work);
    write_0600(work / "first", "first passphrase\n");
    write_0600(work / "second", "second passphrase\n");
    std::ofstream(work / "event.json")
        << R"({"type":"custos.event.v1","chain_id":"custos-localnet","item":"I-1","case":"C-1",)"
           R"("agency":"NL-POL","time":"2026-01-01T00:00:00.000Z","kind":"register","location":"Room 1",)"
           R"("legal_authority":{"kind":"warrant","reference":"W-1"},)"
           R"("digests":{"sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},)"
           R"("description":"a phone"})";
    const std::string key = (work / "officer.key").string();
    const std::string event = (work / "event.json").string();

    Run made = run_custos(work, "keygen --encrypt --out " + key + " --name officer-1 --passphrase-file " +
                                    (work / "first").string());
    REQUIRE_MESSAGE(made.exit_code == 0, made.err);
    CHECK(contains(read_file(key), "custos.ed25519.sealed-secret-key.v1"));

    Run signed_first = run_custos(
        work, "event sign --key " + key + " " + event + " --passphrase-file " + (work / "first").string());
    CHECK_MESSAGE(signed_first.exit_code == 0, signed_first.err);
    CHECK(contains(signed_first.out, "\"sig\""));
    CHECK_FALSE(contains(signed_first.err, "not sealed"));
    Run wrong = run_custos(
        work, "event sign --key " + key + " " + event + " --passphrase-file " + (work / "second").string());
    CHECK(wrong.exit_code == 1);
    CHECK(contains(wrong.err, "wrong passphrase"));

    // A new passphrase: the old one no longer opens the file, the new one does, same key.
    Run changed = run_custos(work, "key passwd " + key + " --passphrase-file " + (work / "first").string() +
                                       " --new-passphrase-file " + (work / "second").string());
    REQUIRE_MESSAGE(changed.exit_code == 0, changed.err);
    Run signed_second = run_custos(
        work, "event sign --key " + key + " " + event + " --passphrase-file " + (work / "second").string());
    CHECK_MESSAGE(signed_second.exit_code == 0, signed_second.err);
    CHECK(signed_second.out == signed_first.out);  // Ed25519 is deterministic: the same key signed.
    CHECK(run_custos(work, "event sign --key " + key + " " + event + " --passphrase-file " +
                               (work / "first").string())
              .exit_code == 1);

    // An unsealed key outside a localnet directory: it works, with a warning.
    const std::string plain = (work / "plain.key").string();
    REQUIRE(run_custos(work, "keygen --out " + plain + " --name plain").exit_code == 0);
    Run warned = run_custos(work, "event sign --key " + plain + " " + event);
    CHECK(warned.exit_code == 0);
    CHECK(contains(warned.err, "is not sealed with a passphrase"));
    // Inside a localnet directory (it holds localnet.json) unsealed test keys are not warned about.
    fs::create_directories(work / "net" / "keys");
    std::ofstream(work / "net" / "localnet.json") << "{}";
    const std::string test_key = (work / "net" / "keys" / "test.key").string();
    REQUIRE(run_custos(work, "keygen --out " + test_key + " --name test").exit_code == 0);
    Run quiet = run_custos(work, "event sign --key " + test_key + " " + event);
    CHECK(quiet.exit_code == 0);
    CHECK_FALSE(contains(quiet.err, "not sealed"));
    // The passphrase is never taken from the command line itself.
    CHECK(run_custos(work, "keygen --encrypt --out " + (work / "x.key").string() + " --passphrase secret")
              .exit_code == 2);
    fs::remove_all(work);
}

TEST_CASE(
    "custos-node: a sealed validator key opens with validator_key_passphrase_file, not with a wrong one") {
    using namespace custos;
    Localnet net;
    const fs::path key_path = net.dir() / "node0" / "validator.key";
    auto plain = crypto::read_secret_key_file(key_path);
    REQUIRE(plain.has_value());
    fs::remove(key_path);
    auto passphrase = crypto::Passphrase::from("validator passphrase");
    REQUIRE(passphrase.has_value());
    REQUIRE(crypto::write_sealed_secret_key_file(key_path, plain->name, plain->key, *passphrase).has_value());
    write_0600(net.dir() / "right", "validator passphrase\n");
    write_0600(net.dir() / "wrong", "another passphrase\n");
    const fs::path config_path = net.dir() / "node0.json";
    auto config = crypto::parse_json(read_file(config_path));
    REQUIRE(config.has_value());

    (*config)["validator_key_passphrase_file"] = (net.dir() / "wrong").string();
    std::ofstream(config_path, std::ios::trunc) << config->dump();
    net.launch(0);
    auto exited = net.wait_exit(0, 30);
    REQUIRE(exited.has_value());
    CHECK(*exited != 0);
    CHECK_MESSAGE(net.log_contains(0, "wrong passphrase"), net.log_tail(0));

    (*config)["validator_key_passphrase_file"] = (net.dir() / "right").string();
    std::ofstream(config_path, std::ios::trunc) << config->dump();
    net.start(0);  // Waits for its REST API to answer.
    CHECK(net.log_contains(0, "node_started"));
    CHECK_FALSE(net.log_contains(0, "validator_key_unsealed"));
    // The control: an unsealed key outside a localnet directory is warned about.
    net.start(1);
    CHECK(net.log_contains(1, "validator_key_unsealed"));
}
