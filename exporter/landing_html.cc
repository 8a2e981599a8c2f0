#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/revision.h"
#include "common/time.h"
#include "exporter/landing_page.h"
#include "exporter/landing_query.h"

namespace certwatch {
namespace {

// Everything on the page is inline: it must work offline and behind strict proxies. The table
// has a fixed layout and long values wrap anywhere, so a 1280-pixel screen never scrolls
// sideways, whatever the length of a DNS name or an error message.
constexpr std::string_view kHead = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>certwatch</title>
<style>
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#1f2328;background:#fff}
h1{font-size:1.4em;margin:0 0 .2em}
a{color:#0969da}
.meta{color:#59636e;margin-bottom:1em}
.meta a{margin-right:1em}
.warning{background:#fff8c5;border:1px solid #d4a72c;padding:.5em;margin-bottom:1em}
.tiles{display:flex;flex-wrap:wrap;gap:.6em;margin-bottom:1em}
.tile{display:block;min-width:9em;padding:.5em .8em;border:1px solid #d1d9e0;border-radius:6px;text-decoration:none;color:#1f2328;background:#f6f8fa}
.tile .count{display:block;font-size:1.6em;font-weight:600}
.tile.active{outline:2px solid #0969da;background:#ddf4ff}
.tile.bad .count{color:#a40e26}
.tile.warn .count{color:#7d4e00}
.controls{margin-bottom:.7em;display:flex;flex-wrap:wrap;gap:.6em;align-items:center}
.controls input[type=search]{width:22em;max-width:100%}
table{border-collapse:collapse;width:100%;table-layout:fixed;font-size:.9em}
th,td{border-bottom:1px solid #d1d9e0;padding:.3em .5em;text-align:left;vertical-align:top;overflow-wrap:anywhere;word-break:break-word}
th{background:#f6f8fa;position:sticky;top:0;overflow-wrap:break-word;hyphens:auto}
th a{color:inherit}
td.days{font-weight:600;text-align:right}
td.days.ok{background:#dafbe1;color:#116329}
td.days.warn{background:#fff1b3;color:#7d4e00}
td.days.crit{background:#ffd7d5;color:#a40e26}
td.days.none{color:#59636e}
.ready-False{color:#a40e26;font-weight:600}
.ready-Unknown{color:#7d4e00}
.msg{color:#59636e;font-size:.85em}
</style>
)HTML";

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// A link to the page with `q`: "/" alone for the defaults, so a bare link stays bare.
std::string Href(const LandingQuery& q) { return HtmlEscape("/" + LandingQueryString(q)); }

void Cell(std::string& html, std::string_view cls, std::string_view text) {
  html += "<td class=\"";
  html += cls;
  html += "\">";
  html += HtmlEscape(text);
  html += "</td>";
}

// A cell with a second, quieter line (the detail of a name, the message of a failure).
void CellWithMessage(std::string& html, std::string_view cls, std::string_view text,
                     std::string_view message) {
  html += "<td class=\"";
  html += cls;
  html += "\">";
  html += HtmlEscape(text);
  if (!message.empty()) html += "<div class=\"msg\">" + HtmlEscape(message) + "</div>";
  html += "</td>";
}

// Certificates may list hundreds of SANs: the first few are shown, all are searched.
std::string ShownDnsNames(const std::vector<std::string>& names) {
  constexpr size_t kShown = 5;
  std::string out;
  for (size_t i = 0; i < names.size() && i < kShown; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > kShown) out += " (+" + std::to_string(names.size() - kShown) + " more)";
  return out;
}

std::string_view DaysClass(double days) {
  if (days < 7) return "crit";
  if (days < 14) return "warn";
  return "ok";
}

void RenderRow(std::string& html, const LandingRow& r, UnixSeconds now) {
  html += "<tr class=\"row\" data-kind=\"" + HtmlEscape(r.kind) + "\" data-namespace=\"" +
          HtmlEscape(r.ns) + "\" data-name=\"" + HtmlEscape(r.name) + "\">";
  Cell(html, "kind", r.kind);
  Cell(html, "namespace", r.ns.empty() ? "\u2014" : r.ns);
  html += "<td class=\"name\">" + HtmlEscape(r.name);
  if (!r.detail.empty()) html += "<div class=\"msg\">" + HtmlEscape(r.detail) + "</div>";
  if (!r.dns_names.empty()) {
    html += "<div class=\"msg dns-names\">" + HtmlEscape(ShownDnsNames(r.dns_names)) + "</div>";
  }
  html += "</td>";
  if (!r.not_after) {
    Cell(html, "expires", "\u2014");
    Cell(html, "days none", "\u2014");
  } else {
    // RFC 3339 allows a space for the 'T': the cell then wraps between date and time.
    std::string expires = FormatRfc3339(*r.not_after);
    std::replace(expires.begin(), expires.end(), 'T', ' ');
    Cell(html, "expires", expires);
    double days = static_cast<double>(*r.not_after - now) / 86400.0;
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", days);
    std::string_view cls = DaysClass(days);
    std::string_view colour = cls == "crit" ? "red" : cls == "warn" ? "yellow" : "green";
    html += "<td class=\"days " + std::string(cls) + "\" data-days=\"" + text +
            "\" data-colour=\"" + std::string(colour) + "\">" + text + "</td>";
  }
  Cell(html, "ready ready-" + HtmlEscape(r.ready), r.ready);
  CellWithMessage(html, "failure", r.failure, r.failure_message);
  Cell(html, "served", r.served);
  Cell(html, "dns", r.dns);
  Cell(html, "renewer", r.renewer);
  html += "</tr>\n";
}

void RenderTiles(std::string& html, const LandingQuery& q, const LandingSelection& sel) {
  html += "<nav class=\"tiles\" aria-label=\"summary\">";
  LandingQuery all = q;
  all.tile.reset();
  html += "<a class=\"tile" + std::string(q.tile ? "" : " active") +
          "\" id=\"tile-all\" data-tile=\"\" href=\"" + Href(all) + "\"><span class=\"count\">" +
          std::to_string(sel.all_tiles) + "</span>All rows</a>";
  for (size_t i = 0; i < kLandingTiles.size(); ++i) {
    LandingTile t = kLandingTiles[i];
    LandingQuery link = q;
    link.tile = t;
    std::string cls = "tile";
    if (q.tile == t) cls += " active";
    if (sel.tile_counts[i] > 0) {
      cls += t == LandingTile::kLt14d || t == LandingTile::kSkipped ? " warn" : " bad";
    }
    std::string name(ToString(t));
    html += "<a class=\"" + cls + "\" id=\"tile-" + name + "\" data-tile=\"" + name + "\" href=\"" +
            Href(link) + "\"><span class=\"count\">" + std::to_string(sel.tile_counts[i]) +
            "</span>" + std::string(TileLabel(t)) + "</a>";
  }
  html += "</nav>\n";
}

// A GET form, so search and the namespace filter need no script; the tile and the sort ride
// along as hidden fields.
void RenderControls(std::string& html, const LandingQuery& q, const LandingSelection& sel) {
  html += "<form class=\"controls\" method=\"get\" action=\"/\" id=\"search\">";
  html += "<label>Search <input type=\"search\" name=\"q\" value=\"" + HtmlEscape(q.q) +
          "\" placeholder=\"namespace, name, DNS name, issuer, target\" maxlength=\"" +
          std::to_string(kMaxSearchLength) + "\"></label> ";
  html += "<label>Namespace <select name=\"namespace\" id=\"ns-filter\">";
  html += "<option value=\"\">all namespaces</option>";
  bool listed = q.ns.empty();
  for (const std::string& ns : sel.namespaces) {
    listed |= ns == q.ns;
    html += "<option value=\"" + HtmlEscape(ns) + "\"" + (ns == q.ns ? " selected" : "") + ">" +
            HtmlEscape(ns) + "</option>";
  }
  // A namespace with no rows (yet) stays selected, so the filter survives the reload.
  if (!listed) {
    html += "<option value=\"" + HtmlEscape(q.ns) + "\" selected>" + HtmlEscape(q.ns) + "</option>";
  }
  html += "</select></label>";
  if (q.tile) {
    html +=
        "<input type=\"hidden\" name=\"tile\" value=\"" + std::string(ToString(*q.tile)) + "\">";
  }
  if (q.sort != LandingSort::kExpires) {
    html += "<input type=\"hidden\" name=\"sort\" value=\"" + std::string(ToString(q.sort)) + "\">";
  }
  if (q.descending) html += "<input type=\"hidden\" name=\"dir\" value=\"desc\">";
  html += "<button type=\"submit\">Apply</button> <a href=\"/\">reset</a> ";
  html += "<span id=\"summary\">showing " + std::to_string(sel.rows.size()) + " of " +
          std::to_string(sel.matching) + " rows";
  if (sel.matching != sel.total) html += " (" + std::to_string(sel.total) + " in total)";
  if (sel.rows.size() < sel.matching) html += "; narrow with a tile, namespace or search";
  html += "</span></form>\n";
}

// A header that sorts by its column: the active one flips direction and shows an arrow.
void SortHeader(std::string& html, const LandingQuery& q, LandingSort s, std::string_view label) {
  LandingQuery link = q;
  link.sort = s;
  const bool active = q.sort == s;
  link.descending = active && !q.descending;
  html += "<th data-sort=\"" + std::string(ToString(s)) + "\"";
  if (active) html += q.descending ? " aria-sort=\"descending\"" : " aria-sort=\"ascending\"";
  html += "><a href=\"" + Href(link) + "\">" + std::string(label);
  if (active) html += q.descending ? " \u25bc" : " \u25b2";
  html += "</a></th>";
}

void RenderTable(std::string& html, const LandingQuery& q, const LandingSelection& sel,
                 UnixSeconds now) {
  html +=
      "<table id=\"watched\"><colgroup><col style=\"width:8%\"><col style=\"width:9%\">"
      "<col style=\"width:21%\"><col style=\"width:10%\"><col style=\"width:6%\">"
      "<col style=\"width:6%\"><col style=\"width:17%\"><col style=\"width:8%\">"
      "<col style=\"width:8%\"><col style=\"width:7%\"></colgroup>\n<thead><tr>";
  SortHeader(html, q, LandingSort::kKind, "Kind");
  SortHeader(html, q, LandingSort::kNamespace, "Namespace");
  SortHeader(html, q, LandingSort::kName, "Name");
  SortHeader(html, q, LandingSort::kExpires, "Expires");
  html += "<th>Days left</th>";
  SortHeader(html, q, LandingSort::kReady, "Ready");
  SortHeader(html, q, LandingSort::kFailure, "Failure");
  html +=
      "<th>Served vs stored</th><th title=\"DNS-01 challenge "
      "propagation\">DNS-01</th><th>Renewer</th></tr></thead>\n";
  html += "<tbody id=\"rows\">\n";
  for (const LandingRow* r : sel.rows) RenderRow(html, *r, now);
  html += "</tbody></table>\n";
}

}  // namespace

std::string RenderLandingPage(const StateData& data, const LandingOptions& options,
                              const LandingQuery& query) {
  std::vector<LandingRow> rows = CollectLandingRows(data, options.now);
  LandingSelection sel = SelectLandingRows(rows, query, options.now, options.max_rows);

  std::string html(kHead);
  // A meta refresh reloads the same URL, query included, without a script.
  html += "<meta http-equiv=\"refresh\" content=\"" + std::to_string(options.refresh_seconds) +
          "\">\n</head>\n<body>\n<h1>certwatch</h1>\n";
  html += "<div class=\"meta\">version <span id=\"version\">" + HtmlEscape(CERTWATCH_VERSION) +
          "</span> (revision " + HtmlEscape(Revision()) + ") &middot; ";
  html += "<a href=\"/metrics\">metrics</a>";
  if (options.state_api) html += "<a href=\"/api/v1/state\">state API</a>";
  html += "<a href=\"/healthz\">healthz</a><a href=\"/readyz\">readyz</a></div>\n";
  if (!options.not_synced.empty()) {
    html += "<div class=\"warning\" id=\"not-synced\">Not ready: waiting for";
    for (size_t i = 0; i < options.not_synced.size(); ++i) {
      html += (i ? ", " : " ") + HtmlEscape(options.not_synced[i]);
    }
    html += " to sync.</div>\n";
  }
  RenderTiles(html, query, sel);
  RenderControls(html, query, sel);
  RenderTable(html, query, sel, options.now);
  html += "</body>\n</html>\n";
  return html;
}

}  // namespace certwatch
