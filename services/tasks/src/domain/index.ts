export * from "./vocabulary.js";
export * from "./text.js";
export * from "./deadline.js";
export * from "./task.js";
export * from "./lifecycle.js";
export * from "./deadline-change.js";
export * from "./report.js";
export * from "./programme.js";
