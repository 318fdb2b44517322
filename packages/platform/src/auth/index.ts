export * from "./identity.js";
export * from "./local-authority.js";
export * from "./scope.js";
export * from "./verifier.js";
