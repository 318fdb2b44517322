import { normalizeForSearch } from "@ministry/platform";

/**
 * A Vietnamese name's sort key: the given name (the last word) first, then the whole name, folded for
 * comparison, as attendance lists are ordered ("Nguyễn Văn An" before "Trần Thị Bình").
 */
export function sortName(fullName: string): string {
  const folded = normalizeForSearch(fullName).trim();
  const words = folded.split(/\s+/);
  return `${words[words.length - 1] ?? ""} ${folded}`;
}
