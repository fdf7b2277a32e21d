#pragma once

// Renders a response message for people: "field: value" lines, nested
// messages indented, repeated messages as tables whose columns are their
// non-empty scalar fields and those of messages one level inside them (at
// most nine columns). Enums lose their type prefix
// (REQUEST_TYPE_COMPLAINT → COMPLAINT); timestamps are shown in China
// Standard Time; CJK characters count two columns wide.

#include <string>

namespace google::protobuf {
class Message;
}

namespace hotline::ctl {

std::string RenderHuman(const google::protobuf::Message& message);

// proto3 JSON, pretty-printed, fields with default values included.
std::string RenderJson(const google::protobuf::Message& message);

// Display width of UTF-8 text in a terminal.
int DisplayWidth(const std::string& text);

}  // namespace hotline::ctl
