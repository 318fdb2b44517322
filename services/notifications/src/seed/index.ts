/**
 * The default run's directory, loaded when the directory is empty (SEED_DATA). Every seeded person and
 * unit passes the same checks as UpsertPerson and UpsertUnit: the seed cannot hold what the API refuses.
 */
import { FieldChecks } from "@ministry/platform";
import type { Directory } from "../app/directory.js";
import { checkPerson, checkUnit } from "../domain/directory.js";
import { SEED_PEOPLE, SEED_UNITS } from "./people.js";

export { SEED_PEOPLE, SEED_UNITS, type SeedPerson, type SeedUnit } from "./people.js";

/**
 * Seeds an empty directory; `seeded` is false when it already had people. Two replicas starting at
 * once: one seeds, the other gets `seeded: false` or AlreadyExists (the seed's ids are taken).
 */
export async function seedDirectory(d: Directory): Promise<{ seeded: boolean; people: number; units: number }> {
  const checks = new FieldChecks();
  const units = SEED_UNITS.map((u, i) => checkUnit(checks, u, `units[${i}]`));
  const people = SEED_PEOPLE.map((p, i) => checkPerson(checks, p, `people[${i}]`));
  checks.check();
  const seeded = await d.seed(units, people);
  return seeded
    ? { seeded, people: people.length, units: units.length }
    : { seeded, people: await d.store.countPeople(), units: await d.store.units.countDocuments() };
}
