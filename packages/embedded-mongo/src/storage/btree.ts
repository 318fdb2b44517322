/**
 * sorted-btree ships CommonJS with `exports.default`: under Node's ESM loader a default import is the
 * whole `module.exports`, so the class is one level down. Comparators are plain `<` (our string keys are
 * order-preserving encodings, see keys.ts; record ids are numbers).
 */
import * as sortedBtree from "sorted-btree";

export type Tree<K, V> = InstanceType<typeof sortedBtree.default.default<K, V>>;
export type StringTree<V> = Tree<string, V>;

type BTreeClass = typeof sortedBtree.default.default;
const loaded = sortedBtree.default as unknown as BTreeClass & { default?: BTreeClass };
const BTreeCtor: BTreeClass = loaded.default ?? loaded;

function compareOrdered<K extends string | number>(a: K, b: K): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function newStringTree<V>(): StringTree<V> {
  return new BTreeCtor<string, V>(undefined, compareOrdered, 64);
}

export function newNumberTree<V>(): Tree<number, V> {
  return new BTreeCtor<number, V>(undefined, compareOrdered, 64);
}
