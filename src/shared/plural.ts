/** One plural rule set per language, made once (building one costs more than using it). */
const rules = new Map<string, Intl.PluralRules>();

/**
 * Whether `count` takes the singular in `locale` ("1 item", "1 Element"), by the language's own
 * plural rules. A value that is not a number takes the plural.
 */
export function isSingular(locale: "en" | "de", count: unknown): boolean {
  const n = typeof count === "number" ? count : Number(count);
  if (count === null || count === "" || !Number.isFinite(n)) return false;
  let rule = rules.get(locale);
  if (!rule) {
    rule = new Intl.PluralRules(locale);
    rules.set(locale, rule);
  }
  return rule.select(n) === "one";
}
