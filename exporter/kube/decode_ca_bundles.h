// Decoders of the kubernetes.ca_bundles kinds (decode.h's conventions: a field of the wrong
// type is a warning naming object and field; the rest of the object is kept). A caBundle that
// is not base64 of PEM certificates is kept as the entry's `error`, not as a warning.
#pragma once

#include <simdjson.h>

#include "exporter/kube/decode.h"
#include "state/ca_bundles.h"

namespace certwatch {

// Validating/MutatingWebhookConfiguration: one entry per webhooks[] item.
void DecodeValidatingWebhookConfiguration(simdjson::ondemand::object obj, CaBundleObjectState& out,
                                          DecodeOutput& d);
void DecodeMutatingWebhookConfiguration(simdjson::ondemand::object obj, CaBundleObjectState& out,
                                        DecodeOutput& d);
// APIService: one entry from spec.caBundle and spec.service (none for a local APIService).
void DecodeApiService(simdjson::ondemand::object obj, CaBundleObjectState& out, DecodeOutput& d);
// CustomResourceDefinition: one entry from spec.conversion.webhook.clientConfig when
// spec.conversion.strategy is Webhook; everything but metadata and spec.conversion is skipped.
void DecodeCrdConversion(simdjson::ondemand::object obj, CaBundleObjectState& out, DecodeOutput& d);
// Service: ports only. EndpointSlice: service-name label, ready addresses, ports.
void DecodeService(simdjson::ondemand::object obj, ServiceState& out, DecodeOutput& d);
void DecodeEndpointSlice(simdjson::ondemand::object obj, EndpointSliceState& out, DecodeOutput& d);

// The caBundle field's value (base64 of PEM) into entry.pem / .cas, or entry.error.
void ParseCaBundle(std::string_view base64, CaBundleEntry& entry);

}  // namespace certwatch
