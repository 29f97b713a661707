// Prints the plain closing line CI reads ("N passed, N failed, N skipped") from vitest's JSON reports: the main run's
// (first argument, default test-results/vitest.json) and any more given (the faketime runs), each on a line of its
// own first when there are several.
import { readFileSync } from 'node:fs';

const paths = process.argv.length > 2 ? process.argv.slice(2) : ['test-results/vitest.json'];

function count(path) {
  let report;
  try {
    report = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    console.log(`no vitest report at ${path}: ${err.message}`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  const passed = report.numPassedTests ?? 0;
  // Failed tests, plus test files that failed without a failed test (an error while loading or in a hook).
  const brokenFiles = (report.testResults ?? []).filter(
    (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
  const failed = (report.numFailedTests ?? 0) + brokenFiles;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  return { passed, failed, skipped };
}

const line = (c) => `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;
const total = { passed: 0, failed: 0, skipped: 0 };
// A report without a single passed test is a broken run.
let empty = false;
for (const path of paths) {
  const c = count(path);
  if (paths.length > 1) console.log(`${path}: ${line(c)}`);
  for (const k of Object.keys(total)) total[k] += c[k];
  empty ||= c.passed === 0;
}
console.log(line(total));
process.exit(total.failed > 0 || empty ? 1 : 0);
