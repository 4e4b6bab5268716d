// The main of the command-line tools: a command table run the same way by every tool. See
// command.hpp.
#include <sodium.h>

#include <iostream>

#include "common/version.hpp"
#include "tools/support/command.hpp"

namespace custos::cli {

bool wants_help(const Args& args) {
    for (const auto& arg : args) {
        if (arg == "--help" || arg == "-h") return true;
    }
    return false;
}

namespace {

bool wants_version(const Args& args) {
    for (const auto& arg : args) {
        if (arg == "--version") return true;
    }
    return false;
}

void print_usage(const Tool& tool, std::ostream& out) {
    out << "usage: " << tool.name << " <command> [options]\n\n" << tool.summary << "\n\ncommands:\n";
    for (const auto& command : tool.commands) {
        out << "  " << command.name;
        for (std::size_t i = command.name.size(); i < 10; ++i)
            out << ' ';
        out << command.summary << "\n";
    }
    out << "\nRun '" << tool.name << " <command> --help' for a command's options; '" << tool.name
        << " --version' (or\n'" << tool.name << " <command> --version') prints the version.\n"
        << tool.notes;
}

void print_version(const Tool& tool) {
    std::cout << tool.name << " " << custos::version << "\n";
}

}  // namespace

int run_tool(const Tool& tool, int argc, char** argv) {
    if (sodium_init() < 0) {
        std::cerr << "error: libsodium failed to initialise\n";
        return exit_failure;
    }
    if (argc < 2) {
        print_usage(tool, std::cerr);
        return exit_usage;
    }
    std::string_view name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        print_usage(tool, std::cout);
        return exit_ok;
    }
    for (const auto& moved : tool.moved) {
        if (moved.name != name) continue;
        std::cerr << "error: '" << tool.name << " " << name << "' is now '" << moved.tool << " " << name
                  << " ...' (" << moved.tool << " " << name << " --help)\n";
        return exit_usage;
    }
    Args args(argv + 2, argv + argc);
    if (auto problem = take_passphrase_options(args)) {
        std::cerr << "error: " << *problem << "\n";
        return exit_usage;
    }
    if (auto problem = take_tls_options(args)) {
        std::cerr << "error: " << *problem << "\n";
        return exit_usage;
    }
    if (name == "--version" || name == "version") {
        print_version(tool);
        return exit_ok;
    }
    for (const auto& command : tool.commands) {
        if (command.name != name) continue;
        if (wants_version(args) && !wants_help(args)) {
            print_version(tool);
            return exit_ok;
        }
        return command.run(args);
    }
    std::cerr << "error: unknown command '" << name << "'\n\n";
    print_usage(tool, std::cerr);
    return exit_usage;
}

}  // namespace custos::cli
