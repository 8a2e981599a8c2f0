// Decoders of ConfigMaps (their PEM certificates) and trust-manager Bundles (decode.h's
// conventions). A key that holds no CERTIFICATE block is skipped silently: ConfigMaps hold
// all kinds of data. A block that does not parse is counted on the object, never fatal.
#pragma once

#include <simdjson.h>

#include <string_view>
#include <vector>

#include "exporter/kube/decode.h"
#include "state/configmaps.h"

namespace certwatch {

void DecodeConfigMap(simdjson::ondemand::object obj, ConfigMapCertsState& out, DecodeOutput& d);
void DecodeBundle(simdjson::ondemand::object obj, BundleState& out, DecodeOutput& d);

// Each "-----BEGIN CERTIFICATE-----" block of `text` into `out`; returns how many did not
// parse.
int ParsePemCertificateBlocks(std::string_view text, std::vector<CertFacts>& out);

}  // namespace certwatch
