/**
 * `GET /v1/me`: who the gateway takes the caller to be, from the verified token alone (no service is
 * asked), so a portal can show the signed-in person and decide which screens to offer.
 */
import type { FastifyInstance } from "fastify";

export function mePlugin(app: FastifyInstance): void {
  app.get(
    "/v1/me",
    {
      schema: {
        tags: ["me"],
        summary: "Người đang đăng nhập / The signed-in person",
        security: [{ bearerAuth: [] }],
        response: {
          200: {
            type: "object",
            properties: {
              id: { type: "string" },
              name: { type: "string" },
              roles: { type: "array", items: { type: "string" } },
              unitId: { type: "string" },
              clearance: { type: "string" },
            },
            required: ["id", "name", "roles"],
          },
        },
      },
    },
    async (req) => {
      const who = req.caller!.identity;
      return {
        id: who.userId,
        name: who.name,
        roles: who.roles,
        ...(who.unitId ? { unitId: who.unitId } : {}),
        ...(who.clearance ? { clearance: who.clearance } : {}),
      };
    },
  );
}
