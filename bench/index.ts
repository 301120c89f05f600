import { benchEmail } from "./email.js";
import { benchFoundation } from "./foundation.js";
import { benchJobs } from "./jobs.js";
import { benchLogs } from "./logs.js";
import { benchMonitoring } from "./monitoring.js";
import { benchOData } from "./odata.js";
import { benchQueues } from "./queues.js";
import { benchRequests } from "./requests.js";
import { benchRobots } from "./robots.js";
import { benchStorage } from "./storage.js";
import { printSummary } from "./summary.js";
import { benchTriggers } from "./triggers.js";
import { benchWebhooks } from "./webhooks.js";

/**
 * `npm run bench`: every benchmark, each reported against a baseline measured in the same run.
 * PostgreSQL rows appear when DIRIGENT_BENCH_DATABASE_URL (or DIRIGENT_TEST_DATABASE_URL) is set.
 * BENCH_SECONDS, BENCH_EMAIL_MESSAGES, BENCH_LATENCY_JOBS, BENCH_THROUGHPUT_JOBS, BENCH_QUEUE_CYCLES, BENCH_WEBHOOK_DELIVERIES, BENCH_MONITORING_JOBS, BENCH_ROBOTS and BENCH_LOG_LINES shorten or lengthen the runs.
 */
const pgUrl = process.env.DIRIGENT_BENCH_DATABASE_URL ?? process.env.DIRIGENT_TEST_DATABASE_URL;
if (!pgUrl) console.log("PostgreSQL rows skipped: set DIRIGENT_BENCH_DATABASE_URL to include them.");
console.log("# Dirigent benchmarks");
await benchFoundation(pgUrl);
await benchRequests(pgUrl);
await benchEmail(pgUrl);
await benchJobs(pgUrl);
await benchRobots(pgUrl);
await benchLogs(pgUrl);
await benchQueues(pgUrl);
await benchTriggers(pgUrl);
await benchStorage(pgUrl);
await benchOData(pgUrl);
await benchWebhooks(pgUrl);
await benchMonitoring(pgUrl);
printSummary();
process.exit(0);
