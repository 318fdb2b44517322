/**
 * The baseline of bench/run.ts, a process of its own: bare grpc-js (no interceptors, no authentication,
 * no database) answering DocumentService GetDocument with a fixed message: the very answer the service
 * gave the bench (decoded from the bytes it sent), so both servers put the same bytes on the wire and the
 * baseline pays only grpc-js and the message encoding.
 *
 *   tsx bench/baseline.ts <file with {"document": base64 GetDocumentResponse}>
 *
 * Prints {"ready": {"port": n}} once it listens on 127.0.0.1 and stops on SIGTERM.
 */
import fs from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { DocumentServiceService, GetDocumentResponse } from "@ministry/proto/ministry/documents/v1/documents";

const answers = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as { document: string };
const document = GetDocumentResponse.decode(Buffer.from(answers.document, "base64"));

const server = new grpc.Server();
// Only GetDocument is measured against the baseline; grpc-js answers UNIMPLEMENTED for the rest.
server.addService(DocumentServiceService, {
  getDocument: (_call: grpc.ServerUnaryCall<unknown, GetDocumentResponse>, cb: grpc.sendUnaryData<GetDocumentResponse>) =>
    cb(null, document),
} as unknown as grpc.UntypedServiceImplementation);
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
);
process.stdout.write(`${JSON.stringify({ ready: { port } })}\n`);
process.once("SIGTERM", () => {
  server.forceShutdown();
  process.exit(0);
});
