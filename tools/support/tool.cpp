// The command-line tools' main: CLI11 parses, this answers help, version and usage errors the same
// way in every tool and runs the command given. See command.hpp.
#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <iostream>
#include <limits>
#include <sstream>
#include <utility>

#include "common/version.hpp"
#include "tools/support/command.hpp"

namespace custos::cli {

namespace {

constexpr std::string_view global_options_note =
    "global options (every command): --passphrase-file FILE or --passphrase-fd N (a sealed key's\n"
    "passphrase), --cacert FILE and/or --pin sha256:HEX (an https:// node's trust anchors)\n";

// CLI11's help with the usage line first, then what the command does, its options, and the prose
// and exit status of its footer; a command's help ends with the global options.
class Formatter : public CLI::Formatter {
public:
    Formatter() {
        label("Usage", "usage");
        label("OPTIONS", "options");
        label("SUBCOMMAND", "command");
        label("SUBCOMMANDS", "commands");
        label("Positionals", "arguments");
        label("Options", "options");
        label("Subcommands", "commands");
        label("REQUIRED", "(required)");
        column_width(24);
    }
    // The value's name (none for an argument, whose name says it) and whether it is required.
    std::string make_option_opts(const CLI::Option* option) const override {
        std::string out;
        if (!option->get_positional() && option->get_type_size() != 0 && !option->get_type_name().empty())
            out += " " + option->get_type_name();
        if (option->get_required()) out += " " + get_label("REQUIRED");
        return out;
    }
    std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override {
        if (mode == CLI::AppFormatMode::Sub) return make_expanded(app);
        std::ostringstream out;
        out << make_usage(app, name) << make_description(app) << make_positionals(app)
            << make_groups(app, mode) << make_subcommands(app, mode) << '\n'
            << make_footer(app);
        if (app->get_parent() != nullptr) out << '\n' << global_options_note;
        return out.str();
    }
};

// Decimal digits without a leading zero (CLI11 would read "010" as octal and "0x10" as hex).
bool is_decimal(std::string_view text) {
    return !text.empty() && (text.size() == 1 || text.front() != '0') &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The innermost command given on the command line.
const CLI::App* given_command(const CLI::App& app) {
    const CLI::App* command = &app;
    while (!command->get_subcommands().empty())
        command = command->get_subcommands().front();
    return command;
}

std::string command_path(const CLI::App* command) {
    std::string path = command->get_name();
    for (const CLI::App* parent = command->get_parent(); parent != nullptr; parent = parent->get_parent())
        path = parent->get_name() + " " + path;
    return path;
}

}  // namespace

Tool::Tool(const Info& info) : name_(info.name), app_(std::string(info.summary), std::string(info.name)) {
    app_.formatter(std::make_shared<Formatter>());
    // Options a command does not know go to the tool: the global options, anywhere on the line.
    app_.fallthrough();
    app_.require_subcommand(1);
    app_.option_defaults()->group("options");
    app_.set_help_flag("-h,--help", "print this help and exit");
    app_.set_version_flag("--version", name_ + " " + std::string(custos::version),
                          "print the version and exit");
    app_.footer(std::string(info.notes));
    const std::string global = "global options (every command takes them)";
    auto* file = app_.add_option("--passphrase-file", passphrase_file_,
                                 "a sealed key file's passphrase: the first line of FILE (mode 0600)")
                     ->type_name("FILE")
                     ->group(global);
    app_.add_option("--passphrase-fd", passphrase_fd_, "the same, read from the open file descriptor N")
        ->type_name("N")
        ->check(whole_number(0, std::numeric_limits<int>::max()))
        ->excludes(file)
        ->group(global);
    app_.add_option("--cacert", cacert_, "an https:// node's certificate must chain to this PEM file")
        ->type_name("FILE")
        ->group(global);
    app_.add_option("--pin", pin_, "an https:// node's public key's SHA-256 (SubjectPublicKeyInfo)")
        ->type_name("sha256:HEX")
        ->group(global);
}

CLI::App& Tool::add(CLI::App& parent, std::string name, std::string summary, Run run) {
    CLI::App* command = parent.add_subcommand(std::move(name), std::move(summary));
    command->group("commands");
    command->footer("");  // Not the parent's: its own, when it has one.
    command->option_defaults()->group("options");
    command->set_help_flag("-h,--help", "print this help and exit");
    command->set_version_flag("--version", name_ + " " + std::string(custos::version),
                              "print the version and exit");
    runs_.emplace(command, std::move(run));
    return *command;
}

CLI::App& Tool::add_group(CLI::App& parent, std::string name, std::string summary) {
    CLI::App* group = parent.add_subcommand(std::move(name), std::move(summary));
    group->group("commands");
    group->footer("");
    group->option_defaults()->group("options");
    group->set_help_flag("-h,--help", "print this help and exit");
    group->set_version_flag("--version", name_ + " " + std::string(custos::version),
                            "print the version and exit");
    group->require_subcommand(1);
    return *group;
}

void Tool::add_moved(std::string name, std::string to) {
    moved_.emplace(std::move(name), std::move(to));
}

int Tool::usage_error(const CLI::ParseError& error) const {
    const CLI::App* command = given_command(app_);
    std::string message = error.what();
    if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && message.starts_with("A subcommand")) {
        std::string names;
        for (const CLI::App* sub : command->get_subcommands([](const CLI::App*) { return true; }))
            names += (names.empty() ? "" : ", ") + sub->get_name();
        message = "a command is required: " + names;
    }
    std::cerr << "error: " << message << " (" << command_path(command) << " --help)\n";
    return exit_usage;
}

int Tool::run(int argc, char** argv) {
    if (sodium_init() < 0) {
        std::cerr << "error: libsodium failed to initialise\n";
        return exit_failure;
    }
    if (argc < 2) {
        std::cerr << app_.help();
        return exit_usage;
    }
    const std::string_view first = argv[1];
    if (first == "help") {
        std::cout << app_.help();
        return exit_ok;
    }
    if (auto moved = moved_.find(first); moved != moved_.end()) {
        std::cerr << "error: '" << name_ << " " << first << "' is now '" << moved->second << " " << first
                  << " ...' (" << moved->second << " " << first << " --help)\n";
        return exit_usage;
    }
    const auto named = [first](const CLI::App* command) { return command->get_name() == first; };
    if (!first.starts_with("-") && std::as_const(app_).get_subcommands(named).empty()) {
        // Unknown: CLI11 would only say that a command is required.
        std::cerr << "error: unknown command '" << first << "' (" << name_ << " --help)\n";
        return exit_usage;
    }
    try {
        app_.parse(argc, argv);
    } catch (const CLI::CallForHelp& help) {
        return app_.exit(help);
    } catch (const CLI::CallForVersion& version) {
        return app_.exit(version);
    } catch (const CLI::ParseError& error) {
        return usage_error(error);
    }
    install_passphrase_source(passphrase_file_, passphrase_fd_);
    install_trust_anchors(cacert_, pin_);
    auto run = runs_.find(given_command(app_));
    if (run == runs_.end()) return exit_usage;  // A group alone: refused by require_subcommand.
    return run->second();
}

CLI::Validator whole_number(std::uint64_t min, std::uint64_t max) {
    std::string wanted = "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    return CLI::Validator(
        [min, max, wanted](std::string& text) -> std::string {
            std::uint64_t value = 0;
            auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
            bool ok = is_decimal(text) && error == std::errc() && end == text.data() + text.size() &&
                      value >= min && value <= max;
            return ok ? std::string() : wanted + ", got '" + text + "'";
        },
        "", "whole_number");
}

CLI::Validator positive_number(double max) {
    std::ostringstream limit;
    limit << max;
    std::string wanted = "must be a positive number up to " + limit.str();
    return CLI::Validator(
        [max, wanted](std::string& text) -> std::string {
            double value = 0;
            auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
            bool digits = !text.empty() && (text.front() >= '0' && text.front() <= '9');
            bool ok = digits && error == std::errc() && end == text.data() + text.size() && value > 0 &&
                      value <= max;
            return ok ? std::string() : wanted + ", got '" + text + "'";
        },
        "", "positive_number");
}

CLI::Validator path_id() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            bool ok = !text.empty() && text.size() <= 128 && text != "." && text != ".." &&
                      std::all_of(text.begin(), text.end(), [](char c) {
                          return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                 c == '.' || c == '_' || c == ':' || c == '-';
                      });
            return ok ? std::string() : "must match [A-Za-z0-9._:-]{1,128}, got '" + text + "'";
        },
        "", "path_id");
}

CLI::Validator sha256_hex() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            bool ok = text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
                          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
                      });
            return ok ? std::string() : "expected 64 hex digits (SHA-256), got '" + text + "'";
        },
        "", "sha256_hex");
}

int usage_error(const std::string& message) {
    std::cerr << "error: " << message << "\n";
    return exit_usage;
}

int fail(const std::string& message) {
    std::cerr << "error: " << message << "\n";
    return exit_failure;
}

}  // namespace custos::cli
