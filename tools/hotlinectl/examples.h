#pragma once

// Example command lines for `hotlinectl help VERB`, written by hand for every
// verb: a generic field=value line is no help for create, reply or report.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace hotline::ctl {

struct Example {
  const char* what;  // one line saying what it does
  const char* line;  // the command, starting with "hotlinectl"
};

// The examples of a verb; empty for a name that is no verb.
std::vector<Example> ExamplesFor(absl::string_view verb);

}  // namespace hotline::ctl
