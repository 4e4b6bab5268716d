// The court bundle commands (issue 7): `custos verify`, `custos bundle`, and
// the HTML report they share. Declared here rather than in commands.hpp so the shared file
// only gains the command table lines.
#pragma once

#include <string>

#include "ledger/bundle/bundle.hpp"
#include "tools/cli/commands.hpp"

namespace custos::cli {

// `custos verify FILE [--genesis-hash HEX] [--json] [--report FILE.html|FILE.pdf]` (verify.cpp).
void add_verify(Tool& tool);
// `custos bundle ITEM --node URL --key FILE --out FILE` (bundle.cpp).
void add_bundle(Tool& tool);

// The self-contained HTML page of a verification (report_html.cpp). `bundle_name` is how the
// page names the file that was checked (its path as given). Every string from the bundle is
// HTML-escaped: the bundle is untrusted input.
[[nodiscard]] std::string render_report_html(const ledger::BundleReport& report,
                                             const std::string& bundle_name);
[[nodiscard]] std::string html_escape(std::string_view text);
// The same page printed to PDF by headless Chromium (report_pdf.cpp); refuses an existing file.
[[nodiscard]] Status write_report_pdf(const std::string& html, const std::string& path);

}  // namespace custos::cli
