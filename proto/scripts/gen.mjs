// Regenerates the TypeScript (ts-proto, through buf) and the descriptor set used for gRPC reflection.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(root, "node_modules", ".bin");
const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
const run = (...args) => execFileSync(path.join(bin, "buf"), args, { cwd: root, env, stdio: "inherit" });

fs.rmSync(path.join(root, "src", "gen"), { recursive: true, force: true });
run("generate");
fs.mkdirSync(path.join(root, "src", "gen"), { recursive: true });
// Imports included (never --exclude-imports): reflection hands clients each file with every file it
// imports, google/protobuf's too. Source info stays so clients can show the contracts' comments.
run("build", "--as-file-descriptor-set", "-o", path.join("src", "gen", "descriptors.binpb"));
