// The CertificateSigningRequest decoder (kubernetes.csrs).
#pragma once

#include <simdjson.h>

#include "exporter/kube/decode.h"
#include "state/csrs.h"

namespace certwatch {

// metadata.name and creationTimestamp, spec.signerName, and the state from
// status.conditions (Approved, Denied, Failed with status True) and status.certificate.
void DecodeCsr(simdjson::ondemand::object obj, CsrState& out, DecodeOutput& d);

}  // namespace certwatch
