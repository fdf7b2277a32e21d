#!/usr/bin/python3
"""Waits until gRPC services report SERVING over the standard health protocol.

  health.py [--timeout SECONDS] [--service NAME] HOST:PORT...

Speaks grpc.health.v1.Health/Check with python3-grpcio and no generated code
(an empty HealthCheckRequest is zero bytes; the response's field 1 is the
status), so it checks the services from outside the project's own code.
Exit 0 when every address reports SERVING, 1 on timeout (printing each
address's last state).
"""
import argparse
import sys
import time

import grpc

STATES = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def encode_request(service):
    data = service.encode()
    if not data:
        return b""
    return b"\x0a" + bytes([len(data)]) + data  # field 1, length-delimited


def decode_status(data):
    # HealthCheckResponse{status = 1 (enum, varint)}; absent means UNKNOWN.
    if len(data) >= 2 and data[0] == 0x08:
        return data[1]
    return 0


def check(address, service, timeout):
    with grpc.insecure_channel(address) as channel:
        call = channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=lambda x: x,
            response_deserializer=lambda x: x,
        )
        try:
            return STATES.get(decode_status(call(encode_request(service),
                                                 timeout=timeout)), "UNKNOWN")
        except grpc.RpcError as e:
            return "unreachable (%s)" % e.code().name


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--service", default="")
    parser.add_argument("addresses", nargs="+")
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout
    state = {}
    while True:
        for address in args.addresses:
            if state.get(address) != "SERVING":
                state[address] = check(address, args.service, 2.0)
        if all(s == "SERVING" for s in state.values()):
            for address in args.addresses:
                print("%s SERVING" % address)
            return 0
        if time.monotonic() > deadline:
            for address in args.addresses:
                print("%s %s" % (address, state[address]), file=sys.stderr)
            return 1
        time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
