// HTTPS between the CLI and custos-node (issue 19): a one-validator localnet whose node serves
// its REST API with a self-signed certificate made in the test. `custos status` succeeds with
// --cacert and with the right --pin, fails with a wrong pin and without a trust anchor; a config
// whose REST listener is not loopback and has no TLS is refused with a message naming the fix.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "cli_support.hpp"
#include "crypto/canonical_json.hpp"
#include "tls_support.hpp"

namespace {

namespace fs = std::filesystem;
using namespace custos;
using namespace custos::node_test;

// One custos-node process, its stderr in `log`; SIGTERM and reaped on destruction.
class NodeProcess {
public:
    NodeProcess(const fs::path& config, const fs::path& log) {
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            FILE* out = std::freopen(log.c_str(), "a", stderr);
            (void)out;
            ::execl(CUSTOS_NODE_BINARY, "custos-node", "--config", config.c_str(),
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
    }
    ~NodeProcess() {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    NodeProcess(const NodeProcess&) = delete;
    NodeProcess& operator=(const NodeProcess&) = delete;

private:
    pid_t pid_ = -1;
};

void write_json(const fs::path& path, const crypto::Json& json) {
    std::ofstream out(path, std::ios::trunc);
    out << json.dump(2);
    REQUIRE(out.good());
}

}  // namespace

TEST_CASE("cli over https: --cacert and the right --pin succeed; a wrong pin or no trust anchor fail") {
    fs::path work = fs::temp_directory_path() / ("custos-tls-cli-" + std::to_string(::getpid()));
    fs::remove_all(work);
    fs::create_directories(work);
    const fs::path net = work / "net";
    // Ports from the process id, in a range no other node test uses (11800..11999).
    const auto rest_port = static_cast<std::uint16_t>(11800 + (::getpid() % 50) * 4);
    Run init = run_custos_dev(work, "localnet init --dir " + net.string() +
                                        " --validators 1 --rest-port-base " + std::to_string(rest_port) +
                                        " --peer-port-base " + std::to_string(rest_port + 1));
    REQUIRE_MESSAGE(init.exit_code == 0, init.err);
    const auto certificate = custos::test::make_self_signed(work, "node");
    const auto other = custos::test::make_self_signed(work, "other");

    const fs::path config_path = net / "node0" / "config.json";
    auto config = crypto::parse_json(read_file(config_path));
    REQUIRE(config.has_value());
    (*config)["rest_tls_certificate_file"] = certificate.certificate_file.string();
    (*config)["rest_tls_key_file"] = certificate.key_file.string();
    write_json(config_path, *config);

    const std::string node = " --node https://127.0.0.1:" + std::to_string(rest_port);
    const std::string key = " --key " + (net / "keys" / "NL-POL" / "auditor.key").string();
    const std::string cacert = " --cacert " + certificate.certificate_file.string();
    {
        NodeProcess running(config_path, work / "node.log");
        Run by_ca;
        for (int tries = 0; tries < 100; ++tries) {
            by_ca = run_custos(work, "status" + node + key + cacert);
            if (by_ca.exit_code == 0) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        const std::string why = by_ca.err + read_file(work / "node.log");
        REQUIRE_MESSAGE(by_ca.exit_code == 0, why);
        CHECK(contains(by_ca.out, "custos-localnet"));
        // The node logs the pin a client can give; it is the certificate's.
        CHECK(contains(read_file(work / "node.log"), certificate.pin));

        Run by_pin = run_custos(work, "status" + node + key + " --pin " + certificate.pin);
        CHECK_MESSAGE(by_pin.exit_code == 0, by_pin.err);
        CHECK(by_pin.out == by_ca.out);

        Run wrong_pin = run_custos(work, "status" + node + key + " --pin " + other.pin);
        CHECK(wrong_pin.exit_code == 1);
        CHECK(contains(wrong_pin.err, "not the --pin given"));
        Run wrong_ca =
            run_custos(work, "status" + node + key + " --cacert " + other.certificate_file.string());
        CHECK(wrong_ca.exit_code == 1);
        CHECK(contains(wrong_ca.err, "not trusted by --cacert"));
        Run no_anchor = run_custos(work, "status" + node + key);
        CHECK(no_anchor.exit_code == 2);
        CHECK(contains(no_anchor.err, "needs a trust anchor"));
        // Plain HTTP to the HTTPS port gets no answer it can use.
        Run plain = run_custos(work, "status --node http://127.0.0.1:" + std::to_string(rest_port) + key);
        CHECK(plain.exit_code == 1);
        // A trust anchor for an http:// node is a usage mistake, said so.
        Run misplaced =
            run_custos(work, "status --node http://127.0.0.1:" + std::to_string(rest_port) + key + cacert);
        CHECK(misplaced.exit_code == 2);
        CHECK(contains(misplaced.err, "are for an https:// node"));
    }

    // Plain HTTP on a listener that is not loopback: refused at start, naming the fix.
    (*config).erase("rest_tls_certificate_file");
    (*config).erase("rest_tls_key_file");
    (*config)["rest_listen"] = "0.0.0.0:" + std::to_string(rest_port + 2);
    (*config)["rest_public_names"] = crypto::Json::array({"node.example:" + std::to_string(rest_port + 2)});
    write_json(config_path, *config);
    Run refused = run_command(work, std::string(CUSTOS_NODE_BINARY) + " --config " + config_path.string());
    CHECK(refused.exit_code == 2);
    CHECK(contains(refused.err, "not a loopback address"));
    CHECK(contains(refused.err, "rest_plain_http_allowed"));
    fs::remove_all(work);
}
