// tsc does not copy data files: the descriptor set travels next to the compiled code.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
fs.copyFileSync(path.join(root, "src", "gen", "descriptors.binpb"), path.join(root, "dist", "gen", "descriptors.binpb"));
