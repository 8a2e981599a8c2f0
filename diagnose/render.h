// Output of `certwatch status certificate`: the walk as text (grouped under one heading per
// object, ANSI colours on a terminal) or as one JSON document.
#pragma once

#include <string>

#include "diagnose/verdict.h"

namespace certwatch {

std::string RenderDiagnosisText(const DiagnoseInput& in, const Diagnosis& d, bool colour);
std::string RenderDiagnosisJson(const DiagnoseInput& in, const Diagnosis& d, UnixSeconds now);

}  // namespace certwatch
