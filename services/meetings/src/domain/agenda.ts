import type { AgendaItem } from "./model.js";

/** Each item's planned start: the meeting's start plus the planned minutes of the items before it. */
export function plannedStarts(start: Date, items: readonly Pick<AgendaItem, "plannedMinutes">[]): Date[] {
  const out: Date[] = [];
  let at = start.getTime();
  for (const item of items) {
    out.push(new Date(at));
    at += item.plannedMinutes * 60_000;
  }
  return out;
}
