/**
 * The summary table `npm run bench` prints at the end, for the README's performance section:
 * each benchmark adds its headline figures with the baseline measured in the same run.
 */
interface Row {
  figure: string;
  setup: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
}

const rows: Row[] = [];

export function addSummary(row: Row): void {
  rows.push(row);
}

export function printSummary(): void {
  if (rows.length === 0) return;
  console.log("\n## Summary (paste into the README's performance section)\n");
  console.log("| figure | setup | value | baseline (same run) | ratio | target |");
  console.log("|---|---|---|---|---|---|");
  for (const r of rows)
    console.log(`| ${r.figure} | ${r.setup} | ${r.value} | ${r.baseline} | ${r.ratio} | ${r.target} |`);
}
