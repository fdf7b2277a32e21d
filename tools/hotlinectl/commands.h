#pragma once

// What each kind of command line does once the flags are read: an RPC verb
// (or `call`), `health`. Every command returns the exit code: 0, or 1 after
// an error message (never an abort).

#include <string>
#include <vector>

#include "tools/hotlinectl/columns.h"
#include "tools/hotlinectl/rpc.h"

namespace hotline::ctl {

struct Options {
  bool json = false;       // --json
  std::string data;        // --data: JSON or @file
  std::string on;          // --on: health / clock verbs
  ColumnChoice columns;    // -o wide, --columns
  bool all = false;        // --all
  std::string page_token;  // --page_token
  int page_size = 0;       // --page_size
  std::string out;         // --out (report)
};

// Prints an error ("error: CODE: message", or {"error": …} with --json) and
// returns 1.
int Fail(const Options& options, const std::string& code,
         const std::string& message);

// Runs the RPC `method_name` (fully qualified) on `service` with the request
// built from `words`; `verb` names the command for hints ("reply", or
// "call routing hotline.v1.RoutingService.Reply").
int RunRpc(const Client& client, const Options& options,
           const std::string& service, const std::string& method_name,
           const std::string& verb, const std::vector<std::string>& words);

// A verb: its service, or every service (--on for one) for "any".
int RunVerb(const Client& client, const Options& options,
            const std::string& verb, const std::vector<std::string>& words);

// `health`: exit 1 unless every service asked is SERVING.
int Health(const Client& client, const Options& options);

}  // namespace hotline::ctl
