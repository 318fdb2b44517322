#!/usr/bin/python3
"""An independent gRPC server-reflection client: what grpcurl, grpcui or Postman do, in Python.

It shares nothing with the server's code or contracts: the reflection messages are written here from
the protocol's published definition (grpc/reflection/v1/reflection.proto), and it needs only Debian's
python3-grpcio and python3-protobuf (run it with /usr/bin/python3; a pyenv python lacks them).

It lists every service, asks for the file that declares each one on a single stream (a server sends a
file's dependencies once per stream, as grpc-go does, so the files accumulate as they would in any
client), adds every file to a fresh DescriptorPool, which refuses a file whose declared dependencies it
has not been given or whose types come from a file it does not import, and prints each service with its
methods and their input and output types. It exits 1 when any of that fails.

    /usr/bin/python3 scripts/grpc-reflect.py 127.0.0.1:15051 [--api v1alpha] [--json]

With --call it then calls one unary method as grpcurl would, building the request from JSON with the
reflected descriptors and printing the answer as JSON (an error as its status and message, exit 1):

    /usr/bin/python3 scripts/grpc-reflect.py 127.0.0.1:15053 --call ministry.meetings.v1.MeetingService/GetMeeting \
        -d '{"id": "gb-2020-q1"}' -H "authorization: Bearer $TOKEN"
"""

import argparse
import json
import queue
import sys

try:
    import grpc
    from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
except ImportError as err:  # pragma: no cover - depends on the machine
    sys.stderr.write(f"grpc-reflect: {err}; install Debian's python3-grpcio python3-protobuf and run /usr/bin/python3\n")
    sys.exit(2)

F = descriptor_pb2.FieldDescriptorProto


def reflection_messages(package):
    """The reflection request and response classes of `package` (grpc.reflection.v1 or v1alpha).

    Both versions have the same messages with the same field numbers; only the package differs.
    """
    file = descriptor_pb2.FileDescriptorProto(
        name=f"{package.replace('.', '/')}/reflection.proto", package=package, syntax="proto3"
    )

    def message(name, fields, oneof=None):
        msg = file.message_type.add(name=name)
        if oneof:
            msg.oneof_decl.add(name=oneof)
        for field_name, number, kind, repeated, in_oneof in fields:
            field = msg.field.add(
                name=field_name,
                number=number,
                label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL,
                json_name="".join(p if i == 0 else p.title() for i, p in enumerate(field_name.split("_"))),
            )
            if isinstance(kind, str):
                field.type = F.TYPE_MESSAGE
                field.type_name = f".{package}.{kind}"
            else:
                field.type = kind
            if in_oneof:
                field.oneof_index = 0

    message(
        "ServerReflectionRequest",
        [
            ("host", 1, F.TYPE_STRING, False, False),
            ("file_by_filename", 3, F.TYPE_STRING, False, True),
            ("file_containing_symbol", 4, F.TYPE_STRING, False, True),
            ("file_containing_extension", 5, "ExtensionRequest", False, True),
            ("all_extension_numbers_of_type", 6, F.TYPE_STRING, False, True),
            ("list_services", 7, F.TYPE_STRING, False, True),
        ],
        oneof="message_request",
    )
    message("ExtensionRequest", [("containing_type", 1, F.TYPE_STRING, False, False), ("extension_number", 2, F.TYPE_INT32, False, False)])
    message(
        "ServerReflectionResponse",
        [
            ("valid_host", 1, F.TYPE_STRING, False, False),
            ("original_request", 2, "ServerReflectionRequest", False, False),
            ("file_descriptor_response", 4, "FileDescriptorResponse", False, True),
            ("all_extension_numbers_response", 5, "ExtensionNumberResponse", False, True),
            ("list_services_response", 6, "ListServiceResponse", False, True),
            ("error_response", 7, "ErrorResponse", False, True),
        ],
        oneof="message_response",
    )
    message("FileDescriptorResponse", [("file_descriptor_proto", 1, F.TYPE_BYTES, True, False)])
    message("ExtensionNumberResponse", [("base_type_name", 1, F.TYPE_STRING, False, False), ("extension_number", 2, F.TYPE_INT32, True, False)])
    message("ListServiceResponse", [("service", 1, "ServiceResponse", True, False)])
    message("ServiceResponse", [("name", 1, F.TYPE_STRING, False, False)])
    message("ErrorResponse", [("error_code", 1, F.TYPE_INT32, False, False), ("error_message", 2, F.TYPE_STRING, False, False)])

    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(file.SerializeToString())
    classes = message_class_maker(pool)
    return (
        classes(pool.FindMessageTypeByName(f"{package}.ServerReflectionRequest")),
        classes(pool.FindMessageTypeByName(f"{package}.ServerReflectionResponse")),
    )


def message_class_maker(pool):
    # protobuf 4.22 added GetMessageClass and later removed MessageFactory.GetPrototype; Debian 12 has 4.21.
    get = getattr(message_factory, "GetMessageClass", None)
    if get is not None:
        return get
    return message_factory.MessageFactory(pool).GetPrototype


class Session:
    """One ServerReflectionInfo stream, asked one request at a time."""

    def __init__(self, channel, package, timeout):
        self.request_type, response_type = reflection_messages(package)
        self.requests = queue.Queue()
        method = channel.stream_stream(
            f"/{package}.ServerReflection/ServerReflectionInfo",
            request_serializer=self.request_type.SerializeToString,
            response_deserializer=response_type.FromString,
        )
        self.responses = method(iter(self.requests.get, None), timeout=timeout)

    def ask(self, **request):
        self.requests.put(self.request_type(**request))
        response = next(self.responses)
        if response.WhichOneof("message_response") == "error_response":
            err = response.error_response
            raise LookupError(f"{request}: {status_name(err.error_code)} {err.error_message}")
        return response

    def close(self):
        self.requests.put(None)


def status_name(code):
    for status in grpc.StatusCode:
        if status.value[0] == code:
            return status.name
    return str(code)


def reflect(target, package, timeout):
    channel = grpc.insecure_channel(target)
    try:
        grpc.channel_ready_future(channel).result(timeout=timeout)
        session = Session(channel, package, timeout)
        try:
            names = sorted(s.name for s in session.ask(list_services="").list_services_response.service)
            received = {}  # file name -> (serialized bytes, FileDescriptorProto), every file the stream sent
            declared_in = {}
            for name in names:
                files = session.ask(file_containing_symbol=name).file_descriptor_response.file_descriptor_proto
                if not files:
                    raise LookupError(f"no file for service {name}")
                for raw in files:
                    proto = descriptor_pb2.FileDescriptorProto.FromString(raw)
                    received[proto.name] = (raw, proto)
                declared_in[name] = descriptor_pb2.FileDescriptorProto.FromString(files[0]).name
        finally:
            session.close()
    finally:
        channel.close()

    pool = descriptor_pool.DescriptorPool()
    added = set()

    def add(file_name, imported_by):
        if file_name in added:
            return
        if file_name not in received:
            raise LookupError(f"{file_name}, imported by {imported_by}, was never sent by the server")
        raw, proto = received[file_name]
        for dependency in proto.dependency:
            add(dependency, file_name)
        # The pool checks the file against its declared dependencies only: a missing import, or a type
        # taken from a file it does not import, is refused here.
        pool.AddSerializedFile(raw)
        added.add(file_name)

    for file_name in sorted(received):
        add(file_name, "(the server's answer)")

    make_class = message_class_maker(pool)
    services = []
    for name in names:
        service = pool.FindServiceByName(name)
        _, file_proto = received[service.file.name]
        # The file's own record says which side streams (the cpp MethodDescriptor of protobuf 4.21 does not).
        streaming = {
            m.name: (m.client_streaming, m.server_streaming)
            for s in file_proto.service
            if f"{file_proto.package}.{s.name}" == name
            for m in s.method
        }
        methods = []
        for method in service.methods:
            # Building the message classes proves every field's type resolved, not only the names.
            make_class(method.input_type)
            make_class(method.output_type)
            client_streaming, server_streaming = streaming[method.name]
            methods.append(
                {
                    "name": method.name,
                    "input": method.input_type.full_name,
                    "output": method.output_type.full_name,
                    "client_streaming": client_streaming,
                    "server_streaming": server_streaming,
                }
            )
        if declared_in[name] != service.file.name:
            raise LookupError(f"{name} is declared in {service.file.name}, the server answered {declared_in[name]}")
        services.append({"name": name, "file": service.file.name, "methods": methods})
    files = [{"name": n, "dependency": list(received[n][1].dependency)} for n in sorted(received)]
    return {"api": package, "target": target, "services": services, "files": files, "pool": pool}


def call(target, pool, method_path, data, headers, timeout):
    """Calls one unary method with a request built from JSON; returns the answer as JSON text."""
    service_name, _, method_name = method_path.partition("/")
    method = pool.FindServiceByName(service_name).FindMethodByName(method_name)
    make_class = message_class_maker(pool)
    request_type, response_type = make_class(method.input_type), make_class(method.output_type)
    request = json_format.Parse(data or "{}", request_type())
    channel = grpc.insecure_channel(target)
    try:
        stub = channel.unary_unary(
            f"/{service_name}/{method_name}",
            request_serializer=request_type.SerializeToString,
            response_deserializer=response_type.FromString,
        )
        metadata = [tuple(part.strip() for part in h.split(":", 1)) for h in headers]
        response = stub(request, timeout=timeout, metadata=[(k.lower(), v) for k, v in metadata])
    finally:
        channel.close()
    return json_format.MessageToJson(response, ensure_ascii=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", help="host:port of the gRPC server")
    parser.add_argument("--api", choices=["v1", "v1alpha"], default="v1", help="reflection protocol version")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the server")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON document")
    parser.add_argument("--call", metavar="SERVICE/METHOD", help="call a unary method, e.g. ministry.meetings.v1.MeetingService/GetMeeting")
    parser.add_argument("-d", "--data", default="{}", help="the request as JSON (with --call)")
    parser.add_argument("-H", "--header", action="append", default=[], help='a metadata header "name: value" (with --call; repeatable)')
    args = parser.parse_args()
    try:
        result = reflect(args.target, f"grpc.reflection.{args.api}", args.timeout)
        if args.call:
            print(call(args.target, result["pool"], args.call, args.data, args.header, args.timeout))
            return 0
    # TypeError is how the pool refuses a file it cannot build; LookupError (KeyError too) a missing one.
    except grpc.RpcError as err:
        if hasattr(err, "code"):
            sys.stderr.write(f"grpc-reflect: {err.code().name}: {err.details()}\n")
        else:
            sys.stderr.write(f"grpc-reflect: {err}\n")
        return 1
    except (grpc.FutureTimeoutError, LookupError, TypeError, json_format.ParseError) as err:
        sys.stderr.write(f"grpc-reflect: {type(err).__name__}: {err}\n")
        return 1
    del result["pool"]
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    methods = sum(len(s["methods"]) for s in result["services"])
    print(f"{result['target']} ({result['api']}): {len(result['services'])} services, {methods} methods, {len(result['files'])} files")
    for service in result["services"]:
        print(f"\nservice {service['name']}  [{service['file']}]")
        for m in service["methods"]:
            arg = ("stream " if m["client_streaming"] else "") + m["input"]
            ret = ("stream " if m["server_streaming"] else "") + m["output"]
            print(f"  rpc {m['name']}({arg}) returns ({ret})")
    print("\nfiles, each built from its declared dependencies:")
    for f in result["files"]:
        print(f"  {f['name']}" + (f"  <- {', '.join(f['dependency'])}" if f["dependency"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
