export * from "./client.js";
export { wrapImplementation } from "./handlers.js";
export {
  authInterceptor,
  DEFAULT_ACCESS_LOG,
  deadlineInterceptor,
  findIdentity,
  getIdentity,
  isInfrastructureMethod,
  observabilityInterceptor,
  type AccessLogPolicy,
} from "./interceptors.js";
export * from "./server.js";
export * from "./status.js";
export { addReflection, contractsDescriptorIndex, DescriptorIndex, REFLECTION_SERVICES } from "./reflection.js";
