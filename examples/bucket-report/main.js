// Summarises the CSV files under `prefix` (default "in/") of a bucket in the job's folder: counts
// their data rows, writes `reports/<job id>.json`, and moves each file to `done/`. `dirigent/sdk`
// calls Dirigent with the job's token and retries network errors.
import { bucket, inputArguments, job, log, setOutputArguments } from "dirigent/sdk";

const input = inputArguments();
const files = bucket(input.bucketName);
const prefix = input.prefix ?? "in/";
const summary = [];

for (const file of await files.list(prefix)) {
  if (!file.path.endsWith(".csv")) continue;
  const text = (await files.read(file.path)).toString("utf8");
  const rows = text.split(/\r?\n/).filter((line) => line.trim() !== "").length - 1;
  summary.push({ file: file.path, rows: Math.max(0, rows), size: file.size });
  await files.write(`done/${file.path.slice(prefix.length)}`, text, "text/csv");
  await files.delete(file.path);
  log("info", `${file.path}: ${rows} rows`);
}

const report = `reports/${job.id ?? "local"}.json`;
await files.write(report, JSON.stringify({ summary }, null, 2), "application/json");
setOutputArguments({ report, files: summary.length });
