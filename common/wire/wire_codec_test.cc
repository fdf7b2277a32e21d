// The codec every hotline binary uses for gRPC payloads (wire_codec.h): a
// request that does not parse is INVALID_ARGUMENT naming the field.

#include "common/wire/wire_codec.h"

#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/grpcpp.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline/v1/events.pb.h"
#include "hotline/v1/intake.pb.h"

namespace hotline::wire {
namespace {

using ::testing::HasSubstr;

grpc::Status Decode(const std::string& bytes,
                    google::protobuf::MessageLite* msg) {
  grpc::Slice slice(bytes);
  grpc::ByteBuffer buffer(&slice, 1);
  return grpc::SerializationTraits<google::protobuf::MessageLite>::Deserialize(
      &buffer, msg);
}

// A length-delimited field: tag, length (< 128), bytes.
std::string Field(int number, const std::string& bytes) {
  std::string out;
  out.push_back(static_cast<char>(number << 3 | 2));
  out.push_back(static_cast<char>(bytes.size()));
  return out + bytes;
}

TEST(WireCodecTest, ValidMessagesParseAsBefore) {
  v1::CreateTicketRequest req;
  req.set_request_id("req-1");
  req.mutable_caller()->set_name("张三");
  req.set_content("南山小区3栋电梯停运一周。");
  v1::CreateTicketRequest out;
  grpc::Status s = Decode(req.SerializeAsString(), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.caller().name(), "张三");
}

TEST(WireCodecTest, InvalidUtf8NamesTheFieldPath) {
  // caller (9) { name (1): "张\xff" }
  const std::string bytes =
      Field(1, "req-1") + Field(9, Field(1, std::string("\xe5\xbc\xa0\xff")));
  v1::CreateTicketRequest out;
  grpc::Status s = Decode(bytes, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "caller.name: invalid UTF-8");
}

TEST(WireCodecTest, RepeatedFieldsCarryTheirIndex) {
  v1::PublishRequest req;
  req.set_source_service("routing");
  req.add_events()->set_ticket_id("t-1");
  req.add_events()->set_ticket_id("t-2");
  std::string bytes = req.SerializeAsString();
  // Corrupt the second event's ticket_id: a lone continuation byte.
  bytes[bytes.rfind("t-2") + 2] = '\x80';
  v1::PublishRequest out;
  grpc::Status s = Decode(bytes, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "events[1].ticket_id: invalid UTF-8");
}

TEST(WireCodecTest, NestedUnknownGroupsAreRefusedNotCrashed) {
  // 50 000 nested start-groups of an unknown field 15, then their ends.
  std::string bytes;
  for (int i = 0; i < 50000; ++i)
    bytes.push_back(static_cast<char>(15 << 3 | 3));
  for (int i = 0; i < 50000; ++i)
    bytes.push_back(static_cast<char>(15 << 3 | 4));
  v1::CreateTicketRequest out;
  grpc::Status s = Decode(bytes, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("field 15: groups"));
}

TEST(WireCodecTest, DeepNestingIsRefusedWithTheLimit) {
  // No hotline message is recursive; DescriptorProto is (nested_type = 3).
  auto wrap = [](const std::string& inner) {
    std::string out;
    out.push_back(static_cast<char>(3 << 3 | 2));
    size_t n = inner.size();
    while (n >= 0x80) {
      out.push_back(static_cast<char>((n & 0x7f) | 0x80));
      n >>= 7;
    }
    out.push_back(static_cast<char>(n));
    return out + inner;
  };
  std::string bytes = Field(1, "深");
  for (int i = 0; i < 70; ++i) bytes = wrap(bytes);
  google::protobuf::DescriptorProto out;
  grpc::Status s = Decode(bytes, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("nested_type[0].nested_type[0]"));
  EXPECT_THAT(s.error_message(), HasSubstr("nested deeper than 64 messages"));
  // 60 levels are fine.
  bytes = Field(1, "浅");
  for (int i = 0; i < 60; ++i) bytes = wrap(bytes);
  EXPECT_TRUE(Decode(bytes, &out).ok());
}

TEST(WireCodecTest, OversizedMessagesAreInvalidArgument) {
  v1::CreateTicketRequest req;
  req.set_content(std::string(kMaxMessageBytes + 10, 'a'));
  v1::CreateTicketRequest out;
  grpc::Status s = Decode(req.SerializeAsString(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("message: "));
  EXPECT_THAT(s.error_message(), HasSubstr("more than 4194304"));
}

TEST(WireCodecTest, TruncatedBytesAreInvalidArgument) {
  std::string bytes = Field(1, "req-1");
  bytes.resize(bytes.size() - 2);
  v1::CreateTicketRequest out;
  grpc::Status s = Decode(bytes, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("request_id: truncated"));
}

}  // namespace
}  // namespace hotline::wire
