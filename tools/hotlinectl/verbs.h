#pragma once

// The verbs of hotlinectl: each names one RPC of the contracts and the
// service that answers it.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace hotline::ctl {

struct Verb {
  const char* name;
  const char* service;  // intake | routing | deadline | assessment | any
  const char* method;  // fully qualified: hotline.v1.IntakeService.CreateTicket
  const char* help;    // one line
};

// Every RPC verb, in the order `hotlinectl help` lists them.
const std::vector<Verb>& Verbs();

// The verb of that name; null when none.
const Verb* FindVerb(absl::string_view name);

// The verb whose method is `method_full_name`; null when none.
const Verb* FindVerbByMethod(absl::string_view method_full_name);

// Makes sure the descriptors of every contract are in the generated pool:
// a .proto file's descriptors register only when its object file is linked
// in, which touching one message of each file ensures.
void LinkContracts();

// Up to `max` of `candidates` closest to `word` (prefix or small edit
// distance), best first: the "did you mean" of an error message.
std::vector<std::string> NearestNames(
    absl::string_view word, const std::vector<std::string>& candidates,
    size_t max = 3);

// " (did you mean a or b?)", or "" when there is nothing near.
std::string DidYouMean(absl::string_view word,
                       const std::vector<std::string>& candidates);

}  // namespace hotline::ctl
