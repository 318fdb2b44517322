/**
 * @ministry/proto: generated code is imported by path, e.g.
 * `import { Actor } from "@ministry/proto/ministry/common/v1/common"`.
 * This entry point gives the descriptor set of every contract, for gRPC reflection.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const descriptorSetPath = path.join(path.dirname(fileURLToPath(import.meta.url)), "gen", "descriptors.binpb");

export function loadDescriptorSet(): Buffer {
  return fs.readFileSync(descriptorSetPath);
}
