// The web server's options from the config's web section and the exporter-toolkit web config
// file it names (TLS, client certificates, basic auth).
#pragma once

#include "common/result.h"
#include "config/config.h"
#include "exporter/web/server.h"

namespace certwatch {

Result<WebServerOptions> WebServerOptionsFor(const WebConfig& web);

}  // namespace certwatch
