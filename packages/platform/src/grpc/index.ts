export * from "./client.js";
export { wrapImplementation } from "./handlers.js";
export {
  authInterceptor,
  deadlineInterceptor,
  findIdentity,
  getIdentity,
  isInfrastructureMethod,
  observabilityInterceptor,
} from "./interceptors.js";
export * from "./server.js";
export * from "./status.js";
export { addReflection, contractsDescriptorIndex, DescriptorIndex, REFLECTION_SERVICES } from "./reflection.js";
