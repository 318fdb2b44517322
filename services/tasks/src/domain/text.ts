// Diacritics-insensitive search text is the platform's (every service searches Vietnamese the same way).
export { matchesSearch, normalizeForSearch } from "@ministry/platform";
