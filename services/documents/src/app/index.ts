/**
 * The service's use cases over one context.
 */
import type { AppContext } from "./context.js";
import { ExchangeAdmin } from "./exchange-admin.js";
import { IncomingCommands } from "./incoming.js";
import { OutgoingCommands } from "./outgoing.js";
import { DocumentQueries } from "./queries.js";
import { Registers } from "./registers.js";

export interface UseCases {
  incoming: IncomingCommands;
  outgoing: OutgoingCommands;
  queries: DocumentQueries;
  registers: Registers;
  exchangeAdmin: ExchangeAdmin;
}

export function createUseCases(app: AppContext): UseCases {
  const incoming = new IncomingCommands(app);
  return {
    incoming,
    outgoing: new OutgoingCommands(app),
    queries: new DocumentQueries(app),
    registers: new Registers(app),
    exchangeAdmin: new ExchangeAdmin(app, incoming),
  };
}
