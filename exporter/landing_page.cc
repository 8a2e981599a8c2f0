#include "exporter/landing_page.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>
#include <tuple>

#include "state/keys.h"
#include "state/verify_reason.h"

namespace certwatch {
namespace {

// certificate key ("ns/name") of each challenge key, through Order → CertificateRequest.
std::map<std::string, std::string> ChallengeOwners(const StateData& d) {
  std::map<std::string, std::string> out;
  for (const auto& [key, ch] : d.challenges) {
    auto order = d.orders.find(ObjectKey(ch.ns, ch.order));
    if (order == d.orders.end()) continue;
    auto request = d.requests.find(ObjectKey(ch.ns, order->second.request));
    if (request == d.requests.end() || request->second.certificate.empty()) continue;
    out[key] = ObjectKey(ch.ns, request->second.certificate);
  }
  return out;
}

struct Count {
  int good = 0, total = 0;
};

std::string Fraction(const Count& c, std::string_view what) {
  return std::to_string(c.good) + "/" + std::to_string(c.total) + " " + std::string(what);
}

void AddCertificates(const StateData& d, std::vector<LandingRow>& rows) {
  std::map<std::string, Count> served;  // certificate key → endpoints matching
  for (const auto& [key, t] : d.tls) {
    if (t.certificate.empty() || !t.matches_stored.has_value()) continue;
    Count& c = served[t.certificate];
    ++c.total;
    if (*t.matches_stored) ++c.good;
  }
  std::map<std::string, Count> dns;  // certificate key → resolvers propagated
  auto owners = ChallengeOwners(d);
  for (const auto& [key, r] : d.dns_challenges) {
    auto owner = owners.find(ObjectKey(r.ns, r.challenge));
    if (owner == owners.end()) continue;
    Count& c = dns[owner->second];
    ++c.total;
    if (r.propagated) ++c.good;
  }
  for (const auto& [key, c] : d.certificates) {
    LandingRow row;
    row.kind = "Certificate";
    row.ns = c.ns;
    row.name = c.name;
    row.detail = c.issuer.kind + "/" + c.issuer.name;
    row.not_after = c.not_after;
    row.ready = c.ready.status.empty() ? "Unknown" : c.ready.status;
    if (c.failure != FailureReason::kNone) row.failure = std::string(ToString(c.failure));
    row.failure_message = c.failure_message.empty() ? c.ready.message : c.failure_message;
    std::string k = ObjectKey(c.ns, c.name);
    if (auto s = served.find(k); s != served.end()) {
      row.served = (s->second.good == s->second.total ? "match " : "mismatch ") +
                   Fraction(s->second, "endpoints");
    }
    if (auto p = dns.find(k); p != dns.end()) row.dns = Fraction(p->second, "resolvers");
    if (auto a = d.renewer_last_action.find(k); a != d.renewer_last_action.end()) {
      row.renewer = a->second.action + " (" + a->second.result + ")";
    }
    rows.push_back(std::move(row));
  }
}

void AddEndpoints(const StateData& d, std::vector<LandingRow>& rows) {
  for (const auto& [key, t] : d.tls) {
    LandingRow row;
    row.kind = "TLS endpoint";
    // The namespace of the Certificate (or Secret) it should serve, for the filter.
    const std::string& owner = !t.certificate.empty() ? t.certificate : t.secret;
    row.ns = std::string(SplitObjectKey(owner).ns);
    row.name = t.target;
    row.detail = t.server_name;
    if (t.leaf) row.not_after = t.leaf->not_after;
    row.ready = t.success && t.verified ? "True" : "False";
    if (!t.success) {
      row.failure = std::string(ToString(VerifyReason::kHandshakeFailed));
      row.failure_message = t.error;
    } else if (!t.verified) {
      row.failure = t.verify_reason ? std::string(ToString(*t.verify_reason)) : "not_verified";
    }
    if (t.matches_stored.has_value()) {
      row.served = *t.matches_stored ? "match " + owner : "mismatch " + owner;
    }
    rows.push_back(std::move(row));
  }
}

// Endpoints Ingresses name that are not probed: listed so that a discovery probing nothing
// is visible here too, with what to change.
void AddSkippedTargets(const StateData& d, std::vector<LandingRow>& rows) {
  for (const SkippedTlsTarget& s : d.tls_skipped) {
    LandingRow row;
    row.kind = "Skipped target";
    row.ns = s.ns;
    row.name = s.target;
    row.detail = "Ingress " + s.ingress;
    row.failure = s.reason;
    row.failure_message = std::string(SkippedTargetExplanation(s.reason));
    rows.push_back(std::move(row));
  }
}

void AddSecretsAndFiles(const StateData& d, std::vector<LandingRow>& rows) {
  for (const auto& [key, s] : d.secrets) {
    LandingRow row;
    row.kind = "Secret";
    row.ns = s.ns;
    row.name = s.name;
    row.detail = s.facts.subject;
    if (s.error.empty()) {
      row.not_after = s.facts.not_after;
      row.ready = "True";
    } else {
      row.ready = "False";
      row.failure = "parse_error";
      row.failure_message = s.error;
    }
    rows.push_back(std::move(row));
  }
  for (const auto& [key, f] : d.files) {
    LandingRow row;
    row.kind = "File";
    row.name = f.where.empty() ? f.path : f.path + " (" + f.where + ")";
    row.detail = f.facts.subject;
    row.not_after = f.facts.not_after;
    row.ready = "True";
    rows.push_back(std::move(row));
  }
  for (const auto& [key, e] : d.file_errors) {
    LandingRow row;
    row.kind = "File";
    row.name = e.path;
    row.ready = "False";
    row.failure = "read_error";
    row.failure_message = e.error;
    rows.push_back(std::move(row));
  }
}

// The page. Its script renders the embedded rows; nothing is loaded from elsewhere.
constexpr std::string_view kHead = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>certwatch</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#1f2328;background:#fff}
h1{font-size:1.4em;margin:0 0 .2em}
.meta{color:#59636e;margin-bottom:1em}
.meta a{margin-right:1em}
.warning{background:#fff8c5;border:1px solid #d4a72c;padding:.5em;margin-bottom:1em}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border-bottom:1px solid #d1d9e0;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f6f8fa;position:sticky;top:0}
td.days{font-weight:600;text-align:right;white-space:nowrap}
td.days.ok{background:#dafbe1;color:#116329}
td.days.warn{background:#fff1b3;color:#7d4e00}
td.days.crit{background:#ffd7d5;color:#a40e26}
td.days.none{color:#59636e}
.ready-False{color:#a40e26;font-weight:600}
.ready-Unknown{color:#7d4e00}
.msg{color:#59636e;font-size:.85em}
.controls{margin-bottom:.7em}
</style>
</head>
<body>
<h1>certwatch</h1>
)HTML";

constexpr std::string_view kScript = R"JS(<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("certwatch-data").textContent);
  var params = new URLSearchParams(window.location.search);
  var selected = params.get("namespace") || "";
  var select = document.getElementById("ns-filter");
  var namespaces = {};
  data.rows.forEach(function (r) { if (r.ns) namespaces[r.ns] = true; });
  if (selected) namespaces[selected] = true;
  Object.keys(namespaces).sort().forEach(function (ns) {
    var o = document.createElement("option");
    o.value = ns;
    o.textContent = ns;
    select.appendChild(o);
  });
  select.value = selected;

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }
  function daysClass(days) {
    if (days < 7) return "crit";
    if (days < 14) return "warn";
    return "ok";
  }
  function render() {
    var rows = data.rows.filter(function (r) { return !selected || r.ns === selected; });
    rows.sort(function (a, b) {
      var x = a.not_after === null ? Infinity : a.not_after;
      var y = b.not_after === null ? Infinity : b.not_after;
      if (x !== y) return x < y ? -1 : 1;
      var ka = a.ns + "/" + a.name, kb = b.ns + "/" + b.name;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    var tbody = document.getElementById("rows");
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.className = "row";
      tr.setAttribute("data-kind", r.kind);
      tr.setAttribute("data-namespace", r.ns);
      tr.setAttribute("data-name", r.name);
      cell(tr, r.kind);
      cell(tr, r.ns || "\u2014");
      var name = cell(tr, r.name, "name");
      if (r.detail) {
        var d = document.createElement("div");
        d.className = "msg";
        d.textContent = r.detail;
        name.appendChild(d);
      }
      if (r.not_after === null) {
        cell(tr, "\u2014", "expires");
        cell(tr, "\u2014", "days none");
      } else {
        cell(tr, new Date(r.not_after * 1000).toISOString().replace(".000Z", "Z"), "expires");
        var days = (r.not_after - data.now) / 86400;
        var td = cell(tr, days.toFixed(1), "days " + daysClass(days));
        td.setAttribute("data-days", days.toFixed(1));
        td.setAttribute("data-colour", { ok: "green", warn: "yellow", crit: "red" }[daysClass(days)]);
      }
      cell(tr, r.ready, "ready ready-" + r.ready);
      var f = cell(tr, r.failure || "", "failure");
      if (r.failure_message) {
        var m = document.createElement("div");
        m.className = "msg";
        m.textContent = r.failure_message;
        f.appendChild(m);
      }
      cell(tr, r.served || "", "served");
      cell(tr, r.dns || "", "dns");
      cell(tr, r.renewer || "", "renewer");
      tbody.appendChild(tr);
    });
    document.getElementById("summary").textContent =
        rows.length + " of " + data.rows.length + " shown" +
        (data.truncated ? " (" + data.truncated + " later-expiring rows omitted)" : "");
  }
  select.addEventListener("change", function () {
    selected = select.value;
    var url = new URL(window.location.href);
    if (selected) url.searchParams.set("namespace", selected);
    else url.searchParams.delete("namespace");
    window.history.replaceState(null, "", url.toString());
    render();
  });
  render();
  // Reloading keeps the query, so the filter survives the refresh.
  window.setTimeout(function () { window.location.reload(); }, data.refresh_seconds * 1000);
})();
</script>
)JS";

std::string HtmlEscape(std::string_view s) {
  std::string out;
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
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::vector<LandingRow> LandingRows(const StateData& data, UnixSeconds now) {
  std::vector<LandingRow> rows;
  AddCertificates(data, rows);
  AddEndpoints(data, rows);
  AddSkippedTargets(data, rows);
  AddSecretsAndFiles(data, rows);
  for (LandingRow& r : rows) {
    // Certificates carry their own classification; the rest only have dates.
    if (r.kind == "Certificate" || !r.not_after || *r.not_after > now) continue;
    r.ready = "False";
    if (r.failure.empty()) r.failure = "expired";
  }
  std::stable_sort(rows.begin(), rows.end(), [](const LandingRow& a, const LandingRow& b) {
    auto key = [](const LandingRow& r) {
      return std::make_tuple(!r.not_after.has_value(), r.not_after.value_or(0), std::cref(r.ns),
                             std::cref(r.name));
    };
    return key(a) < key(b);
  });
  return rows;
}

std::string RenderLandingPage(const StateData& data, const LandingOptions& options) {
  std::vector<LandingRow> rows = LandingRows(data, options.now);
  size_t truncated = 0;
  if (rows.size() > options.max_rows) {
    truncated = rows.size() - options.max_rows;
    rows.resize(options.max_rows);
  }
  nlohmann::json j;
  j["now"] = options.now;
  j["refresh_seconds"] = options.refresh_seconds;
  j["truncated"] = truncated;
  nlohmann::json& out = j["rows"] = nlohmann::json::array();
  for (const auto& r : rows) {
    out.push_back({{"kind", r.kind},
                   {"ns", r.ns},
                   {"name", r.name},
                   {"detail", r.detail},
                   {"not_after", r.not_after ? nlohmann::json(*r.not_after) : nlohmann::json()},
                   {"ready", r.ready},
                   {"failure", r.failure},
                   {"failure_message", r.failure_message},
                   {"served", r.served},
                   {"dns", r.dns},
                   {"renewer", r.renewer}});
  }
  std::string json = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Inside <script>, "</script>" in a value would end the element: '<' only occurs within
  // JSON strings, where \u003c means the same.
  std::string safe;
  safe.reserve(json.size());
  for (char c : json) {
    if (c == '<') {
      safe += "\\u003c";
    } else {
      safe.push_back(c);
    }
  }

  std::string html(kHead);
  html += "<div class=\"meta\">version <span id=\"version\">" + HtmlEscape(CERTWATCH_VERSION) +
          "</span> (revision " + HtmlEscape(CERTWATCH_REVISION) + ") &middot; ";
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
  html +=
      R"(<div class="controls"><label>Namespace <select id="ns-filter"><option value="">all namespaces</option></select></label> <span id="summary"></span></div>
<table id="watched">
<thead><tr><th>Kind</th><th>Namespace</th><th>Name</th><th>Expires</th><th>Days left</th><th>Ready</th><th>Failure</th><th>Served vs stored</th><th>DNS propagation</th><th>Renewer</th></tr></thead>
<tbody id="rows"></tbody>
</table>
<script type="application/json" id="certwatch-data">)";
  html += safe;
  html += "</script>\n";
  html += kScript;
  html += "</body>\n</html>\n";
  return html;
}

}  // namespace certwatch
