// The court report as PDF (custos verify --report FILE.pdf): the HTML page of report_html.cpp,
// printed by headless Chromium (Debian's chromium, which `make deps` installs; CUSTOS_CHROMIUM
// names another Chromium-family binary). The page has no script and no outside resource, and
// Chromium runs with a fresh profile in a temporary directory that is removed afterwards.
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "tools/cli/verify.hpp"

namespace custos::cli {
namespace {

namespace fs = std::filesystem;

constexpr auto print_timeout = std::chrono::seconds(90);

std::optional<fs::path> find_chromium() {
    if (const char* named = std::getenv("CUSTOS_CHROMIUM"); named != nullptr && *named != '\0')
        return fs::path(named);
    const char* path = std::getenv("PATH");
    std::istringstream directories(path != nullptr ? path : "/usr/bin:/bin");
    std::string directory;
    while (std::getline(directories, directory, ':')) {
        for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
            fs::path candidate = fs::path(directory) / name;
            if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        }
    }
    return std::nullopt;
}

// Runs the browser to completion (or kills it after print_timeout); its output goes to `log`.
Result<int> run_browser(const fs::path& binary, std::vector<std::string> args, const fs::path& log) {
    int log_fd = ::open(log.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
    if (log_fd < 0)
        return make_error(ErrorCode::io_error, "cannot open " + log.string() + ": " + std::strerror(errno));
    args.insert(args.begin(), binary.string());
    std::vector<char*> argv;
    for (auto& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) {
        ::close(log_fd);
        return make_error(ErrorCode::io_error, std::string("fork: ") + std::strerror(errno));
    }
    if (pid == 0) {
        ::dup2(log_fd, STDOUT_FILENO);
        ::dup2(log_fd, STDERR_FILENO);
        int null_fd = ::open("/dev/null", O_RDONLY);
        if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
        ::setpgid(0, 0);  // its helper processes go with it when killed
        ::execv(argv[0], argv.data());
        std::fprintf(stderr, "cannot exec %s: %s\n", argv[0], std::strerror(errno));
        ::_exit(127);
    }
    ::close(log_fd);
    const auto deadline = std::chrono::steady_clock::now() + print_timeout;
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return make_error(ErrorCode::unavailable, "chromium did not finish printing within 90 s");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace

Status write_report_pdf(const std::string& html, const std::string& path) {
    if (fs::exists(path)) return make_error(ErrorCode::already_exists, path + " already exists");
    auto chromium = find_chromium();
    if (!chromium)
        return make_error(ErrorCode::not_found,
                          "writing a PDF report needs chromium (make deps installs it; CUSTOS_CHROMIUM names "
                          "another): write FILE.html instead and print it from a browser");
    std::string pattern = (fs::temp_directory_path() / "custos-report-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
        return make_error(ErrorCode::io_error, "cannot create a temporary directory");
    const fs::path work = pattern;
    const fs::path page = work / "report.html";
    const fs::path printed = work / "report.pdf";
    auto cleanup = [&work] {
        std::error_code ignored;
        fs::remove_all(work, ignored);
    };
    std::ofstream(page, std::ios::binary) << html;
    auto status =
        run_browser(*chromium,
                    {"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--user-data-dir=" + (work / "profile").string(), "--no-pdf-header-footer",
                     "--print-to-pdf=" + printed.string(), "file://" + page.string()},
                    work / "chromium.log");
    if (!status) {
        cleanup();
        return tl::unexpected(status.error());
    }
    const std::string pdf = read_all(printed);
    if (*status != 0 || !pdf.starts_with("%PDF-")) {
        std::string log = read_all(work / "chromium.log");
        cleanup();
        return make_error(ErrorCode::io_error, "chromium (" + chromium->string() +
                                                   ") did not print the report (exit " +
                                                   std::to_string(*status) + "): " + log.substr(0, 400));
    }
    cleanup();
    return write_new_file(path, pdf);
}

}  // namespace custos::cli
