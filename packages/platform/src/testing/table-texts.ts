/**
 * Texts for testing formula injection (OWASP "CSV Injection") in files people open in a spreadsheet: a
 * cell starting with =, +, -, @, tab or CR is a formula there. The platform's CSV writer and reader are
 * tested with them, and so is every service's export of its own files.
 */

/** Texts people could type that a spreadsheet would read as a formula, and near misses with quotes before them. */
export const FORMULA_LIKE_TEXTS: readonly string[] = [
  '=HYPERLINK("http://example.com/x","Bấm vào đây")',
  "+84 24 3824 0000",
  "-5 ngày so với kế hoạch",
  "-",
  "@SUM(A1:A2)",
  "\t=1+1",
  "\r=1+1",
  "'=already quoted",
  "''=twice quoted",
  "'-",
];
