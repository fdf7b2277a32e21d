#pragma once

// Accepting a work order (受理; DESIGN.md §4, §6): the field-by-field rules
// of CreateTicket and the fingerprint a retry is compared by; free of gRPC
// and SQL.

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "hotline/v1/intake.pb.h"
#include "services/intake/domain/places.h"

namespace hotline::intake {

// Field-by-field validation of CreateTicket (everything but the articles
// cited by close_at_intake, which need the knowledge base). `now` bounds
// received_at. INVALID_ARGUMENT naming the field.
absl::Status ValidateCreateTicket(const v1::CreateTicketRequest& req,
                                  const Catalog& catalog, absl::Time now);

// The CreateTicket fingerprint stored for idempotency (ticket.request_hash):
// SHA-256 of the deterministic serialization of the request WITHOUT its
// caller, so that no digest of caller data is stored (issue 13). A retry's
// caller is compared separately (SameCaller), from the ciphertext.
std::string CreateTicketFingerprint(const v1::CreateTicketRequest& request);
// For orders stored before fingerprints (request_hash NULL): whether
// `request` asks for what `stored` (the stored order, without caller)
// records: type, channel, category, urgency, place, title, content, limit,
// confidentiality, received time when given, closing at intake.
bool RequestMatchesOrder(const v1::CreateTicketRequest& request,
                         const v1::Ticket& stored);

}  // namespace hotline::intake
