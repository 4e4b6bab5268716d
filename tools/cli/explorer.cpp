// custos explorer: serves the web explorer (web/, built into build/bin/web/explorer) on the
// officer's own machine and forwards its read requests to a node, each signed with the officer's
// key (RFC 9421), so that the key never reaches the browser.
//
// It is a thin pipe, not a second API: the page asks for GET /api/v1/...; this forwards GET
// /v1/... to the node, signed, and passes the node's status and body back. Only GET is forwarded
// (the explorer reads; officers record events with the CLI). Who may read what is the node's
// decision, as for every signed request.
//
// Local safety, as Jupyter does it: it listens on loopback only; it prints a URL with a random
// token, and every request must carry that token (in the URL once, then in a SameSite=Strict,
// HttpOnly cookie the first request sets), so that no other local user, and no web page the
// officer visits, can use the officer's key through it; the Host header must name the loopback
// address (no DNS rebinding); every response carries a Content-Security-Policy that allows no
// outside resource.
#include <sodium.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "api/http_client.hpp"
#include "crypto/encoding.hpp"
#include "tools/cli/commands.hpp"
#include "tools/support/api_client.hpp"

namespace custos::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::string_view explorer_help =
    "Serves the web explorer on this machine, for prosecutors and auditors: cases, an item's\n"
    "custody timeline and path, governance, blocks and checkpoints, the network, the court bundle\n"
    "export, and the offline bundle verifier. Its requests to the node are signed with the\n"
    "officer key of --key here; the key never reaches the browser. What the pages show is what\n"
    "that key may read.\n"
    "\n"
    "It listens on a loopback address only and prints a URL with a random token: open that URL;\n"
    "requests without the token are refused (403). Stop it with Ctrl-C.\n"
    "\n"
    "It runs until stopped (Ctrl-C). exit status: 1 the key, the assets or the address could not be\n"
    "used, 2 bad usage.";

constexpr std::size_t request_bytes_max = 64 * 1024;
constexpr std::size_t connections_max = 32;
constexpr int socket_timeout_s = 30;
constexpr std::uint32_t node_timeout_ms = 30000;
constexpr std::string_view cookie_name = "custos_explorer_token";

// The policy of every response: only this origin's own script, style and fetches.
constexpr std::string_view content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

struct Asset {
    std::string content_type;
    std::string body;
};

struct Explorer {
    api::ParsedUrl node;
    std::shared_ptr<const api::ClientTls> node_tls;  // https:// nodes (--cacert / --pin)
    std::string node_url;
    std::optional<crypto::KeyFile> key;  // set before serving (SecretKey has no empty state)
    std::string token;
    std::string host_port;  // what the Host header must say (also "localhost:<port>")
    std::uint16_t port = 0;
    std::map<std::string, Asset> assets;
    std::atomic<std::size_t> connections{0};
};

std::optional<std::string> read_static_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::filesystem::path default_assets() {
    std::error_code ignored;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ignored);
    return self.parent_path() / "web" / "explorer";
}

bool equal_constant_time(std::string_view a, std::string_view b) {
    return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The value of `name` in a query string or a Cookie header (separator '&' or ';').
std::string find_parameter(std::string_view text, std::string_view name, char separator) {
    while (!text.empty()) {
        auto end = text.find(separator);
        std::string_view part = text.substr(0, end);
        while (!part.empty() && part.front() == ' ')
            part.remove_prefix(1);
        if (part.size() > name.size() && part.starts_with(name) && part[name.size()] == '=')
            return std::string(part.substr(name.size() + 1));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return {};
}

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

Response make_response(const Request& request, http::status status, std::string content_type,
                       std::string body) {
    Response response{status, request.version()};
    response.set(http::field::content_type, content_type);
    response.set("Content-Security-Policy", std::string(content_security_policy));
    response.set("X-Content-Type-Options", "nosniff");
    response.set("Referrer-Policy", "no-referrer");
    response.set(http::field::cache_control, "no-store");
    response.set("Cross-Origin-Resource-Policy", "same-origin");
    response.keep_alive(request.keep_alive());
    response.body() = std::move(body);
    response.prepare_payload();
    return response;
}

Response problem(const Request& request, http::status status, const std::string& title,
                 const std::string& detail) {
    crypto::Json body = {
        {"type", "about:blank"}, {"title", title}, {"status", static_cast<int>(status)}, {"detail", detail}};
    return make_response(request, status, "application/problem+json", body.dump());
}

// GET /api/v1/... -> the node's GET /v1/..., signed here.
Response forward(Explorer& explorer, const Request& request, std::string_view target) {
    // "/api" dropped; "?download=1" (the export button) is for this side, not the node.
    std::string node_target(target.substr(4));
    const bool download = node_target.ends_with("/bundle?download=1");
    if (download) node_target.resize(node_target.size() - std::string_view("?download=1").size());
    for (char c : node_target) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == '#' || static_cast<unsigned char>(c) >= 0x7f)
            return problem(request, http::status::bad_request, "Bad request target",
                           "the path holds a character that is not allowed");
    }
    api::ClientRequest call{.host = explorer.node.host,
                            .port = explorer.node.port,
                            .method = "GET",
                            .target = node_target,
                            .timeout_ms = node_timeout_ms,
                            .signing_key = &explorer.key->key,
                            .tls = explorer.node_tls};
    auto answer = api::http_request(call);
    if (!answer)
        return problem(request, http::status::bad_gateway, "The node did not answer",
                       explorer.node_url + ": " + answer.error().message);
    std::string type = answer->content_type.empty() ? "application/octet-stream" : answer->content_type;
    Response response =
        make_response(request, static_cast<http::status>(answer->status), type, std::move(answer->body));
    // The court bundle, asked for as a download (?download=1 after the path).
    if (download && answer->status == 200 && node_target.starts_with("/v1/items/")) {
        const std::string_view prefix = "/v1/items/";
        auto item = node_target.substr(
            prefix.size(), node_target.size() - prefix.size() - std::string_view("/bundle").size());
        response.set(http::field::content_disposition, "attachment; filename=\"" + item + ".bundle.json\"");
    }
    return response;
}

Response handle(Explorer& explorer, const Request& request) {
    // DNS rebinding: a page of another origin that resolves its name to 127.0.0.1 still sends its
    // own name as Host.
    const std::string host(request[http::field::host]);
    if (host != explorer.host_port && host != "localhost:" + std::to_string(explorer.port))
        return problem(request, http::status::forbidden, "Wrong host",
                       "the explorer answers only to " + explorer.host_port);
    const std::string target_text(request.target());
    const std::string_view target = target_text;
    const auto question = target.find('?');
    const std::string_view path = target.substr(0, question);
    const std::string_view query =
        question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
    const std::string from_query = find_parameter(query, "token", '&');
    const std::string cookie(request[http::field::cookie]);
    const std::string from_cookie = find_parameter(cookie, cookie_name, ';');
    if (!from_query.empty() && equal_constant_time(from_query, explorer.token) &&
        request.method() == http::verb::get && !path.starts_with("/api/")) {
        // The URL printed at start: set the cookie, then go to the page without the token in it.
        Response response = make_response(request, http::status::see_other, "text/plain; charset=utf-8", "");
        response.set(http::field::location, std::string(path));
        response.set(http::field::set_cookie,
                     std::string(cookie_name) + "=" + explorer.token + "; HttpOnly; SameSite=Strict; Path=/");
        return response;
    }
    if (!equal_constant_time(from_cookie, explorer.token))
        return problem(request, http::status::forbidden, "Token required",
                       "open the URL with ?token=... that custos explorer printed when it started");
    if (request.method() != http::verb::get)
        return problem(request, http::status::method_not_allowed, "Read only",
                       "the explorer only reads (GET)");
    if (path.starts_with("/api/v1/")) return forward(explorer, request, target);
    if (path == "/api/session") {
        crypto::Json session = {{"node", explorer.node_url},
                                {"key_id", crypto::hex_encode(explorer.key->key.public_key().view())},
                                {"key_name", explorer.key->name}};
        return make_response(request, http::status::ok, "application/json", session.dump());
    }
    const std::string name = path == "/" ? "/index.html" : std::string(path);
    auto asset = explorer.assets.find(name);
    if (asset == explorer.assets.end())
        return problem(request, http::status::not_found, "Not found", "no such page: " + std::string(path));
    return make_response(request, http::status::ok, asset->second.content_type, asset->second.body);
}

void set_timeouts(tcp::socket& socket) {
    timeval timeout{.tv_sec = socket_timeout_s, .tv_usec = 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
}

// One connection, on its own thread: requests until the client closes, an error or a timeout.
void serve(Explorer& explorer, tcp::socket socket) {
    set_timeouts(socket);
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(16 * 1024);
        parser.body_limit(request_bytes_max);
        beast::error_code error;
        http::read(socket, buffer, parser, error);
        if (error) break;
        const Request& request = parser.get();
        Response response = handle(explorer, request);
        http::write(socket, response, error);
        if (error || !response.keep_alive()) break;
    }
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    explorer.connections--;
}

struct Listen {
    asio::ip::address address;
    std::uint16_t port = 8090;
};

// 127.0.0.1:PORT, [::1]:PORT or localhost:PORT; any address that is not loopback is refused.
Result<Listen> parse_listen(const std::string& text) {
    auto refuse = [](std::string message) -> Result<Listen> {
        return tl::unexpected(Error{ErrorCode::invalid_argument, std::move(message)});
    };
    std::string host;
    std::string port;
    if (text.starts_with("[")) {
        auto close = text.find("]:");
        if (close == std::string::npos) return refuse("expected [::1]:PORT");
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string::npos) return refuse("expected HOST:PORT");
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (host == "localhost") host = "127.0.0.1";
    beast::error_code parse_error;
    auto address = asio::ip::make_address(host, parse_error);
    if (parse_error) return refuse("'" + host + "' is not an IP address");
    if (!address.is_loopback())
        return refuse(host +
                      " is not a loopback address: the explorer signs with your key, so it listens on this "
                      "machine only");
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(port) > 65535)
        return refuse("the port must be 0..65535");
    return Listen{address, static_cast<std::uint16_t>(std::stoul(port))};
}

bool load_assets(Explorer& explorer, const std::filesystem::path& directory) {
    const std::pair<const char*, const char*> files[] = {
        {"/index.html", "text/html; charset=utf-8"},
        {"/app.js", "text/javascript; charset=utf-8"},
        {"/app.css", "text/css; charset=utf-8"},
    };
    for (const auto& [name, type] : files) {
        auto body = read_static_file(directory / std::string(name).substr(1));
        if (!body) {
            std::cerr
                << "error: the explorer's web files are missing: "
                << (directory / std::string(name).substr(1)).string()
                << "\n  build them with 'make build' (it needs Node.js: 'make deps'), or give --assets DIR\n";
            return false;
        }
        explorer.assets[name] = Asset{type, std::move(*body)};
    }
    return true;
}

struct ExplorerOptions : api_cli::Options {
    std::string listen_text = "127.0.0.1:8090";
    std::filesystem::path assets = default_assets();
};

int run_explorer(const ExplorerOptions& options) {
    const std::string& listen_text = options.listen_text;
    auto listen = parse_listen(listen_text).value();  // Checked as an option.
    auto key = read_key_option(options.key_path);
    if (!key) return fail(key.error().message);

    Explorer explorer;
    explorer.node = options.node;
    explorer.node_tls = options.tls;
    explorer.node_url = options.node_url;
    explorer.key = std::move(*key);
    explorer.token = api::random_nonce() + api::random_nonce();  // 256 random bits, hex
    if (!load_assets(explorer, options.assets)) return exit_failure;

    asio::io_context io;
    tcp::acceptor acceptor(io);
    beast::error_code error;
    const tcp::endpoint endpoint(listen.address, listen.port);
    acceptor.open(endpoint.protocol(), error);
    if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
    if (!error) acceptor.bind(endpoint, error);
    if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
    if (error) return fail("cannot listen on " + listen_text + ": " + error.message());
    explorer.port = acceptor.local_endpoint().port();
    const std::string host =
        listen.address.is_v6() ? "[" + listen.address.to_string() + "]" : listen.address.to_string();
    explorer.host_port = host + ":" + std::to_string(explorer.port);

    std::cout << "custos explorer: reading " << options.node_url << " as " << explorer.key->name << " ("
              << crypto::hex_encode(explorer.key->key.public_key().view()).substr(0, 16) << "...)\n"
              << "open: http://" << explorer.host_port << "/?token=" << explorer.token << "\n"
              << "(the token keeps other local users and web pages out; Ctrl-C stops)\n"
              << std::flush;
    for (;;) {
        tcp::socket socket(io);
        acceptor.accept(socket, error);
        if (error) continue;
        if (explorer.connections.load() >= connections_max) continue;  // closed when `socket` goes
        explorer.connections++;
        std::thread(serve, std::ref(explorer), std::move(socket)).detach();
    }
}

// --listen: a loopback address and port.
CLI::Validator listen_address() {
    return parsed_by(parse_listen, "listen_address");
}

}  // namespace

void add_explorer(Tool& tool) {
    auto options = std::make_shared<ExplorerOptions>();
    auto& command = api_cli::add_api_command(
        tool, tool.root(), "explorer",
        "serve the web explorer for an officer's key on this machine (loopback only)", options,
        [options] { return run_explorer(*options); }, "");
    command
        .add_option("--listen", options->listen_text,
                    "127.0.0.1:PORT or [::1]:PORT (default 127.0.0.1:8090; port 0 picks one)")
        ->type_name("ADDR")
        ->check(listen_address());
    command
        .add_option("--assets", options->assets,
                    "the built explorer files (default: web/explorer beside this binary)")
        ->type_name("DIR");
    command.footer(std::string(explorer_help));
}

}  // namespace custos::cli
