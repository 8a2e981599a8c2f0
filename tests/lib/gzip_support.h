// Decompresses a gzip body in tests of the scrape output.
#pragma once

#include <string>

namespace certwatch::testing {

// The whole gzip stream `in` inflated; a GoogleTest failure when it is not one complete stream.
std::string Gunzip(const std::string& in);

}  // namespace certwatch::testing
